import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { ingest, newRunId, postLineage, runEvent } from './helpers/openlineage';

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

const PG = 'postgres://warehouse:5432';
const LAKE = 's3://lake';

const RUN = `query($p: String!, $n: String!) { pipelineRun(project: $p, name: $n) {
  id name status startedAt endedAt metadata pipeline { name }
  steps { id name status startedAt endedAt metadata
    inputs { name artifactVersion { id version uri } } outputs { name artifactVersion { id version uri producedBy { name } } } } } }`;

async function runOf(project: string, runId: string) {
  return (await app.ok(RUN, { p: project, n: runId })).pipelineRun;
}

async function counts(project: string) {
  const [row] = await app.sql(
    `SELECT (SELECT count(*)::int FROM pipeline_run r JOIN project p ON p.id = r.project_id WHERE p.name = $1) AS runs,
            (SELECT count(*)::int FROM step_run s JOIN project p ON p.id = s.project_id WHERE p.name = $1) AS steps,
            (SELECT count(*)::int FROM artifact a JOIN project p ON p.id = a.project_id WHERE p.name = $1) AS artifacts,
            (SELECT count(*)::int FROM artifact_version v JOIN project p ON p.id = v.project_id WHERE p.name = $1) AS versions,
            (SELECT count(*)::int FROM step_input i JOIN project p ON p.id = i.project_id WHERE p.name = $1) AS links,
            (SELECT count(*)::int FROM pipeline x JOIN project p ON p.id = x.project_id WHERE p.name = $1) AS pipelines`, [project]);
  return row;
}

test('a two-job chain feeds a model version whose upstream lineage reaches the first job\'s input dataset', async () => {
  const ns = 'chain';
  const a = newRunId();
  const b = newRunId();
  const raw = { namespace: PG, name: 'shop.public.orders' };
  const clean = { namespace: LAKE, name: 'clean/orders' };
  const features = { namespace: LAKE, name: 'features/orders' };
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T08:00:00Z', runId: a, namespace: ns, job: 'extract', inputs: [raw], outputs: [clean] }));
  const aDone = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T08:05:00Z', runId: a, namespace: ns, job: 'extract', inputs: [raw], outputs: [clean] }));
  assert.deepEqual(aDone.outputs.map((o: { artifact: string; version: string }) => [o.artifact, o.version]), [['clean/orders', '1']]);
  assert.deepEqual(aDone.inputs.map((o: { artifact: string; version: string }) => [o.artifact, o.version]), [['shop.public.orders', '1']]);
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T09:00:00Z', runId: b, namespace: ns, job: 'featurize', inputs: [clean] }));
  const bDone = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T09:10:00Z', runId: b, namespace: ns, job: 'featurize', inputs: [clean], outputs: [features] }));
  assert.equal(bDone.inputs[0].id, aDone.outputs[0].id, 'B reads the version A wrote');

  const runA = await runOf(ns, a);
  assert.equal(runA.name, a);
  assert.equal(runA.status, 'COMPLETED');
  assert.equal(runA.pipeline.name, 'extract');
  assert.equal(runA.startedAt, '2026-11-30T08:00:00.000Z');
  assert.equal(runA.endedAt, '2026-11-30T08:05:00.000Z');
  assert.deepEqual(runA.steps.map((s: { name: string; status: string }) => [s.name, s.status]), [['extract', 'COMPLETED']]);
  assert.deepEqual(runA.steps[0].inputs.map((i: any) => [i.name, i.artifactVersion.version, i.artifactVersion.uri]),
    [['shop.public.orders', '1', 'postgres://warehouse:5432/shop.public.orders']]);
  assert.deepEqual(runA.steps[0].outputs.map((o: any) => [o.name, o.artifactVersion.uri, o.artifactVersion.producedBy.name]),
    [['clean/orders', 's3://lake/clean/orders', 'extract']]);

  // Training registered through GraphQL consumes B's output and makes a model version.
  const train = (await app.ok(`mutation($i: StartRunInput!) { startRun(input: $i) { id modelVersion { id } } }`,
    { i: { project: ns, pipeline: 'train', model: { name: 'churn', createVersion: true } } })).startRun;
  await app.ok(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`, { i: {
    run: train.id, name: 'fit', status: 'COMPLETED', inputs: [{ name: 'features', artifactVersion: bDone.outputs[0].id }],
    outputs: [{ name: 'model', artifact: 'churn_model', type: 'MODEL', linkToModelAs: 'MODEL' }] } });
  const g = (await app.ok(`query($of: ID!) { lineage(of: $of, direction: UPSTREAM) { nodes { __typename ... on ArtifactVersion { id uri } ... on StepRun { name } } edges { kind name } } }`,
    { of: train.modelVersion.id })).lineage;
  const uris = g.nodes.filter((n: any) => n.__typename === 'ArtifactVersion').map((n: any) => n.uri).sort();
  assert.deepEqual(uris, [null, 'postgres://warehouse:5432/shop.public.orders', 's3://lake/clean/orders', 's3://lake/features/orders']);
  assert.deepEqual(g.nodes.filter((n: any) => n.__typename === 'StepRun').map((n: any) => n.name).sort(), ['extract', 'featurize', 'fit']);
  assert.ok(g.nodes.some((n: any) => n.id === aDone.inputs[0].id), "job A's input dataset is upstream of the model version");
});

test('an Airflow DAG run with three task runs via parent facets is one run with three steps, the DAG\'s own events arriving last', async () => {
  const ns = 'airflow';
  const dag = newRunId();
  const tasks = ['extract', 'transform', 'load'].map((t) => ({ job: `daily_etl.${t}`, runId: newRunId() }));
  const parent = { namespace: ns, job: 'daily_etl', runId: dag };
  const io: Record<string, { inputs?: any[]; outputs?: any[] }> = {
    'daily_etl.extract': { inputs: [{ namespace: PG, name: 'crm.public.customers' }], outputs: [{ namespace: LAKE, name: 'staging/customers' }] },
    'daily_etl.transform': { inputs: [{ namespace: LAKE, name: 'staging/customers' }], outputs: [{ namespace: LAKE, name: 'marts/customers' }] },
    'daily_etl.load': { inputs: [{ namespace: LAKE, name: 'marts/customers' }], outputs: [{ namespace: PG, name: 'dw.public.dim_customer' }] },
  };
  let minute = 1;
  for (const t of tasks) {
    await ingest(app, runEvent({ eventType: 'START', eventTime: `2026-11-30T02:0${minute}:00Z`, runId: t.runId, namespace: ns, job: t.job, parent, ...io[t.job] }));
    const done = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: `2026-11-30T02:0${minute}:30Z`, runId: t.runId, namespace: ns, job: t.job, parent, ...io[t.job] }));
    assert.equal(done.run.name, dag);
    assert.equal(done.step.name, t.job);
    minute++;
  }
  let run = await runOf(ns, dag);
  assert.equal(run.status, 'INITIALIZING', 'known from its children only');
  assert.equal(run.pipeline.name, 'daily_etl');
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T02:00:00Z', runId: dag, namespace: ns, job: 'daily_etl' }));
  await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T02:09:00Z', runId: dag, namespace: ns, job: 'daily_etl' }));
  run = await runOf(ns, dag);
  assert.equal(run.status, 'COMPLETED');
  assert.equal(run.startedAt, '2026-11-30T02:00:00.000Z');
  assert.equal(run.endedAt, '2026-11-30T02:09:00.000Z');
  assert.deepEqual(run.steps.map((s: any) => [s.name, s.status, s.startedAt, s.endedAt]), [
    ['daily_etl.extract', 'COMPLETED', '2026-11-30T02:01:00.000Z', '2026-11-30T02:01:30.000Z'],
    ['daily_etl.transform', 'COMPLETED', '2026-11-30T02:02:00.000Z', '2026-11-30T02:02:30.000Z'],
    ['daily_etl.load', 'COMPLETED', '2026-11-30T02:03:00.000Z', '2026-11-30T02:03:30.000Z'],
  ]);
  assert.equal(run.steps[1].inputs[0].artifactVersion.id, run.steps[0].outputs[0].artifactVersion.id);
  assert.equal(run.steps[2].inputs[0].artifactVersion.id, run.steps[1].outputs[0].artifactVersion.id);
  assert.equal(run.steps[0].metadata.openlineage.runId, tasks[0].runId);
  assert.deepEqual(run.steps[0].metadata.openlineage.parent, { namespace: ns, name: 'daily_etl', runId: dag });
  const g = (await app.ok(`query($of: ID!) { lineage(of: $of) { nodes { ... on StepRun { name } } } }`, { of: run.id })).lineage;
  assert.equal(g.nodes.filter((n: any) => n.name).length, 3);
});

test('a task retried under one parent run gives two steps with distinct names, each with its own outputs', async () => {
  const ns = 'retries';
  const dag = newRunId();
  const parent = { namespace: ns, job: 'nightly', runId: dag };
  const out = { namespace: LAKE, name: 'nightly/report' };
  const first = newRunId();
  const second = newRunId();
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T01:00:00Z', runId: first, namespace: ns, job: 'nightly.report', parent, outputs: [out] }));
  const failed = await ingest(app, runEvent({ eventType: 'FAIL', eventTime: '2026-11-30T01:01:00Z', runId: first, namespace: ns, job: 'nightly.report', parent }));
  assert.deepEqual(failed.outputs, []);
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T01:05:00Z', runId: second, namespace: ns, job: 'nightly.report', parent }));
  const done = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T01:06:00Z', runId: second, namespace: ns, job: 'nightly.report', parent, outputs: [out] }));
  assert.equal(done.step.name, 'nightly.report#2');
  const run = await runOf(ns, dag);
  assert.deepEqual(run.steps.map((s: any) => [s.name, s.status, s.outputs.map((o: any) => o.artifactVersion.version)]), [
    ['nightly.report', 'FAILED', []],
    ['nightly.report#2', 'COMPLETED', ['1']],
  ]);
});

test('the same events sent twice change nothing the second time', async () => {
  const ns = 'repeat';
  const id = newRunId();
  const events = [
    runEvent({ eventType: 'START', eventTime: '2026-11-30T03:00:00Z', runId: id, namespace: ns, job: 'dedupe', inputs: [{ namespace: PG, name: 'a.b.c' }], outputs: [{ namespace: LAKE, name: 'x' }] }),
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T03:01:00Z', runId: id, namespace: ns, job: 'dedupe', inputs: [{ namespace: PG, name: 'a.b.c' }], outputs: [{ namespace: LAKE, name: 'x' }] }),
  ];
  const firstReplies = [];
  for (const e of events) firstReplies.push(await ingest(app, e));
  const before = await counts(ns);
  const runBefore = await runOf(ns, id);
  const secondReplies = [];
  for (const e of events) secondReplies.push(await ingest(app, e));
  assert.deepEqual(await counts(ns), before);
  assert.deepEqual(await runOf(ns, id), runBefore);
  assert.deepEqual(secondReplies[1], firstReplies[1]);
  // The START again: the run stays COMPLETED, and the outputs it intended are the ones made.
  assert.deepEqual([secondReplies[0].run.status, secondReplies[0].outputs], ['COMPLETED', firstReplies[1].outputs]);
  assert.deepEqual(secondReplies[0].inputs, firstReplies[0].inputs);
  assert.deepEqual(before, { runs: 1, steps: 1, artifacts: 2, versions: 2, links: 1, pipelines: 1 });
});

test('COMPLETE before START ends COMPLETED with both times, and outputs named by both events make one version', async () => {
  const ns = 'reorder';
  const id = newRunId();
  const out = { namespace: LAKE, name: 'daily/agg' };
  const done = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T04:10:00.123456789+02:00', runId: id, namespace: ns, job: 'agg', outputs: [out] }));
  assert.equal(done.run.status, 'COMPLETED');
  const started = await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T04:00:00+02:00', runId: id, namespace: ns, job: 'agg', outputs: [out] }));
  assert.equal(started.run.status, 'COMPLETED');
  assert.deepEqual(started.outputs, done.outputs);
  const run = await runOf(ns, id);
  assert.equal(run.status, 'COMPLETED');
  assert.equal(run.startedAt, '2026-11-30T02:00:00.000Z');
  assert.equal(run.endedAt, '2026-11-30T02:10:00.123Z');
  const [row] = await app.sql(`SELECT to_char(ended_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS t FROM pipeline_run WHERE name = $1`, [id]);
  assert.equal(row.t, '02:10:00.123456', 'microseconds kept, nanoseconds cut');
  assert.equal((await counts(ns)).versions, 1);
});

test('a run that reads and writes one table reads the version before it and writes a new one', async () => {
  const ns = 'inplace';
  const table = { namespace: PG, name: 'instance.schema.table' };
  const first = newRunId();
  await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T05:00:00Z', runId: first, namespace: ns, job: 'upsert', inputs: [table], outputs: [table] }));
  const second = newRunId();
  const r = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T06:00:00Z', runId: second, namespace: ns, job: 'upsert', inputs: [table], outputs: [table] }));
  assert.deepEqual([r.inputs[0].version, r.outputs[0].version], ['2', '3']);
  const run = await runOf(ns, first);
  assert.deepEqual([run.steps[0].inputs[0].artifactVersion.version, run.steps[0].outputs[0].artifactVersion.version], ['1', '2']);
  const g = (await app.ok(`query($of: ID!) { lineage(of: $of, direction: UPSTREAM) { nodes { ... on ArtifactVersion { version } } edges { kind } truncated } }`,
    { of: r.outputs[0].id })).lineage;
  assert.deepEqual(g.nodes.map((n: any) => n.version).filter(Boolean).sort(), ['1', '2', '3']);
  assert.equal(g.truncated, false);
});

test('FAIL and ABORT produce nothing but what their final event names; ABORT stops the run', async () => {
  const ns = 'failures';
  const out = { namespace: LAKE, name: 'partial' };
  const failed = newRunId();
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T07:00:00Z', runId: failed, namespace: ns, job: 'f', outputs: [out] }));
  await ingest(app, runEvent({ eventType: 'FAIL', eventTime: '2026-11-30T07:01:00Z', runId: failed, namespace: ns, job: 'f' }));
  assert.equal((await runOf(ns, failed)).status, 'FAILED');
  assert.equal((await counts(ns)).versions, 0);
  const aborted = newRunId();
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T07:00:00Z', runId: aborted, namespace: ns, job: 'f' }));
  const r = await ingest(app, runEvent({ eventType: 'ABORT', eventTime: '2026-11-30T07:02:00Z', runId: aborted, namespace: ns, job: 'f', outputs: [out] }));
  assert.equal(r.run.status, 'STOPPED');
  assert.deepEqual(r.outputs.map((o: any) => o.version), ['1']);
  const late = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T07:03:00Z', runId: aborted, namespace: ns, job: 'f' }));
  assert.equal(late.run.status, 'STOPPED', 'a terminal status stays');
  const filtered = (await app.ok(`{ project(name: "${ns}") { runs(filter: { status: STOPPED }) { nodes { name endedAt } } } }`)).project.runs.nodes;
  assert.deepEqual(filtered, [{ name: aborted, endedAt: '2026-11-30T07:02:00.000Z' }]);
});

test('a dataset version facet names the version, and a reader of that version links to it', async () => {
  const ns = 'versions';
  const writer = newRunId();
  const reader = newRunId();
  // The reader comes first: the version it names is external until the writer says it made it.
  const read = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T10:00:00Z', runId: reader, namespace: ns, job: 'read',
    inputs: [{ namespace: LAKE, name: 'delta/events', version: '42' }] }));
  assert.equal(read.inputs[0].version, 'v42');
  const wrote = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T09:00:00Z', runId: writer, namespace: ns, job: 'write',
    outputs: [{ namespace: LAKE, name: 'delta/events', version: '42' }, { namespace: LAKE, name: 'delta/other', version: 'snap-7' }] }));
  assert.deepEqual(wrote.outputs.map((o: any) => o.version), ['v42', 'snap-7']);
  assert.equal(wrote.outputs[0].id, read.inputs[0].id);
  const g = (await app.ok(`query($of: ID!) { lineage(of: $of, direction: UPSTREAM) { nodes { ... on StepRun { name } } } }`,
    { of: (await runOf(ns, reader)).id })).lineage;
  assert.deepEqual(g.nodes.map((n: any) => n.name).filter(Boolean).sort(), ['read', 'write']);
});

test('names are kept exactly as sent and found by name; a namespace that is no project name gets a stable one', async () => {
  const ns = 'airflow://prod-scheduler:8080';
  const job = 'myjob.buggy_task🕷';
  const file = { namespace: 'file', name: 'file://localhost/in_file1.txt' };
  const r = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T11:00:00Z', runId: newRunId(), namespace: ns, job, inputs: [file] }));
  const project = (await app.ok(`{ projects(filter: { name: "startswith:airflow:-prod-scheduler:8080-" }) { nodes { name displayName } } }`)).projects.nodes;
  assert.equal(project.length, 1);
  assert.match(project[0].name, /^airflow:-prod-scheduler:8080-[0-9a-f]{8}$/);
  assert.equal(project[0].displayName, ns);
  const p = project[0].name;
  assert.equal((await app.ok(`query($p: String!, $n: String!) { pipeline(project: $p, name: $n) { name } }`, { p, n: job })).pipeline.name, job);
  const artifact = (await app.ok(`query($p: String!, $n: String!) { artifact(project: $p, name: $n) { name versions { nodes { version uri } } } }`,
    { p, n: 'file://localhost/in_file1.txt' })).artifact;
  assert.deepEqual(artifact, { name: 'file://localhost/in_file1.txt', versions: { nodes: [{ version: '1', uri: 'file/file://localhost/in_file1.txt' }] } });
  assert.equal(r.step.name, job);
  // The same name in another dataset namespace is another artifact.
  const other = await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T11:01:00Z', runId: newRunId(), namespace: ns, job,
    inputs: [{ namespace: 'hdfs://nn', name: 'file://localhost/in_file1.txt' }] }));
  assert.equal(other.inputs[0].artifact, 'hdfs://nn/file://localhost/in_file1.txt');
  const long = 'ß'.repeat(1024);
  const longRun = await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T11:02:00Z', runId: newRunId(), namespace: ns, job: long }));
  assert.equal(longRun.run.status, 'RUNNING');
  assert.equal((await app.ok(`query($p: String!, $n: String!) { pipeline(project: $p, name: $n) { name } }`, { p, n: long })).pipeline.name, long);
});

test('the mutation records a run event like the REST route and returns the run, step and versions', async () => {
  const id = newRunId();
  const r = await app.ok(`mutation($e: JSON!) { ingestOpenLineageEvent(event: $e) {
      run { name status pipeline { name } } step { name status } inputs { version uri } outputs { version uri } } }`,
  { e: runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T12:00:00Z', runId: id, namespace: 'graphql', job: 'dbt.model.orders',
    inputs: [{ namespace: PG, name: 'raw.orders' }], outputs: [{ namespace: PG, name: 'analytics.orders' }] }) });
  assert.deepEqual(r.ingestOpenLineageEvent, {
    run: { name: id, status: 'COMPLETED', pipeline: { name: 'dbt.model.orders' } },
    step: { name: 'dbt.model.orders', status: 'COMPLETED' },
    inputs: [{ version: '1', uri: 'postgres://warehouse:5432/raw.orders' }],
    outputs: [{ version: '1', uri: 'postgres://warehouse:5432/analytics.orders' }],
  });
  const run = await runOf('graphql', id);
  assert.deepEqual(Object.keys(run.metadata.openlineage).sort(), ['inputFacets', 'job', 'jobFacets', 'producer', 'runFacets', 'runId']);
});

test('facets land as metadata under openlineage on the run, step and artifact versions', async () => {
  const id = newRunId();
  const ns = 'facets';
  await ingest(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T12:00:00Z', runId: id, namespace: ns, job: 'spark_app',
    runFacets: { spark_version: { _producer: 'p', _schemaURL: 's', version: '3.5.1' } },
    jobFacets: { sql: { _producer: 'p', _schemaURL: 's', query: 'INSERT INTO t SELECT * FROM s' } },
    inputs: [{ namespace: PG, name: 's', inputFacets: { dataQualityMetrics: { rowCount: 10 } } }] }));
  await ingest(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T12:01:00Z', runId: id, namespace: ns, job: 'spark_app',
    runFacets: { processing_engine: { _producer: 'p', _schemaURL: 's', name: 'spark' } },
    outputs: [{ namespace: PG, name: 't', facets: { schema: { fields: [{ name: 'id', type: 'INT' }] } }, outputFacets: { outputStatistics: { rowCount: 10 } } }] }));
  const run = await runOf(ns, id);
  assert.deepEqual(Object.keys(run.metadata.openlineage.runFacets).sort(), ['processing_engine', 'spark_version']);
  assert.equal(run.metadata.openlineage.jobFacets.sql.query, 'INSERT INTO t SELECT * FROM s');
  assert.deepEqual(run.steps[0].metadata.openlineage.inputFacets, { 'postgres://warehouse:5432/s': { dataQualityMetrics: { rowCount: 10 } } });
  const [v] = await app.sql(`SELECT v.metadata FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 't'`);
  assert.deepEqual(v.metadata, { openlineage: { namespace: PG, name: 't', facets: { schema: { fields: [{ name: 'id', type: 'INT' }] } }, outputFacets: { outputStatistics: { rowCount: 10 } } } });
});

test('bad events are refused with 400 naming the field, and store nothing', async () => {
  const good = () => runEvent({ eventType: 'START', eventTime: '2026-11-30T13:00:00Z', runId: newRunId(), namespace: 'bad', job: 'j', outputs: [{ namespace: LAKE, name: 'o' }] });
  const cases: [string, (e: any) => unknown, string][] = [
    ['no eventTime', (e) => { delete e.eventTime; return e; }, 'eventTime'],
    ['an eventTime that is no date-time', (e) => ({ ...e, eventTime: 'yesterday' }), 'eventTime'],
    ['a 30th of February', (e) => ({ ...e, eventTime: '2026-02-30T00:00:00Z' }), 'eventTime'],
    ['no run', (e) => { delete e.run; return e; }, 'run'],
    ['no run.runId', (e) => ({ ...e, run: { facets: {} } }), 'run.runId'],
    ['a runId that is no UUID', (e) => ({ ...e, run: { runId: 'run-1' } }), 'run.runId'],
    ['no job.namespace', (e) => ({ ...e, job: { name: 'j' } }), 'job.namespace'],
    ['no job.name', (e) => ({ ...e, job: { namespace: 'bad' } }), 'job.name'],
    ['an unknown eventType', (e) => ({ ...e, eventType: 'FINISHED' }), 'eventType'],
    ['a dataset without a name', (e) => ({ ...e, inputs: [{ namespace: PG }] }), 'inputs[0].name'],
    ['outputs that are no list', (e) => ({ ...e, outputs: { namespace: LAKE, name: 'o' } }), 'outputs'],
    ['a parent facet without a runId', (e) => ({ ...e, run: { runId: newRunId(), facets: { parent: { job: { namespace: 'bad', name: 'p' }, run: {} } } } }), 'run.facets.parent.run.runId'],
    ['a job name with a control character', (e) => ({ ...e, job: { namespace: 'bad', name: 'a\u0007b' } }), 'job.name'],
    ['a job name over 1,024 characters', (e) => ({ ...e, job: { namespace: 'bad', name: 'x'.repeat(1025) } }), 'job.name'],
    ['an event that is no object', () => [1, 2], 'event'],
  ];
  for (const [label, spoil, field] of cases) {
    const r = await postLineage(app, spoil(good()));
    assert.equal(r.status, 400, label);
    assert.equal(r.body.errors[0].extensions.code, 'BAD_USER_INPUT', label);
    assert.equal(r.body.errors[0].extensions.field, field, label);
    assert.ok(r.body.errors[0].message.startsWith(field), `${label}: ${r.body.errors[0].message}`);
  }
  const notJson = await postLineage(app, '{"eventType": "START",', { raw: true });
  assert.deepEqual([notJson.status, notJson.body.errors[0].extensions.field], [400, 'event']);
  const gql = await app.gql(`mutation($e: JSON!) { ingestOpenLineageEvent(event: $e) { run { id } } }`, { e: { ...good(), eventType: 'DONE' } });
  assert.deepEqual([codeOf(gql), gql.errors![0].extensions!.field], ['BAD_USER_INPUT', 'eventType']);
  assert.deepEqual(await app.sql(`SELECT name FROM project WHERE name = 'bad'`), []);
  const datasetEvent = await postLineage(app, { eventTime: '2026-11-30T13:00:00Z', producer: 'p', schemaURL: 's', dataset: { namespace: LAKE, name: 'o' } });
  assert.deepEqual([datasetEvent.status, datasetEvent.body.errors[0].extensions.field], [400, 'dataset']);
});

test('a body over the body limit is refused with 413', async () => {
  const e = runEvent({ eventType: 'START', eventTime: '2026-11-30T13:00:00Z', runId: newRunId(), namespace: 'big', job: 'j',
    runFacets: { blob: { _producer: 'p', _schemaURL: 's', data: 'x'.repeat(1024 * 1024 + 10) } } });
  const r = await postLineage(app, e);
  assert.equal(r.status, 413);
  assert.deepEqual(await app.sql(`SELECT name FROM project WHERE name = 'big'`), []);
});

test('a JobEvent makes the pipeline and the artifacts of its datasets, without a run', async () => {
  const r = await ingest(app, { eventTime: '2026-11-30T13:00:00Z', producer: 'p', schemaURL: 's',
    job: { namespace: 'static', name: 'dbt.model.customers' }, inputs: [{ namespace: PG, name: 'raw.customers' }], outputs: [{ namespace: PG, name: 'dim.customers' }] });
  assert.deepEqual([r.project, r.pipeline.name, r.datasets], ['static', 'dbt.model.customers', 2]);
  assert.deepEqual(await counts('static'), { runs: 0, steps: 0, artifacts: 2, versions: 0, links: 0, pipelines: 1 });
});

test('keys: an EDITOR key may not create projects (NOT_FOUND naming it) but writes to its own; a VIEWER key is refused', async () => {
  const key = async (name: string, role: string, projects: string[]) => (await app.ok(
    `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name, role, projects } })).createApiKey.secret;
  await app.ok(`mutation { createProject(input: { name: "keyed" }) { id } }`);
  const editor = await key('ol-editor', 'EDITOR', ['keyed']);
  const viewer = await key('ol-viewer', 'VIEWER', ['keyed']);
  const event = (namespace: string) => runEvent({ eventType: 'START', eventTime: '2026-11-30T13:00:00Z', runId: newRunId(), namespace, job: 'j' });
  const missing = await postLineage(app, event('unknown-ns'), { token: editor });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.errors[0].message, 'project "unknown-ns" (OpenLineage namespace "unknown-ns") not found');
  assert.equal((await postLineage(app, event('keyed'), { token: editor })).status, 201);
  const refused = await postLineage(app, event('keyed'), { token: viewer });
  assert.deepEqual([refused.status, refused.body.errors[0].extensions.code], [403, 'FORBIDDEN']);
  const unknown = await postLineage(app, event('keyed'), { token: 'mag_not-a-key-at-all' });
  assert.equal(unknown.status, 401);
  assert.deepEqual(await app.sql(`SELECT name FROM project WHERE name = 'unknown-ns'`), []);
});

test('parallel deliveries of one run\'s events make one run, one step per child run and one version per output', async () => {
  const ns = 'parallel';
  const dag = newRunId();
  const parent = { namespace: ns, job: 'dag', runId: dag };
  const shared = { namespace: PG, name: 'src.table' };
  const children = Array.from({ length: 4 }, (_, i) => ({ runId: newRunId(), job: `dag.task_${i}` }));
  const events = children.flatMap((c, i) => [
    runEvent({ eventType: 'START', eventTime: '2026-11-30T14:00:00Z', runId: c.runId, namespace: ns, job: c.job, parent, inputs: [shared], outputs: [{ namespace: LAKE, name: `out/${i}` }] }),
    runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T14:01:00Z', runId: c.runId, namespace: ns, job: c.job, parent, inputs: [shared], outputs: [{ namespace: LAKE, name: `out/${i}` }] }),
  ]);
  // Every event three times, all at once.
  const replies = await Promise.all([...events, ...events, ...events].map((e) => postLineage(app, e)));
  assert.deepEqual(replies.map((r) => r.status).filter((s) => s !== 201), []);
  assert.deepEqual(await counts(ns), { runs: 1, steps: 4, artifacts: 5, versions: 5, links: 4, pipelines: 1 });
  const run = await runOf(ns, dag);
  assert.deepEqual(run.steps.map((s: any) => s.name).sort(), children.map((c) => c.job).sort());
  assert.ok(run.steps.every((s: any) => s.status === 'COMPLETED' && s.outputs.length === 1 && s.outputs[0].artifactVersion.version === '1'));
  const sharedVersions = new Set(run.steps.map((s: any) => s.inputs[0].artifactVersion.id));
  assert.equal(sharedVersions.size, 1, 'one external version of the shared input');
});

test('an event costs the same number of SQL statements whatever its number of datasets and facets', async () => {
  const ns = 'budget';
  const facets = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`custom_${i}`, { _producer: 'p', _schemaURL: 's', value: i }]));
  const cost = async (inputs: number, outputs: number) => {
    const id = newRunId();
    const io = {
      inputs: Array.from({ length: inputs }, (_, i) => ({ namespace: PG, name: `in_${inputs}_${i}`, facets, inputFacets: facets })),
      outputs: Array.from({ length: outputs }, (_, i) => ({ namespace: LAKE, name: `out_${outputs}_${i}`, facets, outputFacets: facets })),
      runFacets: facets, jobFacets: facets,
    };
    const start = await postLineage(app, runEvent({ eventType: 'START', eventTime: '2026-11-30T15:00:00Z', runId: id, namespace: ns, job: `j${inputs}`, ...io }));
    const complete = await postLineage(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T15:01:00Z', runId: id, namespace: ns, job: `j${inputs}`, ...io }));
    const again = await postLineage(app, runEvent({ eventType: 'COMPLETE', eventTime: '2026-11-30T15:01:00Z', runId: id, namespace: ns, job: `j${inputs}`, ...io }));
    assert.deepEqual([start.status, complete.status, again.status], [201, 201, 201]);
    assert.equal(complete.body.outputs.length, outputs);
    return [start.sqlStatements, complete.sqlStatements, again.sqlStatements];
  };
  await cost(1, 1); // the project exists from here on
  const small = await cost(3, 2);
  const large = await cost(60, 40);
  assert.deepEqual(large, small);
  assert.ok(small.every((n) => n <= 23), `statements per event: ${small.join(", ")}`);
});

test('parallel runs that read one new dataset make one artifact and one external version of it', async () => {
  const ns = 'shared-read';
  const shared = { namespace: PG, name: 'ref.public.countries' };
  const events = Array.from({ length: 8 }, (_, i) => runEvent({ eventType: 'COMPLETE', eventTime: `2026-11-30T16:0${i}:00Z`, runId: newRunId(), namespace: ns,
    job: `reader_${i}`, inputs: [shared], outputs: [{ namespace: LAKE, name: `joined/${i}` }] }));
  const replies = await Promise.all(events.map((e) => postLineage(app, e)));
  assert.deepEqual(replies.map((r) => r.status), events.map(() => 201));
  assert.equal(new Set(replies.map((r) => r.body.inputs[0].id)).size, 1);
  const rows = await app.sql(`SELECT a.name, count(v.id)::int AS versions FROM artifact a JOIN project p ON p.id = a.project_id
    LEFT JOIN artifact_version v ON v.artifact_id = a.id WHERE p.name = $1 AND a.name = $2 GROUP BY a.name`, [ns, shared.name]);
  assert.deepEqual(rows, [{ name: shared.name, versions: 1 }]);
  assert.deepEqual(await counts(ns), { runs: 8, steps: 8, artifacts: 9, versions: 9, links: 8, pipelines: 8 });
});
