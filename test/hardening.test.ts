// Malformed, oversized and hostile requests: each gets a 4xx-class GraphQL error with a code,
// reveals nothing of the internals, changes no row, and the server keeps answering.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GqlResult, startTestApp, TestApp } from './helpers/app';
import { globalId, rawRequest, RawResponse } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-hardening-tests';
const P = 'hardening';
let app: TestApp;
let runId: string;
let versionId: string;
let modelVersionId: string;
let pipelineId: string;
/** Every error body this file received, checked at the end for leaked internals. */
const seenErrors: unknown[] = [];


const TABLES = ['project', 'pipeline', 'pipeline_run', 'step_run', 'artifact', 'artifact_version', 'model', 'model_version', 'stage_change',
  'step_input', 'model_artifact_link', 'tag', 'tag_assignment', 'stack', 'stack_component', 'stack_component_link', 'api_key'];

async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = (await app.sql(`SELECT count(*)::int AS n FROM ${t}`))[0].n;
  return out;
}

const auth = { authorization: `Bearer ${ADMIN}` };
const json = { 'content-type': 'application/json', ...auth };

async function post(body: string, headers: Record<string, string> = json): Promise<RawResponse> {
  const r = await rawRequest(app.url, { method: 'POST', headers, body });
  if (r.body?.errors) seenErrors.push(r.body.errors);
  return r;
}

async function gql(query: string, variables?: unknown): Promise<GqlResult> {
  const r = await app.gql(query, variables as Record<string, unknown>, { token: ADMIN });
  if (r.errors) seenErrors.push(r.errors);
  return r;
}

const code = (r: RawResponse) => r.body?.errors?.[0]?.extensions?.code;

/** The server still answers an ordinary query after whatever came before. */
async function stillServes() {
  const r = await app.gql(`{ project(name: "${P}") { name pipelines { totalCount } } }`, undefined, { token: ADMIN });
  assert.equal(r.status, 200);
  assert.deepEqual(r.errors, undefined);
  assert.equal(r.data.project.name, P);
}

/** Runs `body`, then checks the server answers a normal request and no table's row count changed. */
async function harmless(label: string, body: () => Promise<void>) {
  const before = await rowCounts();
  await body();
  await stillServes();
  assert.deepEqual(await rowCounts(), before, `${label}: rows changed`);
}

/** Like assertRefused, but returns the problem instead of throwing, to list every failing case at once. */
function refusalProblem(r: RawResponse, status: number | number[], codes: string | string[], label: string): string | null {
  try {
    assertRefused(r, status, codes, label);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function assertRefused(r: RawResponse, status: number | number[], codes: string | string[], label: string) {
  const statuses = Array.isArray(status) ? status : [status];
  const allowed = Array.isArray(codes) ? codes : [codes];
  assert.ok(statuses.includes(r.status), `${label}: status ${r.status}, body ${r.text.slice(0, 300)}`);
  assert.ok(Array.isArray(r.body?.errors) && r.body.errors.length > 0, `${label}: no GraphQL errors in ${r.text.slice(0, 300)}`);
  assert.ok(allowed.includes(code(r)), `${label}: code ${code(r)}, body ${r.text.slice(0, 300)}`);
}

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN });
  const ok = (q: string, v?: Record<string, unknown>) => app.ok(q, v, { token: ADMIN });
  await ok(`mutation { createProject(input: { name: "${P}" }) { id } }`);
  pipelineId = (await ok(`mutation { createPipeline(input: { project: "${P}", name: "pipe" }) { id } }`)).createPipeline.id;
  runId = (await ok(`mutation { startRun(input: { project: "${P}", pipeline: "pipe", name: "run-1", model: { name: "m", createVersion: true } }) { id } }`)).startRun.id;
  versionId = (await ok(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "data" }) { id } }`)).registerArtifactVersion.id;
  modelVersionId = (await ok(`{ modelVersion(project: "${P}", model: "m") { id } }`)).modelVersion.id;
});
after(async () => { await app?.close(); });

test('a body that is not JSON is a 400 BAD_REQUEST', async () => {
  await harmless('invalid json', async () => {
    for (const body of ['{"query": "{ viewer { name } }"', '{query: 1}', '\u0000\u0001', 'null,']) {
      assertRefused(await post(body), 400, 'BAD_REQUEST', JSON.stringify(body));
    }
  });
});

test('JSON that is not a GraphQL request is a 400', async () => {
  await harmless('bad shapes', async () => {
    for (const body of ['null', '"{ viewer { name } }"', '123', '{}', '{"query": 5}', '{"query": "{ viewer { name } }", "variables": "x"}',
      '{"query": "{ viewer { name } }", "extensions": 7}', '{"query": "{ viewer { name } }", "operationName": 3}']) {
      assertRefused(await post(body), 400, ['BAD_REQUEST', 'BAD_USER_INPUT'], body);
    }
  });
});

test('parse errors, unknown fields, unknown or ambiguous operations are 400s', async () => {
  await harmless('bad documents', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['{ viewer { name ', {}, 'GRAPHQL_PARSE_FAILED'],
      ['{ nope }', {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['query A { viewer { name } } query B { viewer { role } }', {}, 'OPERATION_RESOLUTION_FAILURE'],
      ['query A { viewer { name } }', { operationName: 'Z' }, 'OPERATION_RESOLUTION_FAILURE'],
      ['fragment F on Query { ...G } fragment G on Query { ...F } { ...F }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ];
    for (const [query, extra, expected] of cases) {
      assertRefused(await post(JSON.stringify({ query, ...extra })), 400, expected, query);
    }
  });
});

test('variables of the wrong type are a 400 BAD_USER_INPUT', async () => {
  await harmless('wrong variable types', async () => {
    const problems: string[] = [];
    const cases: [string, unknown][] = [
      ['query($n: String!) { project(name: $n) { id } }', { n: 5 }],
      ['query($n: String!) { project(name: $n) { id } }', {}],
      ['query($n: String!) { project(name: $n) { id } }', { n: null }],
      ['query($n: String!) { project(name: $n) { id } }', { n: ['a'] }],
      ['query($f: Int) { projects(first: $f) { totalCount } }', { f: 'ten' }],
      ['query($f: Int) { projects(first: $f) { totalCount } }', { f: 2 ** 31 }],
      ['query($f: Int) { projects(first: $f) { totalCount } }', { f: 1.5 }],
      ['mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }', { i: { name: 'x', extra: 1 } }],
      ['mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }', { i: 'x' }],
      ['mutation($i: StartRunInput!) { startRun(input: $i) { id } }', { i: { project: P, pipeline: 'pipe', tags: [{ name: 'a', exclusive: 'yes' }] } }],
      ['mutation($s: RunStatus!, $r: ID!) { finishRun(run: $r, status: $s) { id } }', { r: runId, s: 'DONE' }],
      ['query($f: ListFilter) { project(name: "hardening") { pipelines(filter: $f) { totalCount } } }', { f: { createdAfter: 'yesterday' } }],
      ['query($f: ListFilter) { project(name: "hardening") { pipelines(filter: $f) { totalCount } } }', { f: { tags: [{ a: 1 }] } }],
      ['query($f: ListFilter) { project(name: "hardening") { pipelines(filter: $f) { totalCount } } }', { f: { name: 'oneof:' } }],
    ];
    for (const [query, variables] of cases) {
      const problem = refusalProblem(await post(JSON.stringify({ query, variables })), 400, 'BAD_USER_INPUT', `${query} ${JSON.stringify(variables)}`);
      if (problem) problems.push(problem);
    }
    assert.deepEqual(problems, []);
  });
});

test('a 10 MB body with a content-length is a 413, and the server keeps serving', async () => {
  await harmless('10 MB body', async () => {
    const big = JSON.stringify({ query: '{ viewer { name } }', variables: { pad: 'x'.repeat(10 * 1024 * 1024) } });
    const declared = await post(big);
    assertRefused(declared, 413, 'BAD_REQUEST', 'declared 10 MB');
  });
});

test('a 10 MB body sent chunked (no content-length) is a 413 too', async () => {
  await harmless('10 MB chunked body', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"query":"{ viewer { name } }","variables":{"pad":"'));
        if (sent >= 10 * 1024 * 1024) {
          controller.enqueue(new TextEncoder().encode('"}}'));
          controller.close();
          return;
        }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const r = await rawRequest(app.url, { method: 'POST', headers: json, body: stream, duplex: 'half' } as RequestInit);
    assertRefused(r, 413, 'BAD_REQUEST', 'chunked 10 MB');
  });
});

function nested(levels: number): string {
  // project -> pipelines -> nodes -> project -> … : two levels per round.
  let inner = 'name';
  for (let i = 0; i < levels; i++) inner = i % 2 === 0 ? `nodes { project { ${inner} } }` : `pipelines { ${inner} }`;
  return `{ project(name: "${P}") { pipelines { ${inner} } } }`;
}

test('a 200-deep query is refused before it runs', async () => {
  await harmless('deep query', async () => {
    const r = await post(JSON.stringify({ query: nested(200) }));
    assertRefused(r, 400, 'BAD_USER_INPUT', '200 deep');
    assert.match(r.body.errors[0].message, /levels deep; at most 12/);
    // Nesting that no parser should recurse through blindly: 5,000 levels of an unknown field.
    const deeper = await post(JSON.stringify({ query: `{ ${'a { '.repeat(5000)}b${' }'.repeat(5000)} }` }));
    assertRefused(deeper, 400, ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'], '5000 deep');
  });
});

test('10,000 aliases are refused quickly', async (t) => {
  await harmless('10k aliases', async () => {
    // 60,000 tokens: the parser stops at MAX_TOKENS before it builds the document.
    const query = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`;
    const r = await post(JSON.stringify({ query }));
    assertRefused(r, 400, 'GRAPHQL_PARSE_FAILED', '10k aliases');
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    // Under the token limit, the alias limit refuses them.
    const fewer = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`;
    const f = await post(JSON.stringify({ query: fewer }));
    assertRefused(f, 400, 'BAD_USER_INPUT', '500 aliases');
    // Aliases of a field with different arguments: the overlap check is quadratic in graphql-js.
    for (const n of [2_000, 400]) {
      const mixed = `{ ${Array.from({ length: n }, (_, i) => `a${i}: project(name: "p${i}") { id }`).join(' ')} }`;
      const m = await post(JSON.stringify({ query: mixed }));
      assertRefused(m, 400, n === 2_000 ? 'GRAPHQL_PARSE_FAILED' : 'BAD_USER_INPUT', `${n} aliases with arguments`);
      assert.ok(m.ms < 5000, `took ${m.ms} ms`);
      t.diagnostic(`${n} aliases with arguments refused in ${m.ms} ms`);
    }
    t.diagnostic(`10,000 aliases refused in ${r.ms} ms; 500 in ${f.ms} ms`);
  });
});

test('50 root fields are refused', async () => {
  await harmless('50 roots', async () => {
    const query = `{ ${Array.from({ length: 50 }, (_, i) => `r${i}: project(name: "${P}") { id }`).join(' ')} }`;
    const r = await post(JSON.stringify({ query }));
    assertRefused(r, 400, 'BAD_USER_INPUT', '50 root fields');
    assert.match(r.body.errors[0].message, /50 root fields; at most 20/);
  });
});

test('a query over the cost limit is a 400 BAD_USER_INPUT', async () => {
  await harmless('cost', async () => {
    const query = `{ projects(first: 100) { nodes { pipelines(first: 100) { nodes { runs(first: 100) { nodes { id } } } } } } }`;
    const r = await post(JSON.stringify({ query }));
    assertRefused(r, 400, 'BAD_USER_INPUT', 'cost');
    assert.match(r.body.errors[0].message, /estimated cost/);
  });
});

test('unknown ids give null or NOT_FOUND; malformed ids and ids of the wrong type give BAD_USER_INPUT', async () => {
  await harmless('ids', async () => {
    const unknownRun = globalId('PipelineRun', '00000000-0000-4000-8000-000000000000');
    const unknownNode = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id: unknownRun });
    assert.deepEqual([unknownNode.errors, unknownNode.data.node], [undefined, null]);
    const malformed = ['', 'garbage', 'x'.repeat(5000), globalId('Nope', '00000000-0000-4000-8000-000000000000'), globalId('PipelineRun', 'not-a-uuid'),
      Buffer.from('PipelineRun:').toString('base64url'), "'; DROP TABLE project; --", '../../etc/passwd', globalId('PipelineRun', "0' OR '1'='1")];
    for (const id of malformed) {
      const label = `id ${JSON.stringify(id.slice(0, 40))}`;
      const n = await gql(`query($id: ID!) { node(id: $id) { id } }`, { id });
      assert.equal(n.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${label}: ${JSON.stringify(n.errors)}`);
      const ns = await gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [runId, id] });
      assert.equal(ns.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `nodes ${label}`);
      const t = await gql(`mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "x" }]) { id } }`, { id });
      assert.equal(t.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `addTags ${label}`);
      const l = await gql(`query($id: ID!) { lineage(of: $id) { truncated } }`, { id });
      assert.equal(l.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `lineage ${label}`);
    }
    const wrongType = [
      [`mutation($id: ID!) { finishRun(run: $id, status: FAILED) { id } }`, versionId],
      [`mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "x" }]) { id } }`, globalId('Project', '00000000-0000-4000-8000-000000000000')],
      [`query($id: ID!) { lineage(of: $id) { truncated } }`, pipelineId],
      [`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: STAGING }) { demoted { id } } }`, runId],
      [`mutation($id: ID!) { logMetadata(resource: $id, metadata: { a: 1 }) { id } }`, pipelineId],
    ];
    for (const [query, id] of wrongType) {
      const r = await gql(query, { id });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${query}: ${JSON.stringify(r.errors)}`);
    }
    const unknown = [
      [`mutation($id: ID!) { finishRun(run: $id, status: FAILED) { id } }`, unknownRun],
      [`mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "x" }]) { id } }`, unknownRun],
      [`query($id: ID!) { lineage(of: $id) { truncated } }`, unknownRun],
      [`mutation($id: ID!) { logMetadata(resource: $id, metadata: { a: 1 }) { id } }`, unknownRun],
      [`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, globalId('ApiKey', '00000000-0000-4000-8000-000000000000')],
    ];
    for (const [query, id] of unknown) {
      const r = await gql(query, { id });
      assert.equal(r.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${query}: ${JSON.stringify(r.errors)}`);
    }
  });
});

test('forged pagination cursors are BAD_USER_INPUT, not database errors', async () => {
  await harmless('cursors', async () => {
    const problems: string[] = [];
    const forged = [
      ['c', 'not-a-timestamp', '00000000-0000-4000-8000-000000000000'],
      ['c', '2024-01-01T00:00:00Z', '------------------------------------'],
      ['n', "'; DROP TABLE project; --", '00000000-0000-4000-8000-000000000000'],
    ].map((c) => Buffer.from(JSON.stringify(c)).toString('base64url'));
    for (const after of ['garbage', ...forged]) {
      for (const order of ['CREATED_AT', 'NAME']) {
        const r = await gql(`query($a: String) { project(name: "${P}") { pipelines(after: $a, orderBy: { field: ${order} }) { nodes { id } } } }`, { a: after });
        if (r.errors && r.errors[0].extensions?.code !== 'BAD_USER_INPUT') problems.push(`${Buffer.from(after, 'base64url').toString()} ${order}: ${JSON.stringify(r.errors)}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

const SQLISH = ["'; DROP TABLE project; --", '" OR 1=1 --', '%_\\', "x' OR 'x'='x", 'a\u0000b', '$1', '${1}', '\\x27'];

test('SQL-looking names are BAD_USER_INPUT in every name argument of mutations', async () => {
  await harmless('sql names', async () => {
    for (const s of SQLISH) {
      const mutations: [string, Record<string, unknown>][] = [
        ['mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }', { i: { name: s } }],
        ['mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }', { i: { project: P, name: s } }],
        ['mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }', { i: { project: P, name: 'ok-name', tags: [{ name: s }] } }],
        ['mutation($i: StartRunInput!) { startRun(input: $i) { id } }', { i: { project: P, pipeline: s } }],
        ['mutation($i: StartRunInput!) { startRun(input: $i) { id } }', { i: { project: P, pipeline: 'pipe', name: s } }],
        ['mutation($i: StartRunInput!) { startRun(input: $i) { id } }', { i: { project: P, pipeline: 'pipe', tags: [{ name: s, cascade: true }] } }],
        ['mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }', { i: { project: P, artifact: s } }],
        ['mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }', { i: { project: P, artifact: 'data', version: s } }],
        ['mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', { i: { project: P, name: s } }],
        ['mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }', { i: { project: P, model: 'm', name: s } }],
        ['mutation($i: CreateTagInput!) { createTag(input: $i) { id } }', { i: { project: P, name: s } }],
        ['mutation($r: ID!, $s: String!) { recordStep(input: { run: $r, name: $s, status: COMPLETED }) { id } }', { r: runId, s }],
        ['mutation($r: ID!, $s: String!) { recordStep(input: { run: $r, name: "step", status: COMPLETED, outputs: [{ name: "o", artifact: $s }] }) { id } }', { r: runId, s }],
        ['mutation($r: ID!, $s: String!) { addTags(resource: $r, tags: [{ name: $s }]) { id } }', { r: pipelineId, s }],
        ['mutation($m: ID!, $v: ID!, $s: String!) { linkArtifact(input: { modelVersion: $m, artifactVersion: $v, kind: DATA, name: $s }) { id } }', { m: modelVersionId, v: versionId, s }],
        ['mutation($s: String!) { createApiKey(input: { name: $s, role: VIEWER }) { secret } }', { s }],
        ['mutation($s: String!) { createApiKey(input: { name: "k", role: VIEWER, projects: [$s] }) { secret } }', { s }],
        ['mutation($s: String!) { registerStack(input: { name: $s, components: [{ type: ORCHESTRATOR, name: "o", flavor: "local" }, { type: ARTIFACT_STORE, name: "a", flavor: "local" }] }) { id } }', { s }],
      ];
      for (const [query, variables] of mutations) {
        const r = await gql(query, variables);
        assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${JSON.stringify(s)} in ${query.slice(0, 80)}: ${JSON.stringify(r.errors)}`);
      }
    }
  });
});

test('SQL-looking strings in lookups and filter predicates match nothing and raise no error', async () => {
  await harmless('sql predicates', async () => {
    for (const raw of SQLISH.filter((s) => !s.includes('\u0000'))) {
      for (const s of [raw, `contains:${raw}`, `startswith:${raw}`, `endswith:${raw}`, `oneof:${raw},${raw}x`, `notequals:${raw}`]) {
        const r = await gql(`query($s: StringPredicate!, $n: String!) {
          projects(filter: { name: $s }) { totalCount }
          project(name: $n) { id }
          pipeline(project: "${P}", name: $n) { id }
          tag(project: $n, name: $n) { id }
          stack(name: $n) { id }
          modelVersion(project: "${P}", model: "m", version: $n) { id }
          artifactVersion(project: "${P}", artifact: "data", version: $n) { id }
          stacks(filter: { name: $s, flavor: $s }) { totalCount }
          p: project(name: "${P}") {
            pipelines(filter: { name: $s, tags: [$s] }) { totalCount }
            w: pipelines(filter: { withoutTags: [$s] }) { totalCount }
            runs(filter: { name: $s, pipeline: $s, stack: $s, tags: [$s] }) { totalCount }
            artifactVersions(filter: { artifact: $s, name: $s }) { totalCount }
            modelVersions(filter: { model: $s, name: $s }) { totalCount }
            tags(filter: { name: $s }) { totalCount }
          } }`, { s, n: raw });
        assert.equal(r.errors, undefined, `${JSON.stringify(s)}: ${JSON.stringify(r.errors)}`);
        const d = r.data;
        const negated = s.startsWith('notequals:');
        assert.equal(d.projects.totalCount, negated ? 1 : 0, s);
        assert.deepEqual([d.project, d.pipeline, d.tag, d.stack, d.modelVersion, d.artifactVersion], [null, null, null, null, null, null], s);
        if (!negated) {
          assert.deepEqual([d.p.pipelines.totalCount, d.p.runs.totalCount, d.p.artifactVersions.totalCount, d.p.modelVersions.totalCount, d.p.tags.totalCount], [0, 0, 0, 0, 0], s);
        }
        assert.equal(d.p.w.totalCount, 1, `withoutTags ${s} removes nothing`);
      }
    }
  });
});

test('free text holding SQL is stored verbatim', async () => {
  const text = SQLISH.filter((s) => !s.includes('\u0000')).join(' | ');
  const created = await gql(`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { description } }`, { i: { project: P, name: 'free-text', description: text } });
  assert.equal(created.data?.createPipeline.description, text, JSON.stringify(created.errors));
  const meta = await gql(`mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { ... on PipelineRun { metadata } } }`, { r: runId, m: { [text]: text } });
  assert.equal(meta.data?.logMetadata.metadata[text], text, JSON.stringify(meta.errors));
  assert.equal((await app.sql(`SELECT count(*)::int AS n FROM project`))[0].n, 1, 'the project table is still there');
});

test('NUL characters in free text and metadata are BAD_USER_INPUT, not database errors', async () => {
  await harmless('nul', async () => {
    const problems: string[] = [];
    const cases: [string, Record<string, unknown>][] = [
      [`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }`, { i: { project: P, name: 'nul-desc', description: 'a\u0000b' } }],
      [`mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`, { i: { name: 'nul-display', displayName: 'a\u0000b' } }],
      [`mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { id } }`, { r: runId, m: { k: 'a\u0000b' } }],
      [`mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { id } }`, { r: runId, m: { 'a\u0000b': 1 } }],
      [`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { demoted { id } } }`, { i: { modelVersion: modelVersionId, stage: 'STAGING', reason: 'a\u0000b' } }],
      [`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }`, { i: { project: P, artifact: 'data', uri: 's3://a\u0000b' } }],
    ];
    for (const [query, variables] of cases) {
      const r = await post(JSON.stringify({ query, variables }));
      const problem = refusalProblem(r, [200, 400], 'BAD_USER_INPUT', `${query.slice(0, 60)} ${JSON.stringify(variables).slice(0, 120)}`);
      if (problem) problems.push(problem);
    }
    assert.deepEqual(problems, []);
  });
});

test('metadata nested 20,000 levels deep is refused with a 4xx, not a crash', async () => {
  await harmless('deep json', async () => {
    const depth = 20_000;
    const body = `{"query":"mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { id } }","variables":{"r":"${runId}","m":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const r = await post(body);
    assertRefused(r, [200, 400, 413], ['BAD_USER_INPUT', 'BAD_REQUEST'], 'deep metadata');
  });
});

test('a batched array request is refused', async () => {
  await harmless('batch', async () => {
    const r = await post(JSON.stringify([{ query: '{ viewer { name } }' }, { query: `mutation { createProject(input: { name: "batched" }) { id } }` }]));
    assertRefused(r, 400, 'BAD_REQUEST', 'batch');
  });
});

test('GET may not run a mutation; GET without a preflight header is refused (CSRF)', async () => {
  await harmless('get', async () => {
    const mutation = encodeURIComponent(`mutation { createProject(input: { name: "via-get" }) { id } }`);
    const m = await rawRequest(`${app.url}?query=${mutation}`, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    assertRefused(m, 405, 'BAD_REQUEST', 'GET mutation');
    const simple = await rawRequest(`${app.url}?query=${encodeURIComponent('{ viewer { name } }')}`, { headers: { ...auth } });
    assertRefused(simple, 400, 'BAD_REQUEST', 'GET without preflight header');
    const allowed = await rawRequest(`${app.url}?query=${encodeURIComponent('{ viewer { name } }')}`, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.data.viewer.name, 'admin');
  });
});

test('CSRF: a simple POST (text/plain, form or no content-type) without a preflight header is refused', async () => {
  await harmless('csrf', async () => {
    const body = JSON.stringify({ query: `mutation { createProject(input: { name: "csrf" }) { id } }` });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post(body, { ...auth, 'content-type': type });
      assertRefused(r, 400, 'BAD_REQUEST', type);
    }
    const none = await rawRequest(app.url, { method: 'POST', headers: { ...auth }, body: new Blob([body]) });
    assert.ok(none.status >= 400 && none.status < 500, `no content-type: ${none.status}`);
  });
});

test('bad Authorization headers are 401 UNAUTHENTICATED', async () => {
  await harmless('auth', async () => {
    const body = JSON.stringify({ query: `mutation { createProject(input: { name: "unauth" }) { id } }` });
    for (const value of [undefined, 'Bearer', 'Bearer ', `Bearer ${'x'.repeat(10_000)}`, "Bearer ' OR 1=1 --", 'Basic YWRtaW46YWRtaW4=', `Bearer ${ADMIN}x`, `Bearer ${ADMIN} ${ADMIN}`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (value !== undefined) headers.authorization = value;
      const r = await post(body, headers);
      assertRefused(r, 401, 'UNAUTHENTICATED', String(value).slice(0, 30));
    }
  });
});

test('page sizes and lineage bounds outside their range are BAD_USER_INPUT', async () => {
  await harmless('bounds', async () => {
    for (const q of [
      `{ projects(first: -1) { totalCount } }`, `{ projects(first: 101) { totalCount } }`, `{ projects(first: 2147483647) { totalCount } }`,
      `{ lineage(of: "${versionId}", depth: 0) { truncated } }`, `{ lineage(of: "${versionId}", depth: 1000) { truncated } }`,
      `{ lineage(of: "${versionId}", limit: 0) { truncated } }`, `{ lineage(of: "${versionId}", limit: 100000000) { truncated } }`,
      `{ nodes(ids: [${Array.from({ length: 101 }, () => `"${runId}"`).join(',')}]) { id } }`,
    ]) {
      const r = await gql(q);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${q.slice(0, 80)}: ${JSON.stringify(r.errors)}`);
      assert.ok(r.status < 500, `${q.slice(0, 80)}: status ${r.status}`);
    }
  });
});

test('no error message of this file reveals SQL, PostgreSQL internals, stack frames or file paths', () => {
  assert.ok(seenErrors.length > 50, `only ${seenErrors.length} error bodies collected`);
  for (const errors of seenErrors) {
    for (const e of errors as { message: string; extensions?: Record<string, unknown> }[]) {
      const text = JSON.stringify(e);
      for (const pattern of [/\bSELECT\b/, /\bINSERT\b/, /\bUPDATE\s+\w+\s+SET\b/, /pg_/, /\n\s+at /, /\bat \S+ \(/, /\bat .+:\d+:\d+/, /\/(work|src|dist|node_modules|home|usr)\//, /\.[jt]s:\d+/,
        /duplicate key|violates|syntax error at or near|relation "/]) {
        assert.ok(!pattern.test(text), `error ${text.slice(0, 300)} matches ${pattern}`);
      }
      assert.notEqual(e.extensions?.code, 'INTERNAL_SERVER_ERROR', `an internal error: ${text.slice(0, 300)}`);
      assert.equal(e.extensions?.stacktrace, undefined);
      assert.equal(e.extensions?.exception, undefined);
    }
  }
});
