// Soft delete and restore: what leaves lists, lookups and counts, what stays (node(id),
// lineage), what blocks a delete, and a delete racing a promotion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const ADMIN_KEY = 'admin-secret-lifecycle-delete-01';
let app: TestApp;
const keys: Record<string, string> = {};
const P = 'trash';
const asAdmin = <T = any>(q: string, v?: Record<string, unknown>) => app.ok<T>(q, v, { token: ADMIN_KEY });
const asEditor = <T = any>(q: string, v?: Record<string, unknown>) => app.ok<T>(q, v, { token: keys.editor });

const DELETE = `mutation($id: ID!, $force: Boolean, $reason: String) { delete(input: { id: $id, force: $force, reason: $reason }) { deleted } }`;
const RESTORE = `mutation($id: ID!) { restore(id: $id) { id ... on Pipeline { name deletedAt } ... on Model { name deletedAt } ... on ModelVersion { number deletedAt } } }`;

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  await asAdmin(`mutation { createProject(input: { name: "${P}" }) { id } }`);
  for (const role of ['EDITOR', 'VIEWER']) {
    keys[role.toLowerCase()] = (await asAdmin(`mutation($n: String!, $r: Role!) { createApiKey(input: { name: $n, role: $r }) { secret } }`,
      { n: role.toLowerCase(), r: role })).createApiKey.secret;
  }
});
after(async () => { await app.close(); });

const run = async (pipeline: string, name: string, tags: string[] = []) =>
  (await asAdmin(`mutation($i: StartRunInput!) { startRun(input: $i) { id } }`, { i: { project: P, pipeline, name, tags: tags.map((t) => ({ name: t })) } })).startRun.id as string;

/** Everything a client sees of the pipelines and runs through lists, counts and lookups by name. */
async function pipelineView() {
  return asAdmin(`{ project(name: "${P}") {
      pipelines(filter: { name: "startswith:pl_" }) { totalCount nodes { name runs { totalCount nodes { name } } latestRun { name } } }
      runs(filter: { pipeline: "startswith:pl_" }) { totalCount nodes { name } } }
    etl: pipeline(project: "${P}", name: "pl_etl") { name }
    r1: pipelineRun(project: "${P}", name: "pl_etl_1") { name }
    nightly: tag(project: "${P}", name: "nightly") { usageCount } }`);
}

test('deleting a pipeline marks it and its runs; restore brings back every list, lookup and count as before', async () => {
  const r1 = await run('pl_etl', 'pl_etl_1');
  const r2 = await run('pl_etl', 'pl_etl_2', ['nightly']);
  await run('pl_other', 'pl_other_1', ['nightly']);
  const pipelineId = (await asAdmin(`{ pipeline(project: "${P}", name: "pl_etl") { id } }`)).pipeline.id;
  const before = await pipelineView();
  assert.equal(before.project.pipelines.totalCount, 2);
  assert.equal(before.project.runs.totalCount, 3);
  assert.equal(before.nightly.usageCount, 2);

  const del = await asEditor(DELETE, { id: pipelineId, reason: 'superseded by pl_other' });
  assert.deepEqual(del.delete.deleted, [pipelineId, r1, r2]);
  const gone = await pipelineView();
  assert.deepEqual(gone, {
    project: {
      pipelines: { totalCount: 1, nodes: [{ name: 'pl_other', runs: { totalCount: 1, nodes: [{ name: 'pl_other_1' }] }, latestRun: { name: 'pl_other_1' } }] },
      runs: { totalCount: 1, nodes: [{ name: 'pl_other_1' }] },
    },
    etl: null, r1: null, nightly: { usageCount: 1 },
  });
  const seen = await asAdmin(`query($p: ID!, $r: ID!) { p: node(id: $p) { ... on Pipeline { name deletedAt } } r: node(id: $r) { ... on PipelineRun { name deletedAt } }
    project(name: "${P}") { only: pipelines(filter: { deleted: ONLY }) { totalCount nodes { name } } all: pipelines(filter: { deleted: INCLUDE, name: "startswith:pl_" }) { totalCount }
      trashRuns: runs(filter: { deleted: ONLY }) { nodes { name } } } }`, { p: pipelineId, r: r1 });
  assert.equal(seen.p.name, 'pl_etl');
  assert.ok(seen.p.deletedAt);
  assert.equal(seen.r.deletedAt, seen.p.deletedAt, 'one deletion, one moment');
  assert.deepEqual(seen.project.only, { totalCount: 1, nodes: [{ name: 'pl_etl' }] });
  assert.equal(seen.project.all.totalCount, 2);
  assert.deepEqual(seen.project.trashRuns.nodes.map((n: { name: string }) => n.name).sort(), ['pl_etl_1', 'pl_etl_2']);
  const [record] = await app.sql(`SELECT root_type, actor, reason, forced, restored_at FROM deletion`);
  assert.deepEqual(record, { root_type: 'Pipeline', actor: 'editor', reason: 'superseded by pl_other', forced: false, restored_at: null });

  const restored = await asEditor(RESTORE, { id: pipelineId });
  assert.deepEqual(restored.restore, { id: pipelineId, name: 'pl_etl', deletedAt: null });
  assert.deepEqual(await pipelineView(), before);
  const [after] = await app.sql(`SELECT restored_by, restored_at IS NOT NULL AS restored FROM deletion`);
  assert.deepEqual(after, { restored_by: 'editor', restored: true });
});

test('restore brings back exactly what that delete marked: a run deleted before its pipeline stays deleted', async () => {
  const a = await run('pl_keep', 'keep_a');
  const b = await run('pl_keep', 'keep_b');
  const pipelineId = (await asAdmin(`{ pipeline(project: "${P}", name: "pl_keep") { id } }`)).pipeline.id;
  assert.deepEqual((await asAdmin(DELETE, { id: b })).delete.deleted, [b]);
  assert.deepEqual((await asAdmin(DELETE, { id: pipelineId })).delete.deleted, [pipelineId, a]);
  const child = await app.gql(RESTORE, { id: a }, { token: ADMIN_KEY });
  assert.equal(codeOf(child), 'CONFLICT');
  assert.match(child.errors![0].message, /pipeline "pl_keep" is deleted; restore that first/);
  await asAdmin(RESTORE, { id: pipelineId });
  const r = await asAdmin(`{ pipeline(project: "${P}", name: "pl_keep") { runs { nodes { name } } } }`);
  assert.deepEqual(r.pipeline.runs.nodes, [{ name: 'keep_a' }]);
  await asAdmin(RESTORE, { id: b });
  const both = await asAdmin(`{ pipeline(project: "${P}", name: "pl_keep") { runs(orderBy: { field: NAME, direction: ASC }) { nodes { name } } } }`);
  assert.deepEqual(both.pipeline.runs.nodes, [{ name: 'keep_a' }, { name: 'keep_b' }]);
});

test('deleting a version in PRODUCTION without force is CONFLICT naming it and changes nothing; force deletes it', async () => {
  const m = (await asAdmin(`mutation { createModel(input: { project: "${P}", name: "guarded" }) { id } }`)).createModel.id;
  const v1 = (await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "guarded" }) { id } }`)).createModelVersion.id;
  await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "guarded" }) { id } }`);
  await asAdmin(`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: PRODUCTION }) { modelVersion { stage } } }`, { id: v1 });
  const state = () => app.sql(`SELECT v.number, v.stage, v.deleted_at, v.updated_at, m.deleted_at AS model_deleted FROM model_version v JOIN model m ON m.id = v.model_id
    WHERE m.name = 'guarded' ORDER BY v.number`);
  const [deletionsBefore, stateBefore] = [await app.sql('SELECT count(*)::int AS n FROM deletion'), await state()];
  for (const id of [m, v1]) {
    const r = await app.gql(DELETE, { id }, { token: keys.editor });
    assert.equal(codeOf(r), 'CONFLICT');
    assert.match(r.errors![0].message, /model "guarded" version 1 holds PRODUCTION; pass force: true/);
  }
  assert.deepEqual(await state(), stateBefore);
  assert.deepEqual(await app.sql('SELECT count(*)::int AS n FROM deletion'), deletionsBefore);
  const forced = await asEditor(DELETE, { id: v1, force: true });
  assert.deepEqual(forced.delete.deleted, [v1]);
  const r = await asAdmin(`{ model(project: "${P}", name: "guarded") { versionInStage(stage: PRODUCTION) { number } latestVersion { number } versions { totalCount } } 
    production: modelVersion(project: "${P}", model: "guarded", version: "production") { number } one: modelVersion(project: "${P}", model: "guarded", version: "1") { number } }`);
  assert.deepEqual(r, { model: { versionInStage: null, latestVersion: { number: 2 }, versions: { totalCount: 1 } }, production: null, one: null });
  const again = await app.gql(`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: STAGING }) { modelVersion { stage } } }`, { id: v1 }, { token: ADMIN_KEY });
  assert.equal(codeOf(again), 'CONFLICT', 'a deleted version cannot be promoted');
});

test('a deleted name is free again; restoring onto a name that is taken again is CONFLICT until the live one moves', async () => {
  const old = (await asAdmin(`mutation { createModel(input: { project: "${P}", name: "reused", description: "old" }) { id } }`)).createModel.id;
  await asAdmin(DELETE, { id: old });
  const fresh = (await asAdmin(`mutation { createModel(input: { project: "${P}", name: "reused", description: "new" }) { id } }`)).createModel.id;
  assert.notEqual(fresh, old);
  assert.equal((await asAdmin(`{ model(project: "${P}", name: "reused") { id } }`)).model.id, fresh);
  const clash = await app.gql(RESTORE, { id: old }, { token: ADMIN_KEY });
  assert.equal(codeOf(clash), 'CONFLICT');
  assert.match(clash.errors![0].message, /model name "reused" is taken again/);
  assert.ok((await asAdmin(`query($id: ID!) { node(id: $id) { ... on Model { deletedAt } } }`, { id: old })).node.deletedAt, 'still deleted');
  await asAdmin(`mutation($id: ID!) { updateModel(input: { id: $id, name: "reused_new" }) { id } }`, { id: fresh });
  assert.deepEqual((await asAdmin(RESTORE, { id: old })).restore, { id: old, name: 'reused', deletedAt: null });
  const vA = (await asAdmin(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "ds", version: "v_a" }) { id } }`)).registerArtifactVersion.id;
  await asAdmin(DELETE, { id: vA });
  const vA2 = (await asAdmin(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "ds", version: "v_a" }) { id } }`)).registerArtifactVersion.id;
  assert.equal((await asAdmin(`{ artifactVersion(project: "${P}", artifact: "ds", version: "v_a") { id } }`)).artifactVersion.id, vA2);
  assert.equal(codeOf(await app.gql(RESTORE, { id: vA }, { token: ADMIN_KEY })), 'CONFLICT');
});

test('lineage keeps showing deleted artifact versions, with deletedAt set', async () => {
  const input = (await asAdmin(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "raw" }) { id } }`)).registerArtifactVersion.id;
  const r = await run('pl_lineage', 'lineage_1');
  const step = await asAdmin(`mutation($r: ID!, $in: ID!) { recordStep(input: { run: $r, name: "clean", status: COMPLETED, inputs: [{ name: "raw", artifactVersion: $in }], outputs: [{ name: "out", artifact: "clean" }] }) { outputs { artifactVersion { id } } } }`,
    { r, in: input });
  const out = step.recordStep.outputs[0].artifactVersion.id;
  await asAdmin(DELETE, { id: out });
  const g = await asAdmin(`query($id: ID!) { lineage(of: $id, direction: DOWNSTREAM) { nodes { ... on ArtifactVersion { id deletedAt } ... on StepRun { name } } } }`, { id: input });
  const deletedOut = g.lineage.nodes.find((n: { id?: string }) => n.id === out);
  assert.ok(deletedOut?.deletedAt, 'the deleted output is still in the graph');
  assert.deepEqual(g.lineage.nodes.length, 3);
  const latest = await asAdmin(`{ artifact(project: "${P}", name: "clean") { latestVersion { id } versions { totalCount } } }`);
  assert.deepEqual(latest.artifact, { latestVersion: null, versions: { totalCount: 0 } });
});

test('EDITOR may delete and restore; VIEWER gets FORBIDDEN and nothing changes', async () => {
  const id = (await asAdmin(`mutation { createModel(input: { project: "${P}", name: "rolecheck" }) { id } }`)).createModel.id;
  const denied = await app.gql(DELETE, { id }, { token: keys.viewer });
  assert.equal(codeOf(denied), 'FORBIDDEN');
  assert.equal((await asAdmin(`{ model(project: "${P}", name: "rolecheck") { deletedAt } }`)).model.deletedAt, null);
  await asEditor(DELETE, { id });
  assert.equal(codeOf(await app.gql(RESTORE, { id }, { token: keys.viewer })), 'FORBIDDEN');
  assert.equal((await asEditor(RESTORE, { id })).restore.deletedAt, null);
  assert.equal(codeOf(await app.gql(RESTORE, { id }, { token: keys.editor })), 'CONFLICT', 'restoring a live entity');
  const project = (await asAdmin(`{ project(name: "${P}") { id } }`)).project.id;
  assert.equal(codeOf(await app.gql(DELETE, { id: project }, { token: ADMIN_KEY })), 'BAD_USER_INPUT', 'projects are not deletable');
});

/**
 * Consistent stages of a model: each version's stage is where its stage history ends (NONE without
 * history), at most one live version holds STAGING and PRODUCTION each, and a deleted version
 * keeps a STAGING/PRODUCTION stage only when its deletion was forced (restore brings it back as it was).
 */
async function assertStagesConsistent(model: string, context: string) {
  const rows = await app.sql(`SELECT v.number, v.stage, v.deleted_at IS NOT NULL AS deleted, d.forced,
      COALESCE((SELECT s.to_stage FROM stage_change s WHERE s.model_version_id = v.id ORDER BY s.sequence DESC LIMIT 1), 'NONE') AS last
    FROM model_version v JOIN model m ON m.id = v.model_id LEFT JOIN deletion d ON d.project_id = v.project_id AND d.id = v.deletion_id
    WHERE m.name = $1 ORDER BY v.number`, [model]);
  for (const r of rows) {
    assert.equal(r.stage, r.last, `${context}: version ${r.number}'s stage is where its history ends`);
    if (r.deleted && (r.stage === 'STAGING' || r.stage === 'PRODUCTION')) assert.equal(r.forced, true, `${context}: version ${r.number} kept ${r.stage} through a forced delete only`);
  }
  for (const stage of ['STAGING', 'PRODUCTION']) {
    assert.ok(rows.filter((r) => r.stage === stage && !r.deleted).length <= 1, `${context}: at most one live ${stage} holder`);
  }
}

const PROMOTE = `mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: PRODUCTION, force: true }) { modelVersion { stage } } }`;
const raceRow = async (id: string, reason: string) => (await app.sql(`SELECT stage, deleted_at IS NOT NULL AS deleted,
    (SELECT count(*)::int FROM deletion d WHERE d.reason = $2) AS deletions,
    (SELECT count(*)::int FROM stage_change s WHERE s.model_version_id = v.id) AS changes FROM model_version v WHERE v.id = $1`,
  [Buffer.from(id, 'base64url').toString().split(':')[1], reason]))[0];

test('a delete racing a promotion of the same version: exactly one wins, nothing is half-done', async () => {
  for (let i = 0; i < 20; i++) {
    const id = (await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "raced" }) { id } }`)).createModelVersion.id;
    const [del, promo] = await Promise.all([
      app.gql(DELETE, { id, reason: `race ${i}` }, { token: keys.editor }),
      app.gql(PROMOTE, { id }, { token: keys.editor }),
    ]);
    assert.equal([del, promo].filter((r) => !r.errors).length, 1, `run ${i}: exactly one succeeds`);
    assert.equal(codeOf(del.errors ? del : promo), 'CONFLICT');
    assert.deepEqual(await raceRow(id, `race ${i}`), del.errors
      ? { stage: 'PRODUCTION', deleted: false, deletions: 0, changes: 1 }
      : { stage: 'NONE', deleted: true, deletions: 1, changes: 0 });
    await assertStagesConsistent('raced', `run ${i}`);
  }
});

test('a forced delete racing a promotion: the delete always lands, the promotion only if it came first, and the stages stay consistent', async () => {
  for (let i = 0; i < 20; i++) {
    const id = (await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "raced_forced" }) { id } }`)).createModelVersion.id;
    const [del, promo] = await Promise.all([
      app.gql(DELETE, { id, force: true, reason: `forced race ${i}` }, { token: keys.editor }),
      app.gql(PROMOTE, { id }, { token: keys.editor }),
    ]);
    assert.equal(del.errors, undefined, `run ${i}: a forced delete of a version always succeeds`);
    if (promo.errors) {
      assert.equal(codeOf(promo), 'CONFLICT', `run ${i}: a promotion after the delete finds it deleted`);
      assert.deepEqual(await raceRow(id, `forced race ${i}`), { stage: 'NONE', deleted: true, deletions: 1, changes: 0 });
    } else {
      assert.deepEqual(await raceRow(id, `forced race ${i}`), { stage: 'PRODUCTION', deleted: true, deletions: 1, changes: 1 },
        `run ${i}: promoted, then deleted with its stage as force deletes it`);
    }
    await assertStagesConsistent('raced_forced', `run ${i}`);
  }
  const live = await asAdmin(`{ model(project: "${P}", name: "raced_forced") { versionInStage(stage: PRODUCTION) { number } versions { totalCount } } }`);
  assert.deepEqual(live.model, { versionInStage: null, versions: { totalCount: 0 } });
});
