// Bounded SQL: statement timeouts that answer QUERY_TIMEOUT, cancellation when the client goes
// away, and a pool share that a heavy caller cannot take from the others. Slow statements are
// forced with a psql-style transaction holding a table lock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { codeOf, GqlResult, startTestApp, TestApp } from './helpers/app';

/** Holds ACCESS EXCLUSIVE on `table` until released: every statement reading it waits. */
async function lockTable(databaseUrl: string, table: string): Promise<{ release(): Promise<void> }> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return { release: async () => { await c.query('ROLLBACK'); await c.end(); } };
}

/** Statements of the server waiting on a lock, in the app's database. */
async function blockedStatements(app: TestApp): Promise<number> {
  const rows = await app.sql(`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'ml-asset-graph' AND wait_event_type = 'Lock'`);
  return rows[0].n;
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Fails instead of hanging when a statement is never stopped. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms)))])
    .finally(() => clearTimeout(timer));
}

let app: TestApp;
before(async () => { app = await startTestApp({ STATEMENT_TIMEOUT_MS: '300', WRITE_STATEMENT_TIMEOUT_MS: '10000' }); });
after(async () => { await app?.close(); });

test('a read that runs past STATEMENT_TIMEOUT_MS answers QUERY_TIMEOUT with HTTP 200', async () => {
  await app.ok(`mutation { createProject(input: { name: "slow" }) { id } }`);
  const lock = await lockTable(app.databaseUrl, 'project');
  try {
    const r = await within(app.gql(`{ projects { totalCount } }`), 10_000, 'the read is never stopped');
    assert.equal(r.status, 200);
    assert.equal(codeOf(r), 'QUERY_TIMEOUT');
    assert.match(r.errors![0].message, /^the query ran longer than the statement timeout and was stopped/);
    assert.equal(r.data, null);
  } finally {
    await lock.release();
  }
  assert.equal((await app.ok(`{ projects { totalCount } }`)).projects.totalCount, 1);
});

test('a compiled read stopped by the timeout answers QUERY_TIMEOUT without running again on the resolvers', async () => {
  const lock = await lockTable(app.databaseUrl, 'project');
  try {
    const r = await within(app.gql(`query Compiled { projects { totalCount nodes { name } } }`), 10_000, 'the read is never stopped');
    assert.equal(r.status, 200);
    assert.equal(codeOf(r), 'QUERY_TIMEOUT');
    assert.equal(r.sqlStatements, 1, 'one statement, stopped once');
  } finally {
    await lock.release();
  }
});

test('a timeout while the api key is checked also answers QUERY_TIMEOUT with HTTP 200, not a 500', async () => {
  const ADMIN = 'timeouts-admin-secret-0123456789';
  const locked = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN, STATEMENT_TIMEOUT_MS: '300' });
  try {
    const lock = await lockTable(locked.databaseUrl, 'api_key');
    let r: GqlResult;
    try {
      r = await within(locked.gql(`{ projects { totalCount } }`, undefined, { token: ADMIN }), 10_000, 'the key lookup is never stopped');
    } finally {
      await lock.release();
    }
    assert.equal(r.status, 200);
    assert.equal(codeOf(r), 'QUERY_TIMEOUT');
  } finally {
    await locked.close();
  }
});

test('a mutation waits past the read timeout, within WRITE_STATEMENT_TIMEOUT_MS, and commits', async () => {
  const lock = await lockTable(app.databaseUrl, 'project');
  const write = app.gql(`mutation { createProject(input: { name: "patient" }) { name } }`);
  await until('the mutation waits on the lock', async () => (await blockedStatements(app)) === 1);
  await new Promise((r) => setTimeout(r, 600));
  await lock.release();
  const r = await write;
  assert.equal(r.errors, undefined);
  assert.deepEqual(r.data, { createProject: { name: 'patient' } });
});

test('a mutation past WRITE_STATEMENT_TIMEOUT_MS answers QUERY_TIMEOUT and writes nothing', async () => {
  const strict = await startTestApp({ STATEMENT_TIMEOUT_MS: '300', WRITE_STATEMENT_TIMEOUT_MS: '400' });
  try {
    const lock = await lockTable(strict.databaseUrl, 'project');
    let r: GqlResult;
    try {
      r = await within(strict.gql(`mutation { createProject(input: { name: "too-late" }) { name } }`), 10_000, 'the write is never stopped');
    } finally {
      await lock.release();
    }
    assert.equal(codeOf(r), 'QUERY_TIMEOUT');
    assert.deepEqual(await strict.sql(`SELECT name FROM project`), []);
  } finally {
    await strict.close();
  }
});

test('a client that disconnects has its running SQL cancelled, long before the statement timeout', async () => {
  const patient = await startTestApp({ STATEMENT_TIMEOUT_MS: '60000' });
  try {
    const lock = await lockTable(patient.databaseUrl, 'project');
    try {
      const controller = new AbortController();
      const gone = fetch(patient.url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ projects { totalCount } }' }), signal: controller.signal,
      }).catch((err: Error) => err.name);
      await until('the read waits on the lock', async () => (await blockedStatements(patient)) === 1);
      controller.abort();
      assert.equal(await gone, 'AbortError');
      // Without the cancel, the statement would wait for the lock (or 60 s).
      await until('the statement is cancelled', async () => (await blockedStatements(patient)) === 0, 10_000);
      // The pool is whole again: the next reader of another table is served at once.
      assert.equal((await patient.ok(`{ stacks { totalCount } }`)).stacks.totalCount, 0);
    } finally {
      await lock.release();
    }
  } finally {
    await patient.close();
  }
});

test('ten slow requests of one caller leave the reserved share of the pool to another caller', async () => {
  const ADMIN = 'timeouts-admin-secret-0123456789';
  const shared = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN, PG_POOL_SIZE: '4', STATEMENT_TIMEOUT_MS: '20000' });
  try {
    const keys = await shared.ok(`mutation {
      heavy: createApiKey(input: { name: "heavy", role: VIEWER }) { secret }
      cheap: createApiKey(input: { name: "cheap", role: VIEWER }) { secret }
    }`, undefined, { token: ADMIN });
    const lock = await lockTable(shared.databaseUrl, 'stack');
    let heavy: Promise<GqlResult>[] = [];
    try {
      let settled = 0;
      // Ten requests reading the locked table, and one that fans out over five aliases.
      heavy = Array.from({ length: 10 }, () => shared.gql(`{ stacks { totalCount } }`, undefined, { token: keys.heavy.secret }));
      heavy.push(shared.gql(`{ a: stacks { totalCount } b: stacks { totalCount } c: stacks { totalCount } d: stacks { totalCount } e: stacks { totalCount } }`, undefined, { token: keys.heavy.secret }));
      for (const h of heavy) void h.then(() => settled++);
      // The heavy caller holds its share (3 of 4 connections), all stuck on the lock.
      await until('the heavy caller holds its share', async () => (await blockedStatements(shared)) === 3);
      for (let i = 0; i < 5; i++) {
        const r = await shared.gql(`{ projects { totalCount } }`, undefined, { token: keys.cheap.secret });
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        assert.equal(r.data.projects.totalCount, 0);
      }
      assert.equal(settled, 0, 'the heavy requests are still waiting: ' + JSON.stringify(await Promise.race([Promise.all(heavy), new Promise((r) => setTimeout(() => r('pending'), 50))])));
      assert.equal(await blockedStatements(shared), 3);
    } finally {
      await lock.release();
    }
    const results = await Promise.all(heavy);
    for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.deepEqual(results[10].data, { a: { totalCount: 0 }, b: { totalCount: 0 }, c: { totalCount: 0 }, d: { totalCount: 0 }, e: { totalCount: 0 } });
  } finally {
    await shared.close();
  }
});
