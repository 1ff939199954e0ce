import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GENERATED_FILE, generateClient } from '../scripts/codegen';
import {
  AddTagsDocument, ArtifactVersionDocument, CreateModelVersionDocument, CreatePipelineDocument, CreateProjectDocument,
  FinishRunDocument, isMagClientError, LineageDocument, LinkArtifactDocument, LogMetadataDocument, MagClient, MagClientError,
  ModelVersionArtifactDocument, ModelVersionDocument, PipelinesDocument, ProjectDocument, ProjectsDocument,
  PromoteModelVersionDocument, RecordStepDocument, RegisterArtifactVersionDocument, RemoveTagsDocument, StartRunDocument, ViewerDocument,
} from '../clients/ts';
import {
  ArtifactVersionsDocument, DeleteDocument, EventsDocument, iterate, LatestEventSequenceDocument, LiveEventsDocument, ModelsDocument, ModelVersionsDocument,
  RestoreDocument, RunsDocument, UpdateArtifactDocument, UpdateModelDocument, UpdateModelVersionDocument, UpdatePipelineDocument,
  UpdateProjectDocument,
} from '../clients/ts';
import { PurgeDocument } from '../clients/ts';
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

test('updates rename by id and keep what hangs off the entity; null clears a text field; a taken name is CONFLICT', async () => {
  const project = 'client-edits';
  const { createProject } = await client.request(CreateProjectDocument, { input: { name: project, description: 'edits' } });
  const { updateProject } = await client.request(UpdateProjectDocument, { input: { id: createProject.id, displayName: 'Edits', description: null } });
  assert.deepEqual([updateProject.name, updateProject.displayName, updateProject.description], [project, 'Edits', null]);

  const { createPipeline } = await client.request(CreatePipelineDocument, { input: { project, name: 'etl', description: 'extract' } });
  await client.request(CreatePipelineDocument, { input: { project, name: 'taken' } });
  const { updatePipeline } = await client.request(UpdatePipelineDocument, { input: { id: createPipeline.id, name: 'etl_daily' } });
  assert.deepEqual([updatePipeline.id, updatePipeline.name, updatePipeline.description], [createPipeline.id, 'etl_daily', 'extract']);
  const taken = await rejection(client.request(UpdatePipelineDocument, { input: { id: createPipeline.id, name: 'taken' } }));
  assert.equal(taken.code, 'CONFLICT');

  const { registerArtifactVersion: av } = await client.request(RegisterArtifactVersionDocument, { input: { project, artifact: 'raw' } });
  const { updateArtifact } = await client.request(UpdateArtifactDocument, { input: { id: av.artifact.id, name: 'raw_events' } });
  assert.deepEqual([updateArtifact.id, updateArtifact.name], [av.artifact.id, 'raw_events']);
  assert.equal((await client.request(ArtifactVersionDocument, { project, artifact: 'raw_events' })).artifactVersion?.id, av.id);

  const { createModelVersion: mv } = await client.request(CreateModelVersionDocument, { input: { project, model: 'churn', description: 'first' } });
  const { updateModel } = await client.request(UpdateModelDocument, { input: { id: mv.model.id, name: 'churn_v2', license: 'MIT' } });
  assert.deepEqual([updateModel.id, updateModel.name, updateModel.license], [mv.model.id, 'churn_v2', 'MIT']);
  const { updateModelVersion } = await client.request(UpdateModelVersionDocument, { input: { id: mv.id, name: 'baseline', description: null } });
  assert.deepEqual([updateModelVersion.id, updateModelVersion.number, updateModelVersion.name, updateModelVersion.description, updateModelVersion.model.name],
    [mv.id, 1, 'baseline', null, 'churn_v2']);
  const bad = await rejection(client.request(UpdateModelDocument, { input: { id: mv.model.id, name: '-bad' } }));
  assert.deepEqual([bad.code, bad.field], ['BAD_USER_INPUT', 'name']);
});

test('delete marks a model with its versions, the trash lists them, a held stage needs force, restore brings all back', async () => {
  const project = 'client-trash';
  await client.request(CreateProjectDocument, { input: { name: project } });
  const { createModelVersion: v1 } = await client.request(CreateModelVersionDocument, { input: { project, model: 'fraud' } });
  const { createModelVersion: v2 } = await client.request(CreateModelVersionDocument, { input: { project, model: 'fraud' } });
  await client.request(PromoteModelVersionDocument, { input: { modelVersion: v1.id, stage: 'PRODUCTION' } });

  const held = await rejection(client.request(DeleteDocument, { input: { id: v1.model.id } }));
  assert.equal(held.code, 'CONFLICT');
  assert.equal(held.message, 'model "fraud" version 1 holds PRODUCTION; pass force: true to delete it anyway');
  const { delete: { deleted } } = await client.request(DeleteDocument, { input: { id: v1.model.id, force: true, reason: 'retired' } });
  assert.deepEqual(deleted, [v1.model.id, v1.id, v2.id]);

  const live = await client.request(ModelsDocument, { project });
  assert.deepEqual(live.project?.models.nodes, []);
  const trash = await client.request(ModelsDocument, { project, filter: { deleted: 'ONLY' } });
  assert.deepEqual(trash.project?.models.nodes.map((m) => [m.name, m.deletedAt !== null]), [['fraud', true]]);
  const versions = await client.request(ModelVersionsDocument, { project, filter: { deleted: 'INCLUDE' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
  assert.deepEqual(versions.project?.modelVersions.nodes.map((v) => [v.number, v.stage, v.deletedAt !== null]), [[1, 'PRODUCTION', true], [2, 'NONE', true]]);

  const { restore } = await client.request(RestoreDocument, { id: v1.model.id });
  assert.ok(restore.__typename === 'Model');
  assert.deepEqual([restore.id, restore.name, restore.deletedAt], [v1.model.id, 'fraud', null]);
  const back = await client.request(ModelVersionsDocument, { project, orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
  assert.deepEqual(back.project?.modelVersions.nodes.map((v) => [v.number, v.stage, v.deletedAt]), [[1, 'PRODUCTION', null], [2, 'NONE', null]]);
  const again = await rejection(client.request(RestoreDocument, { id: v1.model.id }));
  assert.equal(again.code, 'CONFLICT');
});

test('purge: a dry run lists the trash and the versions retention would take, the real run removes exactly that list', async () => {
  const project = 'client-purge';
  await client.request(CreateProjectDocument, { input: { name: project } });
  const versions = [];
  for (let i = 0; i < 4; i++) versions.push((await client.request(RegisterArtifactVersionDocument, { input: { project, artifact: 'features' } })).registerArtifactVersion);
  const { registerArtifactVersion: scratch } = await client.request(RegisterArtifactVersionDocument, { input: { project, artifact: 'scratch' } });
  await client.request(DeleteDocument, { input: { id: scratch.id } });

  const retention = { artifact: 'equals:features', keepLatest: 2 };
  const dry = await client.request(PurgeDocument, { input: { project, retention } });
  assert.deepEqual(dry.purge, { dryRun: true, removed: [versions[0].id, versions[1].id, scratch.id], count: 3 });
  const { purge } = await client.request(PurgeDocument, { input: { project, retention, dryRun: false } });
  assert.deepEqual(purge, { dryRun: false, removed: dry.purge.removed, count: 3 });
  const left = await client.request(ArtifactVersionsDocument, { project, filter: { deleted: 'INCLUDE' }, orderBy: { field: 'CREATED_AT', direction: 'ASC' } });
  assert.deepEqual(left.project?.artifactVersions.nodes.map((v) => v.id), [versions[2].id, versions[3].id]);
  const bad = await rejection(client.request(PurgeDocument, { input: { project, retention: { artifact: 'features', keepLatest: -1 } } }));
  assert.deepEqual([bad.code, bad.field], ['BAD_USER_INPUT', 'retention.keepLatest']);
});

test('metadata conditions, or/not and a METADATA order page through typed list operations', async () => {
  const project = 'client-metadata';
  await client.request(CreateProjectDocument, { input: { name: project } });
  const accuracies = [0.5, 0.97, 0.91, 0.95, undefined, 0.93];
  for (const [i, accuracy] of accuracies.entries()) {
    await client.request(CreateModelVersionDocument, {
      input: { project, model: 'm', metadata: accuracy === undefined ? { note: 'none' } : { accuracy, metrics: { f1: i / 10 } }, tags: i % 2 ? [{ name: 'odd' }] : [] },
    });
  }
  const above = await client.request(ModelVersionsDocument, {
    project, filter: { metadata: [{ key: 'accuracy', gt: 0.9 }] }, orderBy: { field: 'CREATED_AT', direction: 'ASC' },
  });
  assert.deepEqual(above.project?.modelVersions.nodes.map((v) => v.number), [2, 3, 4, 6]);
  assert.equal(above.project?.modelVersions.totalCount, 4);

  // Pages of 2 sorted by accuracy, best first: the version without the key comes last, nothing twice.
  const order = { field: 'METADATA', metadataKey: 'accuracy', direction: 'DESC' } as const;
  const seen: number[] = [];
  let after: string | null | undefined;
  for (;;) {
    const page = await client.request(ModelVersionsDocument, { project, orderBy: order, first: 2, after });
    const connection = page.project!.modelVersions;
    seen.push(...connection.nodes.map((v) => v.number));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  assert.deepEqual(seen, [2, 4, 6, 3, 1, 5]);

  const either = await client.request(ModelVersionsDocument, {
    project,
    filter: { or: [{ metadata: [{ key: 'metrics.f1', gte: 0.5 }] }, { metadata: [{ key: 'accuracy', lt: 0.6 }] }], not: { tags: ['odd'] } },
    orderBy: { field: 'CREATED_AT', direction: 'ASC' },
  });
  assert.deepEqual(either.project?.modelVersions.nodes.map((v) => v.number), [1]);
  const missing = await client.request(ModelVersionsDocument, { project, filter: { metadata: [{ key: 'accuracy', exists: false }] } });
  assert.deepEqual(missing.project?.modelVersions.nodes.map((v) => v.number), [5]);

  const { registerArtifactVersion: good } = await client.request(RegisterArtifactVersionDocument, { input: { project, artifact: 'scores', metadata: { accuracy: 0.99 } } });
  await client.request(RegisterArtifactVersionDocument, { input: { project, artifact: 'scores', metadata: { accuracy: '0.99' } } });
  const numeric = await client.request(ArtifactVersionsDocument, { project, filter: { metadata: [{ key: 'accuracy', gt: 0.9 }] } });
  assert.deepEqual(numeric.project?.artifactVersions.nodes.map((v) => v.id), [good.id]);

  const { startRun } = await client.request(StartRunDocument, { input: { project, pipeline: 'p', name: 'p-1' } });
  await client.request(LogMetadataDocument, { resource: startRun.id, metadata: { loss: 0.1 } });
  const runs = await client.request(RunsDocument, { project, filter: { metadata: [{ key: 'loss', lte: 0.1 }] } });
  assert.deepEqual(runs.project?.runs.nodes.map((r) => [r.name, r.metadata]), [['p-1', { loss: 0.1 }]]);

  const noKey = await rejection(client.request(ModelVersionsDocument, { project, orderBy: { field: 'METADATA' } }));
  assert.equal(noKey.code, 'BAD_USER_INPUT');
});

test('a typed graphql-ws subscription receives the STAGE_CHANGED events of a promotion made over HTTP, and the change log has them', async () => {
  const project = 'client-live';
  await client.request(CreateProjectDocument, { input: { name: project } });
  const { createModelVersion: v1 } = await client.request(CreateModelVersionDocument, { input: { project, model: 'live' } });
  const { createModelVersion: v2 } = await client.request(CreateModelVersionDocument, { input: { project, model: 'live' } });
  await client.request(PromoteModelVersionDocument, { input: { modelVersion: v1.id, stage: 'PRODUCTION' } });
  const { events: before } = await client.request(EventsDocument, { filter: { projects: [project] }, first: 100 });
  const { latestEventSequence: start } = await client.request(LatestEventSequenceDocument);
  assert.equal(start, before.nodes.at(-1)!.sequence);

  const ws = createClient({ url: app.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    // From `start`: what is committed after it arrives, however early or late the socket listens.
    const events = iterate(ws, LiveEventsDocument, { filter: { kinds: ['STAGE_CHANGED'], projects: [project] }, after: start });
    await client.request(PromoteModelVersionDocument, { input: { modelVersion: v2.id, stage: 'PRODUCTION', force: true, reason: 'better' } });
    const received: [string, string | undefined, unknown][] = [];
    for await (const { data, errors } of events) {
      assert.equal(errors, undefined);
      const event = data!.events;
      received.push([event.kind, event.subject?.__typename === 'ModelVersion' ? `${event.subject.model.name} v${event.subject.number}` : undefined, event.data]);
      assert.equal(event.project?.name, project);
      assert.ok(BigInt(event.sequence) > BigInt(start));
      if (received.length === 2) break;
    }
    assert.deepEqual(received, [
      ['STAGE_CHANGED', 'live v1', { from: 'PRODUCTION', to: 'ARCHIVED', reason: 'replaced in PRODUCTION by version 2' }],
      ['STAGE_CHANGED', 'live v2', { from: 'NONE', to: 'PRODUCTION', reason: 'better' }],
    ]);
  } finally {
    await ws.dispose();
  }

  const { events: log } = await client.request(EventsDocument, { filter: { projects: [project], kinds: ['STAGE_CHANGED'] }, after: start });
  assert.deepEqual(log.nodes.map((e) => [e.subjectId, (e.data as { to: string }).to]), [[v1.id, 'ARCHIVED'], [v2.id, 'PRODUCTION']]);
  assert.equal(log.pageInfo.hasNextPage, false);
});
