// Tag colors (hex or ZenML's names) and protected tags: who may add, remove, move or change
// them, and what a delete or a cascade must not take away or hand out silently.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const ADMIN_KEY = 'admin-secret-lifecycle-tags-0001';
const P = 'tagging';
let app: TestApp;
const keys: Record<string, string> = {};
const asAdmin = <T = any>(q: string, v?: Record<string, unknown>) => app.ok<T>(q, v, { token: ADMIN_KEY });
const asEditor = (q: string, v?: Record<string, unknown>) => app.gql(q, v, { token: keys.editor });

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  await asAdmin(`mutation { createProject(input: { name: "${P}" }) { id } }`);
  keys.editor = (await asAdmin(`mutation { createApiKey(input: { name: "editor", role: EDITOR }) { secret } }`)).createApiKey.secret;
});
after(async () => { await app.close(); });

const CREATE_TAG = `mutation($i: CreateTagInput!) { createTag(input: $i) { id name color exclusive } }`;

test('color takes #rrggbb or one of ZenML\'s names, any case, and returns it lowercase as given', async () => {
  const made: Record<string, string | null> = {};
  for (const [name, color] of [['c-hex', '#A0B1C2'], ['c-purple', 'purple'], ['c-grey', 'GREY'], ['c-turquoise', 'Turquoise'], ['c-none', null]] as const) {
    made[name] = (await asAdmin(CREATE_TAG, { i: { project: P, name, color } })).createTag.color;
  }
  assert.deepEqual(made, { 'c-hex': '#a0b1c2', 'c-purple': 'purple', 'c-grey': 'grey', 'c-turquoise': 'turquoise', 'c-none': null });
  const id = (await asAdmin(`{ tag(project: "${P}", name: "c-hex") { id } }`)).tag.id;
  const updated = await asAdmin(`mutation($id: ID!) { updateTag(input: { id: $id, color: "magenta" }) { color } }`, { id });
  assert.equal(updated.updateTag.color, 'magenta');
  const read = await asAdmin(`{ tag(project: "${P}", name: "c-hex") { color } project(name: "${P}") { tags(filter: { name: "startswith:c-" }, orderBy: { field: NAME, direction: ASC }) { nodes { name color } } } }`);
  assert.equal(read.tag.color, 'magenta');
  assert.deepEqual(read.project.tags.nodes, [
    { name: 'c-grey', color: 'grey' }, { name: 'c-hex', color: 'magenta' }, { name: 'c-none', color: null },
    { name: 'c-purple', color: 'purple' }, { name: 'c-turquoise', color: 'turquoise' },
  ]);
  const [row] = await app.sql(`SELECT color FROM tag WHERE name = 'c-purple'`);
  assert.equal(row.color, 'purple', 'names are stored as names, not mapped to hex');
});

test('any other color is BAD_USER_INPUT listing what is accepted, and changes nothing', async () => {
  for (const bad of ['gray', 'crimson', '#abc', '#12345g', 'rgb(0,0,0)', '']) {
    const r = await app.gql(CREATE_TAG, { i: { project: P, name: 'c-bad', color: bad } }, { token: ADMIN_KEY });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', bad);
    assert.equal(r.errors![0].message,
      `color "${bad}" is neither #rrggbb nor one of grey, purple, red, green, yellow, orange, lime, teal, turquoise, magenta, blue`);
  }
  const id = (await asAdmin(`{ tag(project: "${P}", name: "c-purple") { id } }`)).tag.id;
  const r = await app.gql(`mutation($id: ID!) { updateTag(input: { id: $id, color: "silver" }) { color } }`, { id }, { token: ADMIN_KEY });
  assert.equal(codeOf(r), 'BAD_USER_INPUT');
  assert.equal((await asAdmin(`{ tag(project: "${P}", name: "c-bad") { id } c: tag(project: "${P}", name: "c-purple") { color } }`)).tag, null);
  assert.equal((await asAdmin(`{ tag(project: "${P}", name: "c-purple") { color } }`)).tag.color, 'purple');
});

const asEditorOk = async (q: string, v?: Record<string, unknown>) => {
  const r = await asEditor(q, v);
  if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
  return r.data;
};
const ADD = `mutation($r: ID!, $t: [TagInput!]!) { addTags(resource: $r, tags: $t) { id tags { name } } }`;
const REMOVE = `mutation($r: ID!, $t: [String!]!) { removeTags(resource: $r, tags: $t) { id tags { name } } }`;
const NEW_VERSION = `mutation($m: String!, $t: [TagInput!]) { createModelVersion(input: { project: "${P}", model: $m, tags: $t }) { id number } }`;

/** The holders of a tag, by "model:number" for model versions and "run"/"artifact:version" for the rest. */
async function holdersOf(tag: string): Promise<string[]> {
  const rows = await app.sql(`SELECT coalesce(m.name || ':' || v.number, r.name, a.name || ':' || av.version) AS holder
    FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id
    LEFT JOIN model_version v ON v.id = ta.resource_id LEFT JOIN model m ON m.id = v.model_id
    LEFT JOIN pipeline_run r ON r.id = ta.resource_id
    LEFT JOIN artifact_version av ON av.id = ta.resource_id LEFT JOIN artifact a ON a.id = av.artifact_id
    WHERE t.name = $1 ORDER BY 1`, [tag]);
  return rows.map((r) => r.holder);
}

function assertForbidden(r: Awaited<ReturnType<TestApp['gql']>>, message: string) {
  assert.equal(codeOf(r), 'FORBIDDEN', JSON.stringify(r.errors));
  assert.equal(r.errors![0].message, message);
}

test('only an ADMIN creates a protected tag or protects one; Tag.protected reads back on both paths', async () => {
  assertForbidden(await asEditor(CREATE_TAG.replace('exclusive }', 'exclusive protected }'), { i: { project: P, name: 'p-gold', protected: true } }),
    'creating protected tag "p-gold" needs the ADMIN role; this key has EDITOR');
  const made = await asAdmin(`mutation { createTag(input: { project: "${P}", name: "p-gold", protected: true, exclusive: true }) { name exclusive protected } }`);
  assert.deepEqual(made.createTag, { name: 'p-gold', exclusive: true, protected: true });
  const plain = (await asEditorOk(`mutation { createTag(input: { project: "${P}", name: "p-plain" }) { id protected } }`)).createTag;
  assert.equal(plain.protected, false);
  assertForbidden(await asEditor(`mutation($id: ID!) { updateTag(input: { id: $id, protected: true }) { protected } }`, { id: plain.id }),
    'protecting tag "p-plain" needs the ADMIN role; this key has EDITOR');
  const q = `{ tag(project: "${P}", name: "p-gold") { protected } plain: tag(project: "${P}", name: "p-plain") { protected } }`;
  for (const headers of [{}, { 'x-execution-path': 'resolvers' }] as Record<string, string>[]) {
    const r = await app.gql(q, undefined, { token: ADMIN_KEY, headers });
    assert.deepEqual(r.data, { tag: { protected: true }, plain: { protected: false } });
  }
});

test('an EDITOR may not add, move, remove or change a protected tag: FORBIDDEN naming it, nothing changes; an ADMIN may', async () => {
  await asAdmin(`mutation { createTag(input: { project: "${P}", name: "champion", exclusive: true, protected: true }) { id } }`);
  const v1 = (await asAdmin(NEW_VERSION, { m: 'guarded', t: [{ name: 'champion' }] })).createModelVersion.id;
  const v2 = (await asEditorOk(NEW_VERSION, { m: 'guarded', t: [{ name: 'plain-ok' }] })).createModelVersion.id;
  assert.deepEqual(await holdersOf('champion'), ['guarded:1']);

  assertForbidden(await asEditor(ADD, { r: v2, t: [{ name: 'fine' }, { name: 'champion' }] }),
    'adding protected tag "champion" needs the ADMIN role; this key has EDITOR');
  assertForbidden(await asEditor(NEW_VERSION, { m: 'guarded', t: [{ name: 'champion' }] }),
    'adding protected tag "champion" needs the ADMIN role; this key has EDITOR');
  assertForbidden(await asEditor(REMOVE, { r: v1, t: ['champion'] }), 'removing protected tag "champion" needs the ADMIN role; this key has EDITOR');
  const tagId = (await asAdmin(`{ tag(project: "${P}", name: "champion") { id } }`)).tag.id;
  for (const change of ['name: "champ"', 'color: "red"', 'protected: false', 'exclusive: false']) {
    assertForbidden(await asEditor(`mutation($id: ID!) { updateTag(input: { id: $id, ${change} }) { name } }`, { id: tagId }),
      'changing protected tag "champion" needs the ADMIN role; this key has EDITOR');
  }
  assertForbidden(await asEditor(`mutation($id: ID!) { deleteTag(id: $id, force: true) }`, { id: tagId }), 'deleting a tag needs the ADMIN role; this key has EDITOR');
  assert.deepEqual(await holdersOf('champion'), ['guarded:1'], 'refused writes change nothing');
  assert.deepEqual(await holdersOf('fine'), []);
  assert.equal((await asAdmin(`{ model(project: "${P}", name: "guarded") { versions { totalCount } } }`)).model.versions.totalCount, 2);
  assert.deepEqual(await asAdmin(`{ tag(project: "${P}", name: "champion") { name color exclusive protected } }`),
    { tag: { name: 'champion', color: null, exclusive: true, protected: true } });

  // Plain tags stay open to an EDITOR on the same version.
  assert.deepEqual((await asEditorOk(ADD, { r: v1, t: [{ name: 'reviewed' }] })).addTags.tags.map((t: { name: string }) => t.name), ['champion', 'reviewed']);
  const moved = await asAdmin(ADD, { r: v2, t: [{ name: 'champion' }] });
  assert.deepEqual(moved.addTags.tags.map((t: { name: string }) => t.name), ['champion', 'plain-ok']);
  assert.deepEqual(await holdersOf('champion'), ['guarded:2'], 'an ADMIN moves it');
  const updated = await asAdmin(`mutation($id: ID!) { updateTag(input: { id: $id, color: "purple", protected: false }) { color protected } }`, { id: tagId });
  assert.deepEqual(updated.updateTag, { color: 'purple', protected: false });
  assert.deepEqual((await asEditorOk(REMOVE, { r: v2, t: ['champion'] })).removeTags.tags.map((t: { name: string }) => t.name), ['plain-ok'],
    'once unprotected, an EDITOR removes it');
});

test('deleting what holds a protected tag, or owns something that does, is CONFLICT naming the holder unless forced', async () => {
  await asAdmin(`mutation { createTag(input: { project: "${P}", name: "audited", protected: true }) { id } }`);
  await asAdmin(NEW_VERSION, { m: 'kept', t: [] });
  const v2 = (await asAdmin(NEW_VERSION, { m: 'kept', t: [{ name: 'audited' }] })).createModelVersion.id;
  const modelId = (await asAdmin(`{ model(project: "${P}", name: "kept") { id } }`)).model.id;
  const del = `mutation($id: ID!, $f: Boolean) { delete(input: { id: $id, force: $f }) { deleted } }`;
  const onVersion = await asEditor(del, { id: v2 });
  assert.equal(codeOf(onVersion), 'CONFLICT');
  assert.equal(onVersion.errors![0].message, 'model "kept" version 2 holds protected tag "audited"; pass force: true to delete it anyway');
  const onModel = await asEditor(del, { id: modelId });
  assert.equal(codeOf(onModel), 'CONFLICT');
  assert.equal(onModel.errors![0].message, 'model "kept" version 2 holds protected tag "audited"; pass force: true to delete it anyway');
  const still = await asAdmin(`{ model(project: "${P}", name: "kept") { versions { totalCount } } tag(project: "${P}", name: "audited") { usageCount } }`);
  assert.deepEqual(still, { model: { versions: { totalCount: 2 } }, tag: { usageCount: 1 } });
  assert.equal((await app.sql(`SELECT count(*)::int AS n FROM deletion`))[0].n, 0);

  const forced = await asEditorOk(del, { id: modelId, f: true });
  assert.equal(forced.delete.deleted.length, 3);
  assert.equal(forced.delete.deleted[0], modelId);
  assert.equal((await asAdmin(`{ tag(project: "${P}", name: "audited") { usageCount } }`)).tag.usageCount, 0);
});

test('a protected cascade tag only an ADMIN may put on a run reaches the outputs its EDITOR pipeline records', async () => {
  await asAdmin(`mutation { createTag(input: { project: "${P}", name: "certified", protected: true }) { id } }`);
  const run = (await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "cert", name: "cert-1", tags: [{ name: "certified", cascade: true }] }) { id } }`)).startRun.id;
  assertForbidden(await asEditor(`mutation { startRun(input: { project: "${P}", pipeline: "cert", name: "cert-2", tags: [{ name: "certified", cascade: true }] }) { id } }`),
    'adding protected tag "certified" needs the ADMIN role; this key has EDITOR');
  const step = `mutation($r: ID!, $n: String!, $t: [TagInput!]) { recordStep(input: { run: $r, name: $n, status: COMPLETED, outputs: [{ name: "out", artifact: "cert_data", tags: $t }] }) { outputs { artifactVersion { version tags { name } } } } }`;
  // The ADMIN decided the cascade when tagging the run: the pipeline's EDITOR key records its steps.
  const byEditor = await asEditorOk(step, { r: run, n: 'by-editor' });
  assert.deepEqual(byEditor.recordStep.outputs, [{ artifactVersion: { version: '1', tags: [{ name: 'certified' }] } }]);
  // Naming the protected tag itself on an output is still the EDITOR adding it.
  assertForbidden(await asEditor(step, { r: run, n: 'named-by-editor', t: [{ name: 'certified' }] }),
    'adding protected tag "certified" needs the ADMIN role; this key has EDITOR');
  assert.deepEqual(await app.sql(`SELECT name FROM step_run ORDER BY name`), [{ name: 'by-editor' }], 'the refused step left nothing behind');
  const byAdmin = await asAdmin(step, { r: run, n: 'by-admin' });
  assert.deepEqual(byAdmin.recordStep.outputs, [{ artifactVersion: { version: '2', tags: [{ name: 'certified' }] } }]);
  assert.deepEqual(await holdersOf('certified'), ['cert-1', 'cert_data:1', 'cert_data:2']);
});
