import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_OPERATION_LABELS } from '../src/observability/metrics';
import { codeOf, startTestApp, TestApp } from './helpers/app';

let app: TestApp;
before(async () => { app = await startTestApp({ PG_POOL_SIZE: '4' }); });
after(async () => { await app.close(); });

/** The scraped samples, keyed by `name{labels}` exactly as exposed (labels in declaration order). */
async function scrape(target: TestApp): Promise<Map<string, number>> {
  const res = await fetch(new URL('/metrics', target.url));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    assert.ok(!samples.has(line.slice(0, at)), `one sample per series: ${line}`);
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

test('requests, latency, SQL statements and errors are counted per operation', async () => {
  await app.ok(`mutation CreateProject { createProject(input: { name: "metrics" }) { id } }`);
  let statements = 0;
  for (let i = 0; i < 3; i++) {
    const r = await app.gql(`query ListProjects { projects { totalCount nodes { name } } }`);
    assert.equal(r.errors, undefined);
    statements += r.sqlStatements;
  }
  assert.equal(codeOf(await app.gql(`query BadFirst { projects(first: -1) { totalCount } }`)), 'BAD_USER_INPUT');
  await app.ok(`{ projects { totalCount } }`);
  const parseError = await app.gql(`{ projects {`);
  assert.equal(parseError.status, 400);
  assert.equal(codeOf(parseError), 'GRAPHQL_PARSE_FAILED');

  const m = await scrape(app);
  assert.equal(m.get('mag_graphql_requests_total{operation="CreateProject",status="200"}'), 1);
  assert.equal(m.get('mag_graphql_requests_total{operation="ListProjects",status="200"}'), 3);
  assert.equal(m.get('mag_graphql_requests_total{operation="BadFirst",status="200"}'), 1);
  assert.equal(m.get('mag_graphql_requests_total{operation="anonymous",status="200"}'), 1);
  assert.equal(m.get('mag_graphql_requests_total{operation="unknown",status="400"}'), 1);

  assert.equal(m.get('mag_graphql_errors_total{operation="BadFirst",code="BAD_USER_INPUT"}'), 1);
  assert.equal(m.get('mag_graphql_errors_total{operation="unknown",code="GRAPHQL_PARSE_FAILED"}'), 1);
  assert.deepEqual([...m.keys()].filter((k) => k.startsWith('mag_graphql_errors_total')).sort(), [
    'mag_graphql_errors_total{operation="BadFirst",code="BAD_USER_INPUT"}',
    'mag_graphql_errors_total{operation="unknown",code="GRAPHQL_PARSE_FAILED"}',
  ]);

  assert.equal(m.get('mag_graphql_request_duration_seconds_count{operation="ListProjects"}'), 3);
  assert.equal(m.get('mag_graphql_request_duration_seconds_bucket{le="+Inf",operation="ListProjects"}'), 3);
  const seconds = m.get('mag_graphql_request_duration_seconds_sum{operation="ListProjects"}')!;
  assert.ok(seconds > 0 && seconds < 30, `latency sum ${seconds}`);
  assert.ok(statements >= 3);
  assert.equal(m.get('mag_graphql_sql_statements_sum{operation="ListProjects"}'), statements, 'the same count as x-sql-statements');
  assert.equal(m.get('mag_graphql_sql_statements_count{operation="ListProjects"}'), 3);
  assert.equal(m.get('mag_graphql_sql_statements_bucket{le="0",operation="ListProjects"}'), 0);
});

test('every route is counted by status, the playground and 404s included', async () => {
  const origin = new URL(app.url).origin;
  const before = await scrape(app);
  const at = (m: Map<string, number>, key: string) => m.get(key) ?? 0;
  await fetch(`${origin}/healthz`);
  await fetch(`${origin}/healthz`);
  await fetch(`${origin}/nowhere`);
  await fetch(`${origin}/graphql`, { headers: { accept: 'text/html' } });
  const now = await scrape(app);
  assert.equal(at(now, 'mag_http_requests_total{route="healthz",status="200"}') - at(before, 'mag_http_requests_total{route="healthz",status="200"}'), 2);
  assert.equal(at(now, 'mag_http_requests_total{route="not_found",status="404"}') - at(before, 'mag_http_requests_total{route="not_found",status="404"}'), 1);
  assert.equal(at(now, 'mag_http_requests_total{route="playground",status="200"}') - at(before, 'mag_http_requests_total{route="playground",status="200"}'), 1);
  // The first scrape is counted once it has been written, so the second one sees it.
  assert.equal(at(now, 'mag_http_requests_total{route="metrics",status="200"}') - at(before, 'mag_http_requests_total{route="metrics",status="200"}'), 1);
  assert.equal(now.get('mag_http_requests_total{route="graphql",status="200"}'), now.get('mag_graphql_requests_total{operation="ListProjects",status="200"}')! + 3);
});

test('pool gauges show the configured size and the connections the pool holds', async () => {
  await Promise.all(Array.from({ length: 8 }, () => app.ok(`query ListProjects { projects { totalCount nodes { name } } }`)));
  const m = await scrape(app);
  assert.equal(m.get('mag_db_pool_max_connections'), 4);
  const total = m.get('mag_db_pool_connections')!;
  assert.ok(total >= 1 && total <= 4, `total ${total}`);
  // Nothing runs while /metrics answers: every connection is idle and no one waits.
  assert.equal(m.get('mag_db_pool_idle_connections'), total);
  assert.equal(m.get('mag_db_pool_waiting_clients'), 0);
});

test('process metrics are there once', async () => {
  const m = await scrape(app);
  assert.ok(m.get('process_cpu_user_seconds_total')! > 0);
  assert.ok(m.get('nodejs_heap_size_used_bytes')! > 0);
  assert.ok(m.has('nodejs_eventloop_lag_p99_seconds'));
});

test('operation names past the cap share the label "other", and each app has its own registry', async () => {
  const other = await startTestApp();
  try {
    const extra = 5;
    for (let i = 0; i < MAX_OPERATION_LABELS + extra; i++) await other.ok(`query Op${i} { __typename }`);
    const m = await scrape(other);
    const operations = new Set([...m.keys()].filter((k) => k.startsWith('mag_graphql_requests_total')).map((k) => /operation="([^"]*)"/.exec(k)![1]));
    assert.equal(operations.size, MAX_OPERATION_LABELS + 1);
    assert.ok(operations.has(`Op${MAX_OPERATION_LABELS - 1}`));
    assert.ok(!operations.has(`Op${MAX_OPERATION_LABELS}`));
    assert.equal(m.get('mag_graphql_requests_total{operation="other",status="200"}'), extra);
    assert.equal(m.get('mag_graphql_requests_total{operation="ListProjects",status="200"}'), undefined, 'the first app\'s requests are not here');
    assert.equal((await scrape(app)).get('mag_graphql_requests_total{operation="Op0",status="200"}'), undefined);
  } finally {
    await other.close();
  }
});

test('METRICS=false leaves /metrics out', async () => {
  const off = await startTestApp({ METRICS: 'false' });
  try {
    const res = await fetch(new URL('/metrics', off.url));
    assert.equal(res.status, 404);
    assert.equal((await off.ok(`{ projects { totalCount } }`)).projects.totalCount, 0);
  } finally {
    await off.close();
  }
});

test('operations are counted by the path that answered them: one compiled statement, or the resolvers', async () => {
  await app.ok(`mutation { createProject(input: { name: "paths" }) { id } }`);
  const before = await scrape(app);
  const compiled = await app.gql(`query Deep { projects(first: 5) { totalCount nodes { name pipelines { totalCount nodes { runs { nodes { tags { name } } } } } } } }`);
  assert.equal(compiled.errors, undefined);
  assert.equal(compiled.sqlStatements, 1);
  const introspection = await app.gql(`{ __schema { queryType { name } } }`);
  assert.equal(introspection.data.__schema.queryType.name, 'Query');
  const after = await scrape(app);
  const delta = (path: string) => (after.get(`mag_graphql_operations_total{path="${path}"}`) ?? 0) - (before.get(`mag_graphql_operations_total{path="${path}"}`) ?? 0);
  assert.equal(delta('compiled'), 1);
  // The scrape itself is not GraphQL; the mutation before `before` counted then.
  assert.equal(delta('resolvers'), 1);
});
