// Rules of writes: who may change server-wide stacks, the run state machine, stage history
// that replays without ties, stack config compared as JSON.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const P = 'rules';
let app: TestApp;
const keys: Record<string, string> = {};

before(async () => {
  app = await startTestApp();
  await app.ok(`mutation { createProject(input: { name: "${P}" }) { id } }`);
  const key = async (name: string, role: string, projects: string[] | null) =>
    (await app.ok(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name, role, projects } })).createApiKey.secret;
  keys.scopedAdmin = await key('scoped-admin', 'ADMIN', [P]);
  keys.editor = await key('editor', 'EDITOR', null);
  keys.admin = await key('admin', 'ADMIN', null);
});
after(async () => { await app.close(); });

const REGISTER_STACK = `mutation($i: RegisterStackInput!) { registerStack(input: $i) { name components { name config } } }`;
const stackInput = (name: string) => ({
  name, components: [{ type: 'ORCHESTRATOR', name: `${name}-orchestrator`, flavor: 'kubernetes' }, { type: 'ARTIFACT_STORE', name: `${name}-store`, flavor: 's3', config: { path: `s3://${name}` } }],
});

test('only an ADMIN key limited to no project registers stacks and components', async () => {
  const scoped = await app.gql(REGISTER_STACK, { i: stackInput('by-scoped-admin') }, { token: keys.scopedAdmin });
  assert.equal(codeOf(scoped), 'FORBIDDEN');
  assert.match(scoped.errors![0].message, /not limited to projects/);
  const editor = await app.gql(REGISTER_STACK, { i: stackInput('by-editor') }, { token: keys.editor });
  assert.equal(codeOf(editor), 'FORBIDDEN');
  const admin = await app.gql(REGISTER_STACK, { i: stackInput('by-admin') }, { token: keys.admin });
  assert.equal(admin.errors, undefined);
  const stored = await app.sql(`SELECT name FROM stack UNION ALL SELECT name FROM stack_component ORDER BY name`);
  assert.deepEqual(stored.map((r) => r.name), ['by-admin', 'by-admin-orchestrator', 'by-admin-store']);
});

test('a component config written inline in the query matches the stored one, in any key order', async () => {
  await app.ok(`mutation { registerStack(input: { name: "inline-a", components: [{ type: ORCHESTRATOR, name: "inline-o", flavor: "local" },
    { type: ARTIFACT_STORE, name: "inline-store", flavor: "s3", config: { bucket: "b", nested: { region: "eu", zones: [1, 2] } } }] }) { name } }`);
  const again = await app.gql(`mutation { registerStack(input: { name: "inline-b", components: [{ type: ORCHESTRATOR, name: "inline-o" },
    { type: ARTIFACT_STORE, name: "inline-store", flavor: "s3", config: { nested: { zones: [1, 2], region: "eu" }, bucket: "b" } }] }) { name components { name } } }`);
  assert.equal(again.errors, undefined, JSON.stringify(again.errors));
  assert.deepEqual(again.data.registerStack.components.map((c: { name: string }) => c.name).sort(), ['inline-o', 'inline-store']);
  const other = await app.gql(`mutation { registerStack(input: { name: "inline-c", components: [{ type: ORCHESTRATOR, name: "inline-o" },
    { type: ARTIFACT_STORE, name: "inline-store", config: { bucket: "other" } }] }) { name } }`);
  assert.equal(codeOf(other), 'CONFLICT');
});

const START = `mutation($i: StartRunInput!) { startRun(input: $i) { id } }`;
const FINISH = `mutation($r: ID!, $s: RunStatus!) { finishRun(run: $r, status: $s) { status endedAt } }`;

test('a finished run stays finished: the same status again changes nothing, another one is a CONFLICT', async () => {
  for (const status of ['COMPLETED', 'FAILED', 'CACHED', 'STOPPED']) {
    const run = (await app.ok(START, { i: { project: P, pipeline: 'state-machine' } })).startRun.id;
    const first = (await app.ok(FINISH, { r: run, s: status })).finishRun;
    assert.equal(first.status, status);
    assert.ok(first.endedAt);
    const again = (await app.ok(FINISH, { r: run, s: status })).finishRun;
    assert.deepEqual(again, first);
    for (const other of ['RUNNING', status === 'COMPLETED' ? 'FAILED' : 'COMPLETED']) {
      const moved = await app.gql(FINISH, { r: run, s: other });
      assert.equal(codeOf(moved), 'CONFLICT', `${status} → ${other}`);
      assert.match(moved.errors![0].message, new RegExp(`already finished as ${status}`));
    }
  }
});

test('a run moves from INITIALIZING to RUNNING to COMPLETED, with an end time only once finished', async () => {
  const run = (await app.ok(START, { i: { project: P, pipeline: 'state-machine' } })).startRun.id;
  assert.deepEqual((await app.ok(FINISH, { r: run, s: 'INITIALIZING' })).finishRun, { status: 'INITIALIZING', endedAt: null });
  assert.deepEqual((await app.ok(FINISH, { r: run, s: 'RUNNING' })).finishRun, { status: 'RUNNING', endedAt: null });
  assert.equal((await app.ok(FINISH, { r: run, s: 'COMPLETED' })).finishRun.status, 'COMPLETED');
});

test('a step recorded on a finished run is a CONFLICT and writes nothing', async () => {
  const run = (await app.ok(START, { i: { project: P, pipeline: 'late-steps' } })).startRun.id;
  await app.ok(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`,
    { i: { run, name: 'on-time', status: 'COMPLETED', outputs: [{ name: 'o', artifact: 'late-art' }] } });
  await app.ok(FINISH, { r: run, s: 'COMPLETED' });
  const late = await app.gql(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`,
    { i: { run, name: 'late', status: 'COMPLETED', outputs: [{ name: 'o', artifact: 'late-art' }] } });
  assert.equal(codeOf(late), 'CONFLICT');
  assert.match(late.errors![0].message, /is COMPLETED: steps are recorded while a run is INITIALIZING or RUNNING/);
  const rows = await app.sql(`SELECT (SELECT count(*)::int FROM step_run WHERE name IN ('on-time', 'late')) AS steps,
    (SELECT count(*)::int FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 'late-art') AS versions`);
  assert.deepEqual(rows, [{ steps: 1, versions: 1 }]);
});

test('stage history prints microseconds and a sequence; replayed by sequence, 20 concurrent forced promotions never show two holders', async () => {
  const versions: string[] = [];
  for (let i = 0; i < 20; i++) versions.push((await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "replayed" }) { id } }`)).createModelVersion.id);
  const results = await Promise.all(versions.map((v) => app.gql(
    `mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: PRODUCTION, force: true }) { modelVersion { id } } }`, { v })));
  assert.deepEqual(results.map((r) => r.errors), Array(20).fill(undefined));
  const r = await app.ok(`{ model(project: "${P}", name: "replayed") { versions(first: 100) { nodes { id stageHistory { from to at sequence } } } } }`);
  const changes = r.model.versions.nodes.flatMap((v: any) => v.stageHistory.map((c: any) => ({ ...c, version: v.id })));
  assert.equal(changes.length, 39);
  for (const c of changes) assert.match(c.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const ms = changes.map((c: any) => c.at.slice(0, 23));
  console.log(`# stage history: ${changes.length - new Set(ms).size} of ${changes.length} changes share their millisecond with another, ${changes.length - new Set(changes.map((c: any) => c.at)).size} their microsecond`);
  const stored = await app.sql(`SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, sequence::text FROM stage_change ORDER BY stage_change.sequence`);
  assert.deepEqual(changes.map((c: any) => ({ at: c.at, sequence: c.sequence })).sort((a: any, b: any) => Number(a.sequence) - Number(b.sequence)), stored);
  changes.sort((a: any, b: any) => Number(a.sequence) - Number(b.sequence));
  assert.equal(new Set(changes.map((c: any) => c.sequence)).size, 39);
  const stage = new Map<string, string>();
  for (const c of changes) {
    assert.equal(stage.get(c.version) ?? 'NONE', c.from);
    stage.set(c.version, c.to);
    assert.ok([...stage.values()].filter((s) => s === 'PRODUCTION').length <= 1, `two holders after sequence ${c.sequence}`);
  }
  assert.equal([...stage.values()].filter((s) => s === 'PRODUCTION').length, 1);
});

test('other DateTime fields still print milliseconds', async () => {
  const run = (await app.ok(START, { i: { project: P, pipeline: 'ms' } })).startRun.id;
  const r = await app.ok(`query($id: ID!) { node(id: $id) { ... on PipelineRun { createdAt startedAt } } }`, { id: run });
  assert.match(r.node.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(r.node.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
