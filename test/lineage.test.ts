import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject, recordStep, registerVersion, startRun } from './helpers/fixtures';

let app: TestApp;
const P = 'lineage';
// Ids by readable label, and labels by id, for exact node and edge assertions.
const ids = new Map<string, string>();
const labels = new Map<string, string>();
const remember = (label: string, id: string) => { ids.set(label, id); labels.set(id, label); };

const LINEAGE = `query($of: ID!, $d: LineageDirection!, $depth: Int!, $limit: Int!) { lineage(of: $of, direction: $d, depth: $depth, limit: $limit) {
  roots truncated nodes { __typename ... on ArtifactVersion { id } ... on StepRun { id } } edges { source target kind name } } }`;

async function lineage(of: string, direction: string, depth = 10, limit = 1000) {
  const r = (await app.ok(LINEAGE, { of: ids.get(of) ?? of, d: direction, depth, limit })).lineage;
  return {
    roots: r.roots.map((id: string) => labels.get(id)),
    truncated: r.truncated,
    nodes: r.nodes.map((n: { id: string }) => labels.get(n.id)).sort(),
    edges: r.edges.map((e: { source: string; target: string; kind: string; name: string }) => `${labels.get(e.source)} -${e.kind}:${e.name}-> ${labels.get(e.target)}`).sort(),
  };
}

before(async () => {
  app = await startTestApp();
  await createProject(app, P);
  // Feature engineering pipeline: load -> raw; engineer(raw) -> features.
  const fe = await startRun(app, { project: P, pipeline: 'feature_engineering' });
  const load = await recordStep(app, { run: fe.id, name: 'load', outputs: [{ name: 'raw', artifact: 'transaction_dataset' }] });
  remember('load', load.id); remember('raw', load.outputs[0].artifactVersion.id);
  const eng = await recordStep(app, { run: fe.id, name: 'engineer', inputs: [{ name: 'data', artifactVersion: ids.get('raw') }], outputs: [{ name: 'features', artifact: 'processed_features' }] });
  remember('engineer', eng.id); remember('features', eng.outputs[0].artifactVersion.id);
  // Training pipeline (another pipeline) consumes the features: lineage crosses pipelines.
  const tr = await startRun(app, { project: P, pipeline: 'training', model: { name: 'fraud_detector', createVersion: true } });
  remember('trainRun', tr.id);
  const train = await recordStep(app, { run: tr.id, name: 'train', inputs: [{ name: 'features', artifactVersion: ids.get('features') }],
    outputs: [{ name: 'trained_model', artifact: 'trained_model', type: 'MODEL', linkToModelAs: 'MODEL' }] });
  remember('train', train.id); remember('model', train.outputs[0].artifactVersion.id);
  const evaluate = await recordStep(app, { run: tr.id, name: 'evaluate', inputs: [{ name: 'model', artifactVersion: ids.get('model') }, { name: 'data', artifactVersion: ids.get('raw') }],
    outputs: [{ name: 'report', artifact: 'evaluation_report', type: 'DATA_ANALYSIS' }] });
  remember('evaluate', evaluate.id); remember('report', evaluate.outputs[0].artifactVersion.id);
  remember('mv', (await app.ok(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "1") { id } }`)).modelVersion.id);
  // A diamond: d0 consumed by left and right, whose outputs both feed join.
  const dr = await startRun(app, { project: P, pipeline: 'diamond' });
  const src = await recordStep(app, { run: dr.id, name: 'src', outputs: [{ name: 'd0', artifact: 'd0' }] });
  remember('src', src.id); remember('d0', src.outputs[0].artifactVersion.id);
  const left = await recordStep(app, { run: dr.id, name: 'left', inputs: [{ name: 'in', artifactVersion: ids.get('d0') }], outputs: [{ name: 'l', artifact: 'dl' }] });
  const right = await recordStep(app, { run: dr.id, name: 'right', inputs: [{ name: 'in', artifactVersion: ids.get('d0') }], outputs: [{ name: 'r', artifact: 'dr' }] });
  remember('left', left.id); remember('dl', left.outputs[0].artifactVersion.id);
  remember('right', right.id); remember('dr', right.outputs[0].artifactVersion.id);
  const join = await recordStep(app, { run: dr.id, name: 'join', inputs: [{ name: 'a', artifactVersion: ids.get('dl') }, { name: 'b', artifactVersion: ids.get('dr') }], outputs: [{ name: 'j', artifact: 'dj' }] });
  remember('join', join.id); remember('dj', join.outputs[0].artifactVersion.id);
});
after(async () => { await app.close(); });

test('upstream from a model version walks back across pipelines to the raw dataset', async () => {
  const g = await lineage('mv', 'UPSTREAM');
  assert.deepEqual(g.roots, ['model']);
  assert.equal(g.truncated, false);
  assert.deepEqual(g.nodes, ['engineer', 'features', 'load', 'model', 'raw', 'train']);
  assert.deepEqual(g.edges, [
    'engineer -OUTPUT:features-> features', 'features -INPUT:features-> train', 'load -OUTPUT:raw-> raw',
    'raw -INPUT:data-> engineer', 'train -OUTPUT:trained_model-> model',
  ]);
});

test('downstream from the raw dataset reaches the model and the report', async () => {
  const g = await lineage('raw', 'DOWNSTREAM');
  assert.deepEqual(g.nodes, ['engineer', 'evaluate', 'features', 'model', 'raw', 'report', 'train']);
  assert.deepEqual(g.edges, [
    'engineer -OUTPUT:features-> features', 'evaluate -OUTPUT:report-> report', 'features -INPUT:features-> train',
    'model -INPUT:model-> evaluate', 'raw -INPUT:data-> engineer', 'raw -INPUT:data-> evaluate', 'train -OUTPUT:trained_model-> model',
  ]);
  assert.equal(g.truncated, false);
});

test('depth 1 versus depth 3 and the truncated flag', async () => {
  const d1 = await lineage('raw', 'DOWNSTREAM', 1);
  assert.deepEqual(d1.nodes, ['engineer', 'evaluate', 'raw']);
  assert.equal(d1.truncated, true);
  const d3 = await lineage('raw', 'DOWNSTREAM', 3);
  assert.deepEqual(d3.nodes, ['engineer', 'evaluate', 'features', 'raw', 'report', 'train']);
  assert.equal(d3.truncated, true);
  const d4 = await lineage('raw', 'DOWNSTREAM', 4);
  assert.equal(d4.truncated, false);
  assert.equal(d4.nodes.length, 7);
});

test('limit cuts the node set (nearest first) and sets truncated; edges stay within the nodes', async () => {
  const g = await lineage('raw', 'DOWNSTREAM', 10, 3);
  assert.deepEqual(g.nodes, ['engineer', 'evaluate', 'raw']);
  assert.equal(g.truncated, true);
  assert.deepEqual(g.edges, ['raw -INPUT:data-> engineer', 'raw -INPUT:data-> evaluate']);
});

test('BOTH walks upstream and downstream from the roots, not an undirected flood', async () => {
  const g = await lineage('features', 'BOTH');
  assert.deepEqual(g.nodes, ['engineer', 'evaluate', 'features', 'load', 'model', 'raw', 'report', 'train']);
  // From features, downstream reaches evaluate via model; evaluate's other input (raw) is upstream of features anyway.
  const onlyDown = await lineage('model', 'BOTH', 1);
  assert.deepEqual(onlyDown.nodes, ['evaluate', 'model', 'train']);
});

test('a diamond returns each node and edge once', async () => {
  const g = await lineage('d0', 'DOWNSTREAM');
  assert.deepEqual(g.nodes, ['d0', 'dj', 'dl', 'dr', 'join', 'left', 'right']);
  assert.deepEqual(g.edges, [
    'd0 -INPUT:in-> left', 'd0 -INPUT:in-> right', 'dl -INPUT:a-> join', 'dr -INPUT:b-> join', 'join -OUTPUT:j-> dj',
    'left -OUTPUT:l-> dl', 'right -OUTPUT:r-> dr',
  ]);
  const up = await lineage('dj', 'UPSTREAM');
  assert.deepEqual(up.nodes, ['d0', 'dj', 'dl', 'dr', 'join', 'left', 'right', 'src']);
});

test('a pipeline run starts from its steps and a step run from itself', async () => {
  const g = await lineage('trainRun', 'UPSTREAM', 1);
  assert.deepEqual(g.roots.sort(), ['evaluate', 'train']);
  assert.deepEqual(g.nodes, ['evaluate', 'features', 'model', 'raw', 'train']);
  const s = await lineage('train', 'DOWNSTREAM', 1);
  assert.deepEqual(s.nodes, ['model', 'train']);
});

test('a run dag lists its steps with their inputs and outputs', async () => {
  const r = await app.ok(`query($id: ID!) { node(id: $id) { ... on PipelineRun { dag { roots truncated nodes { __typename ... on ArtifactVersion { id } ... on StepRun { id } } edges { source target kind name } } } } }`,
    { id: ids.get('trainRun') });
  const dag = r.node.dag;
  assert.deepEqual(dag.roots.map((id: string) => labels.get(id)), ['train', 'evaluate']);
  assert.equal(dag.truncated, false);
  assert.deepEqual(dag.nodes.map((n: { id: string }) => labels.get(n.id)).sort(), ['evaluate', 'features', 'model', 'raw', 'report', 'train']);
  assert.deepEqual(dag.edges.map((e: { source: string; target: string; kind: string; name: string }) => `${labels.get(e.source)} -${e.kind}:${e.name}-> ${labels.get(e.target)}`).sort(), [
    'evaluate -OUTPUT:report-> report', 'features -INPUT:features-> train', 'model -INPUT:model-> evaluate', 'raw -INPUT:data-> evaluate', 'train -OUTPUT:trained_model-> model',
  ]);
});

test('producedBy, consumedBy, step inputs and outputs and producedArtifactVersions come from the records', async () => {
  const r = await app.ok(`query($raw: ID!, $run: ID!) { raw: node(id: $raw) { ... on ArtifactVersion { producedBy { name run { pipeline { name } } } consumedBy { name } } }
    run: node(id: $run) { ... on PipelineRun { producedArtifactVersions { artifact { name } version } steps { name inputs { name artifactVersion { artifact { name } } } outputs { name artifactVersion { version } } } } } }`,
    { raw: ids.get('raw'), run: ids.get('trainRun') });
  assert.deepEqual(r.raw, { producedBy: { name: 'load', run: { pipeline: { name: 'feature_engineering' } } }, consumedBy: [{ name: 'engineer' }, { name: 'evaluate' }] });
  assert.deepEqual(r.run.producedArtifactVersions, [{ artifact: { name: 'trained_model' }, version: '1' }, { artifact: { name: 'evaluation_report' }, version: '1' }]);
  assert.deepEqual(r.run.steps, [
    { name: 'train', inputs: [{ name: 'features', artifactVersion: { artifact: { name: 'processed_features' } } }], outputs: [{ name: 'trained_model', artifactVersion: { version: '1' } }] },
    { name: 'evaluate', inputs: [{ name: 'data', artifactVersion: { artifact: { name: 'transaction_dataset' } } }, { name: 'model', artifactVersion: { artifact: { name: 'trained_model' } } }],
      outputs: [{ name: 'report', artifactVersion: { version: '1' } }] },
  ]);
  const standalone = await registerVersion(app, { project: P, artifact: 'standalone' });
  const s = await app.ok(`query($id: ID!) { node(id: $id) { ... on ArtifactVersion { producedBy { id } consumedBy { id } } } }`, { id: standalone.id });
  assert.deepEqual(s.node, { producedBy: null, consumedBy: [] });
});

test('bad lineage arguments are BAD_USER_INPUT', async () => {
  for (const [depth, limit] of [[0, 10], [51, 10], [5, 0], [5, 10001]]) {
    const r = await app.gql(LINEAGE, { of: ids.get('raw'), d: 'BOTH', depth, limit });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', `depth ${depth} limit ${limit}`);
  }
  assert.equal(codeOf(await app.gql(LINEAGE, { of: 'not-an-id', d: 'BOTH', depth: 1, limit: 1 })), 'BAD_USER_INPUT');
  const projectId = (await app.ok(`{ project(name: "${P}") { id } }`)).project.id;
  assert.equal(codeOf(await app.gql(LINEAGE, { of: projectId, d: 'BOTH', depth: 1, limit: 1 })), 'BAD_USER_INPUT');
});

test('recordStep: unknown or foreign inputs and duplicate step names store nothing', async () => {
  const run = await startRun(app, { project: P, pipeline: 'errors' });
  await recordStep(app, { run: run.id, name: 'once' });
  const dup = await app.gql(`mutation($r: ID!) { recordStep(input: { run: $r, name: "once", status: COMPLETED, outputs: [{ name: "o", artifact: "dup_art" }] }) { id } }`, { r: run.id });
  assert.equal(codeOf(dup), 'CONFLICT');
  await createProject(app, 'elsewhere');
  const foreign = await registerVersion(app, { project: 'elsewhere', artifact: 'theirs' });
  const bad = await app.gql(`mutation($r: ID!, $v: ID!) { recordStep(input: { run: $r, name: "two", status: COMPLETED, inputs: [{ name: "x", artifactVersion: $v }], outputs: [{ name: "o", artifact: "never" }] }) { id } }`,
    { r: run.id, v: foreign.id });
  assert.equal(codeOf(bad), 'NOT_FOUND');
  const missingId = Buffer.from('ArtifactVersion:00000000-0000-4000-8000-000000000000').toString('base64url');
  assert.equal(codeOf(await app.gql(`mutation($r: ID!, $v: ID!) { recordStep(input: { run: $r, name: "three", status: COMPLETED, inputs: [{ name: "x", artifactVersion: $v }] }) { id } }`, { r: run.id, v: missingId })), 'NOT_FOUND');
  const rows = await app.sql(`SELECT (SELECT count(*)::int FROM artifact WHERE name IN ('never', 'dup_art')) AS artifacts, (SELECT count(*)::int FROM step_run s JOIN pipeline_run r ON r.id = s.run_id WHERE r.name = $1) AS steps`, [run.name]);
  assert.deepEqual(rows[0], { artifacts: 0, steps: 1 });
});
