// Subscriptions over graphql-ws across two replicas on one database: live delivery through
// LISTEN/NOTIFY, resume with `after`, scope filtering and revoked keys.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { App, closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { HttpServer, startHttpServer } from '../src/server';
import { createTestDatabase } from './helpers/app';
import { subscribe } from './helpers/events';
import { okAt } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-subscription-tests';
interface Replica { app: App; http: HttpServer }
let replicas: Replica[] = [];
let database: { url: string; drop(): Promise<void> };

async function startReplica(url: string): Promise<Replica> {
  const config = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: url, AUTH: 'required', ADMIN_API_KEY: ADMIN, PG_POOL_SIZE: '5', SUBSCRIPTION_SEND_TIMEOUT_MS: '1000' });
  const app = await createApp(config, createLogger(config.logLevel));
  return { app, http: await startHttpServer(app, 0, '127.0.0.1') };
}

const ok = (i: number, query: string, variables?: Record<string, unknown>, token = ADMIN) => okAt(replicas[i].http.url, query, variables, { token });
const wsUrl = (i: number) => replicas[i].http.url.replace(/^http/, 'ws');

before(async () => {
  database = await createTestDatabase();
  replicas = [await startReplica(database.url), await startReplica(database.url)];
  for (const p of ['sub-a', 'sub-b']) await ok(0, `mutation { createProject(input: { name: "${p}" }) { id } }`);
});

after(async () => {
  for (const r of replicas) {
    await r.http.close();
    await closeApp(r.app);
  }
  await database?.drop();
});

const pipelines = async (i: number, project: string, names: string[]) => {
  for (const n of names) await ok(i, `mutation { createPipeline(input: { project: "${project}", name: "${n}" }) { id } }`);
};

test('a subscriber on replica A receives, in order, the events written through replica B', async () => {
  const sub = subscribe(wsUrl(0), ADMIN, { f: { projects: ['sub-a'], kinds: ['PIPELINE_CREATED'] } });
  await new Promise((r) => setTimeout(r, 300));
  await pipelines(1, 'sub-a', ['b1', 'b2', 'b3', 'b4', 'b5']);
  await sub.until(() => sub.received.length >= 5, '5 events');
  assert.deepEqual(sub.received.map((e) => e.data.name), ['b1', 'b2', 'b3', 'b4', 'b5']);
  const seqs = sub.received.map((e) => BigInt(e.sequence));
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]));
  await sub.stop();
});

test('a resume with after across a disconnect misses nothing and repeats nothing', async () => {
  const first = subscribe(wsUrl(0), ADMIN, { f: { projects: ['sub-a'], kinds: ['PIPELINE_CREATED'] } });
  await new Promise((r) => setTimeout(r, 300));
  await pipelines(1, 'sub-a', ['r1', 'r2']);
  await first.until(() => first.received.length >= 2, '2 events');
  const last = first.received.at(-1)!.sequence;
  await first.stop();
  // Written while nobody listens, then more while the resumed subscriber replays and goes live.
  await pipelines(1, 'sub-a', ['r3', 'r4']);
  const resumed = subscribe(wsUrl(1), ADMIN, { f: { projects: ['sub-a'], kinds: ['PIPELINE_CREATED'] }, after: last });
  await pipelines(0, 'sub-a', ['r5', 'r6']);
  await resumed.until(() => resumed.received.length >= 4, '4 events');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(resumed.received.map((e) => e.data.name), ['r3', 'r4', 'r5', 'r6']);
  await resumed.stop();
});

test("a scoped key's subscription never receives another project's event, and ends when the key is revoked", async () => {
  const created = (await ok(0, `mutation { createApiKey(input: { name: "sub-a-viewer", role: VIEWER, projects: ["sub-a"] }) { secret apiKey { id } } }`)).createApiKey;
  const sub = subscribe(wsUrl(1), created.secret, {});
  await new Promise((r) => setTimeout(r, 300));
  await pipelines(0, 'sub-b', ['hidden-1', 'hidden-2']);
  await pipelines(0, 'sub-a', ['seen-1']);
  await pipelines(0, 'sub-b', ['hidden-3']);
  await pipelines(0, 'sub-a', ['seen-2']);
  await sub.until(() => sub.received.length >= 2, '2 events');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(sub.received.map((e) => [e.project?.name, e.data.name]), [['sub-a', 'seen-1'], ['sub-a', 'seen-2']]);
  await ok(0, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id });
  await sub.until(() => sub.closed !== null, 'the socket to close', 10_000);
  assert.equal(sub.closed!.code, 4403);
  await sub.stop();
});

test('a connection without a valid key is refused, and queries over WebSocket are refused', async () => {
  const noKey = subscribe(wsUrl(0), 'not-a-key', {});
  await noKey.until(() => noKey.closed !== null, 'refusal');
  assert.equal(noKey.closed!.code, 4403);
  await noKey.stop();
  const client = createClient({ url: wsUrl(0), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${ADMIN}` } });
  const errors = await new Promise<unknown>((resolve) => {
    client.subscribe({ query: '{ viewer { name } }' }, { next: () => {}, error: resolve, complete: () => resolve(null) });
  });
  assert.match(JSON.stringify(errors), /only subscriptions run over WebSocket/);
  await client.dispose();
});

test('a subscriber that stops reading is closed with code 1008 instead of being waited for', async () => {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  let closed: { code: number; reason: string } | null = null;
  let received = 0;
  const client = createClient({
    url: wsUrl(0), webSocketImpl: Tracked, retryAttempts: 0, lazy: false, connectionParams: { Authorization: `Bearer ${ADMIN}` },
    on: { closed: (e) => { closed = { code: (e as { code: number }).code, reason: String((e as { reason: string }).reason) }; } },
  });
  client.subscribe({ query: 'subscription { events(filter: { projects: ["sub-b"] }) { sequence data } }' }, { next: () => { received++; }, error: () => {}, complete: () => {} });
  await new Promise((r) => setTimeout(r, 500));
  // The client stops reading from its TCP socket; then 40 events of about 256 kB each commit.
  (sockets[0] as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  await pg.query('BEGIN');
  const [{ last }] = (await pg.query('SELECT last FROM event_counter WHERE id = 1 FOR UPDATE')).rows;
  await pg.query(
    `INSERT INTO event (sequence, kind, actor, project_id, subject_type, subject_id, containers, data)
     SELECT $1::bigint + g, 'METADATA_LOGGED', 'test', p.id, 'Project', p.id, ARRAY[p.id], jsonb_build_object('keys', jsonb_build_array(repeat('k', 262144)))
     FROM generate_series(1, 40) g, project p WHERE p.name = 'sub-b'`, [last]);
  await pg.query('UPDATE event_counter SET last = last + 40 WHERE id = 1');
  await pg.query(`SELECT pg_notify('mag_events', 'x')`);
  await pg.query('COMMIT');
  await pg.end();
  await new Promise((r) => setTimeout(r, 4000));
  (sockets[0] as unknown as { _socket: import('node:net').Socket })._socket.resume();
  const deadline = Date.now() + 15_000;
  while (!closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(closed, 'the server closed the socket');
  assert.equal((closed as unknown as { code: number }).code, 1008);
  assert.ok(received < 40, `received ${received} of 40 before the close`);
  await client.dispose();
});
