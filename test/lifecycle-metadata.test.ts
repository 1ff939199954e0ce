// Metadata filters (dotted paths, eq ne gt gte lt lte exists matches) and the METADATA order
// with its cursors, on model versions, runs and artifact versions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { createProject } from './helpers/fixtures';

let app: TestApp;
const P = 'meta';
before(async () => {
  app = await startTestApp();
  await createProject(app, P);
});
after(async () => { await app.close(); });

const version = async (model: string, name: string, metadata: unknown) =>
  (await app.ok(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`,
    { i: { project: P, model, name, metadata } })).createModelVersion.id as string;

async function namesWhere(metadata: unknown, model = 'clf') {
  const r = await app.ok(`query($f: ModelVersionFilter) { model(project: "${P}", name: "${model}") { versions(filter: $f, orderBy: { field: NAME, direction: ASC }) { totalCount nodes { name } } } }`,
    { f: { metadata } });
  return r.model.versions.nodes.map((n: { name: string }) => n.name);
}

test('gt, gte, lt and lte compare JSON numbers as numbers; numeric strings and other types never match', async () => {
  await version('clf', 'a', { accuracy: 0.95, algo: 'rf-500', metrics: { f1: 0.7 } });
  await version('clf', 'b', { accuracy: 0.9, algo: 'xgb', metrics: { f1: 0.4 } });
  await version('clf', 'c', { accuracy: 0.85, algo: 'rf-100' });
  await version('clf', 'd', { accuracy: '0.99' });
  await version('clf', 'e', { accuracy: null });
  await version('clf', 'f', { loss: 2 });
  await version('clf', 'g', { accuracy: 10 });
  assert.deepEqual(await namesWhere([{ key: 'accuracy', gt: 0.9 }]), ['a', 'g'], '10 > 0.9 as numbers, "0.99" is a string');
  assert.deepEqual(await namesWhere([{ key: 'accuracy', gte: 0.9 }]), ['a', 'b', 'g']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', lt: 0.9 }]), ['c']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', lte: 0.9 }]), ['b', 'c']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', gt: 0.8 }, { key: 'accuracy', lt: 1 }]), ['a', 'b', 'c'], 'conditions AND');
});

test('eq and ne compare JSON values, exists tells present from absent or null, matches takes a StringPredicate, dotted paths reach nested keys', async () => {
  assert.deepEqual(await namesWhere([{ key: 'accuracy', eq: 0.90 }]), ['b']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', eq: '0.99' }]), ['d']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', ne: 0.9 }]), ['a', 'c', 'd', 'e', 'g'], 'ne needs the key to be there');
  assert.deepEqual(await namesWhere([{ key: 'accuracy', exists: true }]), ['a', 'b', 'c', 'd', 'g']);
  assert.deepEqual(await namesWhere([{ key: 'accuracy', exists: false }]), ['e', 'f']);
  assert.deepEqual(await namesWhere([{ key: 'algo', matches: 'startswith:rf-' }]), ['a', 'c']);
  assert.deepEqual(await namesWhere([{ key: 'metrics.f1', gt: 0.5 }]), ['a']);
  assert.deepEqual(await namesWhere([{ key: 'metrics', eq: { f1: 0.4 } }]), ['b']);
  assert.deepEqual(await namesWhere([{ key: 'metrics.f1', exists: true }, { key: 'algo', matches: 'contains:x' }]), ['b']);
});

test('a condition needs exactly one operator and a well-formed key', async () => {
  for (const metadata of [[{ key: 'accuracy' }], [{ key: 'accuracy', gt: 1, lt: 2 }], [{ key: 'a..b', exists: true }], [{ key: '', exists: true }]]) {
    const r = await app.gql(`query($f: ModelVersionFilter) { project(name: "${P}") { modelVersions(filter: $f) { totalCount } } }`, { f: { metadata } });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', JSON.stringify(metadata));
  }
  const noKey = await app.gql(`{ project(name: "${P}") { modelVersions(orderBy: { field: METADATA }) { totalCount } } }`);
  assert.equal(codeOf(noKey), 'BAD_USER_INPUT');
  const models = await app.gql(`{ project(name: "${P}") { models(orderBy: { field: METADATA, metadataKey: "x" }) { totalCount } } }`);
  assert.equal(codeOf(models), 'BAD_USER_INPUT', 'models carry no metadata');
});

test('runs and artifact versions filter on metadata too', async () => {
  const run = (await app.ok(`mutation { startRun(input: { project: "${P}", pipeline: "train", name: "meta-run" }) { id } }`)).startRun.id;
  await app.ok(`mutation($r: ID!) { logMetadata(resource: $r, metadata: { epochs: 12, owner: "ana" }) { id } }`, { r: run });
  await app.ok(`mutation { startRun(input: { project: "${P}", pipeline: "train", name: "other-run" }) { id } }`);
  await app.ok(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "ds", metadata: { rows: 1200, schema: { cols: 8 } } }) { id } }`);
  await app.ok(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "ds", metadata: { rows: 30 } }) { id } }`);
  const r = await app.ok(`{ project(name: "${P}") {
    runs(filter: { metadata: [{ key: "epochs", gte: 12 }, { key: "owner", eq: "ana" }] }) { nodes { name } }
    artifactVersions(filter: { metadata: [{ key: "schema.cols", eq: 8 }] }) { nodes { version metadata } } } }`);
  assert.deepEqual(r.project.runs.nodes, [{ name: 'meta-run' }]);
  assert.deepEqual(r.project.artifactVersions.nodes, [{ version: '1', metadata: { rows: 1200, schema: { cols: 8 } } }]);
});

test('paging through a METADATA sort of 250 versions with first: 100 gives every version once, in order, missing keys last', async () => {
  const expected: { id: string; score: number | null }[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const ids = await Promise.all(Array.from({ length: 25 }, async (_, k) => {
      const i = batch * 25 + k;
      // Ties (score repeats every 50), and every 10th version has no score at all.
      const score = i % 10 === 0 ? null : (i * 7) % 50;
      const id = await version('ranked', `v${i}`, score === null ? { other: i } : { eval: { score } });
      return { id, score };
    }));
    expected.push(...ids);
  }
  for (const direction of ['DESC', 'ASC']) {
    const seen: { id: string; score: number | null }[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: any = await app.ok(`query($after: String, $d: SortDirection!) { model(project: "${P}", name: "ranked") {
        versions(first: 100, after: $after, orderBy: { field: METADATA, metadataKey: "eval.score", direction: $d }) {
          totalCount pageInfo { hasNextPage endCursor } nodes { id metadata } } } }`, { after, d: direction });
      const conn = r.model.versions;
      assert.equal(conn.totalCount, 250);
      seen.push(...conn.nodes.map((n: { id: string; metadata: { eval?: { score: number } } }) => ({ id: n.id, score: n.metadata.eval?.score ?? null })));
      pages++;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen.map((s) => s.id)).size, 250, 'no duplicate');
    assert.deepEqual(new Set(seen.map((s) => s.id)), new Set(expected.map((e) => e.id)), 'no gap');
    const scores = seen.map((s) => s.score);
    const firstMissing = scores.indexOf(null);
    assert.equal(firstMissing, 225, 'the 25 versions without the key come last');
    assert.ok(scores.slice(firstMissing).every((s) => s === null));
    const present = scores.slice(0, firstMissing) as number[];
    for (let i = 1; i < present.length; i++) {
      assert.ok(direction === 'DESC' ? present[i - 1] >= present[i] : present[i - 1] <= present[i], `${direction} at ${i}`);
    }
  }
  const cursor = (await app.ok(`{ model(project: "${P}", name: "ranked") { versions(first: 1, orderBy: { field: METADATA, metadataKey: "eval.score" }) { pageInfo { endCursor } } } }`))
    .model.versions.pageInfo.endCursor;
  const other = await app.gql(`query($a: String) { model(project: "${P}", name: "ranked") { versions(after: $a, orderBy: { field: METADATA, metadataKey: "other" }) { totalCount } } }`, { a: cursor });
  assert.equal(codeOf(other), 'BAD_USER_INPUT', 'a cursor of one key does not page a sort by another');
});
