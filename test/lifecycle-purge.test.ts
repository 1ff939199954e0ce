// Purge and retention: a dry run lists exactly what the real run removes and changes nothing;
// purged ids are gone from node(id), lineage and every edge table; retention keeps the newest
// versions and every protected one; only ADMIN keys purge; a purge racing restores and links
// removes a list that stays true.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const ADMIN_KEY = 'admin-secret-lifecycle-purge-001';
let app: TestApp;
const keys: Record<string, string> = {};
const asAdmin = <T = any>(q: string, v?: Record<string, unknown>) => app.ok<T>(q, v, { token: ADMIN_KEY });
const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1];

const PURGE = `mutation($i: PurgeInput!) { purge(input: $i) { dryRun removed count } }`;
const DELETE = `mutation($id: ID!, $force: Boolean) { delete(input: { id: $id, force: $force }) { deleted } }`;
const purge = async (i: Record<string, unknown>) => (await asAdmin(PURGE, { i })).purge as { dryRun: boolean; removed: string[]; count: number };
const del = (id: string, force = false) => asAdmin(DELETE, { id, force });

/** The tables a purge deletes from or edits, with their row counts. */
const TABLES = ['pipeline', 'pipeline_run', 'step_run', 'artifact', 'artifact_version', 'model', 'model_version', 'step_input',
  'model_artifact_link', 'stage_change', 'tag_assignment', 'idempotency_key', 'openlineage_run', 'openlineage_dataset', 'deletion', 'event'];
async function counts(): Promise<Record<string, number>> {
  const [row] = await app.sql(`SELECT ${TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`);
  return row;
}
function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(TABLES.filter((t) => a[t] !== b[t]).map((t) => [t, b[t] - a[t]]));
}

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  for (const p of ['purge-trash', 'purge-retention', 'purge-access', 'purge-other', 'purge-race']) {
    await asAdmin(`mutation($p: String!) { createProject(input: { name: $p }) { id } }`, { p });
  }
  const key = async (name: string, role: string, projects?: string[]) =>
    (await asAdmin(`mutation($n: String!, $r: Role!, $p: [String!]) { createApiKey(input: { name: $n, role: $r, projects: $p }) { secret } }`,
      { n: name, r: role, p: projects })).createApiKey.secret as string;
  keys.editor = await key('editor', 'EDITOR');
  keys.viewer = await key('viewer', 'VIEWER');
  keys.scopedHere = await key('admin-access', 'ADMIN', ['purge-access']);
  keys.scopedElsewhere = await key('admin-other', 'ADMIN', ['purge-other']);
});
after(async () => { await app.close(); });

function seeder(project: string) {
  return {
    version: async (artifact: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) => {
      const r = await app.gql(`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id createdAt } }`,
        { i: { project, artifact, ...extra } }, { token: ADMIN_KEY, headers });
      assert.equal(r.errors, undefined);
      return r.data.registerArtifactVersion as { id: string; createdAt: string };
    },
    run: async (pipeline: string, name: string, extra: Record<string, unknown> = {}) =>
      (await asAdmin(`mutation($i: StartRunInput!) { startRun(input: $i) { id } }`, { i: { project, pipeline, name, ...extra } })).startRun.id as string,
    step: async (run: string, name: string, inputs: string[], outputs: string[] = []) =>
      (await asAdmin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id outputs { artifactVersion { id } } } }`, {
        i: { run, name, status: 'COMPLETED', inputs: inputs.map((v, n) => ({ name: `in${n}`, artifactVersion: v })), outputs: outputs.map((a) => ({ name: a, artifact: a })) },
      })).recordStep as { id: string; outputs: { artifactVersion: { id: string } }[] },
    model: async (name: string) => (await asAdmin(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { project, name } })).createModel.id as string,
    modelVersion: async (model: string) =>
      (await asAdmin(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`, { i: { project, model } })).createModelVersion.id as string,
    link: (modelVersion: string, artifactVersion: string, name: string) =>
      app.gql(`mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { id } }`, { i: { modelVersion, artifactVersion, name, kind: 'DATA' } }, { token: ADMIN_KEY }),
    tag: (resource: string, name: string, exclusive = false) =>
      asAdmin(`mutation($r: ID!, $t: [TagInput!]!) { addTags(resource: $r, tags: $t) { id } }`, { r: resource, t: [{ name, exclusive }] }),
  };
}

test('a dry run lists the trash and changes nothing; the real run removes exactly that list with every edge to it', async () => {
  const P = 'purge-trash';
  const s = seeder(P);
  const raw = (await s.version('raw')).id;
  const oldRun = await s.run('pl_old', 'old_1', { tags: [{ name: 'nightly' }] });
  const trainStep = await s.step(oldRun, 'train', [raw], ['weights']);
  const weights = trainStep.outputs[0].artifactVersion.id;
  const oldPipeline = (await asAdmin(`{ pipeline(project: "${P}", name: "pl_old") { id } }`)).pipeline.id;
  const model = await s.model('old_model');
  const [mv1, mv2] = [await s.modelVersion('old_model'), await s.modelVersion('old_model')];
  await asAdmin(`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: PRODUCTION }) { modelVersion { id } } }`, { id: mv1 });
  assert.equal((await s.link(mv1, raw, 'training_data')).errors, undefined);
  const liveRun = await s.run('pl_live', 'live_1', { tags: [{ name: 'nightly' }], model: { name: 'old_model', version: '1' } });
  const loneRun = await s.run('pl_live', 'live_2');
  const scratch1 = (await s.version('scratch', { tags: [{ name: 'tmp' }] }, { 'idempotency-key': 'purge-scratch-1' })).id;
  const scratch2 = (await s.version('scratch')).id;
  const scratch = (await asAdmin(`{ artifact(project: "${P}", name: "scratch") { id } }`)).artifact.id;
  const beforeDeletes = (await app.sql('SELECT clock_timestamp() AS t'))[0].t as Date;

  await del(oldPipeline);
  await del(model, true);
  await del(scratch);
  await del(loneRun);

  const expected = [oldPipeline, oldRun, loneRun, trainStep.id, scratch, scratch1, scratch2, model, mv1, mv2];
  const nightly = async () => (await asAdmin(`{ tag(project: "${P}", name: "nightly") { usageCount } }`)).tag.usageCount;
  assert.equal(await nightly(), 1);
  const start = await counts();
  const early = await purge({ project: P, deletedBefore: beforeDeletes.toISOString() });
  assert.deepEqual(early, { dryRun: true, removed: [], count: 0 }, 'nothing was deleted before that moment');
  const dry = await purge({ project: P });
  assert.deepEqual(dry, { dryRun: true, removed: expected, count: 10 });
  assert.deepEqual(await counts(), start, 'a dry run changes nothing');

  const real = await purge({ project: P, dryRun: false });
  assert.deepEqual(real, { dryRun: false, removed: dry.removed, count: 10 });
  assert.deepEqual(diff(start, await counts()), {
    pipeline: -1, pipeline_run: -2, step_run: -1, artifact: -1, artifact_version: -2, model: -1, model_version: -2,
    step_input: -1, model_artifact_link: -1, stage_change: -1, tag_assignment: -2, idempotency_key: -1, event: 10,
  });
  const nodes = await asAdmin(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: real.removed });
  assert.deepEqual(nodes.nodes, real.removed.map(() => null));

  // What stays loses its edges to what went: the output of the purged step, the run of the purged version.
  const left = await asAdmin(`query($w: ID!, $r: ID!, $raw: ID!) {
      w: node(id: $w) { ... on ArtifactVersion { version producedBy { id } deletedAt } }
      r: node(id: $r) { ... on PipelineRun { name modelVersion { id } } }
      down: lineage(of: $raw, direction: DOWNSTREAM) { nodes { ... on ArtifactVersion { id } ... on StepRun { id } } edges { kind } }
      raw: node(id: $raw) { ... on ArtifactVersion { consumedBy { id } modelVersions { id } } } }`, { w: weights, r: liveRun, raw });
  assert.deepEqual(left, {
    w: { version: '1', producedBy: null, deletedAt: null },
    r: { name: 'live_1', modelVersion: null },
    down: { nodes: [{ id: raw }], edges: [] },
    raw: { consumedBy: [], modelVersions: [] },
  });
  assert.equal(await nightly(), 1, 'the purged run was deleted already: usageCount does not move');
  const events = await asAdmin(`query($s: ID!) { events(filter: { subject: $s, kinds: [ENTITY_DELETED] }, first: 100) { nodes { subjectId data } } }`, { s: scratch });
  assert.deepEqual(events.events.nodes.filter((e: { data: { purged?: boolean } }) => e.data.purged),
    [scratch, scratch1, scratch2].map((id) => ({ subjectId: id, data: { purged: true, rule: 'trash' } })), 'purge events name the artifact their versions lived in');
  assert.equal((await app.sql(`SELECT count(*)::int AS n FROM deletion d JOIN project p ON p.id = d.project_id WHERE p.name = $1 AND d.restored_at IS NULL`, [P]))[0].n, 4, 'deletion records stay as the audit trail');
  assert.deepEqual(await purge({ project: P, dryRun: false }), { dryRun: false, removed: [], count: 0 });
  const replay = await app.gql(`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }`,
    { i: { project: P, artifact: 'scratch', tags: [{ name: 'tmp' }] } }, { token: ADMIN_KEY, headers: { 'idempotency-key': 'purge-scratch-1' } });
  assert.notEqual(replay.data.registerArtifactVersion.id, scratch1, 'the key of a purged version no longer replays it');
});

test('retention keeps the newest versions and every protected one, and respects olderThan', async () => {
  const P = 'purge-retention';
  const s = seeder(P);
  const v: { id: string; createdAt: string }[] = [];
  for (let i = 1; i <= 10; i++) v.push(await s.version('ds'));
  for (let i = 1; i <= 5; i++) await s.version('other');
  for (let i = 1; i <= 2; i++) await s.version('ds_small');
  const id = (n: number) => v[n - 1].id;
  await s.model('m');
  const [keptMv, goneMv] = [await s.modelVersion('m'), await s.modelVersion('m')];
  assert.equal((await s.link(keptMv, id(1), 'data')).errors, undefined);
  await s.tag(id(2), 'golden', true);
  const keptRun = await s.run('pl', 'kept');
  await s.step(keptRun, 'read', [id(3)]);
  const goneRun = await s.run('pl', 'gone');
  const goneStep = await s.step(goneRun, 'read', [id(4)]);
  await s.tag(id(5), 'plain');
  assert.equal((await s.link(goneMv, id(6), 'data')).errors, undefined);
  const keepMe = (await asAdmin(`mutation { createTag(input: { project: "${P}", name: "keep-me", protected: true }) { id } }`)).createTag.id;
  await s.tag(id(7), 'keep-me');
  await del(goneRun);
  await del(goneMv);

  const plainUsage = async () => (await asAdmin(`{ tag(project: "${P}", name: "plain") { usageCount } }`)).tag.usageCount;
  const artifactView = async (artifact: string) => (await asAdmin(`query($a: String!) { artifact(project: "${P}", name: $a) {
    versions(orderBy: { field: CREATED_AT, direction: ASC }) { totalCount nodes { version } } latestVersion { version } } }`, { a: artifact })).artifact;
  const versions = async (artifact: string) => {
    const a = await artifactView(artifact);
    return { totalCount: a.versions.totalCount, nodes: a.versions.nodes, latestVersion: a.latestVersion };
  };
  const rule = { artifact: 'startswith:ds', keepLatest: 2 };
  const start = await counts();
  const withOlderThan = await purge({ project: P, retention: { ...rule, olderThan: v[7].createdAt } });
  assert.deepEqual(withOlderThan.removed, [goneRun, goneStep.id, id(4), id(5), id(6), goneMv],
    'the trash, and versions 4 (read by a purged run), 5 (a plain tag) and 6 (linked to a purged model version); 8 is not older than olderThan');
  const all = await purge({ project: P, retention: rule });
  assert.deepEqual(all.removed, [goneRun, goneStep.id, id(4), id(5), id(6), id(8), goneMv]);
  assert.deepEqual(await counts(), start);

  assert.equal(await plainUsage(), 1);
  const real = await purge({ project: P, retention: { ...rule, olderThan: v[7].createdAt }, dryRun: false });
  assert.deepEqual(real.removed, withOlderThan.removed);
  assert.equal(await plainUsage(), 0, 'usageCount counts the live version that went');
  assert.deepEqual(await versions('ds'), { totalCount: 7, nodes: ['1', '2', '3', '7', '8', '9', '10'].map((n) => ({ version: n })), latestVersion: { version: '10' } });
  assert.deepEqual((await versions('ds_small')).totalCount, 2);
  assert.deepEqual((await versions('other')).totalCount, 5);

  assert.deepEqual((await purge({ project: P, retention: rule, dryRun: false })).removed, [id(8)]);
  assert.deepEqual((await versions('ds')).nodes.map((n: { version: string }) => n.version), ['1', '2', '3', '7', '9', '10']);
  const none = await purge({ project: P, retention: { artifact: 'equals:ds', keepLatest: 0 }, dryRun: false });
  assert.deepEqual(none.removed, [id(9), id(10)], 'keepLatest 0 keeps only the protected versions');
  assert.deepEqual(await versions('ds'), { totalCount: 4, nodes: ['1', '2', '3', '7'].map((n) => ({ version: n })), latestVersion: { version: '7' } });
  await asAdmin(`mutation($id: ID!) { updateTag(input: { id: $id, protected: false }) { id } }`, { id: keepMe });
  assert.deepEqual((await purge({ project: P, retention: { artifact: 'equals:ds', keepLatest: 0 } })).removed, [id(7)],
    'the protection is the tag\'s: unprotected, version 7 would go');
  const bad = await app.gql(PURGE, { i: { project: P, retention: { artifact: 'ds', keepLatest: -1 } } }, { token: ADMIN_KEY });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
});

test('only ADMIN keys purge, a scoped one only its own projects; a refused purge changes nothing', async () => {
  const P = 'purge-access';
  const s = seeder(P);
  const doomed = (await s.version('doomed')).id;
  await del(doomed);
  const start = await counts();
  for (const token of [keys.editor, keys.viewer]) {
    for (const dryRun of [true, false]) {
      const r = await app.gql(PURGE, { i: { project: P, dryRun } }, { token });
      assert.equal(codeOf(r), 'FORBIDDEN');
    }
  }
  const elsewhere = await app.gql(PURGE, { i: { project: P, dryRun: false } }, { token: keys.scopedElsewhere });
  assert.equal(codeOf(elsewhere), 'NOT_FOUND', 'a key limited to other projects does not see this one');
  assert.match(elsewhere.errors![0].message, /project "purge-access" not found/);
  assert.deepEqual(await counts(), start);
  const r = await app.ok(PURGE, { i: { project: P, dryRun: false } }, { token: keys.scopedHere });
  assert.deepEqual(r.purge, { dryRun: false, removed: [doomed], count: 1 });
});

test('purge handles every foreign key into the tables it deletes from', async () => {
  // A new table referencing one of these needs a line in PurgeService.remove and here.
  const refs = await app.sql(`SELECT ref FROM (
    SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ',' ORDER BY a.attname) || ') -> ' || c.confrelid::regclass::text AS ref
    FROM pg_constraint c JOIN LATERAL unnest(c.conkey) k(n) ON true JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
    WHERE c.contype = 'f' AND c.confrelid::regclass::text IN ('pipeline', 'pipeline_run', 'step_run', 'artifact', 'artifact_version', 'model', 'model_version')
    GROUP BY c.oid, c.conrelid, c.confrelid) x ORDER BY ref COLLATE "C"`);
  assert.deepEqual(refs.map((r) => r.ref), [
    'artifact_version(artifact_id,project_id) -> artifact',
    'artifact_version(producer_run_id,project_id) -> pipeline_run',
    'artifact_version(producer_step_id,project_id) -> step_run',
    'model_artifact_link(artifact_version_id,project_id) -> artifact_version',
    'model_artifact_link(model_version_id,project_id) -> model_version',
    'model_version(model_id,project_id) -> model',
    'openlineage_dataset(artifact_id,project_id) -> artifact',
    'openlineage_run(pipeline_run_id,project_id) -> pipeline_run',
    'openlineage_run(project_id,step_run_id) -> step_run',
    'pipeline_run(model_version_id,project_id) -> model_version',
    'pipeline_run(pipeline_id,project_id) -> pipeline',
    'stage_change(model_version_id,project_id) -> model_version',
    'step_input(artifact_version_id,project_id) -> artifact_version',
    'step_input(project_id,step_run_id) -> step_run',
    'step_run(project_id,run_id) -> pipeline_run',
  ]);
});

test('a purge racing restores and links removes a list that stays true: each race has one winner and no half-done state', async () => {
  const P = 'purge-race';
  const s = seeder(P);
  await s.model('linker');
  const mv = await s.modelVersion('linker');
  const outcomes: Record<string, number> = {};
  for (let round = 0; round < 20; round++) {
    const older = (await s.version(`race_${round}`)).id;
    await s.version(`race_${round}`);
    const trashModel = await s.model(`trash_${round}`);
    await s.modelVersion(`trash_${round}`);
    await del(trashModel);
    const [purged, linked, restored] = await Promise.all([
      app.gql(PURGE, { i: { project: P, dryRun: false, retention: { artifact: `equals:race_${round}`, keepLatest: 1 } } }, { token: ADMIN_KEY }),
      s.link(mv, older, `data_${round}`),
      app.gql(`mutation($id: ID!) { restore(id: $id) { id } }`, { id: trashModel }, { token: ADMIN_KEY }),
    ]);
    assert.equal(purged.errors, undefined, `round ${round}: the purge itself succeeds`);
    const removed: string[] = purged.data.purge.removed;
    const gone = async (table: string, globalId: string) => (await app.sql(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [uuidOf(globalId)]))[0].n === 0;

    if (linked.errors) {
      assert.equal(codeOf(linked), 'NOT_FOUND', `round ${round}: a link that loses finds the version gone`);
      assert.ok(removed.includes(older) && await gone('artifact_version', older));
    } else {
      assert.ok(!removed.includes(older), `round ${round}: a linked version is protected`);
      assert.equal(await gone('artifact_version', older), false);
    }
    if (restored.errors) {
      assert.equal(codeOf(restored), 'NOT_FOUND', `round ${round}: a restore that loses finds the model gone`);
      assert.ok(removed.includes(trashModel) && await gone('model', trashModel));
      assert.equal(removed.length, linked.errors ? 3 : 2, 'the model, its version and maybe the unlinked artifact version');
    } else {
      assert.ok(!removed.includes(trashModel), `round ${round}: a restored model is not purged`);
      const [row] = await app.sql(`SELECT m.deleted_at IS NULL AS live, (SELECT count(*)::int FROM model_version v WHERE v.model_id = m.id AND v.deleted_at IS NULL) AS versions
        FROM model m WHERE m.id = $1`, [uuidOf(trashModel)]);
      assert.deepEqual(row, { live: true, versions: 1 });
    }
    for (const id of removed) {
      const [kind] = Buffer.from(id, 'base64url').toString().split(':');
      const table = { Model: 'model', ModelVersion: 'model_version', ArtifactVersion: 'artifact_version' }[kind]!;
      assert.ok(await gone(table, id), `round ${round}: ${kind} in the list is gone`);
    }
    const key = `${linked.errors ? 'purged' : 'linked'}/${restored.errors ? 'purged' : 'restored'}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  assert.equal(Object.values(outcomes).reduce((a, b) => a + b, 0), 20, JSON.stringify(outcomes));
});

test('a link committed while the purge waits for the version\'s lock takes the version off the list: nothing linked is removed', async () => {
  const P = 'purge-race';
  const s = seeder(P);
  const older = (await s.version('held')).id;
  await s.version('held');
  await s.model('holder');
  const mv = await s.modelVersion('holder');
  const retention = { artifact: 'equals:held', keepLatest: 1 };
  assert.deepEqual((await purge({ project: P, retention })).removed, [older]);
  // A link written but not committed holds a key-share lock on the version through its foreign key.
  const linker = new Client({ connectionString: app.databaseUrl });
  await linker.connect();
  try {
    await linker.query('BEGIN');
    await linker.query(`INSERT INTO model_artifact_link (project_id, model_version_id, name, kind, artifact_version_id)
      SELECT project_id, $1, 'held', 'DATA', $2 FROM model_version WHERE id = $1`, [uuidOf(mv), uuidOf(older)]);
    const purging = app.gql(PURGE, { i: { project: P, retention, dryRun: false } }, { token: ADMIN_KEY });
    // The purge planned the version (the link is not committed) and now waits to lock it.
    for (let i = 0; i < 500; i++) {
      const [w] = await app.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
        AND query LIKE '%FOR UPDATE%'`);
      if (w.n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await linker.query('COMMIT');
    const r = await purging;
    assert.equal(r.errors, undefined);
    assert.deepEqual(r.data.purge, { dryRun: false, removed: [], count: 0 });
  } finally {
    await linker.end();
  }
  const kept = await asAdmin(`query($id: ID!) { node(id: $id) { ... on ArtifactVersion { modelVersions { id } } } }`, { id: older });
  assert.deepEqual(kept.node.modelVersions, [{ id: mv }]);
});
