// The access matrix: every query and mutation of the contract × every kind of caller,
// each cell asserting the exact outcome (data, hidden, or an error code).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';

const ADMIN_KEY = 'admin-secret-0123456789abcdef';
let app: TestApp;
const keys: Record<string, string | undefined> = {};
const ids: Record<string, string> = {};
let counter = 0;

const asAdmin = (q: string, v?: Record<string, unknown>) => app.ok(q, v, { token: ADMIN_KEY });

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  await asAdmin(`mutation { a: createProject(input: { name: "alpha" }) { id } b: createProject(input: { name: "beta" }) { id } }`);
  await asAdmin(`mutation { registerStack(input: { name: "dev", components: [{ type: ORCHESTRATOR, name: "local", flavor: "local" }, { type: ARTIFACT_STORE, name: "store", flavor: "local" }] }) { id } }`);
  const run = await asAdmin(`mutation { startRun(input: { project: "alpha", pipeline: "train", name: "r1", stack: "dev", model: { name: "m", createVersion: true }, tags: [{ name: "t1" }] }) { id pipeline { id } modelVersion { id } } }`);
  ids.run = run.startRun.id;
  ids.pipeline = run.startRun.pipeline.id;
  ids.modelVersion = run.startRun.modelVersion.id;
  const step = await asAdmin(`mutation($r: ID!) { recordStep(input: { run: $r, name: "s", status: COMPLETED, outputs: [{ name: "o", artifact: "data" }] }) { id outputs { artifactVersion { id } } } }`, { r: ids.run });
  ids.step = step.recordStep.id;
  ids.artifactVersion = step.recordStep.outputs[0].artifactVersion.id;
  ids.artifact = (await asAdmin(`{ artifact(project: "alpha", name: "data") { id } }`)).artifact.id;
  ids.model = (await asAdmin(`{ model(project: "alpha", name: "m") { id } }`)).model.id;
  ids.tag = (await asAdmin(`{ tag(project: "alpha", name: "t1") { id } }`)).tag.id;
  ids.project = (await asAdmin(`{ project(name: "alpha") { id } }`)).project.id;
  const mk = async (name: string, role: string, projects?: string[]) =>
    (await asAdmin(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }`, { i: { name, role, projects } })).createApiKey;
  keys.viewer = (await mk('viewer', 'VIEWER')).secret;
  keys.editor = (await mk('editor', 'EDITOR')).secret;
  keys.admin = ADMIN_KEY;
  keys.scoped = (await mk('beta-editor', 'EDITOR', ['beta'])).secret;
  const revoked = await mk('revoked', 'EDITOR');
  await asAdmin(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: revoked.apiKey.id });
  keys.revoked = revoked.secret;
  keys.none = undefined;
});
after(async () => { await app.close(); });

type Who = 'viewer' | 'editor' | 'admin' | 'scoped' | 'revoked' | 'none';
type Outcome = 'data' | 'hidden' | string;
interface Op { name: string; make: () => Promise<{ q: string; v?: Record<string, unknown> }> | { q: string; v?: Record<string, unknown> }; pick: (d: any) => unknown; expect: Record<Who, Outcome> }

const unauth = { revoked: 'UNAUTHENTICATED', none: 'UNAUTHENTICATED' } as const;
const READ = { viewer: 'data', editor: 'data', admin: 'data', scoped: 'hidden', ...unauth };
const OPEN = { viewer: 'data', editor: 'data', admin: 'data', scoped: 'data', ...unauth };
const WRITE = { viewer: 'FORBIDDEN', editor: 'data', admin: 'data', scoped: 'NOT_FOUND', ...unauth };
const ADMIN = { viewer: 'FORBIDDEN', editor: 'FORBIDDEN', admin: 'data', scoped: 'FORBIDDEN', ...unauth };
const n = () => ++counter;

const OPS: Op[] = [
  { name: 'viewer', make: () => ({ q: `{ viewer { name role } }` }), pick: (d) => d.viewer, expect: OPEN },
  { name: 'apiKeys', make: () => ({ q: `{ apiKeys { name } }` }), pick: (d) => d.apiKeys, expect: ADMIN },
  { name: 'node', make: () => ({ q: `query($id: ID!) { node(id: $id) { id } }`, v: { id: ids.pipeline } }), pick: (d) => d.node, expect: READ },
  { name: 'nodes', make: () => ({ q: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, v: { ids: [ids.run, ids.project] } }), pick: (d) => d.nodes.filter(Boolean), expect: READ },
  { name: 'projects', make: () => ({ q: `{ projects(filter: { name: "alpha" }) { nodes { name } } }` }), pick: (d) => d.projects.nodes, expect: READ },
  { name: 'project', make: () => ({ q: `{ project(name: "alpha") { name } }` }), pick: (d) => d.project, expect: READ },
  { name: 'pipeline', make: () => ({ q: `{ pipeline(project: "alpha", name: "train") { name } }` }), pick: (d) => d.pipeline, expect: READ },
  { name: 'pipelineRun', make: () => ({ q: `{ pipelineRun(project: "alpha", name: "r1") { name } }` }), pick: (d) => d.pipelineRun, expect: READ },
  { name: 'artifact', make: () => ({ q: `{ artifact(project: "alpha", name: "data") { name } }` }), pick: (d) => d.artifact, expect: READ },
  { name: 'artifactVersion', make: () => ({ q: `{ artifactVersion(project: "alpha", artifact: "data") { version } }` }), pick: (d) => d.artifactVersion, expect: READ },
  { name: 'model', make: () => ({ q: `{ model(project: "alpha", name: "m") { name } }` }), pick: (d) => d.model, expect: READ },
  { name: 'modelVersion', make: () => ({ q: `{ modelVersion(project: "alpha", model: "m", version: "1") { number } }` }), pick: (d) => d.modelVersion, expect: READ },
  { name: 'tag', make: () => ({ q: `{ tag(project: "alpha", name: "t1") { name } }` }), pick: (d) => d.tag, expect: READ },
  { name: 'stacks', make: () => ({ q: `{ stacks { nodes { name } } }` }), pick: (d) => d.stacks.nodes, expect: OPEN },
  { name: 'stack', make: () => ({ q: `{ stack(name: "dev") { name } }` }), pick: (d) => d.stack, expect: OPEN },
  { name: 'stack.runs', make: () => ({ q: `{ stack(name: "dev") { runs { nodes { name } } } }` }), pick: (d) => d.stack.runs.nodes, expect: READ },
  { name: 'lineage', make: () => ({ q: `query($id: ID!) { lineage(of: $id) { nodes { __typename } } }`, v: { id: ids.artifactVersion } }), pick: (d) => d.lineage.nodes, expect: { ...READ, scoped: 'NOT_FOUND' } },
  { name: 'createProject', make: () => ({ q: `mutation($n: String!) { createProject(input: { name: $n }) { name } }`, v: { n: `p-${n()}` } }), pick: (d) => d.createProject, expect: ADMIN },
  { name: 'registerStack', make: () => ({ q: `mutation($n: String!) { registerStack(input: { name: $n, components: [{ type: ORCHESTRATOR, name: "local" }, { type: ARTIFACT_STORE, name: "store" }] }) { name } }`, v: { n: `s-${n()}` } }), pick: (d) => d.registerStack, expect: ADMIN },
  { name: 'createPipeline', make: () => ({ q: `mutation($n: String!) { createPipeline(input: { project: "alpha", name: $n }) { name } }`, v: { n: `pl-${n()}` } }), pick: (d) => d.createPipeline, expect: WRITE },
  { name: 'startRun', make: () => ({ q: `mutation { startRun(input: { project: "alpha", pipeline: "train" }) { name } }` }), pick: (d) => d.startRun, expect: WRITE },
  { name: 'recordStep', make: () => ({ q: `mutation($r: ID!, $n: String!) { recordStep(input: { run: $r, name: $n, status: COMPLETED }) { name } }`, v: { r: ids.run, n: `step-${n()}` } }), pick: (d) => d.recordStep, expect: WRITE },
  { name: 'finishRun', make: () => ({ q: `mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { status } }`, v: { r: ids.run } }), pick: (d) => d.finishRun, expect: WRITE },
  { name: 'registerArtifactVersion', make: () => ({ q: `mutation { registerArtifactVersion(input: { project: "alpha", artifact: "data" }) { version } }` }), pick: (d) => d.registerArtifactVersion, expect: WRITE },
  { name: 'createModel', make: () => ({ q: `mutation($n: String!) { createModel(input: { project: "alpha", name: $n }) { name } }`, v: { n: `m-${n()}` } }), pick: (d) => d.createModel, expect: WRITE },
  { name: 'createModelVersion', make: () => ({ q: `mutation { createModelVersion(input: { project: "alpha", model: "m" }) { number } }` }), pick: (d) => d.createModelVersion, expect: WRITE },
  { name: 'linkArtifact', make: () => ({ q: `mutation($mv: ID!, $av: ID!) { linkArtifact(input: { modelVersion: $mv, artifactVersion: $av, kind: DATA, name: "d" }) { number } }`, v: { mv: ids.modelVersion, av: ids.artifactVersion } }), pick: (d) => d.linkArtifact, expect: WRITE },
  { name: 'promoteModelVersion', make: () => ({ q: `mutation($mv: ID!) { promoteModelVersion(input: { modelVersion: $mv, stage: STAGING, force: true }) { modelVersion { stage } } }`, v: { mv: ids.modelVersion } }), pick: (d) => d.promoteModelVersion, expect: WRITE },
  { name: 'createTag', make: () => ({ q: `mutation($n: String!) { createTag(input: { project: "alpha", name: $n }) { name } }`, v: { n: `tag-${n()}` } }), pick: (d) => d.createTag, expect: WRITE },
  { name: 'updateTag', make: () => ({ q: `mutation($id: ID!) { updateTag(input: { id: $id, color: "#112233" }) { color } }`, v: { id: ids.tag } }), pick: (d) => d.updateTag, expect: WRITE },
  {
    name: 'deleteTag',
    make: async () => ({ q: `mutation($id: ID!) { deleteTag(id: $id) }`, v: { id: (await asAdmin(`mutation($n: String!) { createTag(input: { project: "alpha", name: $n }) { id } }`, { n: `gone-${n()}` })).createTag.id } }),
    pick: (d) => d.deleteTag,
    expect: { ...ADMIN, scoped: 'NOT_FOUND' },
  },
  { name: 'addTags', make: () => ({ q: `mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "x" }]) { id } }`, v: { r: ids.pipeline } }), pick: (d) => d.addTags, expect: WRITE },
  { name: 'removeTags', make: () => ({ q: `mutation($r: ID!) { removeTags(resource: $r, tags: ["x"]) { id } }`, v: { r: ids.pipeline } }), pick: (d) => d.removeTags, expect: WRITE },
  { name: 'createApiKey', make: () => ({ q: `mutation($n: String!) { createApiKey(input: { name: $n, role: VIEWER }) { secret } }`, v: { n: `k-${n()}` } }), pick: (d) => d.createApiKey, expect: ADMIN },
  {
    name: 'revokeApiKey',
    make: async () => ({ q: `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, v: { id: (await asAdmin(`mutation($n: String!) { createApiKey(input: { name: $n, role: VIEWER }) { apiKey { id } } }`, { n: `rk-${n()}` })).createApiKey.apiKey.id } }),
    pick: (d) => d.revokeApiKey,
    expect: ADMIN,
  },
  { name: 'updateProject', make: () => ({ q: `mutation($id: ID!) { updateProject(input: { id: $id, description: "d" }) { description } }`, v: { id: ids.project } }), pick: (d) => d.updateProject, expect: { ...ADMIN, scoped: 'NOT_FOUND' } },
  { name: 'updatePipeline', make: () => ({ q: `mutation($id: ID!) { updatePipeline(input: { id: $id, description: "d" }) { name } }`, v: { id: ids.pipeline } }), pick: (d) => d.updatePipeline, expect: WRITE },
  { name: 'updateArtifact', make: () => ({ q: `mutation($id: ID!) { updateArtifact(input: { id: $id, name: "data" }) { name } }`, v: { id: ids.artifact } }), pick: (d) => d.updateArtifact, expect: WRITE },
  { name: 'updateModel', make: () => ({ q: `mutation($id: ID!) { updateModel(input: { id: $id, description: "d" }) { name } }`, v: { id: ids.model } }), pick: (d) => d.updateModel, expect: WRITE },
  { name: 'updateModelVersion', make: () => ({ q: `mutation($id: ID!) { updateModelVersion(input: { id: $id, description: "d" }) { number } }`, v: { id: ids.modelVersion } }), pick: (d) => d.updateModelVersion, expect: WRITE },
  {
    name: 'delete',
    make: async () => ({ q: `mutation($id: ID!) { delete(input: { id: $id }) { deleted } }`, v: { id: (await asAdmin(`mutation($n: String!) { createModel(input: { project: "alpha", name: $n }) { id } }`, { n: `del-${n()}` })).createModel.id } }),
    pick: (d) => d.delete.deleted,
    expect: WRITE,
  },
  {
    name: 'restore',
    make: async () => {
      const id = (await asAdmin(`mutation($n: String!) { createModel(input: { project: "alpha", name: $n }) { id } }`, { n: `res-${n()}` })).createModel.id;
      await asAdmin(`mutation($id: ID!) { delete(input: { id: $id }) { deleted } }`, { id });
      return { q: `mutation($id: ID!) { restore(id: $id) { id } }`, v: { id } };
    },
    pick: (d) => d.restore,
    expect: WRITE,
  },
  { name: 'logMetadata', make: () => ({ q: `mutation($r: ID!) { logMetadata(resource: $r, metadata: { a: 1 }) { id } }`, v: { r: ids.run } }), pick: (d) => d.logMetadata, expect: WRITE },
];

test(`the access matrix: ${OPS.length} operations × 6 callers`, async () => {
  const mismatches: string[] = [];
  let cells = 0;
  for (const op of OPS) {
    for (const who of Object.keys(op.expect) as Who[]) {
      const { q, v } = await op.make();
      const r = await app.gql(q, v, { token: keys[who] });
      let outcome: Outcome;
      if (r.errors?.length) outcome = String(r.errors[0].extensions?.code);
      else {
        const value = op.pick(r.data);
        outcome = value === null || value === undefined || (Array.isArray(value) && value.length === 0) ? 'hidden' : 'data';
      }
      if (outcome === 'UNAUTHENTICATED') assert.equal(r.status, 401, `${op.name} as ${who}: HTTP status`);
      cells++;
      if (outcome !== op.expect[who]) mismatches.push(`${op.name} as ${who}: expected ${op.expect[who]}, got ${outcome} ${JSON.stringify(r.errors?.[0]?.message ?? '')}`);
    }
  }
  assert.equal(cells, OPS.length * 6);
  assert.deepEqual(mismatches, []);
});

test('viewer tells who is calling; stage changes record the key name as actor', async () => {
  const v = await app.ok(`{ viewer { name role projects } }`, undefined, { token: keys.scoped });
  assert.deepEqual(v.viewer, { name: 'beta-editor', role: 'EDITOR', projects: ['beta'] });
  const mv = (await app.ok(`mutation { createModelVersion(input: { project: "alpha", model: "actor_model" }) { id } }`, undefined, { token: keys.editor })).createModelVersion.id;
  await app.ok(`mutation($mv: ID!) { promoteModelVersion(input: { modelVersion: $mv, stage: PRODUCTION }) { modelVersion { stage } } }`, { mv }, { token: keys.editor });
  const h = await app.ok(`query($id: ID!) { node(id: $id) { ... on ModelVersion { stageHistory { actor to } } } }`, { id: mv }, { token: keys.viewer });
  assert.deepEqual(h.node.stageHistory, [{ actor: 'editor', to: 'PRODUCTION' }]);
});

test('keys: the secret is shown once and only its hash is stored; revocation takes effect on the next request; lastUsedAt is set', async () => {
  const created = await asAdmin(`mutation { createApiKey(input: { name: "once", role: VIEWER, projects: ["alpha"] }) { secret apiKey { id name role projects lastUsedAt revokedAt } } }`);
  const { secret, apiKey } = created.createApiKey;
  assert.match(secret, /^mag_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual({ ...apiKey, id: undefined }, { id: undefined, name: 'once', role: 'VIEWER', projects: ['alpha'], lastUsedAt: null, revokedAt: null });
  const rows = await app.sql(`SELECT secret_hash FROM api_key WHERE name = 'once'`);
  assert.equal(rows[0].secret_hash.length, 64);
  assert.notEqual(rows[0].secret_hash, secret);
  assert.equal((await app.gql(`{ viewer { name } }`, undefined, { token: secret })).data.viewer.name, 'once');
  const listed = await asAdmin(`{ apiKeys { name lastUsedAt } }`);
  assert.ok(listed.apiKeys.find((k: { name: string; lastUsedAt: string | null }) => k.name === 'once').lastUsedAt);
  await asAdmin(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: apiKey.id });
  const after = await app.gql(`{ viewer { name } }`, undefined, { token: secret });
  assert.equal(after.status, 401);
  assert.equal(after.errors![0].extensions!.code, 'UNAUTHENTICATED');
  const malformed = await app.gql(`{ viewer { name } }`, undefined, { headers: { authorization: 'Basic abc' } });
  assert.equal(malformed.status, 401);
});

test('a key limited to a project cannot create other projects', async () => {
  const scopedAdmin = (await asAdmin(`mutation { createApiKey(input: { name: "scoped-admin", role: ADMIN, projects: ["gamma"] }) { secret } }`)).createApiKey.secret;
  const r = await app.gql(`mutation { createProject(input: { name: "delta" }) { id } }`, undefined, { token: scopedAdmin });
  assert.equal(r.errors![0].extensions!.code, 'FORBIDDEN');
  const ok = await app.ok(`mutation { createProject(input: { name: "gamma" }) { name } }`, undefined, { token: scopedAdmin });
  assert.equal(ok.createProject.name, 'gamma');
});

test('a scoped admin manages only keys limited to its projects and never sees other keys', async () => {
  const scopedAdmin = (await asAdmin(`mutation { createApiKey(input: { name: "gamma-admin", role: ADMIN, projects: ["gamma"] }) { secret } }`)).createApiKey.secret;
  const own = await app.ok(`mutation { createApiKey(input: { name: "gamma-viewer", role: VIEWER, projects: ["gamma"] }) { apiKey { id name projects } } }`, undefined, { token: scopedAdmin });
  assert.deepEqual({ ...own.createApiKey.apiKey, id: undefined }, { id: undefined, name: 'gamma-viewer', projects: ['gamma'] });
  for (const projects of ['[]', '["alpha"]', '["gamma", "alpha"]']) {
    const r = await app.gql(`mutation { createApiKey(input: { name: "sneaky", role: ADMIN, projects: ${projects} }) { secret } }`, undefined, { token: scopedAdmin });
    assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN', projects);
  }
  const listed = await app.ok(`{ apiKeys { name projects } }`, undefined, { token: scopedAdmin });
  assert.deepEqual(listed.apiKeys.map((k: { name: string }) => k.name).sort(), ['gamma-admin', 'gamma-viewer', 'scoped-admin']);
  const editorKey = (await asAdmin(`{ apiKeys { id name } }`)).apiKeys.find((k: { name: string }) => k.name === 'editor').id;
  const revoke = await app.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: editorKey }, { token: scopedAdmin });
  assert.equal(revoke.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  assert.equal((await app.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: editorKey }, { token: scopedAdmin })).node, null);
  assert.equal((await app.ok(`query($id: ID!) { node(id: $id) { id } }`, { id: own.createApiKey.apiKey.id }, { token: scopedAdmin })).node.id, own.createApiKey.apiKey.id);
});
