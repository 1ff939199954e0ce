// npm run bench [-- compiled|catalog|tags|lineage ...] [--projects 2 --pipelines 50 --runs 200]
//   [--artifact-versions 200000] [--seconds 4] [--max-requests 20000] [--concurrency 1,10,50]
//   [--dry-run: print the plan as JSON and stop] [--help]
// Seeds (or reuses) the data, starts the server as a child process and prints the tables
// described in bench/README.md.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client, Pool } from 'pg';
import { DEFAULT_MAX_QUERY_COST } from '../src/config';
import { freePort } from '../src/db/embedded';
import { analyze, ensureCatalog, ensureLineage, TAG_FILTERS } from '../scripts/seed-large';
import { ArgSpec, commandLine } from './lib/args';
import { openBenchDatabase } from './lib/database';
import { Bound, closedLoop, gateway, ms, newPool, rssOf, table } from './lib/measure';
import { COMPILED_COLUMNS, compiledStatement, estimatedCost } from './lib/compiled';
import { BenchQuery, CATALOG_LIST, THREE_LEVEL, LINEAGE_GRAPHQL, MODEL_VERSIONS, NODE_TABLES, NODE_TYPES, NODES, taggedVersions, tagConditions, walkSql } from './queries';

export const BENCH_ARGS: ArgSpec = {
  sections: ['compiled', 'catalog', 'tags', 'lineage'],
  numbers: { projects: 2, pipelines: 50, runs: 200, 'artifact-versions': 200_000, seed: 1, seconds: 4, 'max-requests': 20_000 },
  lists: { concurrency: [1, 10, 50] },
};
const args = commandLine('npm run bench', process.argv.slice(2), BENCH_ARGS);
const sections = args.sections;
const want = (s: string) => !sections.length || sections.includes(s);
const bound: Bound = { seconds: args.numbers.seconds, maxRequests: args.numbers['max-requests'] };
const concurrencies = args.lists.concurrency;
const encode = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

interface Server { url: string; pid: number; child: ChildProcess; statements(body: string): Promise<{ data: unknown; statements: number; errors?: unknown }> }

async function startServer(databaseUrl: string, logName = 'bench-server.log'): Promise<Server> {
  const port = await freePort();
  fs.mkdirSync('.data', { recursive: true });
  const logFile = fs.openSync(path.join('.data', logName), 'w');
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', AUTH: 'off', NODE_ENV: 'development', EXECUTION_PATH_HEADER: 'true', DEBUG_HEADERS: 'true', ...(process.env.MAX_QUERY_COST ? { MAX_QUERY_COST: process.env.MAX_QUERY_COST } : {}) },
    stdio: ['ignore', logFile, logFile],
  });
  child.once('exit', (code, signal) => console.log(`  [${new Date().toISOString()}] server pid ${child.pid} exited: code ${code}, signal ${signal}`));
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}; see .data/${logName}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, pid: child.pid!, child,
    statements: async (body) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { data: unknown; errors?: unknown };
      return { data: json.data, errors: json.errors, statements: Number(res.headers.get('x-sql-statements')) };
    },
  };
}

/** The first path where two JSON values differ, for a readable "same data" check. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: gateway ${JSON.stringify(a)?.slice(0, 120)} vs sql ${JSON.stringify(b)?.slice(0, 120)}`;
}

interface Case { query: BenchQuery; variables: Record<string, unknown>[]; params: unknown[][] }

async function benchCase(server: Server, pool: Pool, c: Case, rows: (string | number)[][], notes: string[]) {
  const bodies = c.variables.map((v) => JSON.stringify({ query: c.query.graphql, variables: v }));
  const first = await server.statements(bodies[0]);
  if (first.errors) notes.push(`${c.query.name}: GraphQL errors ${JSON.stringify(first.errors).slice(0, 300)}`);
  const raw = (await pool.query(c.query.sql, c.params[0])).rows[0].data;
  const diff = firstDifference(first.data, raw);
  notes.push(`${c.query.name}: gateway and SQL return ${diff ? `DIFFERENT data, first at ${diff}` : 'the same data'} (${JSON.stringify(raw).length} bytes)`);
  const warm = { seconds: 1, maxRequests: 200 };
  await gateway(server.url, bodies, 4, warm);
  await drain(server);
  await closedLoop((i) => pool.query(c.query.sql, c.params[i % c.params.length]), 4, warm);
  for (const conc of concurrencies) {
    const gw = await gateway(server.url, bodies, conc, bound);
    await drain(server);
    const sql = await closedLoop((i) => pool.query(c.query.sql, c.params[i % c.params.length]), conc, bound);
    rows.push([c.query.name, conc, gw.rps.toFixed(0), ms(gw.p50), ms(gw.p95), ms(gw.p99), sql.rps.toFixed(0), ms(sql.p50), ms(sql.p95), ms(sql.p99),
      (gw.p50 / sql.p50).toFixed(2), first.statements, gw.failures + sql.failures]);
    console.log(`  ${c.query.name} c=${conc}: gateway p50 ${ms(gw.p50)} ms (${gw.count} req), sql p50 ${ms(sql.p50)} ms (${sql.count})`);
  }
}

/**
 * autocannon abandons its in-flight requests when its time is up, but the server still works
 * through them; wait until a trivial query is answered quickly, so the next measurement starts clean.
 */
async function drain(server: Server) {
  const body = JSON.stringify({ query: '{ __typename }' });
  for (let quick = 0, tries = 0; quick < 3 && tries < 600; tries++) {
    const t = Date.now();
    await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.arrayBuffer()).catch(() => null);
    quick = Date.now() - t < 20 ? quick + 1 : 0;
    if (!quick) await new Promise((r) => setTimeout(r, 100));
  }
}

/** Concurrency-1 latency over fetch: unlike autocannon's duration, a slow request still counts. */
function sequential(server: Server, bodies: string[], b: Bound) {
  return closedLoop(async (i) => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i % bodies.length] });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(String(res.status));
  }, 1, b);
}

async function explain(pool: Pool, text: string, params: readonly unknown[]): Promise<string> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params as unknown[]);
  return rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n');
}

/** CPU seconds the server has used so far (prom-client's process_cpu_seconds_total, from process.cpuUsage). */
async function serverCpuSeconds(server: Server): Promise<number> {
  const text = await (await fetch(server.url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

const RESOLVERS = { 'x-execution-path': 'resolvers' };

async function stopServer(server: Server) {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
}

/**
 * The compiled path against the resolver path and the hand-written statement, in one run: the
 * 3-level list and the deep query at c = 10 and c = 1, Node CPU per request, and the goals. Each
 * path has a server of its own, started the same way: the compiled server answers only compiled
 * requests, so its RSS is the compiled path's (the resolver path's garbage grows the V8 heap of
 * whatever server runs it, and the heap does not shrink back soon).
 */
async function compiledSection(databaseUrl: string, pool: Pool, catalogProject: string) {
  console.log('\n== 0. Compiled path (one statement per request) vs resolver path vs hand-written SQL ==');
  const server = await startServer(databaseUrl, 'bench-server-compiled.log');
  const resolverServer = await startServer(databaseUrl, 'bench-server-resolvers.log');
  try {
    console.log(`  compiled-path server pid ${server.pid}, resolver-path server pid ${resolverServer.pid}; RSS after start ${rssOf(server.pid).rss.toFixed(0)} and ${rssOf(resolverServer.pid).rss.toFixed(0)} MiB`);
    await compiledCases(server, resolverServer, pool, catalogProject);
  } finally {
    await stopServer(server);
    await stopServer(resolverServer);
  }
}

async function compiledCases(server: Server, resolverServer: Server, pool: Pool, catalogProject: string) {
  const cases: { query: BenchQuery; variables: Record<string, unknown>; params: unknown[] }[] = [
    { query: THREE_LEVEL, variables: { project: catalogProject }, params: [catalogProject] },
    { query: CATALOG_LIST, variables: { prefix: 'startswith:catalog-' }, params: ['catalog-%'] },
  ];
  const rows: (string | number)[][] = [];
  const goals: string[] = [];
  for (const c of cases) {
    const body = JSON.stringify({ query: c.query.graphql, variables: c.variables });
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const compiled = await res.json() as { data: unknown; errors?: unknown };
    const path = res.headers.get('x-execution-path');
    const statements = Number(res.headers.get('x-sql-statements'));
    const resolvers = await (await fetch(resolverServer.url, { method: 'POST', headers: { 'content-type': 'application/json', ...RESOLVERS }, body })).json() as { data: unknown };
    const raw = (await pool.query(c.query.sql, c.params)).rows[0].data;
    const diff = firstDifference(compiled.data, raw) ?? firstDifference(resolvers.data, raw);
    if (compiled.errors || diff || path !== 'compiled') {
      throw new Error(`${c.query.name}: the server (${path}) and the SQL must return the same JSON: ${JSON.stringify(compiled.errors) ?? diff}`);
    }
    console.log(`  ${c.query.name}: compiled, resolvers and SQL return the same JSON (${JSON.stringify(raw).length} bytes); compiled: ${statements} statement`);
    const cost = estimatedCost(c.query.graphql, c.variables);
    console.log(`    estimated cost ${cost.toLocaleString('en-US')} (the server refuses more than MAX_QUERY_COST, by default ${DEFAULT_MAX_QUERY_COST.toLocaleString('en-US')}${cost > DEFAULT_MAX_QUERY_COST ? ': this query needs it raised' : ''})`);
    const warm = { seconds: 1, maxRequests: 300 };
    await gateway(server.url, [body], 4, warm);
    await gateway(resolverServer.url, [body], 4, warm, RESOLVERS);
    await closedLoop(() => pool.query(c.query.sql, c.params), 4, warm);
    await drain(server);
    const cpuBefore = await serverCpuSeconds(server);
    const gw10 = await gateway(server.url, [body], 10, bound);
    const cpuMs = ((await serverCpuSeconds(server)) - cpuBefore) * 1000 / gw10.count;
    await drain(server);
    await drain(resolverServer);
    const rv10 = await gateway(resolverServer.url, [body], 10, bound, RESOLVERS);
    await drain(resolverServer);
    const sql10 = await closedLoop(() => pool.query(c.query.sql, c.params), 10, bound);
    const gw1 = await sequential(server, [body], bound);
    const sql1 = await closedLoop(() => pool.query(c.query.sql, c.params), 1, bound);
    rows.push([c.query.name, gw10.rps.toFixed(0), rv10.rps.toFixed(0), sql10.rps.toFixed(0), (gw10.rps / sql10.rps).toFixed(2), (rv10.rps / sql10.rps).toFixed(2),
      (gw10.rps / rv10.rps).toFixed(1), ms(gw10.p50), ms(rv10.p50), ms(sql10.p50), ms(gw1.p50), ms(sql1.p50), (gw1.p50 / sql1.p50).toFixed(2), cpuMs.toFixed(2),
      gw10.failures + rv10.failures + sql10.failures]);
    const ratio = gw10.rps / sql10.rps;
    goals.push(`${c.query.name}: c=10 compiled/SQL ${ratio.toFixed(2)} (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    if (c.query === THREE_LEVEL) {
      goals.push(`3-level c=10: ${gw10.rps.toFixed(0)} req/s (goal ≥ 90: ${gw10.rps >= 90 ? 'met' : 'NOT met'}); c=1 p50 ${(gw1.p50 / sql1.p50).toFixed(2)} × SQL (goal ≤ 2: ${gw1.p50 / sql1.p50 <= 2 ? 'met' : 'NOT met'}); ` +
        `Node CPU ${cpuMs.toFixed(2)} ms/request (goal ≤ 5: ${cpuMs <= 5 ? 'met' : 'NOT met'})`);
    }
  }
  console.log(`\n${table(COMPILED_COLUMNS, rows)}`);
  const compiledMem = rssOf(server.pid);
  const resolverMem = rssOf(resolverServer.pid);
  goals.push(`compiled-path server RSS after both queries' runs ${compiledMem.rss.toFixed(0)} MiB, peak ${compiledMem.peak.toFixed(0)} MiB (goal ≤ 200: ${compiledMem.peak <= 200 ? 'met' : compiledMem.rss <= 200 ? 'met after the runs, NOT at the peak' : 'NOT met'}); ` +
    `resolver-path server ${resolverMem.rss.toFixed(0)} MiB, peak ${resolverMem.peak.toFixed(0)} MiB`);
  console.log('  (c = 10 unless said; latencies in ms; compiled and resolvers on two servers started alike, the resolver path forced per request by `x-execution-path`)');
  for (const g of goals) console.log(`  - ${g}`);
  for (const c of cases) {
    const statement = compiledStatement(c.query.graphql, c.variables);
    console.log(`\n  EXPLAIN (ANALYZE, BUFFERS) of the compiled statement, ${c.query.name}:\n${await explain(pool, statement.text, statement.values)}`);
  }
}

async function catalogSection(server: Server, pool: Pool, catalogProject: string) {
  console.log('\n== 1. Representative queries: gateway (HTTP, autocannon) vs hand-written SQL (pg pool of 10) ==');
  const project = (await pool.query('SELECT id FROM project WHERE name = $1', [catalogProject])).rows[0].id;
  const model = (await pool.query("SELECT name FROM model WHERE project_id = $1 ORDER BY name LIMIT 1", [project])).rows[0].name;
  const picks: { type: string; id: string }[] = [];
  for (const type of NODE_TYPES) {
    const col = type === 'Project' ? 'id' : 'project_id';
    const { rows } = await pool.query(`SELECT id FROM ${NODE_TABLES[type]} WHERE ${col} = $1 ORDER BY id LIMIT 3`, [project]);
    picks.push(...rows.map((r) => ({ type, id: r.id })));
  }
  // Interleave the types: the ids of one request hit every loader.
  const ids = [0, 1, 2].flatMap((k) => NODE_TYPES.map((_, t) => picks[t * 3 + k]).filter(Boolean));
  const tags = TAG_FILTERS.startswith;
  const cases: Case[] = [
    { query: CATALOG_LIST, variables: [{ prefix: 'startswith:catalog-' }], params: [['catalog-%']] },
    { query: MODEL_VERSIONS, variables: [{ project: catalogProject, model }], params: [[catalogProject, model]] },
    { query: taggedVersions(tags), variables: [{ project: catalogProject, tags }], params: [[catalogProject, ...tagConditions(tags).values]] },
    { query: NODES, variables: [{ ids: ids.map((p) => encode(p.type, p.id)) }], params: [[ids.map((p) => p.type), ids.map((p) => p.id)]] },
  ];
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const c of cases) await benchCase(server, pool, c, rows, notes);
  console.log(`\n${table(['query', 'conc', 'gw req/s', 'gw p50', 'gw p95', 'gw p99', 'sql req/s', 'sql p50', 'sql p95', 'sql p99', 'gw/sql p50', 'SQL stmts/req', 'failures'], rows)}`);
  console.log('  (latencies in ms; gw = GraphQL over HTTP incl. parsing/validation; sql = one hand-written statement through pg)');
  for (const n of notes) console.log(`  - ${n}`);
  console.log(`  - the server runs with ${process.env.MAX_QUERY_COST ? `MAX_QUERY_COST=${process.env.MAX_QUERY_COST}` : 'the default query limits'}`);
  const headline = rows.find((r) => r[0] === CATALOG_LIST.name && r[1] === concurrencies[0]);
  if (headline) console.log(`\nHEADLINE: 3-level list query gateway/raw-SQL at p50, concurrency ${concurrencies[0]}: ${headline[10]}x (goal < 2x)`);
}

async function tagsSection(server: Server, pool: Pool, catalogProject: string) {
  console.log(`\n== 2. Tag filters on ${catalogProject}.artifactVersions (concurrency 1) ==`);
  const { rows: [{ n, tagged }] } = await pool.query(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM tag_assignment ta WHERE ta.resource_id = av.id))::int AS tagged
     FROM artifact_version av JOIN project p ON p.id = av.project_id WHERE p.name = $1`, [catalogProject]);
  console.log(`  ${tagged.toLocaleString('en-US')} tagged of ${n.toLocaleString('en-US')} artifact versions`);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const single = { seconds: bound.seconds, maxRequests: 2000 };
  for (const [kind, tags] of Object.entries(TAG_FILTERS)) {
    const cond = tagConditions(tags);
    const { rows: [{ matches }] } = await pool.query(
      `SELECT count(*)::int AS matches FROM artifact_version t JOIN project p ON p.id = t.project_id WHERE p.name = $1 AND ${cond.sql}`, [catalogProject, ...cond.values]);
    for (const withCount of [false, true]) {
      const q = taggedVersions(tags, withCount);
      const body = JSON.stringify({ query: q.graphql, variables: { project: catalogProject, tags } });
      const first = await server.statements(body);
      const raw = (await pool.query(q.sql, [catalogProject, ...cond.values])).rows[0].data;
      const diff = firstDifference(first.data, raw);
      if (diff || first.errors) notes.push(`${q.name}: ${first.errors ? JSON.stringify(first.errors).slice(0, 200) : `data differs at ${diff}`}`);
      await sequential(server, [body], { seconds: 1, maxRequests: 5 });
      const gw = await sequential(server, [body], single);
      const sql = await closedLoop(() => pool.query(q.sql, [catalogProject, ...cond.values]), 1, single);
      rows.push([kind, JSON.stringify(tags), withCount ? 'page+count' : 'page', matches, ms(gw.p50), ms(gw.p95), ms(sql.p50), ms(sql.p95), (gw.p50 / sql.p50).toFixed(2), first.statements]);
    }
  }
  console.log(table(['filter', 'tags', 'fields', 'matches', 'gw p50', 'gw p95', 'sql p50', 'sql p95', 'gw/sql p50', 'SQL stmts/req'], rows));
  for (const n of notes) console.log(`  - ${n}`);
  // The statement the server sends for the startswith page (src/db/lists.ts: LATERAL over the parent ids).
  const project = (await pool.query('SELECT id FROM project WHERE name = $1', [catalogProject])).rows[0].id;
  for (const [kind, tags] of [['startswith', TAG_FILTERS.startswith], ['and3', TAG_FILTERS.and3]] as const) {
  const cond = tagConditions(tags);
  const serverSql = `SELECT p.parent_id AS __parent, c.* FROM unnest(ARRAY[$1]::uuid[]) AS p(parent_id) CROSS JOIN LATERAL (
    SELECT t.*, t.created_at::text AS __sort FROM artifact_version t WHERE t.project_id = p.parent_id AND ${cond.sql}
    ORDER BY t.created_at DESC, t.id DESC LIMIT 21) c`;
  const countSql = `SELECT t.project_id AS parent, count(*)::int AS n FROM artifact_version t WHERE t.project_id = ANY(ARRAY[$1]::uuid[]) AND ${cond.sql} GROUP BY 1`;
  for (const [title, text] of (kind === 'startswith' ? [['page', serverSql], ['totalCount', countSql]] : [['page', serverSql]]) as [string, string][]) {
    const plan = await explain(pool, text, [project, ...cond.values]);
    console.log(`\n  EXPLAIN ANALYZE, ${kind} ${title} (tag name index ix_tag_name_pattern used: ${plan.includes('ix_tag_name_pattern') ? 'yes' : 'NO'}):\n${plan}`);
  }
  }
}

async function lineageSection(server: Server, pool: Pool, lineageProject: string) {
  console.log(`\n== 3. Lineage walks on ${lineageProject} (limit 1000, concurrency 1, 10 roots in turn) ==`);
  const project = (await pool.query('SELECT id FROM project WHERE name = $1', [lineageProject])).rows[0].id;
  const roots = async (step: string, order: string) => (await pool.query(
    `SELECT av.id FROM artifact_version av JOIN step_run s ON s.project_id = av.project_id AND s.id = av.producer_step_id
     WHERE av.project_id = $1 AND s.name = $2 ORDER BY av.created_at ${order}, av.id OFFSET 200 LIMIT 10`, [project, step])).rows.map((r) => r.id as string);
  // Upstream from the 30th step of recent long runs; downstream from first-step outputs of early runs.
  const rootsOf = { UPSTREAM: await roots('s29', 'DESC'), DOWNSTREAM: await roots('s00', 'ASC') };
  const rows: (string | number)[][] = [];
  const single = { seconds: bound.seconds, maxRequests: 1000 };
  for (const direction of ['UPSTREAM', 'DOWNSTREAM'] as const) {
    const upstream = direction === 'UPSTREAM';
    for (const depth of [5, 10, 30]) {
      const limit = 1000;
      const cap = Math.max(limit * 20, 20_000);
      const ids = rootsOf[direction];
      const bodies = ids.map((of) => JSON.stringify({ query: LINEAGE_GRAPHQL, variables: { of: encode('ArtifactVersion', of), direction, depth } }));
      const first = await server.statements(bodies[0]);
      const graph = (first.data as { lineage: { nodes: unknown[]; edges: unknown[]; truncated: boolean } } | null)?.lineage;
      // The same statements the service runs: root lookup, the walk, then the node rows.
      const walk = (client: Pool, root: string) => client.query(walkSql(upstream), [['A'], [root], project, depth, cap]);
      const raw = async (i: number) => {
        const root = ids[i % ids.length];
        await pool.query('SELECT project_id FROM artifact_version WHERE id = $1', [root]);
        const { rows: walked } = await walk(pool, root);
        const best = new Map<string, { kind: string; depth: number }>([[root, { kind: 'A', depth: 0 }]]);
        for (const r of walked) if (r.depth <= depth && (!best.has(r.id) || best.get(r.id)!.depth > r.depth)) best.set(r.id, { kind: r.kind, depth: r.depth });
        const kept = [...best.entries()].sort((a, b) => a[1].depth - b[1].depth || a[1].kind.localeCompare(b[1].kind) || a[0].localeCompare(b[0])).slice(0, limit);
        await pool.query('SELECT * FROM artifact_version WHERE id = ANY($1::uuid[])', [kept.filter((k) => k[1].kind === 'A').map((k) => k[0])]);
        await pool.query('SELECT * FROM step_run WHERE id = ANY($1::uuid[])', [kept.filter((k) => k[1].kind === 'S').map((k) => k[0])]);
        return { walked: walked.length, nodes: kept.length };
      };
      const sample = await raw(0);
      await sequential(server, bodies, { seconds: 1, maxRequests: 5 });
      const gw = await sequential(server, bodies, single);
      const sql = await closedLoop(raw, 1, single);
      const walkOnly = await closedLoop((i) => walk(pool, ids[i % ids.length]), 1, single);
      rows.push([direction, depth, graph ? graph.nodes.length : 'error', graph ? graph.edges.length : '-', graph ? String(graph.truncated) : '-', sample.walked,
        ms(gw.p50), ms(gw.p95), ms(sql.p50), ms(sql.p95), ms(walkOnly.p50), (gw.p50 / sql.p50).toFixed(2), first.statements, gw.count]);
      console.log(`  ${direction} depth ${depth}: gateway p50 ${ms(gw.p50)} p95 ${ms(gw.p95)} ms; sql p50 ${ms(sql.p50)} ms`);
      if (first.errors) console.log(`  - errors: ${JSON.stringify(first.errors).slice(0, 300)}`);
    }
  }
  console.log(table(['direction', 'depth', 'nodes', 'edges', 'truncated', 'walk rows', 'gw p50', 'gw p95', 'sql p50', 'sql p95', 'walk-only p50', 'gw/sql p50', 'SQL stmts/req', 'requests'], rows));
  const d10 = rows.filter((r) => r[1] === 10).map((r) => `${r[0]} p95 ${r[7]} ms`);
  console.log(`  target p95 < 50 ms at depth 10: ${d10.join(', ')}`);
  const plan = await explain(pool, walkSql(true), [['A'], [rootsOf.UPSTREAM[0]], project, 10, 20_000]);
  console.log(`\n  EXPLAIN ANALYZE of one UPSTREAM walk, depth 10:\n${plan}`);
}

/** What a run measures and on which data: printed by --dry-run, used by the run. */
function plan() {
  const n = args.numbers;
  const seeded = (want('compiled') || want('catalog') || want('tags'));
  return {
    sections: BENCH_ARGS.sections.filter(want),
    catalog: seeded ? { projects: n.projects, pipelines: n.pipelines, runs: n.runs, seed: n.seed } : null,
    lineage: want('lineage') ? { artifactVersions: n['artifact-versions'], seed: n.seed } : null,
    seconds: bound.seconds, maxRequests: bound.maxRequests, concurrency: concurrencies,
  };
}

async function main() {
  if (args.dryRun) {
    console.log(JSON.stringify(plan()));
    return;
  }
  const started = Date.now();
  const db = await openBenchDatabase();
  const client = new Client({ connectionString: db.url });
  await client.connect();
  let created = false;
  const log = (m: string) => {
    if (m.includes('created')) created = true;
    console.log(`  ${m}`);
  };
  await client.query('SET synchronous_commit = off');
  const { catalog, lineage } = plan();
  console.log('== data ==');
  if (catalog) {
    const r = await ensureCatalog(client, catalog, log);
    console.log(`  catalog ${catalog.projects}×${catalog.pipelines}×${catalog.runs}: ${JSON.stringify(r.sizes)}`);
  }
  let lineageProject = '';
  if (lineage) {
    const r = await ensureLineage(client, lineage, log);
    lineageProject = r.project;
    console.log(`  lineage: ${JSON.stringify(r.sizes)}`);
  }
  if (created) await analyze(client);
  await client.end();
  console.log(`  data ready after ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const pool = newPool(db.url, 10);
  try {
    if (want('compiled')) await compiledSection(db.url, pool, 'catalog-00');
    if (want('catalog') || want('tags') || want('lineage')) {
      const server = await startServer(db.url);
      try {
        console.log(`\n  server pid ${server.pid} at ${server.url}; RSS after start ${rssOf(server.pid).rss.toFixed(0)} MiB`);
        if (want('catalog')) await catalogSection(server, pool, 'catalog-00');
        if (want('tags')) await tagsSection(server, pool, 'catalog-00');
        if (want('lineage')) await lineageSection(server, pool, lineageProject);
        const mem = rssOf(server.pid);
        console.log(`\nserver RSS after sections 1–3: ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`);
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    await pool.end();
    await db.stop();
  }
  console.log(`bench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
