import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject, recordStep, registerVersion, startRun } from './helpers/fixtures';

let app: TestApp;
const P = 'models';
before(async () => {
  app = await startTestApp();
  await createProject(app, P);
});
after(async () => { await app.close(); });

async function newVersion(model: string, extra: Record<string, unknown> = {}) {
  return (await app.ok(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id number name stage } }`,
    { i: { project: P, model, ...extra } })).createModelVersion;
}

const promote = (id: string, stage: string, force = false, reason?: string) =>
  app.gql(`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { number stage } demoted { number stage } } }`,
    { i: { modelVersion: id, stage, force, reason } });

test('unnamed artifact versions are numbered per artifact; named ones keep their name', async () => {
  const v1 = await registerVersion(app, { project: P, artifact: 'dataset' });
  const named = await registerVersion(app, { project: P, artifact: 'dataset', version: 'raw_2023', type: 'DATA', uri: 's3://b/raw', dataType: 'pandas.DataFrame' });
  const v2 = await registerVersion(app, { project: P, artifact: 'dataset' });
  const other = await registerVersion(app, { project: P, artifact: 'other' });
  assert.deepEqual([v1.version, named.version, v2.version, other.version], ['1', 'raw_2023', '2', '1']);
  const latest = await app.ok(`{ artifactVersion(project: "${P}", artifact: "dataset") { version } byName: artifactVersion(project: "${P}", artifact: "dataset", version: "raw_2023") { version uri dataType type }
    missing: artifactVersion(project: "${P}", artifact: "dataset", version: "7") { version } artifact(project: "${P}", name: "dataset") { latestVersion { version } versions(orderBy: { field: CREATED_AT, direction: ASC }) { totalCount nodes { version } } } }`);
  assert.equal(latest.artifactVersion.version, '2');
  assert.deepEqual(latest.byName, { version: 'raw_2023', uri: 's3://b/raw', dataType: 'pandas.DataFrame', type: 'DATA' });
  assert.equal(latest.missing, null);
  assert.equal(latest.artifact.latestVersion.version, '2');
  assert.deepEqual(latest.artifact.versions.nodes.map((n: { version: string }) => n.version), ['1', 'raw_2023', '2']);
});

test('a duplicate named version is a CONFLICT and an all-digit name is BAD_USER_INPUT; nothing is created', async () => {
  const dup = await app.gql(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "dataset", version: "raw_2023" }) { id } }`);
  assert.equal(codeOf(dup), 'CONFLICT');
  assert.match(dup.errors![0].message, /artifact "dataset" already has version "raw_2023"/);
  const digits = await app.gql(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "dataset", version: "12" }) { id } }`);
  assert.equal(codeOf(digits), 'BAD_USER_INPUT');
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 'dataset'`);
  assert.equal(n, 3);
  assert.equal((await registerVersion(app, { project: P, artifact: 'dataset' })).version, '3', 'the failed attempts used no number');
});

test('20 concurrent registrations of one artifact get versions 1..20 exactly', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => registerVersion(app, { project: P, artifact: 'race_artifact' })));
  assert.deepEqual(results.map((r) => Number(r.version)).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
});

test('model versions are numbered, named, and resolved by number, name, latest and stage', async () => {
  await app.ok(`mutation { createModel(input: { project: "${P}", name: "fraud_detector", description: "rf", license: "MIT", tags: [{ name: "random-forest" }] }) { id } }`);
  const v1 = await newVersion('fraud_detector', { name: 'baseline', metadata: { accuracy: 0.9 } });
  const v2 = await newVersion('fraud_detector');
  assert.deepEqual([v1.number, v1.name, v1.stage, v2.number, v2.name], [1, 'baseline', 'NONE', 2, '2']);
  assert.equal(codeOf(await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "fraud_detector", name: "baseline" }) { id } }`)), 'CONFLICT');
  assert.equal(codeOf(await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "fraud_detector", name: "7" }) { id } }`)), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "fraud_detector", name: "Production" }) { id } }`)), 'BAD_USER_INPUT');
  assert.equal((await newVersion('fraud_detector')).number, 3, 'failed creations used no number');
  assert.equal((await promote(v1.id, 'STAGING')).errors, undefined);
  const r = await app.ok(`{ byNumber: modelVersion(project: "${P}", model: "fraud_detector", version: "2") { number }
    byName: modelVersion(project: "${P}", model: "fraud_detector", version: "baseline") { number metadata }
    latest: modelVersion(project: "${P}", model: "fraud_detector") { number }
    staging: modelVersion(project: "${P}", model: "fraud_detector", version: "STAGING") { number }
    production: modelVersion(project: "${P}", model: "fraud_detector", version: "production") { number }
    model(project: "${P}", name: "fraud_detector") { description license latestVersion { number } versionInStage(stage: STAGING) { number } versions { totalCount } } }`);
  assert.deepEqual(r, {
    byNumber: { number: 2 }, byName: { number: 1, metadata: { accuracy: 0.9 } }, latest: { number: 3 }, staging: { number: 1 }, production: null,
    model: { description: 'rf', license: 'MIT', latestVersion: { number: 3 }, versionInStage: { number: 1 }, versions: { totalCount: 3 } },
  });
});

test('20 concurrent version creations of one model get numbers 1..20', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => newVersion('race_model')));
  assert.deepEqual(results.map((r) => r.number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
});

test('promotion: CONFLICT without force changes nothing; force archives the holder; same stage is a no-op', async () => {
  const a = await newVersion('promo');
  const b = await newVersion('promo');
  const first = await promote(a.id, 'PRODUCTION', false, 'first deploy');
  assert.deepEqual(first.data.promoteModelVersion, { modelVersion: { number: 1, stage: 'PRODUCTION' }, demoted: [] });
  const refused = await promote(b.id, 'PRODUCTION');
  assert.equal(codeOf(refused), 'CONFLICT');
  assert.match(refused.errors![0].message, /version 1 of this model holds PRODUCTION/);
  const stages = await app.sql(`SELECT v.number, v.stage FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.name = 'promo' ORDER BY number`);
  assert.deepEqual(stages, [{ number: 1, stage: 'PRODUCTION' }, { number: 2, stage: 'NONE' }]);
  const forced = await promote(b.id, 'PRODUCTION', true, 'better model');
  assert.deepEqual(forced.data.promoteModelVersion, { modelVersion: { number: 2, stage: 'PRODUCTION' }, demoted: [{ number: 1, stage: 'ARCHIVED' }] });
  const again = await promote(b.id, 'PRODUCTION', true);
  assert.deepEqual(again.data.promoteModelVersion, { modelVersion: { number: 2, stage: 'PRODUCTION' }, demoted: [] });
  const history = await app.ok(`query($a: ID!, $b: ID!) { a: node(id: $a) { ... on ModelVersion { stageHistory { from to reason actor } } } b: node(id: $b) { ... on ModelVersion { stageHistory { from to reason actor at } } } }`, { a: a.id, b: b.id });
  assert.deepEqual(history.a.stageHistory, [
    { from: 'NONE', to: 'PRODUCTION', reason: 'first deploy', actor: 'anonymous' },
    { from: 'PRODUCTION', to: 'ARCHIVED', reason: 'replaced in PRODUCTION by version 2', actor: 'anonymous' },
  ]);
  assert.equal(history.b.stageHistory.length, 1, 'the no-op promotion recorded nothing');
  assert.deepEqual({ ...history.b.stageHistory[0], at: undefined }, { from: 'NONE', to: 'PRODUCTION', reason: 'better model', actor: 'anonymous', at: undefined });
  // ARCHIVED and NONE can be held by many.
  const c = await newVersion('promo');
  assert.equal((await promote(c.id, 'ARCHIVED')).errors, undefined);
  const archived = await app.sql(`SELECT count(*)::int AS n FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.name = 'promo' AND stage = 'ARCHIVED'`);
  assert.equal(archived[0].n, 2);
});

test('20 concurrent forced promotions of different versions end with exactly one PRODUCTION version and a consistent history', async () => {
  const versions = [];
  for (let i = 0; i < 20; i++) versions.push(await newVersion('promo_race'));
  const results = await Promise.all(versions.map((v) => promote(v.id, 'PRODUCTION', true)));
  results.forEach((r) => assert.equal(r.errors, undefined, JSON.stringify(r.errors)));
  const rows = await app.sql(`SELECT v.id, v.stage FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.name = 'promo_race'`);
  assert.equal(rows.filter((r) => r.stage === 'PRODUCTION').length, 1);
  assert.equal(rows.filter((r) => r.stage === 'ARCHIVED').length, 19);
  // History replays to the current stage of every version, and PRODUCTION was held by one at a time.
  const history = await app.sql(`SELECT c.model_version_id, c.from_stage, c.to_stage FROM stage_change c JOIN model_version v ON v.id = c.model_version_id
    JOIN model m ON m.id = v.model_id WHERE m.name = 'promo_race' ORDER BY c.at, c.id`);
  assert.equal(history.length, 20 + 19);
  const current = new Map<string, string>();
  let holders = 0;
  for (const h of history) {
    assert.equal(current.get(h.model_version_id) ?? 'NONE', h.from_stage);
    current.set(h.model_version_id, h.to_stage);
    if (h.to_stage === 'PRODUCTION') holders++;
    if (h.from_stage === 'PRODUCTION') holders--;
    assert.ok(holders <= 1, 'two PRODUCTION holders at once in the history');
  }
  for (const r of rows) assert.equal(current.get(r.id), r.stage);
});

test('linking artifacts to a model version: by name, relink replaces, kinds filter', async () => {
  const v = await newVersion('linker');
  const a1 = await registerVersion(app, { project: P, artifact: 'model_blob', type: 'MODEL' });
  const a2 = await registerVersion(app, { project: P, artifact: 'model_blob', type: 'MODEL' });
  const d = await registerVersion(app, { project: P, artifact: 'train_data' });
  const link = (av: string, kind: string, name: string) => app.ok(`mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { number } }`,
    { i: { modelVersion: v.id, artifactVersion: av, kind, name } });
  await link(a1.id, 'MODEL', 'trained_model');
  await link(d.id, 'DATA', 'training_data');
  await link(a2.id, 'MODEL', 'trained_model');
  const r = await app.ok(`query($id: ID!) { node(id: $id) { ... on ModelVersion {
    artifact(name: "trained_model") { version modelVersions { number } } none: artifact(name: "nope") { version }
    all: artifacts { kind name artifactVersion { version artifact { name } } } data: artifacts(kind: DATA) { name } } } }`, { id: v.id });
  assert.equal(r.node.artifact.version, '2');
  assert.deepEqual(r.node.artifact.modelVersions, [{ number: 1 }]);
  assert.equal(r.node.none, null);
  assert.deepEqual(r.node.all, [
    { kind: 'MODEL', name: 'trained_model', artifactVersion: { version: '2', artifact: { name: 'model_blob' } } },
    { kind: 'DATA', name: 'training_data', artifactVersion: { version: '1', artifact: { name: 'train_data' } } },
  ]);
  assert.deepEqual(r.node.data, [{ name: 'training_data' }]);
});

test('startRun attaches runs to model versions; recordStep links outputs to the run model version', async () => {
  const created = await app.ok(`mutation { startRun(input: { project: "${P}", pipeline: "training", model: { name: "run_model", createVersion: true } }) { id modelVersion { number model { name } } } }`);
  assert.deepEqual(created.startRun.modelVersion, { number: 1, model: { name: 'run_model' } });
  await recordStep(app, { run: created.startRun.id, name: 'train', outputs: [{ name: 'trained_model', artifact: 'rm_blob', type: 'MODEL', metadata: { accuracy: 0.93 }, linkToModelAs: 'MODEL' }] });
  const attached = await startRun(app, { project: P, pipeline: 'predict', model: { name: 'run_model', version: 'latest' } });
  const missing = await app.gql(`mutation { startRun(input: { project: "${P}", pipeline: "predict", model: { name: "run_model", version: "9" } }) { id } }`);
  assert.equal(codeOf(missing), 'NOT_FOUND');
  const r = await app.ok(`{ modelVersion(project: "${P}", model: "run_model", version: "1") { artifact(name: "trained_model") { version metadata type }
    runs { id pipeline { name } } } model(project: "${P}", name: "run_model") { pipelines { name } } }`);
  assert.deepEqual(r.modelVersion.artifact, { version: '1', metadata: { accuracy: 0.93 }, type: 'MODEL' });
  assert.deepEqual(r.modelVersion.runs.map((x: { pipeline: { name: string } }) => x.pipeline.name), ['training', 'predict']);
  assert.equal(r.modelVersion.runs[1].id, attached.id);
  assert.deepEqual(r.model.pipelines.map((p: { name: string }) => p.name), ['predict', 'training']);
  const noModel = await startRun(app, { project: P, pipeline: 'plain' });
  const bad = await app.gql(`mutation($r: ID!) { recordStep(input: { run: $r, name: "s", status: COMPLETED, outputs: [{ name: "o", artifact: "x", linkToModelAs: MODEL }] }) { id } }`, { r: noModel.id });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  assert.equal((await app.sql(`SELECT count(*)::int AS n FROM step_run WHERE run_id = (SELECT id FROM pipeline_run WHERE name = $1)`, [noModel.name]))[0].n, 0);
});

test('logMetadata merges keys shallowly into runs, steps, artifact versions and model versions', async () => {
  const run = await startRun(app, { project: P, pipeline: 'meta' });
  const step = await recordStep(app, { run: run.id, name: 's', metadata: { a: 1 }, outputs: [{ name: 'o', artifact: 'meta_art', metadata: { rows: 10 } }] });
  const mv = await newVersion('meta_model', { metadata: { accuracy: 0.5, params: { depth: 3 } } });
  const log = (id: string, m: unknown) => app.gql(`mutation($id: ID!, $m: JSON!) { logMetadata(resource: $id, metadata: $m) { id
    ... on PipelineRun { metadata } ... on StepRun { metadata } ... on ArtifactVersion { metadata } ... on ModelVersion { metadata } } }`, { id, m });
  assert.deepEqual((await log(run.id, { loss: 0.1 })).data.logMetadata.metadata, { loss: 0.1 });
  assert.deepEqual((await log(step.id, { b: 2 })).data.logMetadata.metadata, { a: 1, b: 2 });
  assert.deepEqual((await log(step.outputs[0].artifactVersion.id, { rows: 12 })).data.logMetadata.metadata, { rows: 12 });
  assert.deepEqual((await log(mv.id, { params: { lr: 0.1 } })).data.logMetadata.metadata, { accuracy: 0.5, params: { lr: 0.1 } });
  assert.equal(codeOf(await log(mv.id, [1, 2])), 'BAD_USER_INPUT');
  assert.equal((await log(mv.id, { big: 'x'.repeat(1024 * 1024) })).status, 413, 'a body over the 1 MB request limit is refused');
  assert.equal((await log(mv.id, { half1: 'x'.repeat(600 * 1024) })).errors, undefined);
  const grown = await log(mv.id, { half2: 'x'.repeat(600 * 1024) });
  assert.equal(codeOf(grown), 'BAD_USER_INPUT', 'merged metadata of 1 MB or more');
  const [{ size }] = await app.sql(`SELECT octet_length(metadata::text) AS size FROM model_version WHERE id = $1`, [Buffer.from(mv.id, 'base64url').toString().split(':')[1]]);
  assert.ok(size < 700 * 1024, 'the refused merge changed nothing');
  const pipelineId = (await app.ok(`{ pipeline(project: "${P}", name: "meta") { id } }`)).pipeline.id;
  assert.equal(codeOf(await log(pipelineId, { a: 1 })), 'BAD_USER_INPUT', 'pipelines carry no metadata');
});
