// WORKERS=2: the server started as a process (node:cluster) answers from two worker processes
// on one port and stops as a whole on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../src/db/embedded';
import { createTestDatabase } from './helpers/app';
import { okAt, rawRequest } from './helpers/http-gql';

test('WORKERS=2 serves from two processes on one port and stops on SIGTERM', async () => {
  const database = await createTestDatabase();
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', WORKERS: '2', LOG_LEVEL: 'info', AUTH: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = `http://127.0.0.1:${port}/graphql`;
    for (let i = 0; i < 200; i++) {
      try {
        if ((await rawRequest(`http://127.0.0.1:${port}/readyz`, { timeoutMs: 1000 })).status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await okAt(url, `mutation { createProject(input: { name: "workers" }) { id } }`);
    // Fresh connections, so the cluster's round robin spreads them over both workers.
    for (let i = 0; i < 20; i++) {
      const r = await rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ query: '{ project(name: "workers") { name } }' }) });
      assert.equal(r.body.data.project.name, 'workers');
    }
    const listening = output.split('\n').filter((l) => l.includes('listening on')).map((l) => JSON.parse(l));
    assert.deepEqual(listening.map((l) => l.worker).sort(), ['1', '2']);
    assert.equal(new Set(listening.map((l) => l.pid)).size, 2);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
    await database.drop();
  }
});
