// The database goes away and comes back: requests fail fast and cleanly while it is down,
// readiness says so, liveness does not, and the same app serves again once it is back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { App, closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { EmbeddedDatabase, freePort, startEmbeddedPostgres } from '../src/db/embedded';
import { createLogger } from '../src/logger';
import { HttpServer, startHttpServer } from '../src/server';
import { gqlAt, rawRequest } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-db-restart-test';
let dataDir: string;
let port: number;
let pg: EmbeddedDatabase | undefined;
let app: App;
let http: HttpServer;
/** A second app on the same database with AUTH=off: there the failure comes from resolvers, not from the key lookup. */
let openApp: App;
let openHttp: HttpServer;
let base: string;

const gql = (query: string, variables?: Record<string, unknown>) => gqlAt(http.url, query, variables, { token: ADMIN, timeoutMs: 20_000 });
const statusOf = async (route: string) => (await rawRequest(`${base}${route}`, { timeoutMs: 20_000 })).status;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-restart-'));
  // The server runs as an unprivileged user when we are root: it must be able to enter the folder.
  fs.chmodSync(dataDir, 0o755);
  port = await freePort();
  // persistent: stop() keeps the data directory, so the same cluster can start again.
  pg = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  const config = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: pg.url, AUTH: 'required', ADMIN_API_KEY: ADMIN, PG_POOL_SIZE: '4' });
  app = await createApp(config, createLogger(config.logLevel));
  http = await startHttpServer(app, 0, '127.0.0.1');
  base = http.url.replace(/\/graphql$/, '');
  const openConfig = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: pg.url, AUTH: 'off', PG_POOL_SIZE: '4' });
  openApp = await createApp(openConfig, createLogger(openConfig.logLevel));
  openHttp = await startHttpServer(openApp, 0, '127.0.0.1');
});

after(async () => {
  await http?.close();
  if (app) await closeApp(app);
  await openHttp?.close();
  if (openApp) await closeApp(openApp);
  await pg?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A request made while the database is down: a clean 503 / SERVICE_UNAVAILABLE, quickly. */
function assertUnavailable(r: Awaited<ReturnType<typeof gql>>, label: string) {
  const codes = (r.errors ?? []).map((e) => e.extensions?.code);
  assert.ok(r.status === 503 || codes.includes('SERVICE_UNAVAILABLE'), `${label}: status ${r.status}, body ${r.text.slice(0, 400)}`);
  assert.ok(codes.length > 0 && codes.every((c) => c === 'SERVICE_UNAVAILABLE'), `${label}: codes ${JSON.stringify(codes)} in ${r.text.slice(0, 400)}`);
  assert.ok(r.ms < 5000, `${label}: took ${r.ms} ms`);
  for (const pattern of [/ECONNREFUSED/, /127\.0\.0\.1/, /:\d{4,5}\b/, /Context creation failed/, /terminat/i, /\bpg\b/]) {
    assert.ok(!pattern.test(r.text), `${label}: ${r.text.slice(0, 300)} reveals ${pattern}`);
  }
}

test('requests fail fast with SERVICE_UNAVAILABLE while PostgreSQL is down, and succeed again after it restarts', async (t) => {
  const created = await gql(`mutation { createProject(input: { name: "survivor" }) { id } }`);
  assert.equal(created.errors, undefined, JSON.stringify(created.errors));
  // Warm the pool: several connections open and idle when the database goes away.
  await Promise.all(Array.from({ length: 4 }, () => gql(`{ projects { totalCount } }`)));
  await Promise.all(Array.from({ length: 4 }, () => gqlAt(openHttp.url, `{ projects { totalCount } }`)));
  assert.equal(await statusOf('/readyz'), 200);

  await pg!.stop();
  pg = undefined;

  const downStarted = Date.now();
  const query = await gql(`{ project(name: "survivor") { id name } }`);
  assertUnavailable(query, 'first query after the stop');
  t.diagnostic(`while down: status ${query.status} in ${query.ms} ms: ${query.text.slice(0, 200)}`);
  const mutation = await gql(`mutation { createProject(input: { name: "while-down" }) { id } }`);
  assertUnavailable(mutation, 'mutation');
  const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(`{ projects(first: ${i + 1}) { totalCount } }`)));
  burst.forEach((r, i) => assertUnavailable(r, `concurrent query ${i}`));
  const open = (query: string) => gqlAt(openHttp.url, query, undefined, { timeoutMs: 20_000 });
  assertUnavailable(await open(`{ project(name: "survivor") { id pipelines { totalCount } } }`), 'query without auth');
  assertUnavailable(await open(`mutation { createProject(input: { name: "while-down-open" }) { id } }`), 'mutation without auth');
  assertUnavailable(await open(`mutation { startRun(input: { project: "survivor", pipeline: "p" }) { id } }`), 'transaction without auth');
  assert.equal(await statusOf('/readyz'), 503, 'readiness reports the database');
  assert.equal(await statusOf('/healthz'), 200, 'liveness does not depend on the database');
  assert.ok(Date.now() - downStarted < 20_000, 'the whole outage round took too long');

  // Same port, same data directory, same app.
  pg = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  const deadline = Date.now() + 10_000;
  let last: Awaited<ReturnType<typeof gql>> | undefined;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    last = await gql(`{ project(name: "survivor") { name } }`);
    if (!last.errors && last.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(last?.errors, undefined, `still failing after ${attempts} attempts: ${last?.text.slice(0, 300)}`);
  assert.equal(last!.data.project.name, 'survivor', 'the data survived the restart');
  t.diagnostic(`serving again after ${attempts} attempt(s)`);
  // Every pooled connection works again, not only the first.
  const after = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(`mutation { createProject(input: { name: "after-${i}" }) { name } }`)));
  after.forEach((r, i) => assert.equal(r.errors, undefined, `request ${i} after the restart: ${r.text.slice(0, 300)}`));
  const count = await gql(`{ projects { totalCount } }`);
  assert.equal(count.data.projects.totalCount, 11, 'the mutation made while down wrote nothing');
  assert.equal(await statusOf('/readyz'), 200);
  const openAfter = await gqlAt(openHttp.url, `{ projects { totalCount } }`);
  assert.equal(openAfter.errors, undefined, `the AUTH=off app serves again: ${openAfter.text.slice(0, 300)}`);
});

test('a request refused as a whole while PostgreSQL is down answers HTTP 503', async () => {
  await pg!.stop();
  pg = undefined;
  try {
    const r = await gql(`{ projects { totalCount } }`);
    assertUnavailable(r, 'query while down');
    assert.equal(r.status, 503, r.text.slice(0, 300));
    const anonymous = await gqlAt(http.url, `{ projects { totalCount } }`, undefined, { timeoutMs: 20_000 });
    assert.equal(anonymous.status, 401, 'no key: still 401 without asking the database');
  } finally {
    pg = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  }
  const deadline = Date.now() + 10_000;
  let ok = false;
  while (!ok && Date.now() < deadline) {
    ok = !(await gql(`{ projects { totalCount } }`)).errors;
    if (!ok) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(ok, 'serving again');
});
