// The example data set (scripts/seed-example.ts): seeded through the public API into a fresh
// server, then checked fact by fact through GraphQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { seedExample, SeedResult } from '../scripts/seed-example';
import { startTestApp, TestApp } from './helpers/app';

const P = 'fraud-detection';
let app: TestApp;
let seeded: SeedResult;

before(async () => {
  app = await startTestApp();
  seeded = await seedExample(app.url);
});
after(async () => { await app.close(); });

const names = (nodes: { name: string }[]) => nodes.map((n) => n.name).sort();

test('the seed reports what it created', () => {
  assert.equal(seeded.alreadySeeded, false);
  assert.ok(seeded.summary.some((l) => l.includes('training_run_1')), seeded.summary.join('\n'));
  assert.match(seeded.summary.at(-1)!, /5 runs, 9 steps, \d+ artifact versions, 3 model versions/);
});

test('a second seed finds the project and writes nothing', async () => {
  const before = await app.ok(`{ project(name: "${P}") { runs { totalCount } artifactVersions { totalCount } } }`);
  const again = await seedExample(app.url);
  assert.equal(again.alreadySeeded, true);
  assert.match(again.summary[0], /already seeded/);
  const after = await app.ok(`{ project(name: "${P}") { runs { totalCount } artifactVersions { totalCount } } }`);
  assert.deepEqual(after, before);
});

test('seeding after someone created the project fills in the whole story', async () => {
  const fresh = await startTestApp();
  try {
    await fresh.ok(`mutation { createProject(input: { name: "${P}" }) { id } }`);
    const r = await seedExample(fresh.url);
    assert.equal(r.alreadySeeded, false);
    assert.match(r.summary.at(-1)!, /5 runs, 9 steps, \d+ artifact versions, 3 model versions/);
    const counts = `{ project(name: "${P}") { pipelines { totalCount } runs { totalCount } artifactVersions { totalCount } modelVersions { totalCount } } }`;
    assert.deepEqual(await fresh.ok(counts), await app.ok(counts));
    assert.equal((await seedExample(fresh.url)).alreadySeeded, true);
  } finally {
    await fresh.close();
  }
});

test('every model version is linked to processed_features, the data it was trained on', async () => {
  const r = await app.ok(`{ model(project: "${P}", name: "fraud_detector") { versions(orderBy: { field: CREATED_AT, direction: ASC }) { nodes {
    number artifacts(kind: DATA) { name kind artifactVersion { version artifact { name } producedBy { run { name } } } } } } } }`);
  for (const v of r.model.versions.nodes) {
    assert.deepEqual(v.artifacts, [{ name: 'training_data', kind: 'DATA',
      artifactVersion: { version: '1', artifact: { name: 'processed_features' }, producedBy: { run: { name: 'feature_engineering_run_1' } } } }], `version ${v.number}`);
  }
});

test('model tags are on the model and accuracy tags on the versions', async () => {
  const r = await app.ok(`{ project(name: "${P}") {
    byModelTag: models(filter: { tags: ["random-forest"] }) { nodes { name } }
    byVersionTagOnModels: models(filter: { tags: ["startswith:accuracy-9"] }) { nodes { name } }
    versionsByModelTag: modelVersions(filter: { tags: ["random-forest"] }) { totalCount nodes { number } }
    versionsByAccuracy: modelVersions(filter: { tags: ["startswith:accuracy-9"] }, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number model { name } tags { name } } }
    accuracy95: modelVersions(filter: { tags: ["accuracy-95"] }) { nodes { number } }
  } }`);
  const p = r.project;
  assert.deepEqual(names(p.byModelTag.nodes), ['fraud_detector']);
  // As with ZenML's Model(tags=[...]): versions carry the model's tags and the model its versions' tags.
  assert.deepEqual(names(p.byVersionTagOnModels.nodes), ['fraud_detector']);
  assert.equal(p.versionsByModelTag.totalCount, 3);
  assert.deepEqual(p.versionsByModelTag.nodes.map((v: any) => v.number).sort(), [1, 2, 3]);
  assert.deepEqual(p.versionsByAccuracy.nodes.map((v: any) => [v.model.name, v.number, names(v.tags)]),
    [['fraud_detector', 1, ['accuracy-95', 'random-forest']], ['fraud_detector', 2, ['accuracy-92', 'random-forest']]]);
  assert.deepEqual(p.accuracy95.nodes, [{ number: 1 }]);
});

test('the production model version holds the trained_model of the first training run', async () => {
  const r = await app.ok(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "production") {
    number stage metadata
    artifact(name: "trained_model") { version type metadata artifact { name }
      producedBy { name run { name pipeline { name } } } }
    artifacts(kind: MODEL) { name kind }
  } }`);
  const mv = r.modelVersion;
  assert.equal(mv.number, 1);
  assert.equal(mv.stage, 'PRODUCTION');
  assert.equal(mv.artifact.artifact.name, 'trained_model');
  assert.equal(mv.artifact.type, 'MODEL');
  assert.equal(mv.artifact.metadata.accuracy, 0.95);
  assert.equal(mv.artifact.producedBy.name, 'train_model');
  assert.equal(mv.artifact.producedBy.run.name, 'training_run_1');
  assert.equal(mv.artifact.producedBy.run.pipeline.name, 'fraud_detection_training');
  assert.deepEqual(mv.artifacts, [{ name: 'trained_model', kind: 'MODEL' }]);
  // logMetadata on the model version
  assert.equal(mv.metadata.precision, 0.91);
  assert.equal(mv.metadata.recall, 0.87);
});

test('stages end as seeded: v1 PRODUCTION, v2 ARCHIVED, v3 STAGING', async () => {
  const r = await app.ok(`{ project(name: "${P}") {
    prod: modelVersions(filter: { stage: PRODUCTION }) { nodes { number } }
    staging: modelVersions(filter: { stage: STAGING }) { nodes { number } }
    archived: modelVersions(filter: { stage: ARCHIVED }) { nodes { number } }
    none: modelVersions(filter: { stage: NONE }) { nodes { number } }
  }
  model(project: "${P}", name: "fraud_detector") {
    tags { name }
    versions(orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number stage stageHistory { from to reason } } }
    inProd: versionInStage(stage: PRODUCTION) { number }
    inStaging: versionInStage(stage: STAGING) { number }
  }
  staging: modelVersion(project: "${P}", model: "fraud_detector", version: "staging") { number } }`);
  assert.deepEqual(r.project.prod.nodes, [{ number: 1 }]);
  assert.deepEqual(r.project.staging.nodes, [{ number: 3 }]);
  assert.deepEqual(r.project.archived.nodes, [{ number: 2 }]);
  assert.deepEqual(r.project.none.nodes, []);
  assert.deepEqual(r.model.inProd, { number: 1 });
  assert.deepEqual(r.model.inStaging, { number: 3 });
  assert.deepEqual(r.staging, { number: 3 });
  assert.deepEqual(names(r.model.tags), ['accuracy-92', 'accuracy-95', 'random-forest']);
  const [v1, v2, v3] = r.model.versions.nodes;
  assert.deepEqual(v1.stageHistory.map((c: any) => [c.from, c.to]), [['NONE', 'STAGING'], ['STAGING', 'PRODUCTION']]);
  assert.deepEqual(v2.stageHistory.map((c: any) => [c.from, c.to]), [['NONE', 'STAGING'], ['STAGING', 'ARCHIVED']]);
  assert.deepEqual(v3.stageHistory.map((c: any) => [c.from, c.to]), [['NONE', 'STAGING']]);
  assert.ok(v1.stageHistory.every((c: any) => c.reason), 'promotions carry reasons');
});

test('the exclusive production tag ends on fraud_detection_inference only', async () => {
  const r = await app.ok(`{ project(name: "${P}") {
    tagged: pipelines(filter: { tags: ["production"] }) { nodes { name } }
    all: pipelines(first: 10) { nodes { name tags { name } } }
  }
  tag(project: "${P}", name: "production") { exclusive usageCount } }`);
  assert.deepEqual(names(r.project.tagged.nodes), ['fraud_detection_inference']);
  assert.deepEqual(r.tag, { exclusive: true, usageCount: 1 });
  const tags = Object.fromEntries(r.project.all.nodes.map((p: any) => [p.name, names(p.tags)]));
  assert.deepEqual(tags, {
    feature_engineering: [],
    fraud_detection_training: ['financial-services', 'fraud-detection', 'training'],
    fraud_detection_inference: ['production'],
  });
});

test('the cascade tag is on the first training run and its outputs only', async () => {
  const r = await app.ok(`{
    run: pipelineRun(project: "${P}", name: "training_run_1") { tags { name } producedArtifactVersions { id artifact { name } } metadata }
    project(name: "${P}") {
      cascaded: artifactVersions(first: 100, filter: { tags: ["financial-domain"] }) { nodes { id artifact { name } } }
      others: artifactVersions(first: 100, filter: { withoutTags: ["financial-domain"] }) { nodes { id producedBy { run { name } } } }
      runs: runs(filter: { tags: ["financial-domain"] }) { nodes { name } }
    } }`);
  assert.deepEqual(names(r.run.tags), ['experiment-1', 'financial-domain']);
  const produced = r.run.producedArtifactVersions.map((v: any) => v.id).sort();
  assert.equal(produced.length, 2);
  assert.deepEqual(names(r.run.producedArtifactVersions.map((v: any) => v.artifact)), ['evaluation_report', 'trained_model']);
  assert.deepEqual(r.project.cascaded.nodes.map((v: any) => v.id).sort(), produced);
  assert.ok(r.project.others.nodes.length >= 6);
  assert.ok(r.project.others.nodes.every((v: any) => v.producedBy?.run.name !== 'training_run_1'));
  assert.deepEqual(names(r.project.runs.nodes), ['training_run_1']);
  // logMetadata on a run
  assert.equal(r.run.metadata.training_time_seconds, 412);
});

test('pipelines named like fraud are the training and inference pipelines', async () => {
  const r = await app.ok(`{ project(name: "${P}") {
    fraud: pipelines(filter: { name: "contains:fraud" }) { totalCount nodes { name } }
    all: pipelines { totalCount }
  } }`);
  assert.equal(r.project.fraud.totalCount, 2);
  assert.deepEqual(names(r.project.fraud.nodes), ['fraud_detection_inference', 'fraud_detection_training']);
  assert.equal(r.project.all.totalCount, 3);
});

test('lineage upstream of the production model version reaches the raw transaction data', async () => {
  const { modelVersion } = await app.ok(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "production") { id } }`);
  const r = await app.ok(`query($id: ID!) { lineage(of: $id, direction: UPSTREAM) { truncated
    nodes { __typename ... on ArtifactVersion { id version artifact { name } } ... on StepRun { id name run { name } } }
    edges { kind name } } }`, { id: modelVersion.id });
  const g = r.lineage;
  assert.equal(g.truncated, false);
  const artifacts = g.nodes.filter((n: any) => n.__typename === 'ArtifactVersion').map((n: any) => `${n.artifact.name}@${n.version}`).sort();
  const steps = g.nodes.filter((n: any) => n.__typename === 'StepRun').map((n: any) => `${n.run.name}/${n.name}`).sort();
  assert.ok(artifacts.includes('transaction_dataset@raw_2023'), artifacts.join(', '));
  assert.ok(artifacts.includes('processed_features@1'), artifacts.join(', '));
  assert.ok(artifacts.includes('trained_model@1'), artifacts.join(', '));
  assert.ok(!artifacts.some((a: string) => a.startsWith('predictions@') || a.startsWith('evaluation_report@')), artifacts.join(', '));
  assert.deepEqual(steps, ['feature_engineering_run_1/engineer_features', 'feature_engineering_run_1/load_data', 'training_run_1/train_model']);
  assert.ok(g.edges.some((e: any) => e.kind === 'INPUT' && e.name === 'dataset'));
  assert.ok(g.edges.some((e: any) => e.kind === 'OUTPUT' && e.name === 'trained_model'));
});

test('features cross pipelines: produced by feature engineering, consumed by every training run', async () => {
  const r = await app.ok(`{ artifactVersion(project: "${P}", artifact: "processed_features", version: "1") {
    producedBy { name run { pipeline { name } } }
    consumedBy { name run { name pipeline { name } } } } }`);
  const v = r.artifactVersion;
  assert.equal(v.producedBy.run.pipeline.name, 'feature_engineering');
  assert.deepEqual([...new Set(v.consumedBy.map((s: any) => s.run.pipeline.name))], ['fraud_detection_training']);
  assert.deepEqual(v.consumedBy.map((s: any) => `${s.run.name}/${s.name}`).sort(), [
    'training_run_1/evaluate', 'training_run_1/train_model', 'training_run_2/evaluate', 'training_run_2/train_model',
    'training_run_3/evaluate', 'training_run_3/train_model']);
});

test('transaction_dataset has the named raw_2023 version and a numbered one, both raw-data', async () => {
  const r = await app.ok(`{ artifact(project: "${P}", name: "transaction_dataset") {
    versions(orderBy: { field: CREATED_AT, direction: ASC }) { nodes { version type tags { name } producedBy { name } } } } }`);
  const [named, numbered, ...rest] = r.artifact.versions.nodes;
  assert.equal(rest.length, 0);
  assert.equal(named.version, 'raw_2023');
  assert.equal(named.producedBy.name, 'load_data');
  assert.match(numbered.version, /^\d+$/);
  assert.equal(numbered.producedBy, null);
  for (const v of [named, numbered]) {
    assert.equal(v.type, 'DATA');
    assert.deepEqual(names(v.tags), ['raw-data']);
  }
});

test('stacks: flavors, components and the stack of every run', async () => {
  const r = await app.ok(`{
    k8s: stacks(filter: { flavor: "kubernetes" }) { totalCount nodes { name } }
    local: stacks(filter: { flavor: "local" }) { nodes { name } }
    production: stack(name: "production") { components { name type flavor config } runs { nodes { name } } }
    project(name: "${P}") { runs(first: 20) { nodes { name status stack { name } pipeline { name } } } } }`);
  assert.equal(r.k8s.totalCount, 1);
  assert.deepEqual(names(r.k8s.nodes), ['production']);
  assert.deepEqual(names(r.local.nodes), ['development']);
  const components = Object.fromEntries(r.production.components.map((c: any) => [c.type, [c.name, c.flavor, c.config]]));
  assert.deepEqual(components, {
    ORCHESTRATOR: ['k8s', 'kubernetes', { namespace: 'ml' }],
    ARTIFACT_STORE: ['s3-store', 's3', { bucket: 'fraud-artifacts' }],
    CONTAINER_REGISTRY: ['ecr', 'aws', {}],
  });
  assert.deepEqual(names(r.production.runs.nodes), ['inference_run_1', 'training_run_3']);
  const runs = Object.fromEntries(r.project.runs.nodes.map((n: any) => [n.name, [n.pipeline.name, n.stack?.name, n.status]]));
  assert.deepEqual(runs, {
    feature_engineering_run_1: ['feature_engineering', 'development', 'COMPLETED'],
    training_run_1: ['fraud_detection_training', 'development', 'COMPLETED'],
    training_run_2: ['fraud_detection_training', 'development', 'COMPLETED'],
    training_run_3: ['fraud_detection_training', 'production', 'COMPLETED'],
    inference_run_1: ['fraud_detection_inference', 'production', 'COMPLETED'],
  });
});

test('the model ties the training and inference pipelines together', async () => {
  const r = await app.ok(`{ model(project: "${P}", name: "fraud_detector") { pipelines { name } }
    run: pipelineRun(project: "${P}", name: "inference_run_1") { modelVersion { number }
      steps { name inputs { name artifactVersion { artifact { name } version } } outputs { name artifactVersion { artifact { name } } } } } }`);
  assert.deepEqual(names(r.model.pipelines), ['fraud_detection_inference', 'fraud_detection_training']);
  assert.deepEqual(r.run.modelVersion, { number: 1 });
  const [predict] = r.run.steps;
  assert.equal(r.run.steps.length, 1);
  assert.equal(predict.name, 'predict');
  const inputs = Object.fromEntries(predict.inputs.map((i: any) => [i.name, i.artifactVersion.artifact.name]));
  assert.deepEqual(inputs, { model: 'trained_model', transactions: 'transaction_dataset' });
  assert.equal(predict.inputs.find((i: any) => i.name === 'model').artifactVersion.version, '1');
  assert.deepEqual(predict.outputs.map((o: any) => o.artifactVersion.artifact.name), ['predictions']);
});

test('npm run seed:example: the compiled script seeds a fresh server, then says already seeded', async () => {
  const fresh = await startTestApp();
  try {
    const script = path.resolve(__dirname, '..', 'scripts', 'seed-example.js');
    const run = () => promisify(execFile)(process.execPath, [script], { env: { ...process.env, MAG_URL: fresh.url } });
    const first = await run();
    assert.match(first.stdout, /seeded .*\n/);
    assert.match(first.stdout, /fraud_detector: v1 PRODUCTION, v2 ARCHIVED, v3 STAGING/);
    const second = await run();
    assert.match(second.stdout, /already seeded/);
  } finally {
    await fresh.close();
  }
});

test('with auth required the seed needs MAG_API_KEY, and works with an ADMIN key', async () => {
  const secret = 'seed-example-admin-secret-0123456789';
  const secured = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: secret });
  try {
    await assert.rejects(seedExample(secured.url), /MAG_API_KEY/);
    const r = await seedExample(secured.url, secret);
    assert.equal(r.alreadySeeded, false);
  } finally {
    await secured.close();
  }
});
