// Edits and updatedAt: renames keep ids and links, taken names are CONFLICT, updatedAt follows
// every change (fields, tags, metadata, stage) and lists filter and sort on it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const ADMIN_KEY = 'admin-secret-lifecycle-edits-0001';
let app: TestApp;
let editorKey: string;
const P = 'edits';
const asAdmin = <T = any>(q: string, v?: Record<string, unknown>) => app.ok<T>(q, v, { token: ADMIN_KEY });
const asEditor = (q: string, v?: Record<string, unknown>) => app.gql(q, v, { token: editorKey });

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  await asAdmin(`mutation { createProject(input: { name: "${P}", displayName: "Edits" }) { id } }`);
  editorKey = (await asAdmin(`mutation { createApiKey(input: { name: "editor", role: EDITOR }) { secret } }`)).createApiKey.secret;
});
after(async () => { await app.close(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('updateProject changes display name and description, keeps the name, and is ADMIN only', async () => {
  const { project } = await asAdmin(`{ project(name: "${P}") { id createdAt updatedAt } }`);
  assert.equal(project.updatedAt, project.createdAt);
  const denied = await asEditor(`mutation($id: ID!) { updateProject(input: { id: $id, displayName: "nope" }) { id } }`, { id: project.id });
  assert.equal(codeOf(denied), 'FORBIDDEN');
  const r = await asAdmin(`mutation($id: ID!) { updateProject(input: { id: $id, displayName: "Lifecycle edits", description: "renames" }) { id name displayName description updatedAt } }`, { id: project.id });
  assert.deepEqual({ ...r.updateProject, updatedAt: undefined }, { id: project.id, name: P, displayName: 'Lifecycle edits', description: 'renames', updatedAt: undefined });
  assert.ok(r.updateProject.updatedAt > project.updatedAt);
  const cleared = await asAdmin(`mutation($id: ID!) { updateProject(input: { id: $id, description: null }) { displayName description } }`, { id: project.id });
  assert.deepEqual(cleared.updateProject, { displayName: 'Lifecycle edits', description: null });
});

test('renaming a model keeps its id, versions, stages and links; the new name finds it and the old one does not', async () => {
  // startRun with a model and no version creates version 1 of it.
  const run = (await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "train", model: { name: "fraud" } }) { id } }`)).startRun;
  const step = (await asAdmin(`mutation($r: ID!) { recordStep(input: { run: $r, name: "trainer", status: COMPLETED, outputs: [{ name: "clf", artifact: "clf", linkToModelAs: MODEL }] }) { outputs { artifactVersion { id } } } }`,
    { r: run.id })).recordStep;
  const before = await asAdmin(`{ model(project: "${P}", name: "fraud") { id versions { nodes { id number } } } }`);
  const renamed = await asEditor(`mutation($id: ID!) { updateModel(input: { id: $id, name: "fraud_v2", description: "renamed", license: "MIT" }) { id name description license } }`,
    { id: before.model.id });
  assert.equal(renamed.errors, undefined);
  assert.deepEqual(renamed.data.updateModel, { id: before.model.id, name: 'fraud_v2', description: 'renamed', license: 'MIT' });
  const after = await asAdmin(`{ old: model(project: "${P}", name: "fraud") { id }
    model(project: "${P}", name: "fraud_v2") { id versions { nodes { id number artifact(name: "clf") { id } } } } }`);
  assert.equal(after.old, null);
  assert.equal(after.model.id, before.model.id);
  assert.deepEqual(after.model.versions.nodes, [{ id: before.model.versions.nodes[0].id, number: 1, artifact: { id: step.outputs[0].artifactVersion.id } }]);
});

test('a rename onto a taken name is CONFLICT and changes nothing; names are validated as on creation', async () => {
  const a = await asAdmin(`mutation { a: createPipeline(input: { project: "${P}", name: "etl" }) { id } b: createPipeline(input: { project: "${P}", name: "serve" }) { id } }`);
  const taken = await asEditor(`mutation($id: ID!) { updatePipeline(input: { id: $id, name: "etl", description: "x" }) { name } }`, { id: a.b.id });
  assert.equal(codeOf(taken), 'CONFLICT');
  assert.match(taken.errors![0].message, /pipeline "etl" already exists/);
  const bad = await asEditor(`mutation($id: ID!) { updatePipeline(input: { id: $id, name: "has space" }) { name } }`, { id: a.b.id });
  assert.equal(codeOf(bad), 'BAD_USER_INPUT');
  const same = await asAdmin(`query($id: ID!) { node(id: $id) { ... on Pipeline { name description } } }`, { id: a.b.id });
  assert.deepEqual(same.node, { name: 'serve', description: null });
  const ok = await asEditor(`mutation($id: ID!) { updatePipeline(input: { id: $id, name: "serving", description: "online" }) { id name description } }`, { id: a.b.id });
  assert.deepEqual(ok.data.updatePipeline, { id: a.b.id, name: 'serving', description: 'online' });
  const art = await asAdmin(`mutation { x: registerArtifactVersion(input: { project: "${P}", artifact: "raw" }) { artifact { id } }
    y: registerArtifactVersion(input: { project: "${P}", artifact: "clean" }) { artifact { id } } }`);
  assert.equal(codeOf(await asEditor(`mutation($id: ID!) { updateArtifact(input: { id: $id, name: "raw" }) { name } }`, { id: art.y.artifact.id })), 'CONFLICT');
  const renamedArtifact = await asEditor(`mutation($id: ID!) { updateArtifact(input: { id: $id, name: "cleaned" }) { id name versions { nodes { version } } } }`, { id: art.y.artifact.id });
  assert.deepEqual(renamedArtifact.data.updateArtifact, { id: art.y.artifact.id, name: 'cleaned', versions: { nodes: [{ version: '1' }] } });
  const viewer = (await asAdmin(`mutation { createApiKey(input: { name: "viewer", role: VIEWER }) { secret } }`)).createApiKey.secret;
  assert.equal(codeOf(await app.gql(`mutation($id: ID!) { updateArtifact(input: { id: $id, name: "z" }) { name } }`, { id: art.y.artifact.id }, { token: viewer })), 'FORBIDDEN');
});

test('a model version is renamed under the rules of createModelVersion and keeps its number', async () => {
  const v = await asAdmin(`mutation { a: createModelVersion(input: { project: "${P}", model: "ranker", name: "baseline" }) { id } b: createModelVersion(input: { project: "${P}", model: "ranker" }) { id } }`);
  for (const name of ['7', 'latest', 'Production']) {
    const r = await asEditor(`mutation($id: ID!, $n: String) { updateModelVersion(input: { id: $id, name: $n }) { name } }`, { id: v.b.id, n: name });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', name);
  }
  const taken = await asEditor(`mutation($id: ID!) { updateModelVersion(input: { id: $id, name: "baseline" }) { name } }`, { id: v.b.id });
  assert.equal(codeOf(taken), 'CONFLICT');
  const r = await asEditor(`mutation($id: ID!) { updateModelVersion(input: { id: $id, name: "candidate", description: "second try" }) { id number name description } }`, { id: v.b.id });
  assert.deepEqual(r.data.updateModelVersion, { id: v.b.id, number: 2, name: 'candidate', description: 'second try' });
  const found = await asAdmin(`{ byName: modelVersion(project: "${P}", model: "ranker", version: "candidate") { id } byNumber: modelVersion(project: "${P}", model: "ranker", version: "2") { id } }`);
  assert.deepEqual(found, { byName: { id: v.b.id }, byNumber: { id: v.b.id } });
});

test('updatedAt starts at createdAt and moves with edits, tags, metadata and stage changes, not with a new version number', async () => {
  const mv = (await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "clock", tags: [{ name: "t0" }] }) { id createdAt updatedAt model { id createdAt updatedAt } } }`)).createModelVersion;
  assert.equal(mv.updatedAt, mv.createdAt, 'tags given at creation are part of creating it');
  const stamps: string[] = [mv.updatedAt];
  const stamp = async () => (await asAdmin(`query($id: ID!) { node(id: $id) { ... on ModelVersion { updatedAt } } }`, { id: mv.id })).node.updatedAt as string;
  const changes = [
    `mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "t1" }]) { id } }`,
    `mutation($id: ID!) { removeTags(resource: $id, tags: ["t0"]) { id } }`,
    `mutation($id: ID!) { logMetadata(resource: $id, metadata: { accuracy: 0.9 }) { id } }`,
    `mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: STAGING }) { modelVersion { id } } }`,
    `mutation($id: ID!) { updateModelVersion(input: { id: $id, description: "d" }) { id } }`,
  ];
  for (const change of changes) {
    await sleep(2);
    await asAdmin(change, { id: mv.id });
    stamps.push(await stamp());
  }
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] > stamps[i - 1], `change ${i} moved updatedAt: ${stamps.join(' ')}`);
  await sleep(2);
  await asAdmin(`mutation($id: ID!) { updateModelVersion(input: { id: $id, description: "d" }) { id } }`, { id: mv.id });
  assert.equal(await stamp(), stamps[stamps.length - 1], 'an edit that changes nothing leaves updatedAt');
  await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "clock" }) { id } }`);
  const model = await asAdmin(`{ model(project: "${P}", name: "clock") { createdAt updatedAt } }`);
  assert.equal(model.model.updatedAt, model.model.createdAt, 'numbering a new version is no change of the model');
});

test('updatedAfter and updatedBefore filter lists, and UPDATED_AT orders them by last change across pages', async () => {
  const created = await asAdmin(`mutation { a: createModel(input: { project: "${P}", name: "m_a" }) { id } b: createModel(input: { project: "${P}", name: "m_b" }) { id } c: createModel(input: { project: "${P}", name: "m_c" }) { id } }`);
  await sleep(2);
  const cut = new Date().toISOString();
  await sleep(2);
  await asAdmin(`mutation($id: ID!) { updateModel(input: { id: $id, description: "touched" }) { id } }`, { id: created.a.id });
  await sleep(2);
  await asAdmin(`mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "fresh" }]) { id } }`, { id: created.b.id });
  const r = await asAdmin(`query($cut: DateTime!) { project(name: "${P}") {
    after: models(filter: { updatedAfter: $cut, name: "startswith:m_" }, orderBy: { field: UPDATED_AT, direction: DESC }) { totalCount nodes { name } }
    before: models(filter: { updatedBefore: $cut, name: "startswith:m_" }) { nodes { name } } } }`, { cut });
  assert.deepEqual(r.project.after, { totalCount: 2, nodes: [{ name: 'm_b' }, { name: 'm_a' }] });
  assert.deepEqual(r.project.before.nodes, [{ name: 'm_c' }]);
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = await asAdmin(`query($after: String) { project(name: "${P}") { models(first: 1, after: $after, filter: { name: "startswith:m_" }, orderBy: { field: UPDATED_AT, direction: ASC }) { pageInfo { hasNextPage endCursor } nodes { name } } } }`, { after });
    seen.push(...page.project.models.nodes.map((n: { name: string }) => n.name));
    if (!page.project.models.pageInfo.hasNextPage) break;
    after = page.project.models.pageInfo.endCursor;
  }
  assert.deepEqual(seen, ['m_c', 'm_a', 'm_b']);
  const wrong = await app.gql(`query($after: String) { project(name: "${P}") { models(after: $after, orderBy: { field: CREATED_AT }) { nodes { name } } } }`, { after }, { token: ADMIN_KEY });
  assert.equal(codeOf(wrong), 'BAD_USER_INPUT', 'an UPDATED_AT cursor does not page a CREATED_AT list');
});
