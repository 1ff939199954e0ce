// Writes that race each other: two app instances on one database, and a separate pg client
// that holds row locks the way a psql session would, to force one interleaving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { App, closeApp, createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { HttpServer, startHttpServer } from '../src/server';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { gqlAt } from './helpers/http-gql';

const P = 'races';
const OTHER = 'races-other';
let app: TestApp;
let second: { app: App; http: HttpServer };
let scopedToken: string;

/** Request i goes to the test app (even) or the second instance (odd). */
const gqlOn = (i: number, query: string, variables?: Record<string, unknown>, token?: string) =>
  i % 2 === 0 ? app.gql(query, variables, { token }) : gqlAt(second.http.url, query, variables, { token, timeoutMs: 120_000 });

async function okOn(i: number, query: string, variables?: Record<string, unknown>) {
  const r = await gqlOn(i, query, variables);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

before(async () => {
  app = await startTestApp();
  const config = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_URL: app.databaseUrl });
  const instance = await createApp(config, createLogger(config.logLevel));
  second = { app: instance, http: await startHttpServer(instance, 0, '127.0.0.1') };
  await app.ok(`mutation { a: createProject(input: { name: "${P}" }) { id } b: createProject(input: { name: "${OTHER}" }) { id } }`);
  scopedToken = (await app.ok(`mutation { createApiKey(input: { name: "scoped-editor", role: EDITOR, projects: ["${P}"] }) { secret } }`)).createApiKey.secret;
});

after(async () => {
  await second?.http.close();
  if (second) await closeApp(second.app);
  await app?.close();
});

const START = `mutation($i: StartRunInput!) { startRun(input: $i) { id } }`;
const STEP = `mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`;
// Tags are a bounded list (default 20): the trials below leave up to 200 on one pipeline.
const ADD_TAGS = `mutation($r: ID!, $t: [TagInput!]!) { addTags(resource: $r, tags: $t) { id
  ... on Pipeline { tags(first: 200) { name } } ... on PipelineRun { tags(first: 200) { name } } } }`;

/** Waits until some backend of this database waits for a lock (the request under test is parked). */
async function waitForLockWait(): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('no request ever waited for the lock');
}

test('a cascade tag added while a step records its outputs ends up on every output, over 100 trials on two instances', async () => {
  let trialsLacking = 0;
  let outputsLacking = 0;
  for (let trial = 0; trial < 100; trial++) {
    const run = (await okOn(trial, START, { i: { project: P, pipeline: 'cascade-race' } })).startRun.id;
    const outputs = Array.from({ length: 12 }, (_, k) => ({ name: `o${k}`, artifact: `cascade-art-${k}` }));
    const [tagged, step] = await Promise.all([
      gqlOn(trial, ADD_TAGS, { r: run, t: [{ name: `lineage-${trial}`, cascade: true }] }),
      gqlOn(trial + 1, STEP, { i: { run, name: 'train', status: 'COMPLETED', outputs } }),
    ]);
    assert.equal(tagged.errors, undefined, JSON.stringify(tagged.errors));
    assert.equal(step.errors, undefined, JSON.stringify(step.errors));
    const [{ n }] = await app.sql(
      `SELECT count(*)::int AS n FROM artifact_version v WHERE v.producer_run_id = (SELECT id FROM pipeline_run WHERE id = v.producer_run_id)
         AND v.producer_step_id = (SELECT id FROM step_run WHERE name = 'train' AND run_id = v.producer_run_id)
         AND v.producer_run_id = $1 AND NOT EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id
           WHERE ta.resource_id = v.id AND t.name = $2)`,
      [Buffer.from(run, 'base64url').toString().split(':')[1], `lineage-${trial}`]);
    outputsLacking += n;
    if (n > 0) trialsLacking++;
  }
  console.log(`# cascade race: ${trialsLacking} of 100 trials, ${outputsLacking} of 1200 outputs lacked the tag`);
  assert.deepEqual({ trialsLacking, outputsLacking }, { trialsLacking: 0, outputsLacking: 0 });
});

test('addTags recreates a tag that a force delete removed while it waited, and reports it', async () => {
  const pipeline = (await app.ok(`mutation { createPipeline(input: { project: "${P}", name: "doomed-tag-holder" }) { id } }`)).createPipeline.id;
  await app.ok(ADD_TAGS, { r: pipeline, t: [{ name: 'doomed' }] });
  const [{ id: tagId }] = await app.sql(`SELECT t.id FROM tag t JOIN project p ON p.id = t.project_id WHERE p.name = $1 AND t.name = 'doomed'`, [P]);
  const other = (await app.ok(`mutation { createPipeline(input: { project: "${P}", name: "doomed-tag-taker" }) { id } }`)).createPipeline.id;
  // The blocking session does what deleteTag(force: true) does, holding the tag row meanwhile.
  const blocker = new Client({ connectionString: app.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM tag WHERE id = $1 FOR UPDATE', [tagId]);
    const pending = app.gql(ADD_TAGS, { r: other, t: [{ name: 'doomed' }] });
    await waitForLockWait();
    await blocker.query('DELETE FROM tag_assignment WHERE tag_id = $1', [tagId]);
    await blocker.query('DELETE FROM tag WHERE id = $1', [tagId]);
    await blocker.query('COMMIT');
    const answer = await pending;
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(answer.data.addTags.tags, [{ name: 'doomed' }]);
  } finally {
    await blocker.end();
  }
  const stored = await app.sql(
    `SELECT t.name FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id WHERE ta.resource_id = $1`,
    [Buffer.from(other, 'base64url').toString().split(':')[1]]);
  assert.deepEqual(stored, [{ name: 'doomed' }]);
});

test('addTags racing deleteTag(force: true) never answers with a tag that is not there, over 200 trials on two instances', async () => {
  const pipeline = (await app.ok(`mutation { createPipeline(input: { project: "${P}", name: "tag-delete-race" }) { id } }`)).createPipeline.id;
  let reportedMissing = 0;
  for (let trial = 0; trial < 200; trial++) {
    const name = `short-lived-${trial}`;
    const tag = (await app.ok(`mutation($n: String!) { createTag(input: { project: "${P}", name: $n }) { id } }`, { n: name })).createTag.id;
    const [added, deleted] = await Promise.all([
      gqlOn(trial, ADD_TAGS, { r: pipeline, t: [{ name }] }),
      gqlOn(trial + 1, `mutation($id: ID!) { deleteTag(id: $id, force: true) }`, { id: tag }),
    ]);
    assert.equal(added.errors, undefined, JSON.stringify(added.errors));
    assert.equal(deleted.errors, undefined, JSON.stringify(deleted.errors));
    if (!added.data.addTags.tags.some((t: { name: string }) => t.name === name)) reportedMissing++;
  }
  console.log(`# addTags/deleteTag race: ${reportedMissing} of 200 answers lacked the tag they added`);
  assert.equal(reportedMissing, 0);
});

test('30 steps whose outputs name the same artifacts in opposite orders all record, without deadlock', async () => {
  const runs: string[] = [];
  for (let i = 0; i < 30; i++) runs.push((await app.ok(START, { i: { project: P, pipeline: 'crossed' } })).startRun.id);
  const artifacts = Array.from({ length: 10 }, (_, k) => `crossed-${k}`);
  const deadlocksBefore = await deadlocks();
  const started = Date.now();
  const results = await Promise.all(runs.map((run, i) => {
    const order = i % 2 === 0 ? artifacts : [...artifacts].reverse();
    return gqlOn(i, STEP, { i: { run, name: 'crossed', status: 'COMPLETED', outputs: order.map((a) => ({ name: a, artifact: a })) } });
  }));
  const ms = Date.now() - started;
  const codes = results.filter((r) => r.errors).map((r) => codeOf(r));
  const counted = (await deadlocks()) - deadlocksBefore;
  console.log(`# crossed recordSteps: ${ms} ms, ${codes.length} errors (${codes.join(', ')}), ${counted} deadlocks`);
  assert.deepEqual(codes, []);
  assert.equal(counted, 0);
  const versions = await app.sql(`SELECT a.name, count(*)::int AS n, max(v.version::int) AS top FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id
    WHERE a.name LIKE 'crossed-%' GROUP BY a.name ORDER BY a.name`);
  assert.deepEqual(versions, artifacts.map((name) => ({ name, n: 30, top: 30 })));
});

async function deadlocks(): Promise<number> {
  // Backends report their counters at most once a second; wait for the last reports to land.
  await new Promise((r) => setTimeout(r, 1100));
  const [{ n }] = await app.sql('SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()');
  return n;
}

test('a step with 1,000 outputs is written in a bounded number of statements', async () => {
  const run = (await app.ok(START, { i: { project: P, pipeline: 'wide', tags: [{ name: 'wide-lineage', cascade: true }] } })).startRun.id;
  const outputs = Array.from({ length: 1000 }, (_, k) => ({
    name: `out-${k}`, artifact: `wide-${k % 50}`, metadata: { k }, tags: k % 2 ? [{ name: 'odd' }] : [],
  }));
  const r = await app.gql(STEP, { i: { run, name: 'wide', status: 'COMPLETED', outputs } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  console.log(`# 1,000-output step: ${r.sqlStatements} statements`);
  assert.ok(r.sqlStatements <= 25, `${r.sqlStatements} statements`);
  const [counts] = await app.sql(`SELECT count(*)::int AS versions, count(DISTINCT v.artifact_id)::int AS artifacts,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id WHERE ta.resource_id = v.id AND t.name = 'wide-lineage'))::int AS cascaded,
      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id WHERE ta.resource_id = v.id AND t.name = 'odd'))::int AS odd,
      count(*) FILTER (WHERE (v.metadata->>'k')::int % 50 = (regexp_replace(v.output_name, '^out-', ''))::int % 50)::int AS consistent
    FROM artifact_version v JOIN step_run s ON s.id = v.producer_step_id WHERE s.name = 'wide'`);
  assert.deepEqual(counts, { versions: 1000, artifacts: 50, cascaded: 1000, odd: 500, consistent: 1000 });
  const numbers = await app.sql(`SELECT array_agg(v.version::int ORDER BY v.version::int) AS numbers FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id
    WHERE a.name = 'wide-7'`);
  assert.deepEqual(numbers[0].numbers, Array.from({ length: 20 }, (_, k) => k + 1));
});

test('a step with more than 1,000 outputs or inputs is refused', async () => {
  const run = (await app.ok(START, { i: { project: P, pipeline: 'too-wide' } })).startRun.id;
  const outputs = Array.from({ length: 1001 }, (_, k) => ({ name: `o${k}`, artifact: 'too-wide' }));
  const tooMany = await app.gql(STEP, { i: { run, name: 'too-wide', status: 'COMPLETED', outputs } });
  assert.equal(codeOf(tooMany), 'BAD_USER_INPUT');
  assert.match(tooMany.errors![0].message, /at most 1000 outputs/);
  const inputs = Array.from({ length: 1001 }, (_, k) => ({ name: `i${k}`, artifactVersion: Buffer.from(`ArtifactVersion:00000000-0000-0000-0000-${String(k).padStart(12, '0')}`).toString('base64url') }));
  const tooManyInputs = await app.gql(STEP, { i: { run, name: 'too-wide', status: 'COMPLETED', inputs } });
  assert.equal(codeOf(tooManyInputs), 'BAD_USER_INPUT');
  assert.match(tooManyInputs.errors![0].message, /at most 1000 inputs/);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM step_run WHERE name = 'too-wide'`);
  assert.equal(n, 0);
});

test("a scoped key is told NOT_FOUND for another project's rows without waiting for their locks", async () => {
  const tag = (await app.ok(`mutation { createTag(input: { project: "${OTHER}", name: "held" }) { id } }`)).createTag.id;
  const run = (await app.ok(START, { i: { project: OTHER, pipeline: 'held' } })).startRun.id;
  const uuid = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
  const blocker = new Client({ connectionString: app.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM tag WHERE id = $1 FOR UPDATE', [uuid(tag)]);
    await blocker.query('SELECT 1 FROM pipeline_run WHERE id = $1 FOR UPDATE', [uuid(run)]);
    const attempts = await Promise.all([
      app.gql(`mutation($i: UpdateTagInput!) { updateTag(input: $i) { id } }`, { i: { id: tag, color: '#ff0000' } }, { token: scopedToken }),
      app.gql(`mutation($id: ID!) { deleteTag(id: $id, force: true) }`, { id: tag }, { token: scopedToken }),
      app.gql(`mutation($r: ID!) { logMetadata(resource: $r, metadata: { a: 1 }) { id } }`, { r: run }, { token: scopedToken }),
      app.gql(ADD_TAGS, { r: run, t: [{ name: 'x', cascade: true }] }, { token: scopedToken }),
      app.gql(STEP, { i: { run, name: 's', status: 'COMPLETED' } }, { token: scopedToken }),
      app.gql(`mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { id } }`, { r: run }, { token: scopedToken }),
    ].map((p) => Promise.race([p, new Promise<'waited'>((r) => setTimeout(() => r('waited'), 5000))])));
    assert.deepEqual(attempts.map((a) => (a === 'waited' ? a : codeOf(a))), Array(6).fill('NOT_FOUND'));
  } finally {
    await blocker.query('ROLLBACK');
    await blocker.end();
  }
});
