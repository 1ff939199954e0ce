// Model.versionInStageAt: which version held a stage at a moment, from the stage history, exact to
// the microsecond at every boundary (a change at t counts from t on). Each moment is asked on both
// paths (resolvers and compiled), which must answer the same.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';
import { createProject } from './helpers/fixtures';
import { bothPaths } from './helpers/both-paths';

const P = 'time-travel';
let app: TestApp;

before(async () => {
  app = await startTestApp({ EXECUTION_PATH_HEADER: 'true' });
  await createProject(app, P);
});
after(async () => { await app.close(); });

const both = (query: string, variables: Record<string, unknown> = {}) => bothPaths(app, query, variables);

/** "…T12:00:00.123456Z" moved by `us` microseconds, in the same form. */
function shift(t: string, us: number): string {
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(t);
  assert.ok(m, t);
  const total = Date.parse(`${m[1]}Z`) * 1000 + Number(m[2]) + us;
  const seconds = Math.floor(total / 1e6);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(total - seconds * 1e6).padStart(6, '0')}Z`;
}

type State = { PRODUCTION: number | null; STAGING: number | null; ARCHIVED: number | null; NONE: number | null };
const EMPTY: State = { PRODUCTION: null, STAGING: null, ARCHIVED: null, NONE: null };

async function stateAt(model: string, at: string): Promise<State> {
  const stages = Object.keys(EMPTY);
  const data = await both(`query($m: String!, $at: DateTime!) { model(project: "${P}", name: $m) {
    ${stages.map((s) => `${s}: versionInStageAt(stage: ${s}, at: $at) { number }`).join('\n')} } }`, { m: model, at });
  return Object.fromEntries(stages.map((s) => [s, data.model[s]?.number ?? null])) as State;
}

const PROMOTE = `mutation($v: ID!, $s: ModelStage!, $f: Boolean) { promoteModelVersion(input: { modelVersion: $v, stage: $s, force: $f }) { modelVersion { number } } }`;
const micros = async (table: string, column: string, id: string) =>
  (await app.sql(`SELECT to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM ${table} WHERE id = $1`, [id]))[0].t as string;

test('before, at and after each creation, promotion, archiving and deletion, the holder of every stage is exact', async () => {
  const v: string[] = [];
  for (let i = 0; i < 3; i++) v.push((await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "tt" }) { id } }`)).createModelVersion.id);
  await app.ok(PROMOTE, { v: v[0], s: 'PRODUCTION' });
  await app.ok(PROMOTE, { v: v[1], s: 'STAGING' });
  await app.ok(PROMOTE, { v: v[1], s: 'PRODUCTION', f: true });
  await app.ok(PROMOTE, { v: v[2], s: 'PRODUCTION', f: true });
  await app.ok(`mutation($id: ID!) { delete(input: { id: $id, force: true }) { deleted } }`, { id: v[2] });

  const history = await app.ok(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on ModelVersion { number stageHistory { from to at } } } }`, { ids: v });
  const change = (n: number, to: string) => history.nodes[n - 1].stageHistory.find((c: { to: string }) => c.to === to).at as string;
  // Each moment, with the state that holds from it on; equal moments (one transaction) merge.
  const timeline: [string, State][] = [
    [await micros('model_version', 'created_at', idOf(v[0])), { ...EMPTY, NONE: 1 }],
    [await micros('model_version', 'created_at', idOf(v[1])), { ...EMPTY, NONE: 2 }],
    [await micros('model_version', 'created_at', idOf(v[2])), { ...EMPTY, NONE: 3 }],
    [change(1, 'PRODUCTION'), { ...EMPTY, PRODUCTION: 1, NONE: 3 }],
    [change(2, 'STAGING'), { ...EMPTY, PRODUCTION: 1, STAGING: 2, NONE: 3 }],
    [change(1, 'ARCHIVED'), { ...EMPTY, STAGING: 2, ARCHIVED: 1, NONE: 3 }],
    [change(2, 'PRODUCTION'), { ...EMPTY, PRODUCTION: 2, ARCHIVED: 1, NONE: 3 }],
    [change(2, 'ARCHIVED'), { ...EMPTY, ARCHIVED: 2, NONE: 3 }],
    [change(3, 'PRODUCTION'), { ...EMPTY, PRODUCTION: 3, ARCHIVED: 2 }],
    [await micros('model_version', 'deleted_at', idOf(v[2])), { ...EMPTY, ARCHIVED: 2 }],
  ];
  for (let i = 1; i < timeline.length; i++) assert.ok(timeline[i - 1][0] <= timeline[i][0], `moments in order: ${timeline[i - 1][0]} ${timeline[i][0]}`);
  const moments = timeline.filter(([at], i) => timeline[i + 1]?.[0] !== at);
  let checked = 0;
  for (const [i, [at, state]] of moments.entries()) {
    const previous = i ? moments[i - 1] : null;
    // Moments are distinct microseconds, so one before a moment is at or after the previous one.
    assert.deepEqual(await stateAt('tt', shift(at, -1)), previous ? previous[1] : EMPTY, `just before ${at}`);
    assert.deepEqual(await stateAt('tt', at), state, `at ${at}`);
    const next = moments[i + 1];
    if (!next || shift(at, 1) < next[0]) assert.deepEqual(await stateAt('tt', shift(at, 1)), state, `just after ${at}`);
    checked++;
  }
  assert.ok(checked >= 8, `${checked} distinct moments`);
  assert.deepEqual(await stateAt('tt', '2999-01-01T00:00:00Z'), { ...EMPTY, ARCHIVED: 2 });
  assert.deepEqual(await stateAt('tt', '2000-01-01T00:00:00Z'), EMPTY);
});

test('a moment written with an offset means the same instant, the answer carries the version\'s fields, a malformed moment is refused', async () => {
  const a = (await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "offsets", name: "first" }) { id } }`)).createModelVersion.id;
  await app.ok(PROMOTE, { v: a, s: 'STAGING' });
  const at = (await app.ok(`query($id: ID!) { node(id: $id) { ... on ModelVersion { stageHistory { at } } } }`, { id: a })).node.stageHistory[0].at as string;
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d:\d\d\.\d{6})Z$/.exec(at)!;
  const data = await both(`query($at: DateTime!, $before: DateTime!) { model(project: "${P}", name: "offsets") {
    now: versionInStageAt(stage: STAGING, at: $at) { id name number stage stageHistory { to at } }
    before: versionInStageAt(stage: STAGING, at: $before) { id } } }`, { at: `${m[1]}T${m[2]}:${m[3]}+00:00`, before: shift(at, -1) });
  assert.deepEqual(data.model, { now: { id: a, name: 'first', number: 1, stage: 'STAGING', stageHistory: [{ to: 'STAGING', at }] }, before: null });
  const bad = await app.gql(`{ model(project: "${P}", name: "offsets") { versionInStageAt(stage: STAGING, at: "yesterday") { id } } }`);
  assert.equal(bad.errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
});

const idOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];
