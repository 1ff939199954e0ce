// Aliases: modelVersion(version:) and artifactVersion(version:) also take the name of an exclusive
// tag held by a live version of that model or artifact, after numbers, names, latest and stages.
// Every lookup runs on both paths (resolvers and compiled) and must answer the same.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';
import { createProject } from './helpers/fixtures';
import { bothPaths } from './helpers/both-paths';

const P = 'aliases';
let app: TestApp;
const ids: Record<string, string> = {};

before(async () => {
  app = await startTestApp({ EXECUTION_PATH_HEADER: 'true' });
  await createProject(app, P);
  for (let i = 1; i <= 4; i++) {
    const v = await app.ok(`mutation($n: String) { createModelVersion(input: { project: "${P}", model: "churn", name: $n }) { id number } }`,
      { n: i === 3 ? 'candidate' : null });
    ids[`churn${i}`] = v.createModelVersion.id;
  }
  ids.other1 = (await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "other" }) { id } }`)).createModelVersion.id;
  await app.ok(`mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: PRODUCTION }) { modelVersion { id } } }`, { v: ids.churn2 });
});
after(async () => { await app.close(); });

const both = (query: string, variables: Record<string, unknown> = {}) => bothPaths(app, query, variables);

const ADD = `mutation($r: ID!, $t: String!) { addTags(resource: $r, tags: [{ name: $t, exclusive: true }]) { id } }`;
const numberOf = async (ref: string, model = 'churn') =>
  (await both(`query($m: String!, $v: String!) { modelVersion(project: "${P}", model: $m, version: $v) { number } }`, { m: model, v: ref }))
    .modelVersion?.number ?? null;

test('an exclusive tag names the version that holds it, and follows it when it moves', async () => {
  await app.ok(ADD, { r: ids.churn1, t: 'champion' });
  assert.equal(await numberOf('champion'), 1);
  await app.ok(ADD, { r: ids.churn4, t: 'champion' });
  assert.equal(await numberOf('champion'), 4);
  await app.ok(ADD, { r: ids.other1, t: 'champion' });
  assert.equal(await numberOf('champion'), 4, 'the scope of an exclusive tag on model versions is the model');
  assert.equal(await numberOf('champion', 'other'), 1);
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "shared" }]) { id } }`, { r: ids.churn2 });
  assert.equal(await numberOf('shared'), null, 'a tag that is not exclusive is no alias');
  assert.equal(await numberOf('Champion'), null, 'tag names are case-sensitive');
});

test('numbers, names, latest and stages come before aliases; an alias answers only when they find nothing', async () => {
  for (const tag of ['3', '7', 'candidate', 'latest', 'production', 'staging']) await app.ok(ADD, { r: ids.churn1, t: tag });
  assert.deepEqual({
    '3': await numberOf('3'), '7': await numberOf('7'), candidate: await numberOf('candidate'), latest: await numberOf('latest'),
    production: await numberOf('production'), staging: await numberOf('staging'),
  }, { '3': 3, '7': 1, candidate: 3, latest: 4, production: 2, staging: 1 });
});

test('the holder of an alias must be live: deleting it hides the alias, restoring brings it back', async () => {
  await app.ok(ADD, { r: ids.churn4, t: 'champion' });
  await app.ok(`mutation($id: ID!) { delete(input: { id: $id }) { deleted } }`, { id: ids.churn4 });
  assert.equal(await numberOf('champion'), null);
  assert.equal(await numberOf('latest'), 3);
  await app.ok(`mutation($id: ID!) { restore(id: $id) { id } }`, { id: ids.churn4 });
  assert.equal(await numberOf('champion'), 4);
});

test('startRun attaches the model version an alias names', async () => {
  await app.ok(ADD, { r: ids.churn4, t: 'champion' });
  const run = await app.ok(`mutation { startRun(input: { project: "${P}", pipeline: "scoring", model: { name: "churn", version: "champion" } }) { modelVersion { number } } }`);
  assert.deepEqual(run.startRun.modelVersion, { number: 4 });
});

test('artifactVersion(version:) takes an exclusive tag of one of the artifact\'s versions, after version strings and latest', async () => {
  const versions: Record<string, string> = {};
  for (const version of [null, null, 'raw']) {
    const v = await app.ok(`mutation($v: String) { registerArtifactVersion(input: { project: "${P}", artifact: "features", version: $v }) { id version } }`, { v: version });
    versions[v.registerArtifactVersion.version] = v.registerArtifactVersion.id;
  }
  await app.ok(ADD, { r: versions['1'], t: 'blessed' });
  await app.ok(ADD, { r: versions.raw, t: '2' });
  const q = `query($v: String!) { artifactVersion(project: "${P}", artifact: "features", version: $v) { version artifact { name } } }`;
  const versionOf = async (ref: string) => (await both(q, { v: ref })).artifactVersion?.version ?? null;
  assert.deepEqual({ blessed: await versionOf('blessed'), '2': await versionOf('2'), latest: await versionOf('latest'), nope: await versionOf('nope') },
    { blessed: '1', '2': '2', latest: 'raw', nope: null });
  await app.ok(ADD, { r: versions.raw, t: 'blessed' });
  assert.equal(await versionOf('blessed'), 'raw');
});
