import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GENERATED_FILE, generateClient } from '../scripts/codegen';
import {
  AddTagsDocument, ArtifactVersionDocument, CreateModelVersionDocument, CreatePipelineDocument, CreateProjectDocument,
  FinishRunDocument, isMagClientError, LineageDocument, LinkArtifactDocument, LogMetadataDocument, MagClient, MagClientError,
  ModelVersionArtifactDocument, ModelVersionDocument, PipelinesDocument, ProjectDocument, ProjectsDocument,
  PromoteModelVersionDocument, RecordStepDocument, RegisterArtifactVersionDocument, RemoveTagsDocument, StartRunDocument, ViewerDocument,
} from '../clients/ts';
import { startTestApp, TestApp } from './helpers/app';

const ROOT = path.resolve(__dirname, '..', '..');
let app: TestApp;
let client: MagClient;

before(async () => {
  app = await startTestApp();
  client = new MagClient({ url: app.url });
});
after(async () => { await app.close(); });

/** Runs the request and returns the MagClientError it must fail with. */
async function rejection(promise: Promise<unknown>): Promise<MagClientError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MagClientError, `expected a MagClientError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

test('the checked-in generated client equals what codegen produces from schema.graphql now', async () => {
  const generated = await generateClient(ROOT);
  const checkedIn = fs.readFileSync(path.join(ROOT, GENERATED_FILE), 'utf8');
  assert.ok(checkedIn === generated, `${GENERATED_FILE} is stale: run \`npm run codegen\` and commit the result`);
});

test('request returns typed data for queries and mutations', async () => {
  const { createProject } = await client.request(CreateProjectDocument, { input: { name: 'client-demo', displayName: 'Client demo' } });
  assert.equal(createProject.name, 'client-demo');
  assert.equal(createProject.displayName, 'Client demo');
  assert.equal(createProject.description, null);
  const { project } = await client.request(ProjectDocument, { name: 'client-demo' });
  assert.deepEqual(project, createProject);
  assert.equal((await client.request(ProjectDocument, { name: 'absent' })).project, null);
  const { projects } = await client.request(ProjectsDocument, { filter: { name: 'startswith:client-' } });
  assert.equal(projects.totalCount, 1);
  assert.deepEqual(projects.nodes.map((p) => p.id), [createProject.id]);
  const { viewer } = await client.request(ViewerDocument);
  assert.deepEqual(viewer, { name: 'anonymous', role: 'ADMIN', projects: [] });
});

test('server errors become MagClientError carrying extensions.code', async () => {
  await client.request(CreateProjectDocument, { input: { name: 'taken' } });
  const conflict = await rejection(client.request(CreateProjectDocument, { input: { name: 'taken' } }));
  assert.equal(conflict.code, 'CONFLICT');
  assert.match(conflict.message, /project "taken" already exists/);
  assert.equal(conflict.errors.length, 1);
  assert.equal(isMagClientError(conflict, 'CONFLICT'), true);
  assert.equal(isMagClientError(conflict, 'NOT_FOUND'), false);

  const bad = await rejection(client.request(CreateProjectDocument, { input: { name: '-lead' } }));
  assert.equal(bad.code, 'BAD_USER_INPUT');
  assert.equal(bad.field, 'name');

  const missing = Buffer.from(`ModelVersion:${randomUUID()}`).toString('base64url');
  const notFound = await rejection(client.request(LogMetadataDocument, { resource: missing, metadata: { a: 1 } }));
  assert.equal(notFound.code, 'NOT_FOUND');
});

test('transport failures are NETWORK_ERROR and HTTP_ERROR', async () => {
  const closed = new MagClient({ url: 'http://127.0.0.1:1/graphql', timeoutMs: 2000 });
  const network = await rejection(closed.request(ViewerDocument));
  assert.equal(network.code, 'NETWORK_ERROR');
  assert.equal(network.status, undefined);
  assert.match(network.message, /^Viewer: /);

  const wrongPath = await rejection(new MagClient({ url: new URL('/no-such-route', app.url).toString() }).request(ViewerDocument));
  assert.deepEqual([wrongPath.code, wrongPath.status], ['NOT_FOUND', 404]);

  const proxy = http.createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = proxy.address() as AddressInfo;
    const notGraphql = await rejection(new MagClient({ url: `http://127.0.0.1:${port}/graphql` }).request(ViewerDocument));
    assert.deepEqual([notGraphql.code, notGraphql.status], ['HTTP_ERROR', 502]);
    assert.match(notGraphql.message, /Bad gateway/);
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('the api key is sent as a bearer token', async () => {
  const secret = 'client-test-admin-secret-0123456789';
  const secured = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: secret });
  try {
    const anonymous = await rejection(new MagClient({ url: secured.url }).request(ViewerDocument));
    assert.equal(anonymous.code, 'UNAUTHENTICATED');
    const wrong = await rejection(new MagClient({ url: secured.url, apiKey: 'not-the-secret-at-all' }).request(ViewerDocument));
    assert.equal(wrong.code, 'UNAUTHENTICATED');
    const { viewer } = await new MagClient({ url: secured.url, apiKey: secret }).request(ViewerDocument);
    assert.deepEqual(viewer, { name: 'admin', role: 'ADMIN', projects: [] });
  } finally {
    await secured.close();
  }
});

test('a run, its steps, artifacts, a model version, promotion, tags, metadata and lineage through the client', async () => {
  const project = 'client-flow';
  await client.request(CreateProjectDocument, { input: { name: project } });
  await client.request(CreatePipelineDocument, { input: { project, name: 'etl', description: 'extract' } });

  const { registerArtifactVersion: raw } = await client.request(RegisterArtifactVersionDocument, {
    input: { project, artifact: 'raw_data', version: 'raw_2023', type: 'DATA', uri: 's3://b/raw', metadata: { rows: 10 } },
  });
  assert.deepEqual([raw.artifact.name, raw.version, raw.type, raw.uri, raw.metadata], ['raw_data', 'raw_2023', 'DATA', 's3://b/raw', { rows: 10 }]);

  const { startRun: run } = await client.request(StartRunDocument, { input: { project, pipeline: 'etl', name: 'etl-1', config: { k: 1 } } });
  assert.deepEqual([run.name, run.status, run.pipeline.name, run.config, run.modelVersion], ['etl-1', 'RUNNING', 'etl', { k: 1 }, null]);
  const { recordStep: step } = await client.request(RecordStepDocument, {
    input: {
      run: run.id, name: 'clean', status: 'COMPLETED', metadata: { seconds: 3 },
      inputs: [{ name: 'raw', artifactVersion: raw.id }],
      outputs: [{ name: 'clean', artifact: 'clean_data', type: 'DATA' }],
    },
  });
  assert.deepEqual(step.inputs.map((i) => [i.name, i.artifactVersion.id]), [['raw', raw.id]]);
  assert.deepEqual(step.outputs.map((o) => [o.name, o.artifactVersion.artifact.name, o.artifactVersion.version]), [['clean', 'clean_data', '1']]);
  const clean = step.outputs[0].artifactVersion;
  const { finishRun } = await client.request(FinishRunDocument, { run: run.id, status: 'COMPLETED' });
  assert.equal(finishRun.status, 'COMPLETED');
  assert.ok(finishRun.endedAt);

  const { project: listed } = await client.request(PipelinesDocument, { project });
  assert.deepEqual(listed?.pipelines.nodes.map((p) => [p.name, p.latestRun?.name]), [['etl', 'etl-1']]);

  const { artifactVersion } = await client.request(ArtifactVersionDocument, { project, artifact: 'clean_data' });
  assert.equal(artifactVersion?.id, clean.id);
  assert.equal(artifactVersion?.producedBy?.id, step.id);
  assert.deepEqual(artifactVersion?.consumedBy, []);

  const { createModelVersion: mv } = await client.request(CreateModelVersionDocument, { input: { project, model: 'churn', description: 'first' } });
  assert.deepEqual([mv.model.name, mv.number, mv.name, mv.stage], ['churn', 1, '1', 'NONE']);
  const { linkArtifact } = await client.request(LinkArtifactDocument, { input: { modelVersion: mv.id, artifactVersion: clean.id, name: 'training_data', kind: 'DATA' } });
  assert.deepEqual(linkArtifact.artifacts.map((a) => [a.name, a.kind, a.artifactVersion.id]), [['training_data', 'DATA', clean.id]]);

  const { promoteModelVersion } = await client.request(PromoteModelVersionDocument, { input: { modelVersion: mv.id, stage: 'STAGING', reason: 'looks good' } });
  assert.equal(promoteModelVersion.modelVersion.stage, 'STAGING');
  assert.deepEqual(promoteModelVersion.demoted, []);
  assert.deepEqual(promoteModelVersion.modelVersion.stageHistory.map((c) => [c.from, c.to, c.reason]), [['NONE', 'STAGING', 'looks good']]);

  const { createModelVersion: mv2 } = await client.request(CreateModelVersionDocument, { input: { project, model: 'churn', name: 'candidate' } });
  const blocked = await rejection(client.request(PromoteModelVersionDocument, { input: { modelVersion: mv2.id, stage: 'STAGING' } }));
  assert.equal(blocked.code, 'CONFLICT');

  const { modelVersion: staging } = await client.request(ModelVersionDocument, { project, model: 'churn', version: 'staging' });
  assert.equal(staging?.id, mv.id);
  const { modelVersion: latest } = await client.request(ModelVersionDocument, { project, model: 'churn' });
  assert.deepEqual([latest?.number, latest?.name], [2, 'candidate']);
  const { modelVersion: withArtifact } = await client.request(ModelVersionArtifactDocument, { project, model: 'churn', version: 'staging', artifact: 'training_data' });
  assert.equal(withArtifact?.artifact?.id, clean.id);

  const { addTags } = await client.request(AddTagsDocument, { resource: clean.id, tags: [{ name: 'validated' }, { name: 'gold' }] });
  assert.equal(addTags.__typename, 'ArtifactVersion');
  assert.deepEqual(addTags.tags.map((t) => t.name).sort(), ['gold', 'validated']);
  const { removeTags } = await client.request(RemoveTagsDocument, { resource: clean.id, tags: ['gold'] });
  assert.deepEqual(removeTags.tags.map((t) => t.name), ['validated']);

  const { logMetadata } = await client.request(LogMetadataDocument, { resource: mv.id, metadata: { auc: 0.8 } });
  assert.equal(logMetadata.__typename, 'ModelVersion');
  assert.ok(logMetadata.__typename === 'ModelVersion');
  assert.deepEqual(logMetadata.metadata, { auc: 0.8 });
  const { logMetadata: again } = await client.request(LogMetadataDocument, { resource: mv.id, metadata: { f1: 0.7 } });
  assert.ok(again.__typename === 'ModelVersion');
  assert.deepEqual(again.metadata, { auc: 0.8, f1: 0.7 });

  const { lineage } = await client.request(LineageDocument, { of: clean.id, direction: 'UPSTREAM' });
  assert.deepEqual(lineage.roots, [clean.id]);
  assert.equal(lineage.truncated, false);
  assert.deepEqual(lineage.nodes.map((n) => n.id).sort(), [clean.id, raw.id, step.id].sort());
  assert.deepEqual(lineage.edges.map((e) => [e.kind, e.name, e.source, e.target]).sort(),
    [['INPUT', 'raw', raw.id, step.id], ['OUTPUT', 'clean', step.id, clean.id]].sort());
});
