// Query limits against documents built to defeat them: fragments spread twice into the next one,
// documents too long to parse, and lists that grow with data.
import assert from 'node:assert/strict';
// First: the app's entry (reflect-metadata, graphql's fast path) before any type-graphql class loads.
import { codeOf, GqlResult, startTestApp, TestApp } from './helpers/app';
import { after, before, test } from 'node:test';
import {
  getIntrospectionQuery, getNamedType, getNullableType, isListType, isLeafType, isObjectType, isInterfaceType, Kind, OperationDefinitionNode,
  parse, print, specifiedRules, typeFromAST, validate, valueFromAST, DocumentNode, GraphQLInputType,
} from 'graphql';
import * as client from '../clients/ts';
import { loadConfig } from '../src/config';
import { LIST_BOUNDS } from '../src/graphql/list-bounds';
import { estimateCost, limitRules } from '../src/graphql/limits';
import { buildAppSchema } from '../src/graphql/schema';
import { EXAMPLE_TABS } from '../src/playground/examples';
import { createProject } from './helpers/fixtures';
import { gqlAt, rawRequest } from './helpers/http-gql';

let app: TestApp;

before(async () => {
  app = await startTestApp({ EXECUTION_PATH_HEADER: 'true' });
  await createProject(app, 'limits');
});
after(async () => { await app.close(); });

/** `fragment Fi on Project { ...F(i+1) ...F(i+1) }`: n fragments that expand to 2^n copies of the last. */
function doublingDocument(n: number, leaf = 'name'): string {
  let text = 'query { projects { nodes { ...F0 } } }';
  for (let i = 0; i < n; i++) text += ` fragment F${i} on Project { ...F${i + 1} ...F${i + 1} }`;
  return `${text} fragment F${n} on Project { ${leaf} }`;
}

/** Gives up after 10 s: a document that blocks the server fails the test instead of stalling it. */
const timed = (query: string, variables?: Record<string, unknown>) => gqlAt(app.url, query, variables, { timeoutMs: 10_000 });

function assertRefused(r: GqlResult, pattern: RegExp) {
  assert.equal(r.status, 400, JSON.stringify(r.errors));
  assert.equal(codeOf(r), 'BAD_USER_INPUT', JSON.stringify(r.errors));
  assert.equal(r.data, undefined);
  assert.match(r.errors![0].message, pattern);
}

test('a document that spreads each of 30 fragments twice into the next is refused quickly', async () => {
  const r = await timed(doublingDocument(30));
  assertRefused(r, /estimated cost is 21474836501; at most 1000000/);
  // Before fragments were measured once, 24 of them took a minute and 30 would take hours.
  assert.ok(r.ms < 2000, `refused after ${r.ms} ms`);
});

test('fragment doubling cannot switch the cost limit off', async () => {
  // 20 fragments: 2^20 copies of `name` under 20 projects. The old estimate gave up past 10,000
  // nodes and the query then ran unpriced.
  assertRefused(await timed(doublingDocument(20)), /estimated cost is 20971541;/);
  // first: 0 must not turn an enormous fragment into a cheap one.
  assertRefused(await timed(doublingDocument(20).replace('projects {', 'projects(first: 0) {')), /estimated cost is 1048578;/);
  // Tokens allowed, 1,100 doublings overflow any number: an estimate that cannot be computed is refused too.
  const lax = await startTestApp({ MAX_TOKENS: '100000' });
  try {
    const r = await lax.gql(doublingDocument(1100));
    assert.equal(r.status, 400);
    assert.equal(codeOf(r), 'BAD_USER_INPUT');
    assert.match(r.errors![0].message, /estimated cost is beyond any limit/);
  } finally {
    await lax.close();
  }
});

test('the same fragments spread once each run, and cost what they select', async () => {
  let text = 'query { projects { nodes { ...F0 } } }';
  for (let i = 0; i < 30; i++) text += ` fragment F${i} on Project { ...F${i + 1} }`;
  const r = await timed(`${text} fragment F30 on Project { name }`);
  assert.deepEqual(r.errors, undefined);
  assert.deepEqual(r.data.projects.nodes, [{ name: 'limits' }]);
});

test('a document of more tokens than MAX_TOKENS is refused while it is parsed', async () => {
  const query = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const r = await timed(query);
  assert.deepEqual([r.status, codeOf(r), r.data], [400, 'GRAPHQL_PARSE_FAILED', undefined]);
  assert.match(r.errors![0].message, /Document contains more tha[nt] 5000 tokens/);
  // Comments are not tokens: a long comment is only bounded by the body size.
  const commented = await timed(`# ${'x'.repeat(100_000)}\n{ viewer { name } }`);
  assert.deepEqual([commented.errors, commented.data], [undefined, { viewer: { name: 'anonymous' } }]);
});

test('variables price a list: first in a variable counts like a literal', async () => {
  const query = 'query($n: Int) { projects(first: $n) { nodes { pipelines(first: $n) { nodes { runs(first: $n) { nodes { id } } } } } } }';
  assertRefused(await timed(query, { n: 100 }), /estimated cost is 2020201;/);
  const small = await timed(query, { n: 10 });
  assert.deepEqual(small.errors, undefined);
});

const SAMPLE_SCALARS: Record<string, unknown> = { ID: 'x', String: 'x', Int: 1, Boolean: false };

/** Variables as a client sends them: declared defaults, a sample value for required scalars, no `first`. */
function sampleVariables(operation: OperationDefinitionNode, schema: ReturnType<typeof buildAppSchema>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, v.type as never) as GraphQLInputType;
    if (v.defaultValue) out[v.variable.name.value] = valueFromAST(v.defaultValue, type);
    else if (v.type.kind === Kind.NON_NULL_TYPE) out[v.variable.name.value] = SAMPLE_SCALARS[getNamedType(type).name];
  }
  return out;
}

test("GraphiQL's introspection query, every client operation and every playground example fit the default limits", () => {
  const schema = buildAppSchema();
  const limits = loadConfig({});
  const documents: [string, DocumentNode][] = [
    ['introspection', parse(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }))],
    ...EXAMPLE_TABS.map((tab, i): [string, DocumentNode] => [`playground tab ${i}`, parse(tab.query)]),
    ...Object.entries(client).filter(([name]) => name.endsWith('Document')).map(([name, doc]): [string, DocumentNode] => [name, doc as DocumentNode]),
  ];
  assert.ok(documents.length > 20, `${documents.length} documents`);
  for (const [name, document] of documents) {
    const text = print(document);
    // A quarter of the token limit: room for clients to grow.
    assert.doesNotThrow(() => parse(text, { maxTokens: limits.maxTokens / 4 }), name);
    assert.deepEqual(validate(schema, document, [...specifiedRules, ...limitRules(limits)]).map((e) => e.message), [], name);
    for (const operation of document.definitions) {
      if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
      const cost = estimateCost(schema, document, operation, sampleVariables(operation, schema));
      assert.ok(cost <= limits.maxCost, `${name}: cost ${cost}`);
    }
  }
});

test('every list of objects in the schema declares its bound', () => {
  const schema = buildAppSchema();
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
    // Inside a connection or a lineage graph, lists hold what the parent's `first` or `limit` counted.
    if (type.name.endsWith('Connection') || type.name === 'LineageGraph') continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type)) || isLeafType(getNamedType(field.type))) continue;
      if (!(`${type.name}.${field.name}` in LIST_BOUNDS)) missing.push(`${type.name}.${field.name}`);
    }
  }
  assert.deepEqual(missing, []);
});

/** One artifact version consumed by 50,000 steps, written with set-based SQL. */
async function versionWithManyConsumers(): Promise<{ versionId: string; runId: string }> {
  const run = (await app.ok(`mutation { startRun(input: { project: "limits", pipeline: "fanout" }) { id } }`)).startRun;
  const version = (await app.ok(`mutation { registerArtifactVersion(input: { project: "limits", artifact: "raw" }) { id } }`)).registerArtifactVersion;
  const [{ project_id: projectId, id: runId }] = await app.sql('SELECT project_id, id FROM pipeline_run');
  await app.sql(`INSERT INTO step_run (project_id, run_id, name, status, created_at)
    SELECT $1, $2, 'consumer-' || g, 'COMPLETED', '2026-01-01'::timestamptz + g * interval '1 millisecond' FROM generate_series(1, 50000) g`, [projectId, runId]);
  await app.sql(`INSERT INTO step_input (project_id, step_run_id, name, artifact_version_id)
    SELECT project_id, id, 'data', (SELECT id FROM artifact_version WHERE project_id = $1 LIMIT 1) FROM step_run WHERE run_id = $2`, [projectId, runId]);
  await app.sql('ANALYZE step_run; ANALYZE step_input');
  return { versionId: version.id, runId: run.id };
}

let fanout: Promise<{ versionId: string; runId: string }> | undefined;

test('a 194-byte query over a version consumed by 50,000 steps answers the first 100, oldest first, on both execution paths', async () => {
  await (fanout ??= versionWithManyConsumers());
  const query = '{ artifactVersion(project: "limits", artifact: "raw") { version consumedBy { id name status createdAt endedAt run { id name status } inputs { name artifactVersion { id version } } metadata } } }';
  assert.equal(Buffer.byteLength(query), 194);
  for (const path of ['compiled', 'resolvers']) {
    const r = await rawRequest(app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-execution-path': path }, body: JSON.stringify({ query }), timeoutMs: 30_000 });
    assert.deepEqual([r.status, r.body.errors, r.headers.get('x-execution-path')?.split(';')[0]], [200, undefined, path]);
    const consumers = r.body.data.artifactVersion.consumedBy;
    assert.equal(consumers.length, 100, path);
    assert.deepEqual(consumers.slice(0, 2).map((s: { name: string }) => s.name), ['consumer-1', 'consumer-2'], path);
    assert.equal(consumers[99].name, 'consumer-100', path);
    assert.ok(r.text.length < 100_000, `${path}: ${r.text.length} bytes`);
  }
});

test('first pages a bounded list up to its maximum and refuses more', async () => {
  await (fanout ??= versionWithManyConsumers());
  const query = 'query($n: Int!) { artifactVersion(project: "limits", artifact: "raw") { consumedBy(first: $n) { name } } }';
  const thousand = await gqlAt(app.url, query, { n: 1000 });
  assert.deepEqual(thousand.errors, undefined);
  assert.equal(thousand.data.artifactVersion.consumedBy.length, 1000);
  assert.equal(thousand.data.artifactVersion.consumedBy[999].name, 'consumer-1000');
  const none = await gqlAt(app.url, query, { n: 0 });
  assert.deepEqual(none.data.artifactVersion.consumedBy, []);
  for (const n of [1001, -1]) {
    const r = await gqlAt(app.url, query, { n });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', `first ${n}`);
    assert.match(r.errors![0].message, /first must be between 0 and 1000/);
  }
});

test("a run's steps and DAG are bounded too: steps by first, the DAG by its limit", async () => {
  const { runId } = await (fanout ??= versionWithManyConsumers());
  const r = await gqlAt(app.url, `query($id: ID!) { node(id: $id) { ... on PipelineRun { steps { name } few: steps(first: 3) { name }
    dag(limit: 10) { truncated nodes { __typename } edges { kind } } } } }`, { id: runId }, { timeoutMs: 30_000 });
  assert.deepEqual(r.errors, undefined);
  assert.equal(r.data.node.steps.length, 100);
  assert.deepEqual(r.data.node.few.map((s: { name: string }) => s.name), ['consumer-1', 'consumer-2', 'consumer-3']);
  assert.equal(r.data.node.dag.truncated, true);
  assert.equal(r.data.node.dag.nodes.length, 10);
  // The walk order keeps the cut connected: step 1, the version, steps 2 to 9; one INPUT edge each.
  assert.deepEqual(r.data.node.dag.edges.map((e: { kind: string }) => e.kind), Array(9).fill('INPUT'));
});

test('the cost of nested bounded lists is their first times their selection', async () => {
  // 1,000 consumers × 1,000 inputs × 2 fields: far over the limit, refused before any SQL.
  const r = await gqlAt(app.url, '{ artifactVersion(project: "limits", artifact: "raw") { consumedBy(first: 1000) { inputs(first: 1000) { name artifactVersion { id } } } } }');
  assert.equal(r.status, 400);
  assert.match(r.errors![0].message, /estimated cost is 3001002;/);
});
