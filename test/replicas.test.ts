// Two app instances on one database, requests spread alternately across both: the invariants
// that concurrency could break must hold across processes' pools, not only within one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { App, closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { HttpServer, startHttpServer } from '../src/server';
import { createTestDatabase } from './helpers/app';
import { gqlAt, okAt } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-replica-tests';
const P = 'replicas';

interface Replica { app: App; http: HttpServer }
let replicas: Replica[] = [];
let database: { url: string; drop(): Promise<void> };
let sqlClient: Client;

async function startReplica(url: string): Promise<Replica> {
  const config = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: url, AUTH: 'required', ADMIN_API_KEY: ADMIN, PG_POOL_SIZE: '5' });
  const app = await createApp(config, createLogger(config.logLevel));
  const http = await startHttpServer(app, 0, '127.0.0.1');
  return { app, http };
}

async function stopReplica(r: Replica) {
  await r.http.close();
  await closeApp(r.app);
}

/** Request i goes to replica i % 2. */
const url = (i: number) => replicas[i % replicas.length].http.url;
const gql = (i: number, query: string, variables?: Record<string, unknown>) => gqlAt(url(i), query, variables, { token: ADMIN });
const ok = (i: number, query: string, variables?: Record<string, unknown>) => okAt(url(i), query, variables, { token: ADMIN });
const sql = async (text: string, params?: unknown[]) => (await sqlClient.query(text, params)).rows;

before(async () => {
  database = await createTestDatabase();
  // One after the other here; starting both at once is a test of its own below.
  replicas = [await startReplica(database.url), await startReplica(database.url)];
  sqlClient = new Client({ connectionString: database.url });
  await sqlClient.connect();
  await ok(0, `mutation { createProject(input: { name: "${P}" }) { id } }`);
});

after(async () => {
  await sqlClient?.end();
  for (const r of replicas) await stopReplica(r);
  await database?.drop();
});

test('what one replica writes the other reads at once', async () => {
  for (let i = 0; i < 10; i++) {
    const created = await ok(i, `mutation($n: String!) { createPipeline(input: { project: "${P}", name: $n }) { id } }`, { n: `rw-${i}` });
    const read = await ok(i + 1, `query($id: ID!) { node(id: $id) { ... on Pipeline { name } } }`, { id: created.createPipeline.id });
    assert.equal(read.node?.name, `rw-${i}`);
  }
});

test('20 concurrent applications of one exclusive tag to 20 runs of a pipeline, across both replicas, leave exactly one holder', async () => {
  const runs: string[] = [];
  for (let i = 0; i < 20; i++) runs.push((await ok(i, `mutation { startRun(input: { project: "${P}", pipeline: "race-pipe" }) { id } }`)).startRun.id);
  await ok(0, `mutation { createTag(input: { project: "${P}", name: "champion", exclusive: true }) { id } }`);
  const results = await Promise.all(runs.map((r, i) => gql(i, `mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "champion" }]) { id } }`, { r })));
  for (const r of results) assert.ok(!r.errors || r.errors.every((e) => e.extensions?.code === 'CONFLICT'), JSON.stringify(r.errors));
  assert.ok(results.some((r) => !r.errors), 'at least one application succeeded');
  const holders = await sql(`SELECT ta.resource_id FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id WHERE t.name = 'champion'`);
  assert.equal(holders.length, 1);
  for (let i = 0; i < 2; i++) {
    const seen = await ok(i, `{ tag(project: "${P}", name: "champion") { usageCount } pipeline(project: "${P}", name: "race-pipe") { runs(first: 100, filter: { tags: ["champion"] }) { totalCount } } }`);
    assert.deepEqual([seen.tag.usageCount, seen.pipeline.runs.totalCount], [1, 1], `replica ${i}`);
  }
});

test('20 concurrent forced promotions to PRODUCTION across both replicas: one PRODUCTION, 19 ARCHIVED, a consistent stage history', async () => {
  const versions: string[] = [];
  for (let i = 0; i < 20; i++) {
    versions.push((await ok(i, `mutation { createModelVersion(input: { project: "${P}", model: "race-model" }) { id } }`)).createModelVersion.id);
  }
  const results = await Promise.all(versions.map((id, i) =>
    gql(i, `mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { id stage } demoted { id stage } } }`,
      { i: { modelVersion: id, stage: 'PRODUCTION', force: true, reason: `push ${i}` } })));
  results.forEach((r, i) => assert.equal(r.errors, undefined, `promotion ${i}: ${JSON.stringify(r.errors)}`));
  // Each demotion is reported once, by the promotion that made it.
  const demoted = results.flatMap((r) => r.data.promoteModelVersion.demoted.map((d: { id: string }) => d.id));
  assert.equal(new Set(demoted).size, demoted.length, 'a version was reported demoted twice');
  assert.equal(demoted.length, 19);

  const rows = await sql(`SELECT v.id, v.stage FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.name = 'race-model'`);
  assert.equal(rows.filter((r) => r.stage === 'PRODUCTION').length, 1);
  assert.equal(rows.filter((r) => r.stage === 'ARCHIVED').length, 19);
  const history = await sql(`SELECT c.model_version_id, c.from_stage, c.to_stage FROM stage_change c JOIN model_version v ON v.id = c.model_version_id
    JOIN model m ON m.id = v.model_id WHERE m.name = 'race-model' ORDER BY c.at, c.id`);
  assert.equal(history.length, 20 + 19);
  const current = new Map<string, string>();
  let holders = 0;
  for (const h of history) {
    assert.equal(current.get(h.model_version_id) ?? 'NONE', h.from_stage, 'a change starts from the stage the version had');
    current.set(h.model_version_id, h.to_stage);
    if (h.to_stage === 'PRODUCTION') holders++;
    if (h.from_stage === 'PRODUCTION') holders--;
    assert.ok(holders <= 1, 'two PRODUCTION holders at once in the history');
  }
  for (const r of rows) assert.equal(current.get(r.id), r.stage, 'the history replays to the current stage');

  // Both replicas tell the same story through the API.
  const views = await Promise.all([0, 1].map((i) => ok(i, `query($ids: [ID!]!) {
      modelVersion(project: "${P}", model: "race-model", version: "production") { id }
      model(project: "${P}", name: "race-model") { versionInStage(stage: PRODUCTION) { id } versions(first: 100, filter: { stage: ARCHIVED }) { totalCount } }
      nodes(ids: $ids) { ... on ModelVersion { id stage stageHistory { from to } } } }`, { ids: versions })));
  assert.deepEqual(views[0], views[1]);
  const production = rows.find((r) => r.stage === 'PRODUCTION')!;
  const [view] = views;
  assert.equal(view.model.versionInStage.id, view.modelVersion.id);
  assert.equal(view.model.versions.totalCount, 19);
  for (const v of view.nodes) {
    const stages = v.stageHistory.map((c: { from: string; to: string }) => `${c.from}>${c.to}`);
    if (v.stage === 'PRODUCTION') assert.deepEqual(stages, ['NONE>PRODUCTION']);
    else assert.deepEqual(stages, ['NONE>PRODUCTION', 'PRODUCTION>ARCHIVED']);
  }
  assert.ok(production);
});

test('20 concurrent artifact version registrations across both replicas get versions 1..20', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    gql(i, `mutation { registerArtifactVersion(input: { project: "${P}", artifact: "race-artifact" }) { version } }`)));
  results.forEach((r, i) => assert.equal(r.errors, undefined, `registration ${i}: ${JSON.stringify(r.errors)}`));
  assert.deepEqual(results.map((r) => Number(r.data.registerArtifactVersion.version)).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  const latest = await ok(1, `{ artifactVersion(project: "${P}", artifact: "race-artifact") { version } artifact(project: "${P}", name: "race-artifact") { versions { totalCount } } }`);
  assert.equal(latest.artifact.versions.totalCount, 20);
});

test('20 concurrent model version creations across both replicas get numbers 1..20', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    gql(i, `mutation { createModelVersion(input: { project: "${P}", model: "numbered-model" }) { number } }`)));
  results.forEach((r, i) => assert.equal(r.errors, undefined, `creation ${i}: ${JSON.stringify(r.errors)}`));
  assert.deepEqual(results.map((r) => r.data.createModelVersion.number).sort((a: number, b: number) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
});

test('the same name created concurrently on both replicas: one wins, the rest are CONFLICT', async () => {
  const projects = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(i, `mutation { createProject(input: { name: "contested" }) { id } }`)));
  assert.equal(projects.filter((r) => !r.errors).length, 1, JSON.stringify(projects.map((r) => r.errors)));
  projects.filter((r) => r.errors).forEach((r) => assert.equal(r.errors![0].extensions?.code, 'CONFLICT', JSON.stringify(r.errors)));
  const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(i, `mutation { startRun(input: { project: "${P}", pipeline: "contested-pipe", name: "the-run" }) { id } }`)));
  assert.equal(runs.filter((r) => !r.errors).length, 1, JSON.stringify(runs.map((r) => r.errors)));
  runs.filter((r) => r.errors).forEach((r) => assert.equal(r.errors![0].extensions?.code, 'CONFLICT', JSON.stringify(r.errors)));
  const pipelines = await sql(`SELECT count(*)::int AS n FROM pipeline WHERE name = 'contested-pipe'`);
  assert.equal(pipelines[0].n, 1, 'the pipeline created on first use exists once');
});

test('two replicas starting at the same moment on an empty database both come up', async () => {
  const fresh = await createTestDatabase();
  const started: Replica[] = [];
  try {
    const results = await Promise.allSettled([startReplica(fresh.url), startReplica(fresh.url)]);
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason?.message ?? r.reason));
    assert.deepEqual(failures, [], 'a replica failed to start');
    for (const r of started) {
      const v = await okAt(r.http.url, `{ viewer { name role } }`, undefined, { token: ADMIN });
      assert.deepEqual(v.viewer, { name: 'admin', role: 'ADMIN' });
    }
    const client = new Client({ connectionString: fresh.url });
    await client.connect();
    try {
      const keys = await client.query(`SELECT count(*)::int AS n FROM api_key WHERE name = 'admin'`);
      assert.equal(keys.rows[0].n, 1, 'the bootstrap admin key exists once');
    } finally {
      await client.end();
    }
  } finally {
    for (const r of started) await stopReplica(r);
    await fresh.drop();
  }
});
