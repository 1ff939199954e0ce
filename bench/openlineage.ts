// npm run bench:openlineage [-- --seconds 10 --concurrency 4 --jobs 200 --tables 50]
// OpenLineage ingestion throughput: the server as a child process, `concurrency` clients each
// posting runs (START then COMPLETE) of Airflow-like jobs to POST /api/v1/lineage; every event
// names 3 input datasets (from a shared pool of `tables`) and 2 outputs, with a handful of facets.
// Prints events/s, latency percentiles and SQL statements per event, checks the stored counts, and
// for scale runs the same work through the existing mutations.
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/db/embedded';
import { flag } from '../scripts/seed-large';
import { openBenchDatabase } from './lib/database';
import { ms, percentile, table } from './lib/measure';

const args = process.argv.slice(2);
const seconds = flag(args, 'seconds', 10);
const concurrency = flag(args, 'concurrency', 4);
const jobs = flag(args, 'jobs', 200);
const tables = flag(args, 'tables', 50);
const namespace = `bench-ol-${randomBytes(3).toString('hex')}`;
const PRODUCER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.1.0';

async function startServer(databaseUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  fs.mkdirSync('.data', { recursive: true });
  const logFile = fs.openSync(path.join('.data', 'bench-openlineage-server.log'), 'w');
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', AUTH: 'off', NODE_ENV: 'development', DEBUG_HEADERS: 'true' },
    stdio: ['ignore', logFile, logFile],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}; see .data/bench-openlineage-server.log`);
    if (await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false)) return { base, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not get ready');
}

const facet = (body: Record<string, unknown>) => ({ _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/Facet.json', ...body });
const schema = facet({ fields: [{ name: 'id', type: 'BIGINT' }, { name: 'amount', type: 'DECIMAL(12,2)' }, { name: 'created_at', type: 'TIMESTAMP' }] });

function event(eventType: 'START' | 'COMPLETE', job: number, runId: string, at: Date, seed: number) {
  const inputs = [0, 1, 2].map((k) => ({
    namespace: 'postgres://warehouse:5432', name: `shop.public.table_${(seed * 7 + k * 13) % tables}`,
    facets: { schema, dataSource: facet({ name: 'warehouse', uri: 'postgres://warehouse:5432' }) },
    inputFacets: { dataQualityMetrics: facet({ rowCount: 1000 + k, columnMetrics: {} }) },
  }));
  const outputs = ['a', 'b'].map((o) => ({
    namespace: 's3://lake', name: `curated/job_${job}/${o}`,
    facets: { schema, lifecycleStateChange: facet({ lifecycleStateChange: 'OVERWRITE' }) },
    outputFacets: { outputStatistics: facet({ rowCount: 5000, size: 1 << 20 }) },
  }));
  return JSON.stringify({
    eventType, eventTime: at.toISOString(), producer: PRODUCER, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId, facets: { nominalTime: facet({ nominalStartTime: at.toISOString() }), processing_engine: facet({ name: 'Airflow', version: '2.10.3' }) } },
    job: { namespace, name: `warehouse_dag.task_${job}`, facets: { jobType: facet({ processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'TASK' }), sql: facet({ query: 'INSERT INTO t SELECT * FROM s' }) } },
    inputs, outputs,
  });
}

interface Sample { ms: number; statements: number; type: string; status: number }

async function load(base: string, durationMs: number, counter: { n: number }): Promise<Sample[]> {
  const samples: Sample[] = [];
  const deadline = Date.now() + durationMs;
  const post = async (body: string, type: string) => {
    const t = process.hrtime.bigint();
    const res = await fetch(`${base}/api/v1/lineage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    samples.push({ ms: Number(process.hrtime.bigint() - t) / 1e6, statements: Number(res.headers.get('x-sql-statements')), type, status: res.status });
  };
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const seed = counter.n++;
      const job = seed % jobs;
      const runId = randomUUID();
      const start = new Date(Date.UTC(2026, 0, 1) + seed * 60_000);
      await post(event('START', job, runId, start, seed), 'START');
      await post(event('COMPLETE', job, runId, new Date(start.getTime() + 30_000), seed), 'COMPLETE');
    }
  }));
  return samples;
}

/**
 * The same runs written through the existing mutations, for scale on a machine of unknown load:
 * startRun, recordStep (3 input versions, 2 outputs with metadata), finishRun.
 */
async function baseline(base: string, durationMs: number): Promise<{ runs: number; seconds: number }> {
  const project = `bench-rs-${randomBytes(3).toString('hex')}`;
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data: any; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  await gql('mutation($n: String!) { createProject(input: { name: $n }) { id } }', { n: project });
  const tableVersions: string[] = [];
  for (let t = 0; t < tables; t++) {
    tableVersions.push((await gql('mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }',
      { i: { project, artifact: `table_${t}`, uri: `postgres://warehouse:5432/shop.public.table_${t}` } })).registerArtifactVersion.id);
  }
  let runs = 0;
  let next = 0;
  const deadline = Date.now() + durationMs;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const seed = next++;
      const job = seed % jobs;
      const run = (await gql('mutation($i: StartRunInput!) { startRun(input: $i) { id } }', { i: { project, pipeline: `task_${job}` } })).startRun.id;
      await gql('mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }', { i: {
        run, name: `task_${job}`, status: 'COMPLETED',
        inputs: [0, 1, 2].map((k) => ({ name: `in_${k}`, artifactVersion: tableVersions[(seed * 7 + k * 13) % tables] })),
        outputs: ['a', 'b'].map((o) => ({ name: o, artifact: `curated_job_${job}_${o}`, metadata: { schema, outputStatistics: { rowCount: 5000 } } })),
      } });
      await gql('mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { id } }', { r: run });
      runs++;
    }
  }));
  return { runs, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main() {
  const db = await openBenchDatabase();
  const server = await startServer(db.url);
  try {
    const counter = { n: 0 };
    await load(server.base, 1000, counter);
    const t0 = process.hrtime.bigint();
    const samples = await load(server.base, seconds * 1000, counter);
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const failures = samples.filter((s) => s.status !== 201);
    const rows = ['START', 'COMPLETE', 'all'].map((type) => {
      const of = samples.filter((s) => type === 'all' || s.type === type);
      const sorted = of.map((s) => s.ms).sort((a, b) => a - b);
      const stmts = of.map((s) => s.statements).sort((a, b) => a - b);
      return [type, of.length, (of.length / elapsed).toFixed(0), ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(percentile(sorted, 99)),
        `${stmts[0]}-${stmts[stmts.length - 1]}`];
    });
    console.log(`\n== OpenLineage ingestion: ${concurrency} clients, ${seconds} s, events with 3 inputs and 2 outputs (POST /api/v1/lineage) ==`);
    console.log(table(['events', 'count', 'events/s', 'p50 ms', 'p95 ms', 'p99 ms', 'SQL stmts/event'], rows));
    if (failures.length) console.log(`  FAILURES: ${failures.length} (statuses ${[...new Set(failures.map((f) => f.status))].join(', ')})`);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const [stored] = (await client.query(
      `SELECT (SELECT count(*)::int FROM pipeline_run WHERE project_id = p.id) AS runs,
              (SELECT count(*)::int FROM pipeline_run WHERE project_id = p.id AND status = 'COMPLETED') AS completed,
              (SELECT count(*)::int FROM artifact_version WHERE project_id = p.id AND producer_step_id IS NOT NULL) AS produced,
              (SELECT count(*)::int FROM step_input WHERE project_id = p.id) AS links
       FROM project p WHERE p.name = $1`, [namespace])).rows;
    await client.end();
    console.log(`  stored in project ${namespace}: ${JSON.stringify(stored)} (runs started ${counter.n}; every completed run: 2 produced versions, 3 input links)`);
    const b = await baseline(server.base, seconds * 1000);
    const olRuns = samples.filter((x) => x.type === 'COMPLETE').length / elapsed;
    console.log(`  for scale, the same runs through startRun + recordStep + finishRun: ${(b.runs / b.seconds).toFixed(1)} runs/s; `
      + `through OpenLineage (START + COMPLETE): ${olRuns.toFixed(1)} runs/s`);
    console.log(`\nHEADLINE: ${(samples.length / elapsed).toFixed(0)} events/s at concurrency ${concurrency}`);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
