// Shutdown as Docker and a terminal do it: SIGTERM/SIGINT to `node dist/src/main.js` with 100
// requests in flight. Every accepted request gets its answer, new connections are refused, exit 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { createTestDatabase } from './helpers/app';
import { okAt } from './helpers/http-gql';
import { startServerProcess } from './helpers/server-process';

const BODY = JSON.stringify({ query: '{ projects { totalCount nodes { name } } }' });

interface Pending {
  /** Resolves once the server has accepted the request and asked for its body (100 Continue). */
  accepted: Promise<void>;
  sendBody(): void;
  done: Promise<{ status: number; body: string } | { error: string }>;
}

/** A request on its own connection that sends its body only when told to: it is in flight meanwhile. */
function heldRequest(port: number): Pending {
  let accept!: () => void;
  const accepted = new Promise<void>((resolve) => (accept = resolve));
  const req = http.request({
    host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY), expect: '100-continue' },
  });
  req.on('continue', accept);
  const done = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
  req.flushHeaders();
  return { accepted, sendBody: () => req.end(BODY), done };
}

function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve('connected'); });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} with 100 requests in flight answers all of them, refuses new connections and exits 0`, async () => {
    const db = await createTestDatabase();
    const server = await startServerProcess({ DATABASE_URL: db.url, LOG_LEVEL: 'info' });
    try {
      await okAt(server.url, `mutation { createProject(input: { name: "drain" }) { id } }`);
      const requests = Array.from({ length: 100 }, () => heldRequest(server.port));
      await Promise.all(requests.map((r) => r.accepted));

      const exit = server.stop(signal);
      // The listening socket closes at once; what is in flight carries on.
      let refused = 'connected';
      for (let i = 0; i < 50 && refused === 'connected'; i++) {
        refused = await connectResult(server.port);
        if (refused === 'connected') await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(refused, 'ECONNREFUSED');
      for (const r of requests) r.sendBody();

      const results = await Promise.all(requests.map((r) => r.done));
      const failures = results.filter((r) => !('status' in r) || r.status !== 200);
      assert.deepEqual(failures, [], 'no resets, no 5xx');
      for (const r of results) {
        assert.deepEqual(JSON.parse((r as { body: string }).body), { data: { projects: { totalCount: 1, nodes: [{ name: 'drain' }] } } });
      }
      const e = await exit;
      assert.deepEqual([e.code, e.signal], [0, null], server.stderr());
      assert.ok(e.ms < 10_000, `exited within Docker's 10 s grace period (${e.ms} ms)`);
      assert.match(server.stdout(), /"msg":"stopped"/);
      assert.equal(server.stderr(), '');
    } finally {
      server.child.kill('SIGKILL');
      await db.drop();
    }
  });
}

test('a request that never finishes is cut after SHUTDOWN_TIMEOUT_MS and the process still exits 0', async () => {
  const db = await createTestDatabase();
  const server = await startServerProcess({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: '500' });
  try {
    const stuck = heldRequest(server.port);
    await stuck.accepted;
    const e = await server.stop('SIGTERM');
    assert.deepEqual([e.code, e.signal], [0, null], server.stderr());
    assert.ok(e.ms >= 500, `waited for the request (${e.ms} ms)`);
    assert.match(server.stdout(), /"requests":1,"drainMs":500,"msg":"requests still running after the drain time: cutting them"/);
    assert.ok('error' in (await stuck.done));
  } finally {
    server.child.kill('SIGKILL');
    await db.drop();
  }
});
