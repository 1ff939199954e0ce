import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

test('createProject returns the project and project(name) finds it', async () => {
  const created = await app.ok(`mutation { createProject(input: { name: "fraud-detection", displayName: "Fraud detection", description: "cards" }) { id name displayName description createdAt } }`);
  assert.equal(created.createProject.name, 'fraud-detection');
  assert.equal(created.createProject.displayName, 'Fraud detection');
  const found = await app.ok(`{ project(name: "fraud-detection") { id name description } }`);
  assert.deepEqual(found.project, { id: created.createProject.id, name: 'fraud-detection', description: 'cards' });
  assert.equal((await app.ok(`{ project(name: "nope") { id } }`)).project, null);
});

test('a taken project name is a CONFLICT and creates nothing', async () => {
  await app.ok(`mutation { createProject(input: { name: "dup" }) { id } }`);
  const r = await app.gql(`mutation { createProject(input: { name: "dup" }) { id } }`);
  assert.equal(codeOf(r), 'CONFLICT');
  assert.match(r.errors![0].message, /project "dup" already exists/);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM project WHERE name = 'dup'`);
  assert.equal(n, 1);
});

test('invalid names are BAD_USER_INPUT naming the field', async () => {
  for (const name of ['', ' spaced', 'x'.repeat(256), '-lead', 'a/b']) {
    const r = await app.gql(`mutation($n: String!) { createProject(input: { name: $n }) { id } }`, { n: name });
    assert.equal(codeOf(r), 'BAD_USER_INPUT', `name ${JSON.stringify(name)}`);
    assert.equal(r.errors![0].extensions!.field, 'name');
  }
});

test('walking 25 projects with first:10 has no gap and no duplicate, in both orders', async () => {
  for (let i = 0; i < 25; i++) await app.ok(`mutation($n: String!) { createProject(input: { name: $n }) { id } }`, { n: `walk-${String(i).padStart(2, '0')}` });
  for (const orderBy of [{ field: 'CREATED_AT', direction: 'ASC' }, { field: 'NAME', direction: 'DESC' }]) {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: any = await app.ok(`query($after: String, $o: ListOrder) { projects(first: 10, after: $after, orderBy: $o, filter: { name: "startswith:walk-" }) {
        totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, { after, o: orderBy });
      pages++;
      assert.equal(r.projects.totalCount, 25);
      assert.equal(r.projects.pageInfo.hasPreviousPage, after !== null);
      seen.push(...r.projects.nodes.map((n: any) => n.name));
      if (!r.projects.pageInfo.hasNextPage) break;
      after = r.projects.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    const expected = Array.from({ length: 25 }, (_, i) => `walk-${String(i).padStart(2, '0')}`);
    assert.deepEqual(seen, orderBy.direction === 'ASC' ? expected : expected.reverse());
  }
});

test('a cursor stays valid when rows are inserted before it', async () => {
  const first: any = await app.ok(`{ projects(first: 2, orderBy: { field: NAME, direction: ASC }, filter: { name: "startswith:walk-" }) { nodes { name } pageInfo { endCursor } } }`);
  assert.deepEqual(first.projects.nodes.map((n: any) => n.name), ['walk-00', 'walk-01']);
  await app.ok(`mutation { createProject(input: { name: "walk-000" }) { id } }`);
  const next: any = await app.ok(`query($a: String) { projects(first: 2, after: $a, orderBy: { field: NAME, direction: ASC }, filter: { name: "startswith:walk-" }) { nodes { name } } }`,
    { a: first.projects.pageInfo.endCursor });
  assert.deepEqual(next.projects.nodes.map((n: any) => n.name), ['walk-02', 'walk-03']);
});

test('first over 100, negative first and a malformed cursor are BAD_USER_INPUT', async () => {
  assert.equal(codeOf(await app.gql(`{ projects(first: 101) { totalCount } }`)), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(`{ projects(first: -1) { totalCount } }`)), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(`{ projects(after: "garbage") { totalCount } }`)), 'BAD_USER_INPUT');
  const r = await app.ok(`{ projects { nodes { id } } }`);
  assert.equal(r.projects.nodes.length, 20, 'first defaults to 20');
});

test('name predicates filter projects', async () => {
  const names = async (pred: string) => (await app.ok(`query($p: StringPredicate) { projects(first: 100, filter: { name: $p }, orderBy: { field: NAME, direction: ASC }) { nodes { name } } }`, { p: pred }))
    .projects.nodes.map((n: any) => n.name);
  assert.deepEqual(await names('walk-07'), ['walk-07']);
  assert.deepEqual(await names('oneof:walk-01,walk-03,absent'), ['walk-01', 'walk-03']);
  assert.deepEqual(await names('endswith:-24'), ['walk-24']);
  assert.deepEqual(await names('contains:ud-det'), ['fraud-detection']);
  assert.equal((await names('notequals:walk-07')).includes('walk-07'), false);
  const r = await app.gql(`{ projects(filter: { name: "oneof:" }) { totalCount } }`);
  assert.equal(codeOf(r), 'BAD_USER_INPUT');
  const r2 = await app.gql(`{ projects(filter: { name: 12 }) { totalCount } }`);
  assert.equal(codeOf(r2), 'BAD_USER_INPUT');
});

test('createdAfter and createdBefore bound the list', async () => {
  const all: any = await app.ok(`{ projects(first: 3, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { name createdAt } } }`);
  const pivot = all.projects.nodes[1].createdAt;
  const before: any = await app.ok(`query($t: DateTime) { projects(filter: { createdBefore: $t }) { nodes { name } } }`, { t: pivot });
  assert.deepEqual(before.projects.nodes.map((n: any) => n.name), [all.projects.nodes[0].name]);
});
