// npm run bench:events [-- --mutations 1000]
// The cost of the transactional outbox and how fast a commit reaches a subscriber:
// 1. one mutation's transaction (INSERT of a pipeline) with and without the event statement,
//    through a pg pool, p50 at concurrency 1 and 4;
// 2. createPipeline over HTTP while a graphql-ws subscriber listens: for each of N events the
//    time from its commit (the event's `at`, taken just before COMMIT) to its arrival, p50/p99.
import { randomBytes } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { Pool } from 'pg';
import WebSocket from 'ws';
import { closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startHttpServer } from '../src/server';
import { openBenchDatabase } from './lib/database';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('mutations', 1000);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function closedLoop(concurrency: number, total: number, one: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const t = process.hrtime.bigint();
      await one(i);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }));
  return times;
}

async function main() {
  const db = await openBenchDatabase();
  const pool = new Pool({ connectionString: db.url, max: 4 });
  const [{ id: projectId }] = (await pool.query(`INSERT INTO project (name) VALUES ($1) RETURNING id`, [`bench-events-${randomBytes(3).toString('hex')}`])).rows;
  // The same statement the outbox sends (events.outbox.ts), for one PIPELINE_CREATED.
  const outbox = `WITH c AS (UPDATE event_counter SET last = last + 1 WHERE id = 1 RETURNING last),
    ins AS (INSERT INTO event (sequence, kind, actor, project_id, subject_type, subject_id, containers, data)
      SELECT c.last, 'PIPELINE_CREATED', 'bench', $1, 'Pipeline', $2, ARRAY[$1::uuid], jsonb_build_object('name', $3::text) FROM c RETURNING sequence)
    SELECT pg_notify('mag_events', (SELECT last FROM c)::text)`;
  const tx = (withEvent: boolean) => async (i: number) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const name = `p-${withEvent ? 'e' : 'n'}-${i}-${randomBytes(3).toString('hex')}`;
      const { rows: [p] } = await c.query('INSERT INTO pipeline (project_id, name) VALUES ($1, $2) RETURNING id', [projectId, name]);
      if (withEvent) await c.query(outbox, [projectId, p.id, name]);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  console.log(`\n1. a mutation's transaction with and without its event (${N} transactions each)`);
  console.log('| concurrency | without outbox p50 | with outbox p50 | overhead |');
  console.log('|---|---|---|---|');
  for (const c of [1, 4]) {
    const without = pct(await closedLoop(c, N, tx(false)), 50);
    const withE = pct(await closedLoop(c, N, tx(true)), 50);
    console.log(`| ${c} | ${ms(without)} | ${ms(withE)} | ${ms(withE - without)} (${((withE / without - 1) * 100).toFixed(0)}%) |`);
  }

  const config = loadConfig({ LOG_LEVEL: 'error', DATABASE_URL: db.url, AUTH: 'off' });
  const app = await createApp(config, createLogger(config.logLevel));
  const http = await startHttpServer(app, 0, '127.0.0.1');
  const project = `bench-live-${randomBytes(3).toString('hex')}`;
  const post = (query: string) => fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((r) => r.json());
  await post(`mutation { createProject(input: { name: "${project}" }) { id } }`);
  const latencies: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const client = createClient({ url: http.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  client.subscribe<{ events: { at: string } }>({ query: `subscription { events(filter: { projects: ["${project}"], kinds: [PIPELINE_CREATED] }) { at } }` }, {
    next: (m) => {
      latencies.push(Date.now() - Date.parse(m.data!.events.at));
      if (latencies.length === N) resolveAll();
    },
    error: (e) => console.error(e),
    complete: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 500));
  const mutationTimes = await closedLoop(4, N, async (i) => {
    await post(`mutation { createPipeline(input: { project: "${project}", name: "live-${i}" }) { id } }`);
  });
  await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
  console.log(`\n2. commit → subscriber over graphql-ws (${latencies.length} of ${N} events, writers at concurrency 4)`);
  console.log(`| createPipeline over HTTP p50 | commit→subscriber p50 | p99 | max |`);
  console.log('|---|---|---|---|');
  console.log(`| ${ms(pct(mutationTimes, 50))} | ${pct(latencies, 50)} ms | ${pct(latencies, 99)} ms | ${Math.max(...latencies)} ms |`);
  await client.dispose();
  await http.close();
  await closeApp(app);
  await pool.end();
  await db.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
