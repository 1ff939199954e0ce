// The console's data layer: one Apollo Client with a normalized cache. possibleTypes and the
// connection fields come from schema.graphql (ui/codegen.ts), so a new interface member or a new
// connection needs no edit here.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import type { FieldPolicy, TypePolicies } from '@apollo/client/cache';
import { SetContextLink } from '@apollo/client/link/context';
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
  return policies;
}

const auth = new SetContextLink((prev) => {
  const key = getApiKey();
  return key ? { headers: { ...prev.headers, authorization: `Bearer ${key}` } } : {};
});

// Subscriptions (graphql-ws) slot in here later with ApolloLink.split on the operation type,
// sending subscriptions over a WebSocket link and everything else over HTTP; the cache
// normalizes what they deliver exactly like query results.
const link: ApolloLink = ApolloLink.from([auth, new HttpLink({ uri: GRAPHQL_PATH })]);

export function createClient() {
  return new ApolloClient({
    link,
    cache: new InMemoryCache({ possibleTypes: possibleTypesResult.possibleTypes, typePolicies: typePolicies() }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' } },
  });
}
