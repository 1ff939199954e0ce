// The compiled path (one SQL statement per query) against the resolver path, which stays the
// reference: every checked-in query operation, the README's and playground's examples, and
// generated queries run on both over the same seeded data and must answer the same JSON.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildSchema, GraphQLSchema, Kind, parse, print } from 'graphql';
import { seedExample } from '../scripts/seed-example';
import { EXAMPLE_TABS } from '../src/playground/examples';
import { startTestApp, TestApp } from './helpers/app';
import { Pools, QueryGenerator, rng } from './helpers/random-queries';

const ADMIN_KEY = 'differential-admin-key-0123456789';
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261130);
const GENERATED = Number(process.env.DIFFERENTIAL_QUERIES ?? 600);
const ROOT = path.resolve(__dirname, '..', '..');

let app: TestApp;
let scopedKey: string;
let pools: Pools;
let schema: GraphQLSchema;

interface Answer { status: number; body: unknown; path: string | null; reason?: string }

async function ask(query: string, variables: Record<string, unknown>, token: string, resolvers: boolean): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (resolvers) headers['x-execution-path'] = 'resolvers';
  const res = await fetch(app.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const [path, reason] = (res.headers.get('x-execution-path') ?? '').split('; ');
  return { status: res.status, body: JSON.parse(await res.text()), path: path || null, reason: reason && decodeURIComponent(reason) };
}

/** Both paths; fails with the query, its variables and the seed when they differ. Returns the path the default took. */
async function same(query: string, variables: Record<string, unknown> = {}, token = ADMIN_KEY, label = ''): Promise<Answer> {
  const reference = await ask(query, variables, token, true);
  const compiled = await ask(query, variables, token, false);
  assert.equal(reference.path === 'resolvers' || reference.path === null, true);
  try {
    assert.deepEqual(sortErrors(compiled.body), sortErrors(reference.body));
    assert.equal(compiled.status, reference.status);
  } catch (err) {
    throw new Error(`${label} differs (seed ${SEED}, ${token === ADMIN_KEY ? 'admin' : 'scoped key'}, ${compiled.path} path)\n` +
      `${query}\nvariables: ${JSON.stringify(variables)}\n${(err as Error).message.slice(0, 4000)}`);
  }
  return compiled;
}

/**
 * Errors of sibling fields arrive in the order their resolvers finish: compare them as a set. When
 * one error nulls the whole answer, graphql-js reports the errors raised until then, and which of
 * two failing fields gets there first is a race between their loaders (two runs of the resolver
 * path disagree): then the distinct errors compare by message and code, not by where or how often they were raised.
 */
function sortErrors(body: unknown): unknown {
  const b = body as { data?: unknown; errors?: { path?: unknown; locations?: unknown }[] };
  if (!b?.errors) return body;
  const texts = b.errors.map((e) => JSON.stringify(b.data === null ? { ...e, path: undefined, locations: undefined } : e));
  return { ...b, errors: [...new Set(texts)].sort().map((t) => JSON.parse(t)) };
}

async function admin(query: string, variables: Record<string, unknown> = {}) {
  const r = await ask(query, variables, ADMIN_KEY, true);
  const body = r.body as { data: any; errors?: unknown[] };
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** A second project with pipelines, runs, steps, artifacts, models and tags drawn from the seed. */
async function seedBeta() {
  const r = rng(SEED);
  await admin(`mutation { b: createProject(input: { name: "beta", displayName: "Beta" }) { id } e: createProject(input: { name: "empty" }) { id } }`);
  await admin(`mutation { createTag(input: { project: "beta", name: "gold", color: "#aa00ff", exclusive: true }) { id } }`);
  const tagNames = ['env:prod', 'team-a', 'team-b', 'accuracy-91', 'accuracy-87', 'gold', 'nightly'];
  const pick = () => ({ name: r.pick(tagNames) });
  const versions: string[] = [];
  for (let p = 0; p < 4; p++) {
    const pipeline = `beta-pipe-${p}`;
    await admin(`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }`,
      { i: { project: 'beta', name: pipeline, description: p % 2 ? null : `pipeline ${p}`, tags: [pick(), pick()] } });
    for (let k = 0; k < 3; k++) {
      const run = (await admin(`mutation($i: StartRunInput!) { startRun(input: $i) { id } }`, {
        i: {
          project: 'beta', pipeline, name: `beta-run-${p}-${k}`, stack: r.pick(['development', 'production', null]),
          tags: [pick(), { name: 'cascaded', cascade: r.chance(0.5) }], config: r.chance(0.5) ? { lr: 0.01 * (k + 1), layers: [p, k], nested: { a: null } } : null,
          model: r.chance(0.4) ? { name: `beta-model-${p % 2}` } : null,
        },
      })).startRun.id;
      for (let s = 0; s < r.int(1, 3); s++) {
        const inputs = versions.length && r.chance(0.7) ? [{ name: 'in', artifactVersion: r.pick(versions) }] : [];
        if (inputs.length && r.chance(0.3)) inputs.push({ name: 'again', artifactVersion: inputs[0].artifactVersion });
        const step = (await admin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { outputs { artifactVersion { id } } } }`, {
          i: {
            run, name: `step-${s}`, status: r.pick(['COMPLETED', 'FAILED', 'CACHED']), inputs, metadata: { score: r.next(), step: s },
            startedAt: r.chance(0.5) ? '2026-01-02T03:04:05.678Z' : null,
            outputs: Array.from({ length: r.int(0, 2) }, (_, o) => ({
              name: `out_${o}`, artifact: r.pick(['dataset', 'features', 'weights', 'report']), type: r.pick(['DATA', 'MODEL', 'STATISTICS']),
              uri: r.chance(0.7) ? `s3://bucket/${p}/${k}/${s}/${o}` : null, tags: r.chance(0.5) ? [pick()] : [], metadata: { rows: r.int(1, 1000) },
            })),
          },
        })).recordStep;
        for (const o of step.outputs) versions.push(o.artifactVersion.id);
      }
      if (r.chance(0.6)) await admin(`mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { id } }`, { r: run });
    }
  }
  await admin(`mutation($m: JSON) { registerArtifactVersion(input: { project: "beta", artifact: "dataset", version: "raw_2023", tags: [{ name: "gold" }], metadata: $m }) { id } }`,
    { m: { 'ünïcode': '✓ "quoted"\n', n: 1.5, big: 12345678901234, list: [1, 'two', null] } });
  for (let m = 0; m < 2; m++) {
    const model = `beta-model-${m}`;
    await admin(`mutation($n: String!) { createModelVersion(input: { project: "beta", model: $n, name: "named-${m}", tags: [{ name: "accuracy-91" }] }) { id } }`, { n: model });
    const all = (await admin(`query($n: String!) { model(project: "beta", name: $n) { versions(first: 50) { nodes { id } } } }`, { n: model })).model.versions.nodes;
    for (const [i, v] of all.entries()) {
      if (i === 0) await admin(`mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: PRODUCTION, reason: "best" }) { modelVersion { id } } }`, { v: v.id });
      if (i === 1) await admin(`mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: STAGING }) { modelVersion { id } } }`, { v: v.id });
      if (i === 2) await admin(`mutation($v: ID!) { promoteModelVersion(input: { modelVersion: $v, stage: ARCHIVED }) { modelVersion { id } } }`, { v: v.id });
      if (versions.length) {
        await admin(`mutation($v: ID!, $a: ID!, $k: ModelArtifactKind!) { linkArtifact(input: { modelVersion: $v, artifactVersion: $a, kind: $k, name: "trained_model" }) { id } }`,
          { v: v.id, a: r.pick(versions), k: r.pick(['DATA', 'MODEL', 'DEPLOYMENT']) });
      }
    }
  }
}

/**
 * Deleted entities on both paths: lists, counts and lookups by name leave them out; node(id),
 * foreign keys, links and lineage keep them. A pipeline with its runs, a lone run, an artifact
 * version, a PRODUCTION model version (forced) and a restored model.
 */
async function seedDeletions() {
  const del = (id: string, force = false) => admin(`mutation($id: ID!, $f: Boolean) { delete(input: { id: $id, force: $f, reason: "differential" }) { deleted } }`, { id, f: force });
  const d = await admin(`{ pipeline(project: "beta", name: "beta-pipe-3") { id } run: pipelineRun(project: "beta", name: "beta-run-0-1") { id }
    project(name: "beta") { artifactVersions(first: 2, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { id } } }
    production: modelVersion(project: "beta", model: "beta-model-0", version: "production") { id }
    model(project: "beta", name: "beta-model-1") { id } }`);
  await del(d.pipeline.id);
  await del(d.run.id);
  for (const v of d.project.artifactVersions.nodes.slice(1)) await del(v.id);
  if (d.production) await del(d.production.id, true);
  await del(d.model.id, true);
  await admin(`mutation($id: ID!) { restore(id: $id) { id } }`, { id: d.model.id });
}

/** Metadata that METADATA orders sort: numbers (some equal), strings, nested values, and rows without the key. */
async function seedMetadata() {
  const r = rng(SEED + 1);
  const data = await admin(`{ project(name: "beta") { runs(first: 100) { nodes { id } } modelVersions(first: 100) { nodes { id } } } }`);
  const targets = [...data.project.runs.nodes, ...data.project.modelVersions.nodes].map((n: { id: string }) => n.id);
  for (const id of targets) {
    if (r.chance(0.25)) continue;
    const metadata = r.pick([{ score: r.pick([0.5, 0.91, 0.87, 0.91]) }, { score: r.pick(['high', 'low']) }, { n: r.int(1, 3), nested: { a: r.pick([1, 'x', null]) } },
      { score: null }, { list: [r.int(1, 2)], big: 12345678901234 }]);
    await admin(`mutation($id: ID!, $m: JSON!) { logMetadata(resource: $id, metadata: $m) { id } }`, { id, m: metadata });
  }
}

/**
 * Webhooks on both paths: one for every project, one limited to beta, each with deliveries made by
 * pingWebhook (the receiver refuses the connection). Their kinds never occur after seeding, so the
 * background sender adds no deliveries while the test runs.
 */
async function seedWebhooks() {
  for (const [name, projects] of [['all-projects', []], ['beta-only', ['beta']]] as const) {
    const id = (await admin(`mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }`,
      { i: { name, url: 'http://127.0.0.1:9/hook', projects, kinds: ['PROJECT_CREATED'] } })).createWebhook.webhook.id;
    for (let i = 0; i < 3; i++) await admin(`mutation($id: ID!) { pingWebhook(id: $id) { status } }`, { id });
  }
}

/** Aliases: exclusive tags on model versions ("champion", "gold") besides the artifact version holding "gold". */
async function seedAliases() {
  const d = await admin(`{ m0: modelVersion(project: "beta", model: "beta-model-0", version: "latest") { id }
    m1: modelVersion(project: "beta", model: "beta-model-1", version: "1") { id } }`);
  await admin(`mutation($a: ID!, $b: ID!) { a: addTags(resource: $a, tags: [{ name: "champion", exclusive: true }]) { id }
    b: addTags(resource: $b, tags: [{ name: "gold" }]) { id } }`, { a: d.m0.id, b: d.m1.id });
}

async function collectPools(): Promise<Pools> {
  const data = await admin(`{
    projects(first: 100) { nodes { id name
      pipelines(first: 100, filter: { deleted: INCLUDE }) { edges { cursor } nodes { id name createdAt runs(first: 100, filter: { deleted: INCLUDE }) { edges { cursor } nodes { id name steps { id } } } } }
      artifacts(first: 100, filter: { deleted: INCLUDE }) { nodes { id name } }
      artifactVersions(first: 100, filter: { deleted: INCLUDE }) { edges { cursor } nodes { id version producedBy { outputs { name } } } }
      models(first: 100, filter: { deleted: INCLUDE }) { nodes { id name } }
      modelVersions(first: 100, filter: { deleted: INCLUDE }) { nodes { id artifacts { name } stageHistory { at } } }
      tags(first: 100) { edges { cursor } nodes { id name } } } }
    stacks(first: 100) { nodes { id name components { id flavor } } }
    apiKeys { id } webhooks { id deliveries(first: 2) { edges { cursor } } } }`);
  const ids: Pools['ids'] = {};
  const names = { pipeline: [], run: [], artifact: [], model: [], tag: [], stack: [], flavor: [], version: [], link: [] } as Pools['names'];
  const cursors: string[] = [];
  const dates: string[] = [];
  const add = (type: string, id: string) => (ids[type] ??= []).push(id);
  for (const p of data.projects.nodes) {
    add('Project', p.id);
    for (const pl of p.pipelines.nodes) {
      add('Pipeline', pl.id); names.pipeline.push(pl.name); dates.push(pl.createdAt);
      for (const run of pl.runs.nodes) { add('PipelineRun', run.id); names.run.push(run.name); for (const s of run.steps) add('StepRun', s.id); }
      cursors.push(...pl.runs.edges.map((e: { cursor: string }) => e.cursor));
    }
    cursors.push(...p.pipelines.edges.map((e: { cursor: string }) => e.cursor), ...p.artifactVersions.edges.map((e: { cursor: string }) => e.cursor),
      ...p.tags.edges.map((e: { cursor: string }) => e.cursor));
    for (const a of p.artifacts.nodes) { add('Artifact', a.id); names.artifact.push(a.name); }
    for (const v of p.artifactVersions.nodes) { add('ArtifactVersion', v.id); names.version.push(v.version); }
    for (const m of p.models.nodes) { add('Model', m.id); names.model.push(m.name); }
    for (const v of p.modelVersions.nodes) {
      add('ModelVersion', v.id); names.link.push(...v.artifacts.map((l: { name: string }) => l.name));
      dates.push(...v.stageHistory.map((c: { at: string }) => c.at));
    }
    for (const t of p.tags.nodes) { add('Tag', t.id); names.tag.push(t.name); }
  }
  for (const s of data.stacks.nodes) {
    add('Stack', s.id); names.stack.push(s.name);
    for (const c of s.components) { add('StackComponent', c.id); names.flavor.push(c.flavor); }
  }
  for (const k of data.apiKeys) add('ApiKey', k.id);
  for (const w of data.webhooks) { add('Webhook', w.id); cursors.push(...w.deliveries.edges.map((e: { cursor: string }) => e.cursor)); }
  // Cursors of METADATA orders, with and without the key (the latter carry a null sort value).
  for (const key of ['score', 'n']) {
    for (const direction of ['ASC', 'DESC']) {
      const page = await admin(`query($o: ListOrder) { project(name: "beta") { runs(first: 100, orderBy: $o) { edges { cursor } }
        modelVersions(first: 100, orderBy: $o) { edges { cursor } } } }`, { o: { field: 'METADATA', direction, metadataKey: key } });
      cursors.push(...[...page.project.runs.edges, ...page.project.modelVersions.edges].filter((_, i) => i % 3 === 0).map((e: { cursor: string }) => e.cursor));
    }
  }
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  for (const k of Object.keys(names) as (keyof Pools['names'])[]) names[k] = uniq(names[k]);
  return { projects: data.projects.nodes.map((p: { name: string }) => p.name), names, ids, cursors, dates };
}

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY, EXECUTION_PATH_HEADER: 'true', MAX_QUERY_COST: '10000000000' });
  await seedExample(app.url, ADMIN_KEY);
  await seedBeta();
  await seedMetadata();
  await seedDeletions();
  await seedWebhooks();
  await seedAliases();
  scopedKey = (await admin(`mutation { createApiKey(input: { name: "beta-reader", role: VIEWER, projects: ["beta"] }) { secret } }`)).createApiKey.secret;
  pools = await collectPools();
  schema = buildSchema(fs.readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
});
after(async () => { await app?.close(); });

/** Variables for a checked-in operation: names from the seeded data, by variable name. */
function variablesFor(name: string, type: string): unknown {
  const p = pools;
  const table: Record<string, unknown> = {
    project: 'fraud-detection', name: type.startsWith('String') ? 'fraud_detector' : undefined, first: 2, runs: 2, artifact: 'trained_model',
    model: 'fraud_detector', version: 'production', of: p.ids.ArtifactVersion[0], id: p.ids.PipelineRun[0], depth: 3,
  };
  return table[name];
}

test('every query operation of the TypeScript client answers the same on both paths', async () => {
  const dir = path.join(ROOT, 'clients', 'ts', 'operations');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.graphql'));
  const doc = parse(files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n'));
  const fragmentText = new Map(doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, print(d)] as const] : [])));
  /** The operation with the fragments it uses, directly or through other fragments. */
  const withFragments = (text: string) => {
    const used = new Set<string>();
    const walk = (t: string) => {
      for (const m of t.matchAll(/\.\.\.([A-Za-z_]\w*)/g)) if (fragmentText.has(m[1]) && !used.has(m[1])) { used.add(m[1]); walk(fragmentText.get(m[1])!); }
    };
    walk(text);
    return [text, ...[...used].map((u) => fragmentText.get(u))].join('\n');
  };
  let compiled = 0;
  let operations = 0;
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION || def.operation !== 'query') continue;
    operations++;
    const variables: Record<string, unknown> = {};
    for (const v of def.variableDefinitions ?? []) {
      const value = variablesFor(v.variable.name.value, print(v.type));
      if (value !== undefined) variables[v.variable.name.value] = value;
    }
    for (const [label, vars] of [[def.name!.value, variables], [`${def.name!.value} (other names)`, { ...variables, project: 'beta', name: 'beta-pipe-1' }]] as const) {
      for (const token of [ADMIN_KEY, scopedKey]) {
        const r = await same(withFragments(print(def)), vars, token, label);
        if (r.path === 'compiled') compiled++;
      }
    }
  }
  assert.ok(operations >= 10, `${operations} query operations`);
  assert.ok(compiled > 0);
});

test('aliases (exclusive tags) name versions the same on both paths', async () => {
  const query = `query($m: String!, $v: String!, $a: String!) {
    modelVersion(project: "beta", model: $m, version: $v) { number name stage tags { name } model { name } }
    artifactVersion(project: "beta", artifact: $a, version: $v) { version tags { name exclusive } } }`;
  const seen: unknown[] = [];
  for (const [m, v, a] of [['beta-model-0', 'champion', 'dataset'], ['beta-model-1', 'gold', 'dataset'], ['beta-model-1', 'champion', 'weights']]) {
    for (const token of [ADMIN_KEY, scopedKey]) {
      const answer = await same(query, { m, v, a }, token, `alias ${v}`);
      assert.equal(answer.path, 'compiled');
      seen.push((answer.body as { data: unknown }).data);
    }
  }
  const data = seen as { modelVersion: { number: number; tags: { name: string }[] } | null; artifactVersion: { version: string } | null }[];
  assert.ok(data[0].modelVersion?.tags.some((t) => t.name === 'champion'));
  assert.equal(data[2].modelVersion?.number, 1);
  assert.equal(data[2].artifactVersion?.version, 'raw_2023');
  assert.equal(data[4].modelVersion, null);
});

test('versionInStageAt answers the same on both paths at every stage change of the seeded models', async () => {
  const data = await admin(`{ project(name: "beta") { modelVersions(first: 100, filter: { deleted: INCLUDE }) { nodes { stageHistory { at } } } } }`);
  const moments: string[] = data.project.modelVersions.nodes.flatMap((v: { stageHistory: { at: string }[] }) => v.stageHistory.map((c) => c.at));
  assert.ok(moments.length >= 4, `${moments.length} stage changes`);
  const query = `query($at: DateTime!) { project(name: "beta") { models(first: 10, filter: { deleted: INCLUDE }) { nodes { name
    p: versionInStageAt(stage: PRODUCTION, at: $at) { number deletedAt } s: versionInStageAt(stage: STAGING, at: $at) { number }
    a: versionInStageAt(stage: ARCHIVED, at: $at) { number } n: versionInStageAt(stage: NONE, at: $at) { number name } } } } }`;
  let held = 0;
  for (const at of moments) {
    for (const token of [ADMIN_KEY, scopedKey]) {
      const answer = await same(query, { at }, token, `versionInStageAt at ${at}`);
      assert.equal(answer.path, 'compiled');
      held += (answer.body as { data: any }).data.project.models.nodes.filter((m: { p: unknown }) => m.p).length;
    }
  }
  assert.ok(held > 0, 'some moment has a production holder');
});

test('latestEventSequence is the same server-wide number on both paths, for an admin and for a scoped key', async () => {
  let newest = '0';
  for (let more = true; more;) {
    const page = (await admin('query($a: String) { events(first: 1000, after: $a) { nodes { sequence } pageInfo { hasNextPage } } }', { a: newest })).events;
    newest = page.nodes.at(-1)?.sequence ?? newest;
    more = page.pageInfo.hasNextPage;
  }
  assert.notEqual(newest, '0');
  for (const token of [ADMIN_KEY, scopedKey]) {
    const answer = await same('{ latestEventSequence }', {}, token, 'latestEventSequence');
    assert.equal(answer.path, 'compiled');
    assert.deepEqual(answer.body, { data: { latestEventSequence: newest } });
  }
});

test('a connection asked only for hasNextPage still reads its page', async () => {
  const query = '{ project(name: "fraud-detection") { artifacts(first: 1) { pageInfo { hasNextPage } } pipelines(first: 1) { pageInfo { hasNextPage hasPreviousPage } totalCount } } }';
  const answer = await same(query);
  assert.equal(answer.path, 'compiled');
  const data = (answer.body as { data: any }).data.project;
  assert.equal(data.artifacts.pageInfo.hasNextPage, true);
  assert.equal(data.pipelines.pageInfo.hasNextPage, true);
});

test('the README and playground examples answer the same on both paths', async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  const queries = [...blocks, ...EXAMPLE_TABS.map((t) => t.query)];
  assert.ok(queries.length >= 4);
  const compiled: string[] = [];
  for (const q of queries) {
    if (/^\s*(mutation|subscription)\b/m.test(q)) continue;
    const r = await same(q, { of: pools.ids.ModelVersion[0] }, ADMIN_KEY, 'example');
    if (r.path === 'compiled') compiled.push(q.slice(0, 40));
  }
  assert.ok(compiled.length >= 2, `compiled: ${compiled.length}`);
});

test(`${GENERATED} generated queries answer the same on both paths, for an admin and for a key scoped to one project`, async () => {
  const r = rng(SEED);
  const generator = new QueryGenerator(schema, pools, r);
  const paths = { compiled: 0, resolvers: 0 };
  const reasons = new Map<string, number>();
  for (let i = 0; i < GENERATED; i++) {
    const { query, variables } = generator.query();
    const token = r.chance(0.4) ? scopedKey : ADMIN_KEY;
    const answer = await same(query, variables, token, `generated query #${i}`);
    paths[answer.path === 'compiled' ? 'compiled' : 'resolvers']++;
    if (answer.reason) reasons.set(answer.reason.replace(/"[^"]*"/g, '…'), (reasons.get(answer.reason.replace(/"[^"]*"/g, '…')) ?? 0) + 1);
  }
  if (process.env.DIFFERENTIAL_VERBOSE) console.log(paths, [...reasons].sort((a, b) => b[1] - a[1]));
  // Most generated queries compile; the rest (refused arguments, api keys and webhooks asked by a non-admin) fall back.
  assert.ok(paths.compiled > GENERATED / 2, JSON.stringify(paths));
});

test('api keys and webhooks answer the same on both paths: admins see those within their projects, others are refused', async () => {
  const keys = (await admin(`mutation { a: createApiKey(input: { name: "differential-admin", role: ADMIN }) { secret }
    b: createApiKey(input: { name: "beta-admin", role: ADMIN, projects: ["beta"] }) { secret }
    e: createApiKey(input: { name: "beta-editor", role: EDITOR, projects: ["beta"] }) { secret } }`));
  const everything = `query($first: Int!) { viewer { name role projects }
    apiKeys(first: $first) { __typename id name role projects createdAt lastUsedAt revokedAt }
    webhooks { id name url projects kinds createdAt deliveries(first: 2) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { status attempts responseStatus error lastAttemptAt event { kind sequence actor subjectId subject { __typename id ... on Webhook { name } } } } } } } }`;
  const seen: Record<string, number> = {};
  for (const [label, token] of [['admin', keys.a.secret], ['beta admin', keys.b.secret]] as const) {
    // A first request sets the key's lastUsedAt; it then stays for a minute, so both paths read the same.
    await ask('{ viewer { name } }', {}, token, true);
    for (const first of [100, 1]) {
      const answer = await same(everything, { first }, token, `${label}, first ${first}`);
      assert.equal(answer.path, 'compiled', answer.reason);
      const data = (answer.body as { data: any }).data;
      seen[`${label} ${first}`] = data.apiKeys.length;
      if (first === 100) {
        assert.ok(data.webhooks.every((w: { deliveries: { totalCount: number } }) => w.deliveries.totalCount === 3));
        const ids = [...data.apiKeys, ...data.webhooks].map((n: { id: string }) => n.id);
        const nodes = await same('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on ApiKey { name projects } ... on Webhook { url } } }', { ids }, token, `${label} nodes`);
        assert.equal(nodes.path, 'compiled');
      }
    }
    const page = (await ask(everything, { first: 1 }, token, true)).body as { data: any };
    const after = page.data.webhooks[0].deliveries.pageInfo.endCursor;
    await same('query($a: String) { webhooks { deliveries(first: 1, after: $a) { pageInfo { hasPreviousPage endCursor } nodes { attempts } } } }', { a: after }, token, `${label} after`);
  }
  assert.equal(seen['admin 1'], 1);
  assert.ok(seen['admin 100'] > seen['beta admin 100'] && seen['beta admin 100'] >= 2, JSON.stringify(seen));
  // Not an admin: FORBIDDEN, from the resolvers, on both paths; node(id) of a key or webhook is null.
  for (const token of [keys.e.secret, scopedKey]) {
    assert.equal((await same('{ apiKeys { id } }', {}, token, 'editor apiKeys')).path, 'resolvers');
    await same('{ webhooks { id } }', {}, token, 'editor webhooks');
    const ids = [...pools.ids.ApiKey, ...pools.ids.Webhook];
    assert.equal((await same('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, token, 'editor nodes')).path, 'compiled');
  }
});

test('a run\'s dag is cut at its limit as the resolvers cut it', async () => {
  const runs = (await admin(`{ project(name: "beta") { runs(first: 100, filter: { deleted: INCLUDE }) { nodes { id steps { id } } } } }`)).project.runs.nodes;
  const run = runs.reduce((a: { steps: unknown[] }, b: { steps: unknown[] }) => (b.steps.length > a.steps.length ? b : a));
  const query = `query($id: ID!, $limit: Int!) { node(id: $id) { ... on PipelineRun { dag(limit: $limit) { truncated roots
    nodes { __typename ... on StepRun { id name } ... on ArtifactVersion { id version } } edges { source target kind name } } } } }`;
  const sizes = new Set<number>();
  for (const limit of [1, 2, 3, 4, 5, 6, 8, 1000]) {
    const answer = await same(query, { id: run.id, limit }, ADMIN_KEY, `dag(limit: ${limit})`);
    assert.equal(answer.path, 'compiled');
    const dag = (answer.body as { data: any }).data.node.dag;
    assert.ok(dag.nodes.length <= limit);
    sizes.add(dag.nodes.length);
  }
  assert.ok(sizes.size >= 3, `node counts ${[...sizes]}`);
});

test('with the api key cached, a compiled request is one statement; a revoked key is refused at once', async () => {
  const created = (await admin(`mutation { createApiKey(input: { name: "one-statement", role: VIEWER }) { secret apiKey { id } } }`)).createApiKey;
  const query = `{ projects(first: 3) { totalCount nodes { name pipelines(first: 5) { nodes { name runs(first: 3) { nodes { name tags { name } } } } } } } }`;
  const first = await app.gql(query, undefined, { token: created.secret });
  assert.equal(first.errors, undefined);
  const again = await app.gql(query, undefined, { token: created.secret });
  assert.equal(again.sqlStatements, 1);
  await admin(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id });
  const refused = await app.gql(query, undefined, { token: created.secret });
  assert.equal(refused.status, 401);
  assert.equal(refused.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
});
