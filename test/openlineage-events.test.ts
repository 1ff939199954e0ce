// OpenLineage ingestion in the change log: the events the same changes record through the
// mutations, in the ingestion's transaction, none for an event that changes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';
import { eventsOf, subscribe } from './helpers/events';
import { ingest, newRunId, postLineage, runEvent } from './helpers/openlineage';

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

const PG = 'postgres://warehouse:5432';
const LAKE = 's3://lake';

const kindsAndSubjects = (events: { kind: string; subjectId: string }[]) => events.map((e) => [e.kind, e.subjectId]);

async function idsOf(project: string, pipelines: string[]) {
  const ids: Record<string, string> = { project: (await app.ok(`query($p: String!) { project(name: $p) { id } }`, { p: project })).project.id };
  for (const name of pipelines) {
    ids[name] = (await app.ok(`query($p: String!, $n: String!) { pipeline(project: $p, name: $n) { id } }`, { p: project, n: name })).pipeline.id;
  }
  return ids;
}

async function total(): Promise<number> {
  return (await app.ok(`{ events(first: 1) { totalCount } }`)).events.totalCount;
}

test('a two-job chain records, in order, what its runs, steps and versions record through the mutations', async () => {
  const ns = 'ev-chain';
  const a = newRunId();
  const b = newRunId();
  const raw = { namespace: PG, name: 'shop.public.orders' };
  const clean = { namespace: LAKE, name: 'clean/orders' };
  const features = { namespace: LAKE, name: 'features/orders' };
  const events = [
    runEvent({ eventType: 'START', eventTime: '2026-11-30T08:00:00Z', runId: a, namespace: ns, job: 'extract', inputs: [raw], outputs: [clean] }),
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T08:05:00Z', runId: a, namespace: ns, job: 'extract', inputs: [raw], outputs: [clean] }),
    runEvent({ eventType: 'START', eventTime: '2026-11-30T09:00:00Z', runId: b, namespace: ns, job: 'featurize', inputs: [clean] }),
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T09:10:00Z', runId: b, namespace: ns, job: 'featurize', inputs: [clean], outputs: [features] }),
  ];
  const [aStart, aDone, bStart, bDone] = [await ingest(app, events[0]), await ingest(app, events[1]), await ingest(app, events[2]), await ingest(app, events[3])];
  const ids = await idsOf(ns, ['extract', 'featurize']);
  const log = await eventsOf(app, { projects: [ns] });
  assert.deepEqual(kindsAndSubjects(log), [
    ['PROJECT_CREATED', ids.project],
    ['PIPELINE_CREATED', ids.extract],
    ['RUN_STARTED', aStart.run.id],
    ['ARTIFACT_VERSION_CREATED', aStart.inputs[0].id],
    ['STEP_RECORDED', aStart.step.id],
    ['ENTITY_UPDATED', aStart.step.id],
    ['ARTIFACT_VERSION_CREATED', aDone.outputs[0].id],
    ['RUN_FINISHED', aStart.run.id],
    ['PIPELINE_CREATED', ids.featurize],
    ['RUN_STARTED', bStart.run.id],
    ['STEP_RECORDED', bStart.step.id],
    ['ENTITY_UPDATED', bStart.step.id],
    ['ARTIFACT_VERSION_CREATED', bDone.outputs[0].id],
    ['RUN_FINISHED', bStart.run.id],
  ]);
  assert.deepEqual(log.map((e) => e.data), [
    { name: ns },
    { name: 'extract' },
    { name: a, pipeline: 'extract', status: 'RUNNING' },
    { artifact: 'shop.public.orders', version: '1' },
    { name: 'extract', status: 'RUNNING', run: a, inputs: 1, outputs: 0 },
    { fields: ['status', 'endedAt'] },
    { artifact: 'clean/orders', version: '1' },
    { status: 'COMPLETED', from: 'RUNNING' },
    { name: 'featurize' },
    { name: b, pipeline: 'featurize', status: 'RUNNING' },
    { name: 'featurize', status: 'RUNNING', run: b, inputs: 1, outputs: 0 },
    { fields: ['status', 'endedAt'] },
    { artifact: 'features/orders', version: '1' },
    { status: 'COMPLETED', from: 'RUNNING' },
  ]);
  assert.ok(log.every((e) => e.actor === 'anonymous' && e.project?.name === ns));
  // A run's events are found through it: its own, its step's and those of the versions it produced.
  assert.deepEqual(kindsAndSubjects(await eventsOf(app, { subject: aStart.run.id })), [
    ['RUN_STARTED', aStart.run.id], ['STEP_RECORDED', aStart.step.id], ['ENTITY_UPDATED', aStart.step.id],
    ['ARTIFACT_VERSION_CREATED', aDone.outputs[0].id], ['RUN_FINISHED', aStart.run.id],
  ]);

  const count = await total();
  for (const e of events) await ingest(app, e);
  assert.equal(await total(), count, 'the same events again record nothing');
});

test('an Airflow DAG run with task runs via parent facets records the run once and a step per task', async () => {
  const ns = 'ev-airflow';
  const dag = newRunId();
  const parent = { namespace: ns, job: 'daily_etl', runId: dag };
  const io: [string, { inputs: any[]; outputs: any[] }][] = [
    ['daily_etl.extract', { inputs: [{ namespace: PG, name: 'crm.public.customers' }], outputs: [{ namespace: LAKE, name: 'staging/customers' }] }],
    ['daily_etl.transform', { inputs: [{ namespace: LAKE, name: 'staging/customers' }], outputs: [{ namespace: LAKE, name: 'marts/customers' }] }],
    ['daily_etl.load', { inputs: [{ namespace: LAKE, name: 'marts/customers' }], outputs: [{ namespace: PG, name: 'dw.public.dim_customer' }] }],
  ];
  // Airflow's order: the DAG run starts, each task starts and completes, the DAG run completes.
  const events = [runEvent({ eventType: 'START', eventTime: '2026-11-30T02:00:00Z', runId: dag, namespace: ns, job: 'daily_etl' })];
  io.forEach(([job, datasets], i) => {
    const runId = newRunId();
    events.push(runEvent({ eventType: 'START', eventTime: `2026-11-30T02:0${i + 1}:00Z`, runId, namespace: ns, job, parent, ...datasets }));
    events.push(runEvent({ eventType: 'COMPLETE', eventTime: `2026-11-30T02:0${i + 1}:30Z`, runId, namespace: ns, job, parent, ...datasets }));
  });
  events.push(runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T02:09:00Z', runId: dag, namespace: ns, job: 'daily_etl' }));
  const replies = [];
  for (const e of events) replies.push(await ingest(app, e));
  const runId = replies[0].run.id;
  const [s1, s2, s3] = [replies[1].step.id, replies[3].step.id, replies[5].step.id];
  const ids = await idsOf(ns, ['daily_etl']);
  const log = await eventsOf(app, { projects: [ns] });
  assert.deepEqual(kindsAndSubjects(log), [
    ['PROJECT_CREATED', ids.project],
    ['PIPELINE_CREATED', ids.daily_etl],
    ['RUN_STARTED', runId],
    ['ARTIFACT_VERSION_CREATED', replies[1].inputs[0].id],
    ['STEP_RECORDED', s1],
    ['ENTITY_UPDATED', s1],
    ['ARTIFACT_VERSION_CREATED', replies[2].outputs[0].id],
    ['STEP_RECORDED', s2],
    ['ENTITY_UPDATED', s2],
    ['ARTIFACT_VERSION_CREATED', replies[4].outputs[0].id],
    ['STEP_RECORDED', s3],
    ['ENTITY_UPDATED', s3],
    ['ARTIFACT_VERSION_CREATED', replies[6].outputs[0].id],
    ['RUN_FINISHED', runId],
  ]);
  assert.deepEqual(log[2].data, { name: dag, pipeline: 'daily_etl', status: 'RUNNING' });
  assert.deepEqual(log[3].data, { artifact: 'crm.public.customers', version: '1' });
  assert.deepEqual([log[4].data, log[7].data, log[10].data], io.map(([job]) => ({ name: job, status: 'RUNNING', run: dag, inputs: 1, outputs: 0 })));
  assert.deepEqual(log[13].data, { status: 'COMPLETED', from: 'RUNNING' });

  const count = await total();
  for (const e of events) await ingest(app, e);
  assert.equal(await total(), count, 'the same events again record nothing');
});

test('events arriving out of order (a task\'s COMPLETE before its START, the DAG run\'s after its tasks) record each run\'s events once', async () => {
  const ns = 'ev-reorder';
  const dag = newRunId();
  const task = newRunId();
  const parent = { namespace: ns, job: 'nightly', runId: dag };
  const out = { namespace: LAKE, name: 'nightly/report' };
  const events = [
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T04:10:00Z', runId: task, namespace: ns, job: 'nightly.report', parent, outputs: [out] }),
    runEvent({ eventType: 'START', eventTime: '2026-11-30T04:01:00Z', runId: task, namespace: ns, job: 'nightly.report', parent, outputs: [out] }),
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T04:20:00Z', runId: dag, namespace: ns, job: 'nightly' }),
    runEvent({ eventType: 'START', eventTime: '2026-11-30T04:00:00Z', runId: dag, namespace: ns, job: 'nightly' }),
  ];
  const replies = [];
  for (const e of events) replies.push(await ingest(app, e));
  const runId = replies[0].run.id;
  const stepId = replies[0].step.id;
  const ids = await idsOf(ns, ['nightly']);
  const log = await eventsOf(app, { projects: [ns] });
  assert.deepEqual(log.map((e) => [e.kind, e.subjectId, e.data]), [
    ['PROJECT_CREATED', ids.project, { name: ns }],
    ['PIPELINE_CREATED', ids.nightly, { name: 'nightly' }],
    // Known from its task only: the run is there, not started yet.
    ['RUN_STARTED', runId, { name: dag, pipeline: 'nightly', status: 'INITIALIZING' }],
    ['STEP_RECORDED', stepId, { name: 'nightly.report', status: 'COMPLETED', run: dag, inputs: 0, outputs: 1 }],
    ['ARTIFACT_VERSION_CREATED', replies[0].outputs[0].id, { artifact: 'nightly/report', version: '1' }],
    // The task's late START only dates it.
    ['ENTITY_UPDATED', stepId, { fields: ['startedAt'] }],
    // The DAG run's first own event brings its OpenLineage facets and finishes it.
    ['METADATA_LOGGED', runId, { keys: ['openlineage'] }],
    ['RUN_FINISHED', runId, { status: 'COMPLETED', from: 'INITIALIZING' }],
    ['ENTITY_UPDATED', runId, { fields: ['startedAt'] }],
  ]);
  const run = (await app.ok(`query($p: String!, $n: String!) { pipelineRun(project: $p, name: $n) { status startedAt endedAt } }`, { p: ns, n: dag })).pipelineRun;
  assert.deepEqual(run, { status: 'COMPLETED', startedAt: '2026-11-30T04:00:00.000Z', endedAt: '2026-11-30T04:20:00.000Z' });

  const count = await total();
  for (const e of events) await ingest(app, e);
  assert.equal(await total(), count, 'the same events again record nothing');
});

test('new facets are METADATA_LOGGED, and a cascade tag on the run lands on its outputs as TAG_ADDED', async () => {
  const ns = 'ev-tags';
  const id = newRunId();
  const started = await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T05:00:00Z', runId: id, namespace: ns, job: 'publish',
    runFacets: { nominalTime: { nominalStartTime: '2026-11-30T05:00:00Z' } } }));
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "release", cascade: true }]) { id } }`, { r: started.run.id });
  const done = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T05:03:00Z', runId: id, namespace: ns, job: 'publish',
    runFacets: { processing_engine: { name: 'spark', version: '3.5.1' } },
    outputs: [{ namespace: LAKE, name: 'release/a' }, { namespace: LAKE, name: 'release/b' }] }));
  const ids = await idsOf(ns, ['publish']);
  const outputs: { id: string; artifact: string }[] = done.outputs;
  assert.deepEqual(outputs.map((o) => o.artifact).sort(), ['release/a', 'release/b']);
  const log = await eventsOf(app, { projects: [ns] });
  assert.deepEqual(log.map((e) => [e.kind, e.subjectId, e.data]), [
    ['PROJECT_CREATED', ids.project, { name: ns }],
    ['PIPELINE_CREATED', ids.publish, { name: 'publish' }],
    ['RUN_STARTED', started.run.id, { name: id, pipeline: 'publish', status: 'RUNNING' }],
    ['TAG_ADDED', started.run.id, { tag: 'release', exclusive: false, cascade: true, movedFrom: null }],
    ['METADATA_LOGGED', started.run.id, { keys: ['openlineage'] }],
    ['STEP_RECORDED', done.step.id, { name: 'publish', status: 'COMPLETED', run: id, inputs: 0, outputs: 2 }],
    ...outputs.map((o) => ['ARTIFACT_VERSION_CREATED', o.id, { artifact: o.artifact, version: '1' }]),
    ...outputs.map((o) => ['TAG_ADDED', o.id, { tag: 'release', exclusive: false, cascade: false, movedFrom: null }]),
    ['RUN_FINISHED', started.run.id, { status: 'COMPLETED', from: 'RUNNING' }],
  ]);
});

test('a producer taking over a version a reader saw first is ENTITY_UPDATED (producedBy) and METADATA_LOGGED, not a second creation', async () => {
  const ns = 'ev-claim';
  const read = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T10:00:00Z', runId: newRunId(), namespace: ns, job: 'read',
    inputs: [{ namespace: LAKE, name: 'delta/events', version: '42' }] }));
  const before = (await eventsOf(app, { projects: [ns] })).length;
  const writer = newRunId();
  const wrote = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T09:00:00Z', runId: writer, namespace: ns, job: 'write',
    outputs: [{ namespace: LAKE, name: 'delta/events', version: '42' }] }));
  assert.equal(wrote.outputs[0].id, read.inputs[0].id);
  const ids = await idsOf(ns, ['write']);
  assert.deepEqual((await eventsOf(app, { projects: [ns] })).slice(before).map((e) => [e.kind, e.subjectId, e.data]), [
    ['PIPELINE_CREATED', ids.write, { name: 'write' }],
    ['RUN_STARTED', wrote.run.id, { name: writer, pipeline: 'write', status: 'INITIALIZING' }],
    ['STEP_RECORDED', wrote.step.id, { name: 'write', status: 'COMPLETED', run: writer, inputs: 0, outputs: 1 }],
    ['ENTITY_UPDATED', read.inputs[0].id, { fields: ['producedBy'] }],
    ['METADATA_LOGGED', read.inputs[0].id, { keys: ['openlineage'] }],
    ['RUN_FINISHED', wrote.run.id, { status: 'COMPLETED', from: 'INITIALIZING' }],
  ]);
});

test('a refused event records no event, not even of what it had written before it failed', async () => {
  const ns = 'ev-refused';
  const writer = newRunId();
  const versioned = { namespace: LAKE, name: 'snapshots/daily', version: '2026-11-30' };
  await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T06:00:00Z', runId: writer, namespace: ns, job: 'snapshot', outputs: [versioned] }));
  const count = await total();
  const bad = [
    { ...runEvent({ eventType: 'START', eventTime: '2026-11-30T06:01:00Z', runId: newRunId(), namespace: ns, job: 'other' }), eventType: 'DONE' },
    runEvent({ eventType: 'START', eventTime: 'yesterday', runId: newRunId(), namespace: ns, job: 'other' }),
    { ...runEvent({ eventType: 'START', eventTime: '2026-11-30T06:01:00Z', runId: newRunId(), namespace: ns, job: 'other' }), run: { runId: 'run-1' } },
  ];
  for (const e of bad) assert.equal((await postLineage(app, e)).status, 400);
  // Another run claims the same dataset version: refused after its pipeline, run and step were written, all rolled back.
  const clash = await postLineage(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T06:02:00Z', runId: newRunId(), namespace: ns,
    job: 'copycat', outputs: [versioned] }));
  assert.deepEqual([clash.status, clash.body.errors[0].extensions.code], [409, 'CONFLICT']);
  assert.equal(await total(), count);
  assert.deepEqual(await app.sql(`SELECT x.name FROM pipeline x JOIN project p ON p.id = x.project_id WHERE p.name = $1 ORDER BY x.name`, [ns]), [{ name: 'snapshot' }]);
});

test('a subscriber receives the RUN_FINISHED of a run ingested from OpenLineage', async () => {
  const ns = 'ev-live';
  const known = await eventsOf(app, {});
  const sub = subscribe(app.url.replace(/^http/, 'ws'), null, { f: { projects: [ns], kinds: ['RUN_FINISHED'] }, after: known.at(-1)?.sequence ?? '0' });
  try {
    const id = newRunId();
    const started = await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T07:00:00Z', runId: id, namespace: ns, job: 'watched' }));
    await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T07:01:00Z', runId: id, namespace: ns, job: 'watched' }));
    await sub.until(() => sub.received.length >= 1, 'RUN_FINISHED');
    assert.deepEqual(sub.received.map((e) => [e.kind, e.subjectId, e.data, e.project?.name]),
      [['RUN_FINISHED', started.run.id, { status: 'COMPLETED', from: 'RUNNING' }, ns]]);
  } finally {
    await sub.stop();
  }
});
