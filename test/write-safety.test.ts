// Answers to writes never invite a retry that would duplicate: with a starved pool every row
// has an OK answer or an error saying it committed, and Idempotency-Key replays the first answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { codeOf, startTestApp, TestApp } from './helpers/app';

const P = 'safety';
let app: TestApp;

before(async () => {
  app = await startTestApp({ PG_POOL_SIZE: '2' });
  await app.ok(`mutation { createProject(input: { name: "${P}" }) { id } }`);
});
after(async () => { await app.close(); });

const REGISTER = `mutation($i: RegisterArtifactVersionInput!) {
  registerArtifactVersion(input: $i) { id version artifact { name project { name } } tags { name } } }`;

test('30 concurrent registrations on a pool of 2: every OK answer is a row, every row had an OK answer or an error saying it committed', async () => {
  // A session holding the artifact row makes the registrations queue on it and on the pool.
  await app.ok(REGISTER, { i: { project: P, artifact: 'starved', tags: [{ name: 't' }] } });
  const blocker = new Client({ connectionString: app.databaseUrl });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query(`SELECT 1 FROM artifact WHERE name = 'starved' FOR UPDATE`);
  const pending = Promise.all(Array.from({ length: 30 }, () => app.gql(REGISTER, { i: { project: P, artifact: 'starved', tags: [{ name: 't' }] } })));
  await new Promise((r) => setTimeout(r, 3500));
  await blocker.query('COMMIT');
  await blocker.end();
  const answers = await pending;
  const ok = answers.filter((a) => !a.errors).map((a) => a.data.registerArtifactVersion);
  const committed = answers.filter((a) => a.errors?.some((e) => e.extensions?.committed === true));
  const others = answers.filter((a) => a.errors && !a.errors.some((e) => e.extensions?.committed === true));
  const rows = await app.sql(`SELECT v.id FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 'starved' AND v.version <> '1'`);
  console.log(`# starved pool: ${ok.length} OK, ${committed.length} errors saying committed, ${others.length} other errors (${others.map(codeOf).join(', ')}), ${rows.length} rows`);
  const rowIds = new Set(rows.map((r) => Buffer.from(`ArtifactVersion:${r.id}`).toString('base64url')));
  for (const answer of ok) {
    assert.ok(rowIds.has(answer.id), `answered ${answer.id} without a row`);
    assert.deepEqual([answer.artifact.name, answer.artifact.project.name, answer.tags], ['starved', P, [{ name: 't' }]]);
  }
  assert.equal(rows.length, ok.length + committed.length);
  for (const a of committed) assert.match(a.errors![0].message, /committed; do not retry/);
  for (const a of others) assert.equal(codeOf(a), 'SERVICE_UNAVAILABLE');
});

test('the same Idempotency-Key returns the first answer and writes one row', async () => {
  const headers = { 'idempotency-key': 'register-once-1' };
  const input = { i: { project: P, artifact: 'once', metadata: { a: 1 } } };
  const first = await app.gql(REGISTER, input, { headers });
  assert.equal(first.errors, undefined, JSON.stringify(first.errors));
  const replays = await Promise.all(Array.from({ length: 5 }, () => app.gql(REGISTER, input, { headers })));
  for (const r of replays) assert.deepEqual(r.data, first.data);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 'once'`);
  assert.equal(n, 1);
  const fresh = await app.gql(REGISTER, input, { headers: { 'idempotency-key': 'register-once-2' } });
  assert.equal(fresh.data.registerArtifactVersion.version, '2');
});

test('concurrent requests with one Idempotency-Key write once and all answer the same id', async () => {
  const headers = { 'idempotency-key': 'start-run-concurrent' };
  const answers = await Promise.all(Array.from({ length: 8 }, () =>
    app.gql(`mutation { startRun(input: { project: "${P}", pipeline: "once" }) { id name } }`, {}, { headers })));
  assert.deepEqual(answers.map((a) => a.errors), Array(8).fill(undefined));
  assert.equal(new Set(answers.map((a) => a.data.startRun.id)).size, 1);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM pipeline_run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.name = 'once'`);
  assert.equal(n, 1);
});

test('an Idempotency-Key reused for another request is a CONFLICT; keys are per api key', async () => {
  const headers = { 'idempotency-key': 'reused' };
  await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "keyed" }) { id } }`, {});
  const first = await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "keyed" }) { id number } }`, {}, { headers });
  assert.equal(first.data.createModelVersion.number, 2);
  const other = await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "keyed", description: "different" }) { id number } }`, {}, { headers });
  assert.equal(codeOf(other), 'CONFLICT');
  assert.match(other.errors![0].message, /Idempotency-Key "reused" was used for another request/);
  const token = (await app.ok(`mutation { createApiKey(input: { name: "second-caller", role: EDITOR }) { secret } }`)).createApiKey.secret;
  const another = await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "keyed" }) { id number } }`, {}, { headers, token });
  assert.equal(another.data.createModelVersion.number, 3);
  const long = await app.gql(`mutation { createModelVersion(input: { project: "${P}", model: "keyed" }) { id } }`, {}, { headers: { 'idempotency-key': 'x'.repeat(256) } });
  assert.equal(codeOf(long), 'BAD_USER_INPUT');
});

test('an expired Idempotency-Key writes again', async () => {
  const headers = { 'idempotency-key': 'expiring' };
  const step = `mutation { registerArtifactVersion(input: { project: "${P}", artifact: "expiring" }) { version } }`;
  assert.equal((await app.ok(step, {}, {})).registerArtifactVersion.version, '1');
  assert.equal((await app.gql(step, {}, { headers })).data.registerArtifactVersion.version, '2');
  await app.sql(`UPDATE idempotency_key SET expires_at = clock_timestamp() - interval '1 second' WHERE key = 'expiring'`);
  assert.equal((await app.gql(step, {}, { headers })).data.registerArtifactVersion.version, '3');
  assert.equal((await app.gql(step, {}, { headers })).data.registerArtifactVersion.version, '3');
});

test('an error while reading the result of a committed write says it committed', async () => {
  const r = await app.gql(`mutation { registerArtifactVersion(input: { project: "${P}", artifact: "read-fails" }) { id artifact { versions(first: 101) { totalCount } } } }`);
  assert.equal(r.data, null);
  assert.equal(r.errors![0].extensions?.committed, true);
  assert.match(r.errors![0].message, /^the write committed; do not retry it \(reading its result failed: /);
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM artifact_version v JOIN artifact a ON a.id = v.artifact_id WHERE a.name = 'read-fails'`);
  assert.equal(n, 1);
  const failed = await app.gql(`mutation { registerArtifactVersion(input: { project: "nope", artifact: "read-fails" }) { id } }`);
  assert.deepEqual([codeOf(failed), failed.errors![0].extensions?.committed], ['NOT_FOUND', undefined]);
});
