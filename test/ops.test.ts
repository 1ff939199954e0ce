// Safe defaults and operator-facing behaviour: bind address and auth defaults, the Host check
// that stops DNS rebinding, who may read /metrics, debug headers, one-line start-up errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { freePort } from '../src/db/embedded';
import { codeOf, createTestDatabase, startTestApp, TestApp } from './helpers/app';
import { runToExit, startServerProcess } from './helpers/server-process';

const ADMIN_KEY = 'ops-admin-secret-0123456789';
const METRICS_TOKEN = 'ops-metrics-token-0123456789';

let open: TestApp;
let locked: TestApp;
before(async () => {
  open = await startTestApp();
  locked = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY, METRICS_TOKEN });
});
after(async () => {
  await open?.close();
  await locked?.close();
});

/** A raw HTTP request, so that the Host header can be anything. */
function request(url: string, options: { path?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: options.path ?? u.pathname, method: options.body ? 'POST' : 'GET',
      headers: { ...(options.host ? { host: options.host } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers },
    }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON: metrics text */ }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const query = JSON.stringify({ query: '{ projects { totalCount } }' });

test('defaults: AUTH=off listens on 127.0.0.1; production, docker-style HOST=0.0.0.0 or any non-loopback HOST require auth', () => {
  const pick = (env: Record<string, string>) => { const c = loadConfig(env); return [c.auth, c.host]; };
  assert.deepEqual(pick({}), ['off', '127.0.0.1']);
  assert.deepEqual(pick({ HOST: 'localhost' }), ['off', 'localhost']);
  assert.deepEqual(pick({ HOST: '::1' }), ['off', '::1']);
  assert.deepEqual(pick({ NODE_ENV: 'production' }), ['required', '0.0.0.0']);
  assert.deepEqual(pick({ HOST: '0.0.0.0' }), ['required', '0.0.0.0']);
  assert.deepEqual(pick({ HOST: '192.0.2.2' }), ['required', '192.0.2.2']);
  assert.deepEqual(pick({ AUTH: 'required' }), ['required', '0.0.0.0']);
  assert.deepEqual(pick({ AUTH: 'off', HOST: '0.0.0.0' }), ['off', '0.0.0.0']);
});

test('npm start defaults answer on loopback only, not on the machine\'s other addresses', async () => {
  const db = await createTestDatabase();
  const server = await startServerProcess({ DATABASE_URL: db.url });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const r = await request(server.url, { body: query });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { data: { projects: { totalCount: 0 } } });
    const others = Object.values(os.networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal);
    for (const i of others) {
      const refused = await new Promise<string>((resolve) => {
        const s = net.connect(server.port, i!.address, () => { s.destroy(); resolve('connected'); });
        s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
      assert.equal(refused, 'ECONNREFUSED', `${i!.address}:${server.port}`);
    }
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('AUTH=off with an explicit non-loopback HOST listens there and logs a warning', async () => {
  const db = await createTestDatabase();
  const server = await startServerProcess({ DATABASE_URL: db.url, AUTH: 'off', HOST: '0.0.0.0' });
  try {
    assert.match(server.stdout(), /AUTH=off while listening on 0\.0\.0\.0: anyone who reaches this address is ADMIN/);
    assert.equal((await request(`http://127.0.0.1:${server.port}/graphql`, { body: query })).status, 200);
  } finally {
    await server.stop();
    await db.drop();
  }
});

test('with AUTH=off a request naming a foreign Host is refused with FORBIDDEN (DNS rebinding)', async () => {
  const port = new URL(open.url).port;
  const refused = await request(open.url, { host: `attacker.example:${port}`, body: query });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.errors[0].extensions.code, 'FORBIDDEN');
  assert.match(refused.body.errors[0].message, /^Host "attacker\.example" is not accepted while AUTH=off \(DNS rebinding protection\)/);
  // The playground and metrics are behind the same check.
  assert.equal((await request(open.url, { host: 'attacker.example', path: '/metrics' })).status, 403);
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
    const r = await request(open.url, { host, body: query });
    assert.equal(r.status, 200, host);
    assert.equal(r.body.data.projects.totalCount, 0);
  }
});

test('ALLOWED_HOSTS lets named hosts through with AUTH=off; with AUTH=required any Host is served', async () => {
  const named = await startTestApp({ ALLOWED_HOSTS: 'gateway.internal, ml.example' });
  try {
    assert.equal((await request(named.url, { host: 'ml.example', body: query })).status, 200);
    assert.equal((await request(named.url, { host: 'other.example', body: query })).status, 403);
  } finally {
    await named.close();
  }
  const r = await request(locked.url, { host: 'api.example.com', body: query, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.projects.totalCount, 0);
});

test('with AUTH=required /metrics answers METRICS_TOKEN and unscoped ADMIN keys, 401 to everyone else', async () => {
  const metrics = new URL('/metrics', locked.url).toString();
  await locked.ok(`mutation { createProject(input: { name: "p" }) { id } }`, undefined, { token: ADMIN_KEY });
  const keys = await locked.ok(`mutation {
    viewer: createApiKey(input: { name: "viewer", role: VIEWER }) { secret }
    scoped: createApiKey(input: { name: "scoped-admin", role: ADMIN, projects: ["p"] }) { secret }
  }`, undefined, { token: ADMIN_KEY });
  const denied = await request(metrics);
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['www-authenticate'], 'Bearer');
  assert.equal(denied.body.errors[0].extensions.code, 'UNAUTHENTICATED');
  for (const token of [keys.viewer.secret, keys.scoped.secret, 'not-a-key-at-all-0123456789', METRICS_TOKEN.slice(0, -1)]) {
    assert.equal((await request(metrics, { headers: { authorization: `Bearer ${token}` } })).status, 401, token);
  }
  for (const token of [METRICS_TOKEN, ADMIN_KEY]) {
    const ok = await request(metrics, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP mag_http_requests_total/m);
  }
});

test('x-sql-statements is sent only with DEBUG_HEADERS=true', async () => {
  const quiet = await startTestApp({ DEBUG_HEADERS: 'false' });
  try {
    const r = await request(quiet.url, { body: query });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-sql-statements'], undefined);
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  } finally {
    await quiet.close();
  }
  const r = await request(open.url, { body: query });
  assert.ok(Number(r.headers['x-sql-statements']) >= 1, String(r.headers['x-sql-statements']));
});

test('operation names not in the document never become metric labels, and long ones are cut to 64 characters', async () => {
  const target = await startTestApp();
  try {
    await target.ok(`query Real { __typename }`);
    const claimed = await fetch(target.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Real { __typename }', operationName: 'Forged_Name_From_Client' }),
    });
    assert.equal(claimed.status, 400);
    const long = `Q${'x'.repeat(300)}`;
    await target.ok(`query ${long} { __typename }`);
    const text = await (await fetch(new URL('/metrics', target.url))).text();
    const labels = new Set([...text.matchAll(/mag_graphql_requests_total\{operation="([^"]*)"/g)].map((m) => m[1]));
    assert.deepEqual([...labels].sort(), ['Real', long.slice(0, 64), 'unknown'].sort());
  } finally {
    await target.close();
  }
});

/** Start-up failures: exactly one line on stderr and nothing else printed (LOG_LEVEL=info), no stack frame, a non-zero exit. */
function assertOneLine(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  assert.notEqual(r.code, null);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(r.stdout, '', 'no log line besides the error');
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
}

test('a short ADMIN_API_KEY stops start-up with one line and exit code 2', async () => {
  const r = await runToExit({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', ADMIN_API_KEY: 'short' });
  assertOneLine(r, /^ml-asset-graph: configuration error: ADMIN_API_KEY is 5 characters long; use a secret of 16\+ characters/);
  assert.equal(r.code, 2);
});

test('a taken PORT stops start-up with one line, before the database is touched', async () => {
  const db = await createTestDatabase();
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    const r = await runToExit({ DATABASE_URL: db.url, PORT: String(port) });
    assertOneLine(r, new RegExp(`^ml-asset-graph: port ${port} on 127\\.0\\.0\\.1 is already in use: stop the process using it or set PORT to a free port$`));
    assert.equal(r.code, 1);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const tables = await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    await c.end();
    assert.equal(tables.rows[0].n, 0, 'no migration ran');
  } finally {
    blocker.close();
    await db.drop();
  }
});

test('an unreachable DATABASE_URL stops start-up with one line naming DATABASE_URL', async () => {
  const port = await freePort();
  const r = await runToExit({ DATABASE_URL: `postgres://postgres:secret-password@127.0.0.1:${port}/mag`, PORT: String(await freePort()) });
  assertOneLine(r, new RegExp(`^ml-asset-graph: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/mag \\(ECONNREFUSED\\): check DATABASE_URL`));
  assert.doesNotMatch(r.stderr, /secret-password/);
  assert.equal(r.code, 1);
});

test('a DATABASE_URL naming a missing database says so in one line', async () => {
  const u = new URL(process.env.DATABASE_URL!);
  u.pathname = '/mag_no_such_database';
  const r = await runToExit({ DATABASE_URL: u.toString(), PORT: String(await freePort()) });
  assertOneLine(r, /^ml-asset-graph: PostgreSQL at [^ ]+\/mag_no_such_database: database "mag_no_such_database" does not exist: create it/);
});
