import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ArtifactVersionDocument, MagClient, ModelDocument, ModelVersionDocument, PipelineRunDocument } from '../clients/ts';
import { DEFAULT_PROJECT, main, TrainAndPromoteResult } from '../examples/train-and-promote';
import { seedExample } from '../scripts/seed-example';
import { startTestApp, TestApp } from './helpers/app';

const PROJECT = 'train-and-promote-demo';
let app: TestApp;
let client: MagClient;
let first: TrainAndPromoteResult;
let second: TrainAndPromoteResult;
const quiet = { log: () => {} };

before(async () => {
  app = await startTestApp();
  client = new MagClient({ url: app.url });
  await seedExample(app.url);
});
after(async () => { await app.close(); });

test('the first run creates the project, version 1 of fraud_detector and puts it in production', async () => {
  first = await main(app.url, quiet);
  assert.equal(DEFAULT_PROJECT, PROJECT);
  assert.equal(first.project, PROJECT);
  assert.equal(first.training.modelVersion.number, 1);
  assert.equal(first.training.modelVersion.stage, 'PRODUCTION');
  assert.equal(first.training.promoted, true);
  assert.deepEqual(first.training.demoted, []);
  assert.equal(first.training.trainedModel.version, '1');
  assert.ok(first.predict);
  assert.equal(first.predict.modelVersion.number, 1);
  assert.deepEqual(first.predict.model, first.training.trainedModel);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM project WHERE name = $1`, [PROJECT]);
  assert.equal(n, 1);
});

test('the second run promotes version 2 with force and archives version 1', async () => {
  second = await main(app.url, quiet);
  assert.equal(second.training.modelVersion.number, 2);
  assert.equal(second.training.modelVersion.stage, 'PRODUCTION');
  assert.deepEqual(second.training.demoted, [1]);
  assert.equal(second.training.trainedModel.version, '2');
  assert.notEqual(second.training.runName, first.training.runName);

  const { model } = await client.request(ModelDocument, { project: PROJECT, name: 'fraud_detector', first: 10 });
  assert.ok(model);
  assert.equal(model.production?.number, 2);
  assert.equal(model.staging, null);
  assert.deepEqual(model.versions.nodes.map((v) => [v.number, v.stage]), [[1, 'ARCHIVED'], [2, 'PRODUCTION']]);
  assert.deepEqual(model.versions.nodes.map((v) => v.metadata), [{ accuracy: 0.93 }, { accuracy: 0.93 }]);
});

test('stage history records each promotion and the forced archiving', async () => {
  const history = async (version: string) => {
    const { modelVersion } = await client.request(ModelVersionDocument, { project: PROJECT, model: 'fraud_detector', version });
    assert.ok(modelVersion, `version ${version}`);
    return modelVersion.stageHistory.map(({ from, to, reason, actor }) => ({ from, to, reason, actor }));
  };
  assert.deepEqual(await history('1'), [
    { from: 'NONE', to: 'PRODUCTION', reason: 'accuracy 0.93 > 0.9', actor: 'anonymous' },
    { from: 'PRODUCTION', to: 'ARCHIVED', reason: 'replaced in PRODUCTION by version 2', actor: 'anonymous' },
  ]);
  assert.deepEqual(await history('2'), [{ from: 'NONE', to: 'PRODUCTION', reason: 'accuracy 0.93 > 0.9', actor: 'anonymous' }]);
  const { modelVersion: v1 } = await client.request(ModelVersionDocument, { project: PROJECT, model: 'fraud_detector', version: '1' });
  const at = v1!.stageHistory.map((c) => Date.parse(c.at));
  assert.ok(at[0] <= at[1], 'oldest first');
});

test('the second predict step consumed the trained_model of version 2', async () => {
  assert.ok(second.predict);
  assert.equal(second.predict.modelVersion.number, 2);
  assert.deepEqual(second.predict.model, second.training.trainedModel);

  const { modelVersion } = await client.request(ModelVersionDocument, { project: PROJECT, model: 'fraud_detector', version: 'production' });
  assert.ok(modelVersion);
  assert.equal(modelVersion.number, 2);
  const links = Object.fromEntries(modelVersion.artifacts.map((l) => [l.name, [l.kind, l.artifactVersion.artifact.name, l.artifactVersion.version]]));
  assert.deepEqual(links, { dataset: ['DATA', 'training_dataset', '2'], trained_model: ['MODEL', 'trained_model', '2'] });
  assert.deepEqual(modelVersion.runs.map((r) => r.pipeline.name).sort(), ['predict', 'training']);

  const { pipelineRun } = await client.request(PipelineRunDocument, { project: PROJECT, name: second.predict.runName });
  assert.ok(pipelineRun);
  assert.equal(pipelineRun.status, 'COMPLETED');
  assert.equal(pipelineRun.modelVersion?.number, 2);
  assert.deepEqual(pipelineRun.steps.map((s) => s.id), [second.predict.stepId]);
  const [step] = pipelineRun.steps;
  assert.deepEqual(step.inputs.map((i) => [i.name, i.artifactVersion.id, i.artifactVersion.artifact.name, i.artifactVersion.version]),
    [['model', second.training.trainedModel.id, 'trained_model', '2']]);
  assert.deepEqual(step.outputs.map((o) => [o.name, o.artifactVersion.artifact.name, o.artifactVersion.version]), [['predictions', 'predictions', '2']]);
});

test('ArtifactVersion.consumedBy lists each predict step under the version it used', async () => {
  const consumers = async (version: string) => {
    const { artifactVersion } = await client.request(ArtifactVersionDocument, { project: PROJECT, artifact: 'trained_model', version });
    assert.ok(artifactVersion, `trained_model version ${version}`);
    assert.equal(artifactVersion.type, 'MODEL');
    assert.deepEqual(artifactVersion.metadata, { accuracy: 0.93 });
    assert.equal(artifactVersion.producedBy?.name, 'train_model');
    return artifactVersion;
  };
  const v2 = await consumers('2');
  assert.equal(v2.id, second.training.trainedModel.id);
  assert.deepEqual(v2.consumedBy.map((s) => [s.id, s.name, s.run.name, s.run.pipeline.name]),
    [[second.predict!.stepId, 'predict', second.predict!.runName, 'predict']]);
  assert.deepEqual(v2.modelVersions.map((m) => [m.model.name, m.number, m.stage]), [['fraud_detector', 2, 'PRODUCTION']]);
  const v1 = await consumers('1');
  assert.deepEqual(v1.consumedBy.map((s) => s.id), [first.predict!.stepId]);
  assert.deepEqual(v1.modelVersions.map((m) => [m.number, m.stage]), [[1, 'ARCHIVED']]);
});

test('a version at or below the accuracy threshold is not promoted and predict keeps using production', async () => {
  const third = await main(app.url, { ...quiet, accuracy: 0.85 });
  assert.equal(third.training.modelVersion.number, 3);
  assert.equal(third.training.modelVersion.stage, 'NONE');
  assert.equal(third.training.promoted, false);
  assert.ok(third.predict);
  assert.equal(third.predict.modelVersion.number, 2);
  assert.deepEqual(third.predict.model, second.training.trainedModel);
  const { model } = await client.request(ModelDocument, { project: PROJECT, name: 'fraud_detector', first: 10 });
  assert.deepEqual(model!.versions.nodes.map((v) => [v.number, v.stage]), [[1, 'ARCHIVED'], [2, 'PRODUCTION'], [3, 'NONE']]);
});

test('run directly, the example reads MAG_URL and exits 0', async () => {
  const script = path.join(__dirname, '..', 'examples', 'train-and-promote', 'index.js');
  const { stdout } = await promisify(execFile)(process.execPath, [script], { env: { ...process.env, MAG_URL: app.url } });
  assert.match(stdout, /training run training-.*: model fraud_detector version 4/);
  assert.match(stdout, /promoted version 4 to PRODUCTION; archived 2/);
  assert.match(stdout, /used trained_model version 4 of fraud_detector version 4/);
});

test('the demo leaves the seeded fraud-detection example alone', async () => {
  const { model } = await client.request(ModelDocument, { project: 'fraud-detection', name: 'fraud_detector', first: 10 });
  assert.deepEqual(model!.versions.nodes.map((v) => [v.number, v.stage]), [[1, 'PRODUCTION'], [2, 'ARCHIVED'], [3, 'STAGING']]);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM pipeline_run r JOIN project p ON p.id = r.project_id WHERE p.name = 'fraud-detection'`);
  assert.equal(n, 5);
});

test('MAG_PROJECT picks another project for the demo', async () => {
  const script = path.join(__dirname, '..', 'examples', 'train-and-promote', 'index.js');
  await promisify(execFile)(process.execPath, [script], { env: { ...process.env, MAG_URL: app.url, MAG_PROJECT: 'my-demo' } });
  const { model } = await client.request(ModelDocument, { project: 'my-demo', name: 'fraud_detector', first: 10 });
  assert.deepEqual(model!.versions.nodes.map((v) => [v.number, v.stage]), [[1, 'PRODUCTION']]);
});
