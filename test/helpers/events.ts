// The change log as clients read it: paged through `events`, or live through a graphql-ws subscription.
import { Client as GraphqlWsClient, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from './app';

export interface Ev { sequence: string; kind: string; actor: string; subjectId: string; data: any; project: { name: string } | null }

export const EVENTS = `query($f: EventFilter, $first: Int, $after: String) {
  events(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { sequence kind actor subjectId data project { name } }
  }
}`;

/** Every event the filter matches, oldest first, page after page. */
export async function eventsOf(app: TestApp, filter: Record<string, unknown>, token?: string): Promise<Ev[]> {
  const out: Ev[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: any = (await app.ok(EVENTS, { f: filter, first: 1000, after: cursor }, { token })).events;
    out.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return out;
    cursor = page.pageInfo.endCursor;
  }
}

export interface Received { sequence: string; kind: string; subjectId: string; project: { name: string } | null; data: any }

/** A subscriber (graphql-ws on `url`, ws://…/graphql) that collects events and can wait for a number of them. */
export function subscribe(url: string, token: string | null, variables: Record<string, unknown>) {
  const received: Received[] = [];
  let closed: { code: number; reason: string } | null = null;
  let notify = () => {};
  const client: GraphqlWsClient = createClient({
    url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false,
    connectionParams: token === null ? {} : { Authorization: `Bearer ${token}` },
    on: { closed: (e) => { closed = { code: (e as { code: number }).code, reason: String((e as { reason: string }).reason) }; notify(); } },
  });
  const dispose = client.subscribe<{ events: Received }>({
    query: `subscription($f: EventFilter, $after: String) { events(filter: $f, after: $after) { sequence kind subjectId data project { name } } }`,
    variables,
  }, {
    next: (m) => { if (m.data) received.push(m.data.events); notify(); },
    error: () => notify(),
    complete: () => notify(),
  });
  const until = async (done: () => boolean, what: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${received.length}, closed ${JSON.stringify(closed)}`);
      await new Promise<void>((r) => { notify = r; setTimeout(r, 200); });
    }
  };
  return { received, get closed() { return closed; }, until, stop: async () => { dispose(); await client.dispose(); } };
}
