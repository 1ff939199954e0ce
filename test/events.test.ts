import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, startTestApp, TestApp } from './helpers/app';
import { Ev, EVENTS, eventsOf as eventsOfApp } from './helpers/events';
import { createProject, recordStep, startRun } from './helpers/fixtures';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app.close());

const eventsOf = (filter: Record<string, unknown>, token?: string) => eventsOfApp(app, filter, token);

const kinds = (events: Ev[]) => events.map((e) => e.kind);

test('latestEventSequence is "0" before any event, then the newest sequence, the same for every key', async () => {
  assert.equal((await app.ok('{ latestEventSequence }')).latestEventSequence, '0');
  await createProject(app, 'ev-head-a');
  await createProject(app, 'ev-head-b');
  const all = await eventsOf({});
  const newest = all.at(-1)!.sequence;
  assert.equal((await app.ok('{ latestEventSequence }')).latestEventSequence, newest);
  assert.deepEqual((await app.ok(EVENTS, { after: newest })).events.nodes, []);
  // Server-wide: a key limited to ev-head-a reads the same number although the newest event is ev-head-b's.
  const key = (await app.ok(`mutation { createApiKey(input: { name: "ev-head-viewer", role: VIEWER, projects: ["ev-head-a"] }) { secret } }`)).createApiKey.secret;
  assert.equal(all.at(-1)!.project?.name, 'ev-head-b');
  const head = (await app.ok('{ latestEventSequence }', {}, { token: key })).latestEventSequence;
  assert.equal(head, newest);
  // Read before a change, it names the place from which that change is handed out.
  const run = await startRun(app, { project: 'ev-head-a', pipeline: 'p', name: 'after-head' });
  const later = await eventsOf({}, key);
  const after = (await app.ok(EVENTS, { after: head }, { token: key })).events.nodes as Ev[];
  assert.deepEqual(after.map((e) => [e.kind, e.subjectId]), [['PIPELINE_CREATED', after[0].subjectId], ['RUN_STARTED', run.id]]);
  assert.deepEqual(after.map((e) => e.sequence), later.slice(-2).map((e) => e.sequence));
});

test('each mutation writes its events in order, with actor, project, subject and data', async () => {
  await createProject(app, 'ev');
  const run = await startRun(app, { project: 'ev', pipeline: 'train', name: 'r1', tags: [{ name: 'nightly', cascade: true }] });
  const step = await recordStep(app, { run: run.id, name: 'fit', outputs: [{ name: 'model', artifact: 'weights' }, { name: 'report', artifact: 'metrics' }] });
  await app.ok(`mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { id } }`, { r: run.id });
  const all = await eventsOf({ projects: ['ev'] });
  assert.deepEqual(kinds(all), [
    'PROJECT_CREATED', 'PIPELINE_CREATED', 'RUN_STARTED', 'TAG_ADDED',
    'STEP_RECORDED', 'ARTIFACT_VERSION_CREATED', 'ARTIFACT_VERSION_CREATED', 'TAG_ADDED', 'TAG_ADDED',
    'RUN_FINISHED',
  ]);
  const seqs = all.map((e) => BigInt(e.sequence));
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1n, 'sequences follow one another');
  assert.ok(all.every((e) => e.actor === 'anonymous' && e.project?.name === 'ev'));
  assert.deepEqual(all[2].data, { name: 'r1', pipeline: 'train', status: 'RUNNING' });
  assert.equal(all[2].subjectId, run.id);
  assert.deepEqual(all[3].data, { tag: 'nightly', exclusive: false, cascade: true, movedFrom: null });
  assert.equal(all[4].subjectId, step.id);
  assert.deepEqual(all[4].data, { name: 'fit', status: 'COMPLETED', run: 'r1', inputs: 0, outputs: 2 });
  const outputIds = step.outputs.map((o) => o.artifactVersion.id);
  assert.deepEqual([all[5].subjectId, all[6].subjectId], outputIds);
  assert.deepEqual([all[5].data, all[6].data], [{ artifact: 'weights', version: '1' }, { artifact: 'metrics', version: '1' }]);
  // The cascade tag lands on both outputs, each an event of its own.
  assert.deepEqual(all.slice(7, 9).map((e) => [e.subjectId, e.data.tag, e.data.cascade]).sort(), outputIds.map((id) => [id, 'nightly', false]).sort());
  assert.deepEqual(all[9].data, { status: 'COMPLETED', from: 'RUNNING' });
});

test('a promotion with force records one STAGE_CHANGED per version whose stage moved', async () => {
  await createProject(app, 'ev-models');
  const mk = async () => (await app.ok(`mutation { createModelVersion(input: { project: "ev-models", model: "clf" }) { id } }`)).createModelVersion.id;
  const v1 = await mk();
  const v2 = await mk();
  const promote = `mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: PRODUCTION, force: true, reason: "better" }) { modelVersion { id } } }`;
  await app.ok(promote, { v: v1 });
  const before = (await eventsOf({ projects: ['ev-models'] })).length;
  await app.ok(promote, { v: v2 });
  const moved = (await eventsOf({ projects: ['ev-models'] })).slice(before);
  assert.deepEqual(moved.map((e) => [e.kind, e.subjectId, e.data.from, e.data.to]), [
    ['STAGE_CHANGED', v1, 'PRODUCTION', 'ARCHIVED'],
    ['STAGE_CHANGED', v2, 'NONE', 'PRODUCTION'],
  ]);
  assert.equal(moved[1].data.reason, 'better');
  const created = (await eventsOf({ projects: ['ev-models'], kinds: ['MODEL_VERSION_CREATED'] })).map((e) => [e.subjectId, e.data.number]);
  assert.deepEqual(created, [[v1, 1], [v2, 2]]);
});

test('an exclusive tag that moves is a TAG_REMOVED on the old holder and a TAG_ADDED naming it on the new one', async () => {
  await createProject(app, 'ev-tags');
  const a = await startRun(app, { project: 'ev-tags', pipeline: 'p', name: 'a' });
  const b = await startRun(app, { project: 'ev-tags', pipeline: 'p', name: 'b' });
  const add = `mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "best", exclusive: true }]) { id } }`;
  await app.ok(add, { r: a.id });
  await app.ok(add, { r: b.id });
  await app.ok(`mutation($r: ID!) { removeTags(resource: $r, tags: ["best"]) { id } }`, { r: b.id });
  const tagEvents = await eventsOf({ projects: ['ev-tags'], kinds: ['TAG_ADDED', 'TAG_REMOVED'] });
  assert.deepEqual(tagEvents.map((e) => [e.kind, e.subjectId, e.data.movedFrom ?? null]), [
    ['TAG_ADDED', a.id, null],
    ['TAG_REMOVED', a.id, null],
    ['TAG_ADDED', b.id, a.id],
    ['TAG_REMOVED', b.id, null],
  ]);
  // Adding a tag the row already has changes nothing and says nothing.
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "x" }]) { id } }`, { r: a.id });
  await app.ok(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "x" }]) { id } }`, { r: a.id });
  assert.equal((await eventsOf({ subject: a.id, kinds: ['TAG_ADDED'] })).filter((e) => e.data.tag === 'x').length, 1);
});

test('a tag edit is ENTITY_UPDATED naming what changed; an edit that changes nothing says nothing', async () => {
  await createProject(app, 'ev-tag-edit');
  const tag = (await app.ok(`mutation { createTag(input: { project: "ev-tag-edit", name: "candidate", color: "#112233" }) { id } }`)).createTag.id;
  await app.ok(`mutation($t: ID!) { updateTag(input: { id: $t, name: "shortlist", color: "teal" }) { id } }`, { t: tag });
  await app.ok(`mutation($t: ID!) { updateTag(input: { id: $t, name: "shortlist", color: "teal" }) { id } }`, { t: tag });
  await app.ok(`mutation($t: ID!) { updateTag(input: { id: $t, exclusive: true }) { id } }`, { t: tag });
  const edits = (await eventsOf({ projects: ['ev-tag-edit'], kinds: ['ENTITY_UPDATED'] })).map((e) => [e.kind, e.subjectId, e.data]);
  assert.deepEqual(edits, [
    ['ENTITY_UPDATED', tag, { fields: ['name', 'color'] }],
    ['ENTITY_UPDATED', tag, { fields: ['exclusive'] }],
  ]);
});

test('metadata and edits are events; a mutation that fails writes none', async () => {
  await createProject(app, 'ev-meta');
  const run = await startRun(app, { project: 'ev-meta', pipeline: 'p', name: 'm' });
  await app.ok(`mutation($r: ID!) { logMetadata(resource: $r, metadata: { loss: 0.1, epoch: 3 }) { id } }`, { r: run.id });
  const pipelineId = (await app.ok(`{ pipeline(project: "ev-meta", name: "p") { id } }`)).pipeline.id;
  await app.ok(`mutation($p: ID!) { updatePipeline(input: { id: $p, description: "nightly training" }) { id } }`, { p: pipelineId });
  const before = await eventsOf({ projects: ['ev-meta'] });
  assert.deepEqual(before.slice(-2).map((e) => [e.kind, e.subjectId, e.data]), [
    ['METADATA_LOGGED', run.id, { keys: ['loss', 'epoch'] }],
    ['ENTITY_UPDATED', pipelineId, { fields: ['description'] }],
  ]);
  const failed = await app.gql(`mutation($r: ID!) { recordStep(input: { run: $r, name: "s", status: COMPLETED, outputs: [{ name: "o", artifact: "a" }, { name: "o", artifact: "b" }] }) { id } }`, { r: run.id });
  assert.equal(codeOf(failed), 'BAD_USER_INPUT');
  const conflict = await app.gql(`mutation { createPipeline(input: { project: "ev-meta", name: "p" }) { id } }`);
  assert.equal(codeOf(conflict), 'CONFLICT');
  assert.equal((await eventsOf({ projects: ['ev-meta'] })).length, before.length);
  // A delete marks the pipeline and its run: one event each; a restore brings both back.
  await app.ok(`mutation($p: ID!) { delete(input: { id: $p, reason: "cleanup" }) { deleted } }`, { p: pipelineId });
  await app.ok(`mutation($p: ID!) { restore(id: $p) { id } }`, { p: pipelineId });
  const lifecycle = (await eventsOf({ projects: ['ev-meta'], kinds: ['ENTITY_DELETED', 'ENTITY_RESTORED'] })).map((e) => [e.kind, e.subjectId, e.data.reason ?? null]);
  assert.deepEqual(lifecycle, [
    ['ENTITY_DELETED', pipelineId, 'cleanup'], ['ENTITY_DELETED', run.id, 'cleanup'],
    ['ENTITY_RESTORED', pipelineId, null], ['ENTITY_RESTORED', run.id, null],
  ]);
});

test('a scoped key sees only its projects, and subject narrows to an entity and what it contains', async () => {
  await createProject(app, 'ev-a');
  await createProject(app, 'ev-b');
  const key = (await app.ok(`mutation { createApiKey(input: { name: "ev-a-viewer", role: VIEWER, projects: ["ev-a"] }) { secret } }`)).createApiKey.secret;
  const runA = await startRun(app, { project: 'ev-a', pipeline: 'p', name: 'ra' });
  await startRun(app, { project: 'ev-b', pipeline: 'p', name: 'rb' });
  const step = await recordStep(app, { run: runA.id, name: 's', outputs: [{ name: 'o', artifact: 'x' }] });
  const seen = await eventsOf({}, key);
  assert.ok(seen.length >= 4);
  assert.ok(seen.every((e) => e.project?.name === 'ev-a'), 'only ev-a');
  const aboutB = await app.gql(EVENTS, { f: { projects: ['ev-b'] } }, { token: key });
  assert.deepEqual(aboutB.data.events.nodes, []);
  const ofRun = await eventsOf({ subject: runA.id });
  assert.deepEqual(kinds(ofRun), ['RUN_STARTED', 'STEP_RECORDED', 'ARTIFACT_VERSION_CREATED']);
  assert.deepEqual(ofRun.slice(1).map((e) => e.subjectId), [step.id, step.outputs[0].artifactVersion.id]);
  const subject = await app.ok(`{ events(filter: { kinds: [STEP_RECORDED], projects: ["ev-a"] }) { nodes { subject { id ... on StepRun { name } } } } }`);
  assert.deepEqual(subject.events.nodes, [{ subject: { id: step.id, name: 's' } }]);
  assert.equal(codeOf(await app.gql(EVENTS, { after: 'not-a-cursor' })), 'BAD_USER_INPUT');
  assert.equal(codeOf(await app.gql(EVENTS, { first: 1001 })), 'BAD_USER_INPUT');
});

test('20 concurrent writers: the change log read during and after the writes never goes backwards and has no gap', async () => {
  await createProject(app, 'ev-race');
  const start = BigInt((await eventsOf({})).at(-1)!.sequence);
  let writing = true;
  const observed: bigint[][] = [];
  const reader = (async () => {
    let cursor: string = start.toString();
    while (writing) {
      const page = (await app.ok(EVENTS, { first: 1000, after: cursor })).events.nodes as Ev[];
      const seqs = page.map((e) => BigInt(e.sequence));
      observed.push(seqs);
      if (seqs.length) cursor = seqs.at(-1)!.toString();
    }
  })();
  await Promise.all(Array.from({ length: 20 }, async (_, w) => {
    for (let i = 0; i < 5; i++) {
      const run = await startRun(app, { project: 'ev-race', pipeline: `p${w % 4}`, name: `w${w}-${i}`, tags: [{ name: 'lead', exclusive: true }] });
      await recordStep(app, { run: run.id, name: 's', outputs: [{ name: 'o', artifact: `a${w % 3}` }] });
    }
  }));
  writing = false;
  await reader;
  // Every page the reader saw continues exactly where the previous one ended.
  let last = start;
  for (const seqs of observed) {
    for (const s of seqs) {
      assert.equal(s, last + 1n, `after ${last} the reader saw ${s}`);
      last = s;
    }
  }
  const final = (await eventsOf({})).map((e) => BigInt(e.sequence)).filter((s) => s > start);
  assert.deepEqual(final, final.map((_, i) => start + 1n + BigInt(i)), 'no gap');
  assert.ok(last <= final.at(-1)!);
  const byKind = (await eventsOf({ projects: ['ev-race'] })).reduce<Record<string, number>>((m, e) => ({ ...m, [e.kind]: (m[e.kind] ?? 0) + 1 }), {});
  assert.equal(byKind.RUN_STARTED, 100);
  assert.equal(byKind.STEP_RECORDED, 100);
  assert.equal(byKind.ARTIFACT_VERSION_CREATED, 100);
});

test('read while 10 writers commit, latestEventSequence never names an event that events(after:) does not hand out yet', async () => {
  await createProject(app, 'ev-head-race');
  let cursor = (await app.ok('{ latestEventSequence }')).latestEventSequence as string;
  let writing = true;
  let checks = 0;
  const reader = (async () => {
    while (writing) {
      const head = BigInt((await app.ok('{ latestEventSequence }')).latestEventSequence);
      const page = (await app.ok(EVENTS, { first: 1000, after: cursor })).events.nodes as Ev[];
      const seqs = page.map((e) => BigInt(e.sequence));
      assert.ok(seqs.length < 1000);
      // Everything up to the head read first is in the page read after it, without a hole.
      seqs.forEach((s, i) => assert.equal(s, BigInt(cursor) + 1n + BigInt(i)));
      assert.ok((seqs.at(-1) ?? BigInt(cursor)) >= head, `head ${head}, the change log handed out up to ${seqs.at(-1) ?? cursor}`);
      if (seqs.length) cursor = seqs.at(-1)!.toString();
      checks++;
    }
  })();
  await Promise.all(Array.from({ length: 10 }, async (_, w) => {
    for (let i = 0; i < 4; i++) {
      const run = await startRun(app, { project: 'ev-head-race', pipeline: `p${w % 3}`, name: `h${w}-${i}`, tags: [{ name: 'lead', exclusive: true }] });
      await recordStep(app, { run: run.id, name: 's', outputs: [{ name: 'o', artifact: 'a' }] });
    }
  }));
  writing = false;
  await reader;
  assert.ok(checks > 0);
  const final = (await app.ok('{ latestEventSequence }')).latestEventSequence;
  assert.equal(final, (await eventsOf({})).at(-1)!.sequence);
});

test('with AUTH=off a WebSocket from another site or through another host name is refused', async () => {
  const { default: WebSocket } = await import('ws');
  const url = app.url.replace(/^http/, 'ws');
  const attempt = (headers: Record<string, string>) => new Promise<string>((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.on('error', () => resolve('error'));
  });
  assert.equal(await attempt({}), 'open');
  assert.equal(await attempt({ origin: `http://${new URL(app.url).host}` }), 'open');
  assert.equal(await attempt({ origin: 'https://evil.example' }), 'refused 401');
  assert.equal(await attempt({ host: 'rebound.example' }), 'refused 401');
});
