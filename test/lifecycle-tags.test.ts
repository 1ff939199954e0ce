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
