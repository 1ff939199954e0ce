// or/not on list filters, nested, combined with the rest of the filter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject } from './helpers/fixtures';

let app: TestApp;
const P = 'logic';
before(async () => {
  app = await startTestApp();
  await createProject(app, P);
  const models: [string, string[]][] = [['m_rf', ['random-forest']], ['m_xgb', ['xgboost']], ['m_rf_old', ['random-forest', 'deprecated']],
    ['m_mlp', ['mlp']], ['m_both', ['random-forest', 'xgboost']]];
  for (const [name, tags] of models) {
    await app.ok(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { project: P, name, tags: tags.map((t) => ({ name: t })) } });
  }
  for (const [i, acc] of [0.95, 0.7, 0.88, 0.99].entries()) {
    await app.ok(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`,
      { i: { project: P, model: 'm_rf', name: `v_${i}`, metadata: { accuracy: acc }, tags: i % 2 ? [{ name: 'candidate' }] : [] } });
  }
});
after(async () => { await app.close(); });

async function models(filter: unknown) {
  const r = await app.ok(`query($f: ListFilter) { project(name: "${P}") { models(filter: $f, orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name } } } }`, { f: filter });
  return r.project.models.nodes.map((n: { name: string }) => n.name);
}

test('models tagged random-forest or xgboost but not deprecated', async () => {
  assert.deepEqual(await models({ or: [{ tags: ['random-forest'] }, { tags: ['xgboost'] }], not: { tags: ['deprecated'] } }), ['m_both', 'm_rf', 'm_xgb']);
  assert.deepEqual(await models({ or: [{ tags: ['random-forest'] }, { tags: ['xgboost'] }] }), ['m_both', 'm_rf', 'm_rf_old', 'm_xgb']);
  assert.deepEqual(await models({ not: { or: [{ tags: ['random-forest'] }, { tags: ['xgboost'] }] } }), ['m_mlp']);
});

test('or combines with the rest of its filter, nests, and an empty or matches nothing', async () => {
  assert.deepEqual(await models({ name: 'startswith:m_rf', or: [{ tags: ['deprecated'] }, { name: 'm_xgb' }] }), ['m_rf_old']);
  assert.deepEqual(await models({ or: [{ name: 'm_mlp' }, { or: [{ name: 'm_xgb' }, { not: { name: 'startswith:m_' } }] }] }), ['m_mlp', 'm_xgb']);
  assert.deepEqual(await models({ or: [] }), []);
  assert.deepEqual(await models({ not: {} }), [], 'not of an empty filter excludes everything');
});

test('model versions: or over metadata conditions and tags, not over a metadata range', async () => {
  const r = await app.ok(`{ model(project: "${P}", name: "m_rf") {
    either: versions(filter: { or: [{ metadata: [{ key: "accuracy", gte: 0.95 }] }, { tags: ["candidate"] }] }, orderBy: { field: NAME, direction: ASC }) { nodes { name } }
    notHigh: versions(filter: { not: { metadata: [{ key: "accuracy", gt: 0.9 }] } }, orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name } } } }`);
  assert.deepEqual(r.model.either.nodes.map((n: { name: string }) => n.name), ['v_0', 'v_1', 'v_3']);
  assert.deepEqual(r.model.notHigh, { totalCount: 2, nodes: [{ name: 'v_1' }, { name: 'v_2' }] });
});

test('or/not nest at most 8 deep', async () => {
  let f: Record<string, unknown> = { name: 'm_rf' };
  for (let i = 0; i < 9; i++) f = { not: f };
  const r = await app.gql(`query($f: ListFilter) { project(name: "${P}") { models(filter: $f) { totalCount } } }`, { f });
  assert.equal(codeOf(r), 'BAD_USER_INPUT');
});
