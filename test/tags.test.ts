import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject, names, recordStep, registerVersion, startRun, tagNames } from './helpers/fixtures';

let app: TestApp;
before(async () => {
  app = await startTestApp();
  await createProject(app, 'fraud-detection');
});
after(async () => { await app.close(); });

const P = 'fraud-detection';

async function createPipeline(name: string, tags: unknown[] = []) {
  return (await app.ok(`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id name tags { name } } }`,
    { i: { project: P, name, tags } })).createPipeline;
}

async function holders(tag: string): Promise<string[]> {
  const rows = await app.sql(`SELECT ta.resource_id FROM tag_assignment ta JOIN tag t ON t.id = ta.tag_id WHERE t.name = $1`, [tag]);
  return rows.map((r) => r.resource_id);
}

test('tags given at creation land on the entity and unknown names create tags', async () => {
  const p = await createPipeline('fraud_detection_training', [{ name: 'fraud-detection' }, { name: 'training' }, { name: 'financial-services' }]);
  assert.deepEqual(p.tags.map((t: { name: string }) => t.name), ['financial-services', 'fraud-detection', 'training']);
  const tag = await app.ok(`{ tag(project: "${P}", name: "training") { name exclusive usageCount project { name } } }`);
  assert.deepEqual(tag.tag, { name: 'training', exclusive: false, usageCount: 1, project: { name: P } });
});

test('adding a tag twice is a no-op and removing an absent tag is a no-op', async () => {
  const p = await createPipeline('twice');
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "a" }, { name: "a" }]) { id } }`, { r: p.id });
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "a" }]) { id } }`, { r: p.id });
  assert.deepEqual(await tagNames(app, p.id), ['a']);
  const removed = await app.ok(`mutation($r: ID!) { removeTags(resource: $r, tags: ["zzz", "a"]) { id tags { name } } }`, { r: p.id });
  assert.deepEqual(removed.removeTags.tags, []);
  await app.ok(`mutation($r: ID!) { removeTags(resource: $r, tags: ["a"]) { id } }`, { r: p.id });
  assert.equal((await app.ok(`{ tag(project: "${P}", name: "a") { usageCount } }`)).tag.usageCount, 0);
});

test('an exclusive tag moves between pipelines of a project', async () => {
  const a = await createPipeline('excl_a', [{ name: 'production', exclusive: true }]);
  const b = await createPipeline('excl_b');
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "production" }]) { id } }`, { r: b.id });
  assert.deepEqual(await tagNames(app, a.id), []);
  assert.deepEqual(await tagNames(app, b.id), ['production']);
  const tag = await app.ok(`{ tag(project: "${P}", name: "production") { exclusive usageCount } }`);
  assert.deepEqual(tag.tag, { exclusive: true, usageCount: 1 });
});

test('an exclusive tag has one holder per pipeline for runs, so two pipelines hold it at once', async () => {
  const r1 = await startRun(app, { project: P, pipeline: 'pipe_a', tags: [{ name: 'best-run', exclusive: true }] });
  const r2 = await startRun(app, { project: P, pipeline: 'pipe_a', tags: [{ name: 'best-run' }] });
  const r3 = await startRun(app, { project: P, pipeline: 'pipe_b', tags: [{ name: 'best-run' }] });
  assert.deepEqual(await tagNames(app, r1.id), []);
  assert.deepEqual(await tagNames(app, r2.id), ['best-run']);
  assert.deepEqual(await tagNames(app, r3.id), ['best-run']);
});

test('20 concurrent requests applying one exclusive tag to 20 runs of a pipeline leave exactly one holder', async () => {
  const runs = [];
  for (let i = 0; i < 20; i++) runs.push(await startRun(app, { project: P, pipeline: 'race_pipe' }));
  await app.ok(`mutation { createTag(input: { project: "${P}", name: "champion", exclusive: true }) { id } }`);
  const results = await Promise.all(runs.map((r) => app.gql(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "champion" }]) { id } }`, { r: r.id })));
  for (const r of results) assert.ok(!r.errors || ['CONFLICT'].includes(String(codeOf(r))), JSON.stringify(r.errors));
  const ok = results.filter((r) => !r.errors).length;
  assert.ok(ok >= 1);
  assert.equal((await holders('champion')).length, 1);
  assert.equal((await app.ok(`{ tag(project: "${P}", name: "champion") { usageCount } }`)).tag.usageCount, 1);
});

test('a cascade tag on a run lands on every version its steps produce, and nowhere else', async () => {
  const run = await startRun(app, { project: P, pipeline: 'cascade_pipe', tags: [{ name: 'experiment-1' }, { name: 'financial-domain', cascade: true }] });
  const step1 = await recordStep(app, { run: run.id, name: 'load', outputs: [{ name: 'ds', artifact: 'transaction_dataset', tags: [{ name: 'raw-data' }] }] });
  const step2 = await recordStep(app, { run: run.id, name: 'features', outputs: [{ name: 'out', artifact: 'processed_features' }] });
  const elsewhere = await registerVersion(app, { project: P, artifact: 'transaction_dataset' });
  const other = await startRun(app, { project: P, pipeline: 'cascade_pipe' });
  const otherStep = await recordStep(app, { run: other.id, name: 'load', outputs: [{ name: 'ds', artifact: 'transaction_dataset' }] });
  assert.deepEqual(await tagNames(app, step1.outputs[0].artifactVersion.id), ['financial-domain', 'raw-data']);
  assert.deepEqual(await tagNames(app, step2.outputs[0].artifactVersion.id), ['financial-domain']);
  assert.deepEqual(await tagNames(app, elsewhere.id), []);
  assert.deepEqual(await tagNames(app, otherStep.outputs[0].artifactVersion.id), []);
  assert.deepEqual(await tagNames(app, run.id), ['experiment-1', 'financial-domain']);
});

test('a cascade exclusive tag keeps one holder per artifact', async () => {
  const run = await startRun(app, { project: P, pipeline: 'cascade_excl', tags: [{ name: 'golden', exclusive: true, cascade: true }] });
  const s1 = await recordStep(app, { run: run.id, name: 's1', outputs: [{ name: 'o', artifact: 'golden_art' }] });
  const s2 = await recordStep(app, { run: run.id, name: 's2', outputs: [{ name: 'o', artifact: 'golden_art' }, { name: 'p', artifact: 'golden_other' }] });
  assert.deepEqual(await tagNames(app, s1.outputs[0].artifactVersion.id), []);
  assert.deepEqual(await tagNames(app, s2.outputs[0].artifactVersion.id), ['golden']);
  assert.deepEqual(await tagNames(app, s2.outputs[1].artifactVersion.id), ['golden']);
});

test('tag filters: every operator, AND of entries, and withoutTags', async () => {
  const mk = async (name: string, tags: string[]) =>
    app.ok(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { project: P, name, tags: tags.map((t) => ({ name: t })) } });
  await mk('m_rf95', ['random-forest', 'accuracy-95', 'env:prod']);
  await mk('m_rf92', ['random-forest', 'accuracy-92', 'environment-staging']);
  await mk('m_xgb97', ['xgboost', 'accuracy-97']);
  await mk('m_plain', []);
  const models = async (filter: Record<string, unknown>) =>
    names((await app.ok(`query($f: ListFilter) { project(name: "${P}") { models(filter: $f, first: 100, orderBy: { field: NAME, direction: ASC }) { nodes { name } } } }`, { f: filter })).project.models);
  assert.deepEqual(await models({ tags: ['startswith:accuracy-9'] }), ['m_rf92', 'm_rf95', 'm_xgb97']);
  assert.deepEqual(await models({ tags: ['random-forest', 'startswith:accuracy-9'] }), ['m_rf92', 'm_rf95']);
  assert.deepEqual(await models({ tags: ['random-forest', 'accuracy-97'] }), []);
  assert.deepEqual(await models({ tags: ['equals:xgboost'] }), ['m_xgb97']);
  assert.deepEqual(await models({ tags: ['endswith:-95'] }), ['m_rf95']);
  assert.deepEqual(await models({ tags: ['contains:forest'] }), ['m_rf92', 'm_rf95']);
  assert.deepEqual(await models({ tags: ['oneof:xgboost,accuracy-92'] }), ['m_rf92', 'm_xgb97']);
  assert.deepEqual(await models({ tags: ['notequals:random-forest'] }), ['m_rf92', 'm_rf95', 'm_xgb97']);
  assert.deepEqual(await models({ tags: ['env:prod'] }), ['m_rf95'], 'a value whose prefix is no operator is matched whole');
  assert.deepEqual(await models({ withoutTags: ['startswith:environment-', 'env:prod'] }), ['m_plain', 'm_xgb97']);
  assert.deepEqual(await models({ tags: ['startswith:accuracy-9'], withoutTags: ['random-forest'] }), ['m_xgb97']);
  assert.deepEqual(await models({ name: 'contains:rf', tags: ['accuracy-92'] }), ['m_rf92']);
  assert.deepEqual(await models({ tags: ['startswith:a%'] }), [], 'LIKE wildcards in values are literal');
  for (const bad of ['oneof:', 'x'.repeat(256)]) {
    const r = await app.gql(`query($f: ListFilter) { project(name: "${P}") { models(filter: $f) { totalCount } } }`, { f: { tags: [bad] } });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', bad.slice(0, 10));
  }
  const r = await app.gql(`{ project(name: "${P}") { models(filter: { tags: [5] }) { totalCount } } }`);
  assert.equal(codeOf(r), 'BAD_USER_INPUT');
});

test('pipelines filter by name predicate', async () => {
  await createPipeline('data_processing');
  await createPipeline('postprocess_v2');
  const r = await app.ok(`{ project(name: "${P}") { pipelines(filter: { name: "contains:process" }, orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name } } } }`);
  assert.deepEqual(names(r.project.pipelines), ['data_processing', 'postprocess_v2']);
  assert.equal(r.project.pipelines.totalCount, 2);
});

test('the tag registry: create with color, rename, conflicts, usageCount and deletion with and without force', async () => {
  const created = await app.ok(`mutation { createTag(input: { project: "${P}", name: "registry", color: "#AABBCC" }) { id name color exclusive usageCount } }`);
  assert.deepEqual({ ...created.createTag, id: undefined }, { id: undefined, name: 'registry', color: '#aabbcc', exclusive: false, usageCount: 0 });
  const id = created.createTag.id;
  assert.equal(codeOf(await app.gql(`mutation { createTag(input: { project: "${P}", name: "bad-color", color: "crimson" }) { id } }`)), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(`mutation { createTag(input: { project: "${P}", name: "registry" }) { id } }`)), 'CONFLICT');
  const p = await createPipeline('registry_pipe', [{ name: 'registry' }]);
  assert.equal((await app.ok(`query($id: ID!) { node(id: $id) { ... on Tag { usageCount } } }`, { id })).node.usageCount, 1);
  assert.equal(codeOf(await app.gql(`mutation($id: ID!) { updateTag(input: { id: $id, name: "training" }) { id } }`, { id })), 'CONFLICT');
  const renamed = await app.ok(`mutation($id: ID!) { updateTag(input: { id: $id, name: "registry2", color: "#000000" }) { name color } }`, { id });
  assert.deepEqual(renamed.updateTag, { name: 'registry2', color: '#000000' });
  assert.deepEqual(await tagNames(app, p.id), ['registry2']);
  const inUse = await app.gql(`mutation($id: ID!) { deleteTag(id: $id) }`, { id });
  assert.equal(codeOf(inUse), 'CONFLICT');
  assert.deepEqual(await tagNames(app, p.id), ['registry2'], 'a refused delete changes nothing');
  const forced = await app.ok(`mutation($id: ID!) { deleteTag(id: $id, force: true) }`, { id });
  assert.equal(forced.deleteTag, id);
  assert.deepEqual(await tagNames(app, p.id), []);
  assert.equal((await app.ok(`{ tag(project: "${P}", name: "registry2") { id } }`)).tag, null);
  const unused = await app.ok(`mutation { createTag(input: { project: "${P}", name: "unused" }) { id } }`);
  assert.equal((await app.ok(`mutation($id: ID!) { deleteTag(id: $id) }`, { id: unused.createTag.id })).deleteTag, unused.createTag.id);
});

test('updateTag(exclusive: true) fails with CONFLICT naming the holders when a scope has several', async () => {
  await createPipeline('shared_1', [{ name: 'shared' }]);
  await createPipeline('shared_2', [{ name: 'shared' }]);
  const tag = await app.ok(`{ tag(project: "${P}", name: "shared") { id } }`);
  const r = await app.gql(`mutation($id: ID!) { updateTag(input: { id: $id, exclusive: true }) { exclusive } }`, { id: tag.tag.id });
  assert.equal(codeOf(r), 'CONFLICT');
  assert.match(r.errors![0].message, /pipeline "shared_1", pipeline "shared_2"/);
  await app.ok(`mutation { removeTags(resource: "${(await app.ok(`{ pipeline(project: "${P}", name: "shared_2") { id } }`)).pipeline.id}", tags: ["shared"]) { id } }`);
  const ok = await app.ok(`mutation($id: ID!) { updateTag(input: { id: $id, exclusive: true }) { exclusive usageCount } }`, { id: tag.tag.id });
  assert.deepEqual(ok.updateTag, { exclusive: true, usageCount: 1 });
});

test('Project.tags lists the project tags with a name filter', async () => {
  const r = await app.ok(`{ project(name: "${P}") { tags(filter: { name: "startswith:accuracy-" }, orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name usageCount } } } }`);
  assert.deepEqual(r.project.tags.nodes, [{ name: 'accuracy-92', usageCount: 1 }, { name: 'accuracy-95', usageCount: 1 }, { name: 'accuracy-97', usageCount: 1 }]);
});
