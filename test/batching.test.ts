// Statement budgets: a nested query runs the same number of SQL statements whether each level
// holds 2 rows or 50. Data is bulk-inserted with SQL for speed; every query goes through GraphQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';

let app: TestApp;

/** prefix-1..n projects, each with n pipelines of n runs; the newest run of each pipeline has 2 steps with an output each. */
async function seed(prefix: string, n: number, tagsPerRun: number) {
  await app.sql(`INSERT INTO project (name) SELECT $1 || '-' || i FROM generate_series(1, $2) i`, [prefix, n]);
  await app.sql(`INSERT INTO pipeline (project_id, name) SELECT p.id, 'pipe-' || j FROM project p, generate_series(1, $2) j WHERE p.name LIKE $1 || '-%'`, [prefix, n]);
  await app.sql(`INSERT INTO pipeline_run (project_id, pipeline_id, name, status, created_at)
    SELECT pl.project_id, pl.id, pl.name || '-run-' || k, 'COMPLETED', now() - make_interval(secs => $2 - k)
    FROM pipeline pl JOIN project p ON p.id = pl.project_id, generate_series(1, $2) k WHERE p.name LIKE $1 || '-%'`, [prefix, n]);
  await app.sql(`INSERT INTO tag (project_id, name) SELECT p.id, 'tag-' || t FROM project p, generate_series(1, $2) t WHERE p.name LIKE $1 || '-%'`, [prefix, tagsPerRun]);
  await app.sql(`INSERT INTO tag_assignment (project_id, tag_id, resource_type, resource_id, scope_id)
    SELECT r.project_id, tg.id, 'PIPELINE_RUN', r.id, r.pipeline_id FROM pipeline_run r JOIN project p ON p.id = r.project_id
    JOIN tag tg ON tg.project_id = r.project_id WHERE p.name LIKE $1 || '-%'`, [prefix]);
  await app.sql(`INSERT INTO step_run (project_id, run_id, name, status)
    SELECT r.project_id, r.id, 'step-' || s, 'COMPLETED' FROM pipeline_run r JOIN project p ON p.id = r.project_id, generate_series(1, 2) s
    WHERE p.name LIKE $1 || '-%' AND r.name LIKE '%-run-' || $2`, [prefix, n]);
  await app.sql(`INSERT INTO artifact (project_id, name) SELECT p.id, 'art-' || a FROM project p, generate_series(1, 2) a WHERE p.name LIKE $1 || '-%'`, [prefix]);
  await app.sql(`INSERT INTO artifact_version (project_id, artifact_id, version, producer_step_id, producer_run_id, output_name)
    SELECT s.project_id, a.id, s.id::text, s.id, s.run_id, 'out' FROM step_run s JOIN project p ON p.id = s.project_id
    JOIN artifact a ON a.project_id = s.project_id AND a.name = 'art-' || substr(s.name, 6) WHERE p.name LIKE $1 || '-%'`, [prefix]);
  await app.sql(`INSERT INTO tag_assignment (project_id, tag_id, resource_type, resource_id, scope_id)
    SELECT a.project_id, tg.id, 'ARTIFACT', a.id, a.project_id FROM artifact a JOIN project p ON p.id = a.project_id
    JOIN tag tg ON tg.project_id = a.project_id WHERE p.name LIKE $1 || '-%'`, [prefix]);
  // Models: n models of n versions in the first project, each version linked to an output of a step.
  await app.sql(`INSERT INTO model (project_id, name, version_counter) SELECT p.id, 'model-' || m, $2 FROM project p, generate_series(1, $2) m WHERE p.name = $1 || '-1'`, [prefix, n]);
  await app.sql(`INSERT INTO model_version (project_id, model_id, number, name) SELECT m.project_id, m.id, v, v::text FROM model m JOIN project p ON p.id = m.project_id, generate_series(1, $2) v WHERE p.name = $1 || '-1'`, [prefix, n]);
  await app.sql(`INSERT INTO model_artifact_link (project_id, model_version_id, name, kind, artifact_version_id)
    SELECT v.project_id, v.id, 'trained_model', 'MODEL', (SELECT av.id FROM artifact_version av WHERE av.project_id = v.project_id ORDER BY av.id LIMIT 1)
    FROM model_version v JOIN project p ON p.id = v.project_id WHERE p.name = $1 || '-1'`, [prefix]);
}

before(async () => {
  app = await startTestApp({ MAX_QUERY_COST: '10000000000' });
  await seed('small', 2, 2);
  await seed('big', 50, 3);
});
after(async () => { await app.close(); });

async function statements(query: string, variables: Record<string, unknown>, expectRows: (data: any) => number, rows: number) {
  const r = await app.gql(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.equal(expectRows(r.data), rows, 'the query reached the expected number of rows');
  return r.sqlStatements;
}

test('projects → pipelines → runs → tags runs the same statements for 2 and for 50 rows per level', async () => {
  const q = `query($p: StringPredicate, $n: Int) { projects(filter: { name: $p }, first: $n) { totalCount nodes { name pipelines(first: $n) { totalCount nodes { name runs(first: $n) { nodes { name tags { name } } } } } } } }`;
  const count = (d: any) => d.projects.nodes.flatMap((p: any) => p.pipelines.nodes.flatMap((pl: any) => pl.runs.nodes)).length;
  const small = await statements(q, { p: 'startswith:small-', n: 2 }, count, 8);
  const big = await statements(q, { p: 'startswith:big-', n: 50 }, count, 125_000);
  assert.equal(small, big);
  assert.ok(big <= 6, `budget 6 statements, ran ${big}`);
});

test('project → pipelines → latestRun → steps → outputs → artifact → tags stays within its budget', async () => {
  const q = `query($p: StringPredicate, $n: Int) { projects(filter: { name: $p }, first: $n) { nodes { pipelines(first: $n) { nodes { latestRun { name steps { name outputs { name artifactVersion { version artifact { name tags { name } } } } } } } } } } }`;
  const count = (d: any) => d.projects.nodes.flatMap((p: any) => p.pipelines.nodes.flatMap((pl: any) => pl.latestRun.steps.flatMap((s: any) => s.outputs))).length;
  const small = await statements(q, { p: 'startswith:small-', n: 2 }, count, 8);
  const big = await statements(q, { p: 'startswith:big-', n: 50 }, count, 5000);
  assert.equal(small, big);
  assert.ok(big <= 8, `budget 8 statements, ran ${big}`);
});

test('model → versions → artifacts → producedBy → run → pipeline stays within its budget', async () => {
  const q = `query($p: String!, $n: Int) { project(name: $p) { models(first: $n) { nodes { name versions(first: $n) { totalCount nodes { number stage
    artifacts { name artifactVersion { version producedBy { name run { name pipeline { name } } } } } } } } } } }`;
  const count = (d: any) => d.project.models.nodes.flatMap((m: any) => m.versions.nodes).length;
  const small = await statements(q, { p: 'small-1', n: 2 }, count, 4);
  const big = await statements(q, { p: 'big-1', n: 50 }, count, 2500);
  assert.equal(small, big);
  assert.ok(big <= 10, `budget 10 statements, ran ${big}`);
});

test('a tag-filtered list with nested tags stays within its budget', async () => {
  const q = `query($p: String!, $n: Int) { project(name: $p) { runs(first: $n, filter: { tags: ["startswith:tag-", "tag-2"], withoutTags: ["nope"] }) { totalCount nodes { name tags { name } pipeline { name tags { name } } } } } }`;
  const small = await statements(q, { p: 'small-1', n: 2 }, (d) => d.project.runs.nodes.length, 2);
  const big = await statements(q, { p: 'big-1', n: 50 }, (d) => d.project.runs.nodes.length, 50);
  assert.equal(small, big);
  assert.ok(big <= 6, `budget 6 statements, ran ${big}`);
});

test('nodes over mixed types loads each type in one statement', async () => {
  const ids = async (prefix: string, n: number) => {
    const d = await app.ok(`query($p: StringPredicate, $n: Int) { projects(filter: { name: $p }, first: $n) { nodes { id pipelines(first: $n) { nodes { id runs(first: 1) { nodes { id } } } } } } }`,
      { p: `startswith:${prefix}-`, n });
    return d.projects.nodes.flatMap((p: any) => [p.id, ...p.pipelines.nodes.flatMap((pl: any) => [pl.id, pl.runs.nodes[0].id])]).slice(0, 100);
  };
  const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename ... on Pipeline { name project { name } } ... on PipelineRun { name pipeline { name } } ... on Project { name } } }`;
  const small = await statements(q, { ids: await ids('small', 2) }, (d) => d.nodes.filter(Boolean).length, 10);
  const big = await statements(q, { ids: await ids('big', 50) }, (d) => d.nodes.filter(Boolean).length, 100);
  assert.equal(small, big);
  assert.ok(big <= 4, `budget 4 statements, ran ${big}`);
});
