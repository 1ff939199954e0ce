// Webhooks against real HTTP receivers on 127.0.0.1: signatures, retries with backoff, order,
// and two replicas sharing the delivery work without sending an event twice.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { App, closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { HttpServer, startHttpServer } from '../src/server';
import { codeOf, createTestDatabase } from './helpers/app';
import { gqlAt, okAt } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-webhook-tests';
interface Replica { app: App; http: HttpServer }
let replicas: Replica[] = [];
let database: { url: string; drop(): Promise<void> };

async function startReplica(url: string): Promise<Replica> {
  const config = loadConfig({
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: url, AUTH: 'required', ADMIN_API_KEY: ADMIN, PG_POOL_SIZE: '5',
    WEBHOOK_BACKOFF_MS: '100', WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_MAX_ATTEMPTS: '3',
  });
  const app = await createApp(config, createLogger(config.logLevel));
  return { app, http: await startHttpServer(app, 0, '127.0.0.1') };
}

const ok = (query: string, variables?: Record<string, unknown>, i = 0) => okAt(replicas[i].http.url, query, variables, { token: ADMIN });

interface Hit { body: string; headers: http.IncomingHttpHeaders }

/** A receiver that answers with `status(n)` for its n-th request (1-based). */
async function receiver(status: (n: number) => number) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hits.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(status(hits.length)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, hits, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(done: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const CREATE = `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { id name url projects kinds } } }`;
const DELIVERIES = `query { webhooks { name deliveries(first: 50) { totalCount nodes { status attempts responseStatus error event { sequence kind data } } } } }`;

before(async () => {
  database = await createTestDatabase();
  replicas = [await startReplica(database.url), await startReplica(database.url)];
  for (const p of ['hooks', 'other']) await ok(`mutation { createProject(input: { name: "${p}" }) { id } }`);
});

after(async () => {
  for (const r of replicas) {
    await r.http.close();
    await closeApp(r.app);
  }
  await database?.drop();
});

test('a receiver that fails twice gets the event on the 3rd attempt, signed, and deliveries show all 3 attempts', async () => {
  const rx = await receiver((n) => (n <= 2 ? 500 : 204));
  const { secret, webhook } = (await ok(CREATE, { i: { name: 'flaky', url: rx.url, projects: ['hooks'], kinds: ['PIPELINE_CREATED'] } })).createWebhook;
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.deepEqual([webhook.projects, webhook.kinds], [['hooks'], ['PIPELINE_CREATED']]);
  await ok(`mutation { createPipeline(input: { project: "other", name: "not-for-this-hook" }) { id } }`);
  const created = (await ok(`mutation { createPipeline(input: { project: "hooks", name: "p1" }) { id } }`)).createPipeline;
  await until(() => rx.hits.length >= 3, '3 attempts');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rx.hits.length, 3, 'no 4th attempt after a 2xx');
  for (const hit of rx.hits) {
    const expected = `sha256=${createHmac('sha256', secret).update(hit.body).digest('hex')}`;
    assert.equal(hit.headers['x-signature-256'], expected);
    assert.equal(hit.headers['x-event-kind'], 'PIPELINE_CREATED');
  }
  const body = JSON.parse(rx.hits[2].body);
  assert.equal(body.kind, 'PIPELINE_CREATED');
  assert.equal(body.project, 'hooks');
  assert.equal(body.subjectId, created.id);
  assert.deepEqual(body.data, { name: 'p1' });
  assert.equal(rx.hits[2].headers['x-event-id'], body.id);
  await until(async () => (await ok(DELIVERIES)).webhooks[0].deliveries.nodes[0]?.status === 'DELIVERED', 'the delivery to be recorded');
  const [hook] = (await ok(DELIVERIES)).webhooks;
  assert.deepEqual(hook.deliveries.nodes.map((d: any) => [d.status, d.attempts, d.responseStatus, d.event.kind]), [['DELIVERED', 3, 204, 'PIPELINE_CREATED']]);
  await ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id });
  await rx.close();
});

test('an event that keeps failing is marked FAILED after the last attempt and the next one proceeds, in order', async () => {
  let failing = true;
  const rx = await receiver(() => (failing ? 503 : 200));
  const { webhook } = (await ok(CREATE, { i: { name: 'down', url: rx.url, projects: ['hooks'], kinds: ['PIPELINE_CREATED'] } })).createWebhook;
  await ok(`mutation { createPipeline(input: { project: "hooks", name: "lost" }) { id } }`);
  await until(() => rx.hits.length >= 3, '3 attempts');
  failing = false;
  await ok(`mutation { createPipeline(input: { project: "hooks", name: "next" }) { id } }`);
  await until(() => rx.hits.some((h) => JSON.parse(h.body).data.name === 'next'), 'the next event');
  const names = rx.hits.map((h) => JSON.parse(h.body).data.name);
  assert.deepEqual(names, ['lost', 'lost', 'lost', 'next']);
  // The receiver has the request before the sender's transaction recording it commits.
  const recorded = async () => (await ok(DELIVERIES)).webhooks.find((w: any) => w.name === 'down');
  await until(async () => (await recorded()).deliveries.nodes[0]?.event.data.name === 'next', 'the last delivery to be recorded');
  const hook = await recorded();
  assert.deepEqual(hook.deliveries.nodes.map((d: any) => [d.event.data.name, d.status, d.attempts, d.error]), [
    ['next', 'DELIVERED', 1, null], ['lost', 'FAILED', 3, 'HTTP 503'],
  ]);
  await ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id });
  await rx.close();
});

test('two replicas delivering to one webhook send each event exactly once', async () => {
  const rx = await receiver(() => 200);
  const { webhook } = (await ok(CREATE, { i: { name: 'shared', url: rx.url, projects: ['hooks'] } })).createWebhook;
  await Promise.all(Array.from({ length: 30 }, (_, i) => ok(`mutation { createPipeline(input: { project: "hooks", name: "x${i}" }) { id } }`, undefined, i % 2)));
  await until(() => rx.hits.length >= 30, '30 deliveries');
  await new Promise((r) => setTimeout(r, 1500));
  const sequences = rx.hits.map((h) => BigInt(JSON.parse(h.body).sequence));
  assert.equal(sequences.length, 30, 'each event once');
  assert.equal(new Set(sequences.map(String)).size, 30);
  assert.ok(sequences.every((s, i) => i === 0 || s > sequences[i - 1]), 'in sequence order');
  await ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id });
  await rx.close();
});

test('pingWebhook sends a PING now; urls must be http(s); only ADMIN keys manage webhooks', async () => {
  const rx = await receiver(() => 200);
  const { webhook, secret } = (await ok(CREATE, { i: { name: 'pinged', url: rx.url } })).createWebhook;
  const ping = (await ok(`mutation($id: ID!) { pingWebhook(id: $id) { status attempts responseStatus event { kind } } }`, { id: webhook.id })).pingWebhook;
  assert.deepEqual(ping, { status: 'DELIVERED', attempts: 1, responseStatus: 200, event: { kind: 'PING' } });
  assert.equal(rx.hits.length, 1);
  assert.equal(rx.hits[0].headers['x-signature-256'], `sha256=${createHmac('sha256', secret).update(rx.hits[0].body).digest('hex')}`);
  // The README's verification snippet accepts this delivery and refuses a tampered body.
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const snippet = /Verifying a delivery[^`]*```js\n([\s\S]*?)```/.exec(readme)![1];
  const verify = new Function('require', `${snippet}\nreturn verify;`)(require) as (s: string, b: string, h?: string) => boolean;
  assert.equal(verify(secret, rx.hits[0].body, rx.hits[0].headers['x-signature-256'] as string), true);
  assert.equal(verify(secret, `${rx.hits[0].body} `, rx.hits[0].headers['x-signature-256'] as string), false);
  const url = replicas[0].http.url;
  assert.equal(codeOf(await gqlAt(url, CREATE, { i: { name: 'ftp', url: 'ftp://example.org/x' } }, { token: ADMIN })), 'BAD_USER_INPUT');
  assert.equal(codeOf(await gqlAt(url, CREATE, { i: { name: 'pinged', url: rx.url } }, { token: ADMIN })), 'CONFLICT');
  const editor = (await ok(`mutation { createApiKey(input: { name: "hook-editor", role: EDITOR }) { secret } }`)).createApiKey.secret;
  assert.equal(codeOf(await gqlAt(url, CREATE, { i: { name: 'nope', url: rx.url } }, { token: editor })), 'FORBIDDEN');
  assert.equal(codeOf(await gqlAt(url, '{ webhooks { id } }', undefined, { token: editor })), 'FORBIDDEN');
  await ok(`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id: webhook.id });
  assert.deepEqual((await ok('{ webhooks { name } }')).webhooks.map((w: any) => w.name).filter((n: string) => n === 'pinged'), []);
  await rx.close();
});
