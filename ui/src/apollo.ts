// The console's data layer: one Apollo Client with a normalized cache. possibleTypes and the
// connection fields come from schema.graphql (ui/codegen.ts), so a new interface member or a new
// connection needs no edit here.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import type { FieldPolicy, TypePolicies } from '@apollo/client/cache';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { from, mergeMap } from 'rxjs';
import { relayStylePagination } from '@apollo/client/utilities';
import possibleTypesResult, { CONNECTION_FIELDS } from './generated/possible-types';
import { getApiKey } from './auth';

export const GRAPHQL_PATH = '/graphql';

function typePolicies(): TypePolicies {
  const policies: TypePolicies = {};
  for (const [typeName, fields] of Object.entries(CONNECTION_FIELDS)) {
    const fieldPolicies: Record<string, FieldPolicy> = {};
    // Pages of one list share a cache entry per filter and order; `first`/`after` only page.
    for (const field of fields) fieldPolicies[field] = relayStylePagination(['filter', 'orderBy']);
    policies[typeName] = { fields: fieldPolicies };
  }
  // No id: embedded in their owner, merged field by field.
  policies.LineageGraph = { keyFields: false };
  policies.Viewer = { keyFields: false };
  // An event is read once, for its subject: kept as the subscription's latest value, not one
  // cache entry per event for as long as the tab is open.
  policies.Event = { keyFields: false };
  return policies;
}

const auth = new SetContextLink((prev) => {
  const key = getApiKey();
  return key ? { headers: { ...prev.headers, authorization: `Bearer ${key}` } } : {};
});

/**
 * Subscriptions go over graphql-ws to this server's own /graphql (the page's CSP allows no other
 * socket). The key is read at every connect, so a new sign-in is used by the next connection.
 * No retries here: a socket that closes ends the subscription, and the live layer (live.tsx)
 * subscribes again with `after` = the last sequence it saw (at first, where the change log stood
 * before the page loaded), so nothing is missed in between.
 */
export const liveSocket = createWsClient({
  url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`,
  connectionParams: () => {
    const key = getApiKey();
    return key ? { Authorization: `Bearer ${key}` } : {};
  },
  retryAttempts: 0,
  // Traffic on a quiet socket, so that proxies do not close it as idle.
  keepAlive: 20_000,
});

/** The operation that reads where the change log stands; it is never held. */
export const HEAD_OPERATION = 'LiveHead';
let held: Promise<unknown> | null = null;

/**
 * Holds the queries sent from now until `ready` settles: the live layer reads where the change log
 * stands before the page in view reads what it shows (see live.tsx).
 */
export function holdQueriesUntil(ready: Promise<unknown>): void {
  const gate: Promise<unknown> = ready.catch(() => undefined).finally(() => {
    if (held === gate) held = null;
  });
  held = gate;
}

const hold = new ApolloLink((operation, forward) => {
  const gate = held;
  if (!gate || operation.operationName === HEAD_OPERATION) return forward(operation);
  return from(gate).pipe(mergeMap(() => forward(operation)));
});

const link: ApolloLink = ApolloLink.split(
  ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
  new GraphQLWsLink(liveSocket),
  ApolloLink.from([hold, auth, new HttpLink({ uri: GRAPHQL_PATH })]),
);

export function createClient() {
  return new ApolloClient({
    link,
    cache: new InMemoryCache({ possibleTypes: possibleTypesResult.possibleTypes, typePolicies: typePolicies() }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' } },
  });
}
