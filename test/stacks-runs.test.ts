import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject, names, recordStep, startRun } from './helpers/fixtures';

let app: TestApp;
const P = 'stacks';
before(async () => {
  app = await startTestApp();
  await createProject(app, P);
});
after(async () => { await app.close(); });

const REGISTER = `mutation($i: RegisterStackInput!) { registerStack(input: $i) { id name description components { name type flavor config } } }`;

test('two stacks share an artifact store; components list the stacks that use them', async () => {
  const dev = await app.ok(REGISTER, { i: { name: 'development', description: 'laptops', components: [
    { type: 'ORCHESTRATOR', name: 'local', flavor: 'local' },
    { type: 'ARTIFACT_STORE', name: 'shared-store', flavor: 's3', config: { bucket: 'ml' } },
  ] } });
  assert.deepEqual(dev.registerStack.components, [
    { name: 'shared-store', type: 'ARTIFACT_STORE', flavor: 's3', config: { bucket: 'ml' } },
    { name: 'local', type: 'ORCHESTRATOR', flavor: 'local', config: {} },
  ]);
  const prod = await app.ok(REGISTER, { i: { name: 'production', components: [
    { type: 'ORCHESTRATOR', name: 'k8s', flavor: 'kubernetes', config: { namespace: 'ml' } },
    { type: 'ARTIFACT_STORE', name: 'shared-store' },
    { type: 'CONTAINER_REGISTRY', name: 'ecr', flavor: 'aws' },
  ] } });
  assert.equal(prod.registerStack.components.length, 3);
  const r = await app.ok(`{ stack(name: "production") { components { name stacks { name } } } stacks(orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name } }
    k8s: stacks(filter: { flavor: "kubernetes" }) { nodes { name } } s3: stacks(filter: { flavor: "s3" }) { totalCount } }`);
  const store = r.stack.components.find((c: { name: string }) => c.name === 'shared-store');
  assert.deepEqual(store.stacks, [{ name: 'development' }, { name: 'production' }]);
  assert.deepEqual(names(r.stacks), ['development', 'production']);
  assert.deepEqual(names(r.k8s), ['production']);
  assert.equal(r.s3.totalCount, 2);
});

test('stack rules: a taken name, missing required types, a type twice, credentials in config, a reused component with other settings', async () => {
  const base = [{ type: 'ORCHESTRATOR', name: 'local' }, { type: 'ARTIFACT_STORE', name: 'shared-store' }];
  assert.equal(codeOf(await app.gql(REGISTER, { i: { name: 'development', components: base } })), 'CONFLICT');
  assert.equal(codeOf(await app.gql(REGISTER, { i: { name: 'x1', components: [base[0]] } })), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(REGISTER, { i: { name: 'x2', components: [...base, { type: 'ORCHESTRATOR', name: 'other', flavor: 'local' }] } })), 'BAD_USER_INPUT');
  for (const config of [{ password: 'x' }, { aws_secret: 'x' }, { nested: { apiToken: 't' } }, { access_key: 'k' }]) {
    const r = await app.gql(REGISTER, { i: { name: 'x3', components: [base[0], { type: 'ARTIFACT_STORE', name: 'new-store', flavor: 's3', config }] } });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', JSON.stringify(config));
  }
  assert.equal(codeOf(await app.gql(REGISTER, { i: { name: 'x4', components: [base[0], { type: 'ARTIFACT_STORE', name: 'brand-new' }] } })), 'BAD_USER_INPUT', 'a new component needs a flavor');
  assert.equal(codeOf(await app.gql(REGISTER, { i: { name: 'x5', components: [base[0], { type: 'ARTIFACT_STORE', name: 'shared-store', flavor: 'gcs' }] } })), 'CONFLICT');
  const rows = await app.sql(`SELECT (SELECT count(*)::int FROM stack) AS stacks, (SELECT count(*)::int FROM stack_component) AS components`);
  assert.deepEqual(rows[0], { stacks: 2, components: 4 }, 'refused registrations left nothing behind');
});

test('runs record their stack; run filters by stack, status and pipeline; Stack.runs lists them', async () => {
  const a = await startRun(app, { project: P, pipeline: 'train', stack: 'development', name: 'run-dev', config: { lr: 0.1 } });
  const b = await startRun(app, { project: P, pipeline: 'train', stack: 'production', name: 'run-prod' });
  await startRun(app, { project: P, pipeline: 'infer', name: 'run-none' });
  assert.equal(codeOf(await app.gql(`mutation { startRun(input: { project: "${P}", pipeline: "train", stack: "nope" }) { id } }`)), 'NOT_FOUND');
  await app.ok(`mutation($r: ID!) { finishRun(run: $r, status: FAILED) { status endedAt } }`, { r: b.id });
  const r = await app.ok(`{ pipelineRun(project: "${P}", name: "run-dev") { name status config stack { name } pipeline { name } project { name } startedAt endedAt }
    project(name: "${P}") { prod: runs(filter: { stack: "production" }) { nodes { name } } anyStack: runs(filter: { stack: "contains:o" }, orderBy: { field: NAME, direction: ASC }) { nodes { name } }
      failed: runs(filter: { status: FAILED }) { nodes { name } } infer: runs(filter: { pipeline: "startswith:inf" }) { nodes { name } } }
    stack(name: "development") { runs { totalCount nodes { name } } } }`);
  assert.equal(r.pipelineRun.status, 'RUNNING');
  assert.deepEqual(r.pipelineRun.config, { lr: 0.1 });
  assert.equal(r.pipelineRun.stack.name, 'development');
  assert.equal(r.pipelineRun.endedAt, null);
  assert.ok(r.pipelineRun.startedAt);
  assert.deepEqual(names(r.project.prod), ['run-prod']);
  assert.deepEqual(names(r.project.anyStack), ['run-dev', 'run-prod']);
  assert.deepEqual(names(r.project.failed), ['run-prod']);
  assert.deepEqual(names(r.project.infer), ['run-none']);
  assert.deepEqual(r.stack.runs, { totalCount: 1, nodes: [{ name: 'run-dev' }] });
  assert.equal(a.name, 'run-dev');
});

test('run names are generated when left out, unique in the project; a taken name is a CONFLICT', async () => {
  const a = await startRun(app, { project: P, pipeline: 'gen' });
  const b = await startRun(app, { project: P, pipeline: 'gen' });
  assert.match(a.name, /^gen-\d{8}-\d{6}-[0-9a-f]{6}$/);
  assert.notEqual(a.name, b.name);
  assert.equal(codeOf(await app.gql(`mutation { startRun(input: { project: "${P}", pipeline: "gen", name: "run-dev" }) { id } }`)), 'CONFLICT');
  assert.equal(codeOf(await app.gql(`mutation { startRun(input: { project: "nowhere", pipeline: "gen" }) { id } }`)), 'NOT_FOUND');
});

test('a model ties the pipelines whose runs used its versions', async () => {
  await startRun(app, { project: P, pipeline: 'training', stack: 'production', model: { name: 'tie', createVersion: true } });
  await startRun(app, { project: P, pipeline: 'inference', stack: 'production', model: { name: 'tie', version: 'latest' } });
  await startRun(app, { project: P, pipeline: 'unrelated' });
  const r = await app.ok(`{ model(project: "${P}", name: "tie") { pipelines { name } versions { nodes { runs { pipeline { name } stack { name } } } } } }`);
  assert.deepEqual(names({ nodes: r.model.pipelines }), ['inference', 'training']);
});

test('pipelines: create, duplicate, latestRun, runs, and steps with timestamps', async () => {
  const p = await app.ok(`mutation { createPipeline(input: { project: "${P}", name: "explicit", description: "d" }) { id name description project { name } latestRun { id } } }`);
  assert.deepEqual({ ...p.createPipeline, id: undefined }, { id: undefined, name: 'explicit', description: 'd', project: { name: P }, latestRun: null });
  assert.equal(codeOf(await app.gql(`mutation { createPipeline(input: { project: "${P}", name: "explicit" }) { id } }`)), 'CONFLICT');
  await startRun(app, { project: P, pipeline: 'explicit', name: 'e1' });
  const e2 = await startRun(app, { project: P, pipeline: 'explicit', name: 'e2' });
  await recordStep(app, { run: e2.id, name: 'step', status: 'RUNNING', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:05:00.123Z', metadata: { k: 'v' } });
  const r = await app.ok(`{ pipeline(project: "${P}", name: "explicit") { latestRun { name steps { name status startedAt endedAt metadata run { name } } } runs(orderBy: { field: CREATED_AT, direction: ASC }) { totalCount nodes { name } } } }`);
  assert.deepEqual(r.pipeline.latestRun, { name: 'e2', steps: [{ name: 'step', status: 'RUNNING', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:05:00.123Z', metadata: { k: 'v' }, run: { name: 'e2' } }] });
  assert.deepEqual(r.pipeline.runs, { totalCount: 2, nodes: [{ name: 'e1' }, { name: 'e2' }] });
});
