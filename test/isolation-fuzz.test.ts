// Project isolation under random queries: a key scoped to project A must never see anything
// of project B, whatever entry point, nesting, filter or id it uses.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { buildSchema, GraphQLSchema, parse, validate } from 'graphql';
import { codeOf as codeOfFirst, startTestApp, TestApp } from './helpers/app';
import { globalId } from './helpers/http-gql';

const ADMIN = 'admin-secret-for-isolation-fuzz';
const A = 'a-open-proj';
const B = 'b-secret-proj';
const MARK = 'b-secret'; // every name of B that is not shared with A contains it

let app: TestApp;
let aKey: string;
let schema: GraphQLSchema;

/** Global ids by type, for each project. */
const ids: Record<'A' | 'B', Record<string, string[]>> = { A: {}, B: {} };
/** Strings that must never show up in what the A key gets back (B's ids, raw uuids, the marker). */
let forbidden: string[] = [];

const admin = (q: string, v?: Record<string, unknown>) => app.ok(q, v, { token: ADMIN });

async function seedProject(p: string, project: string, stack: string) {
  await admin(`mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`, { i: { name: project, description: `${p} project`, displayName: `${p}-display` } });
  await admin(`mutation($i: CreateTagInput!) { createTag(input: $i) { id } }`, { i: { project, name: `${p}-tag-excl`, exclusive: true, color: '#112233' } });
  const pipe = async (name: string, tags: unknown[]) =>
    admin(`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }`, { i: { project, name, description: `${p}-desc`, tags } });
  await pipe(`${p}-pipe-1`, [{ name: `${p}-tag-pipe` }, { name: 'shared-tag' }]);
  await pipe('shared-pipe', [{ name: `${p}-tag-excl` }]);
  await admin(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`,
    { i: { project, name: `${p}-model`, description: `${p}-desc`, license: 'MIT', tags: [{ name: `${p}-tag-model` }] } });
  await admin(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { project, name: 'shared-model', tags: [{ name: 'shared-tag' }] } });
  const named = (await admin(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`,
    { i: { project, model: `${p}-model`, name: `${p}-mv-named`, description: `${p}-desc`, metadata: { note: `${p}-meta` }, tags: [{ name: 'shared-tag' }] } })).createModelVersion.id;
  await admin(`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`, { i: { project, model: 'shared-model' } });
  const reg = async (input: Record<string, unknown>) =>
    (await admin(`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }`, { i: { project, ...input } })).registerArtifactVersion.id;
  const rawNamed = await reg({ artifact: `${p}-raw`, version: `${p}-v-named`, type: 'DATA', uri: `s3://${p}-bucket/raw`, dataType: `${p}.Frame`, metadata: { src: `${p}-meta` }, tags: [{ name: `${p}-tag-av` }] });
  const raw1 = await reg({ artifact: `${p}-raw` });
  await reg({ artifact: 'shared-artifact', tags: [{ name: 'shared-tag' }] });

  const start = async (input: Record<string, unknown>) =>
    (await admin(`mutation($i: StartRunInput!) { startRun(input: $i) { id modelVersion { id } } }`, { i: { project, ...input } })).startRun;
  const step = async (input: Record<string, unknown>) =>
    (await admin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id outputs { artifactVersion { id } } } }`, { i: { status: 'COMPLETED', ...input } })).recordStep;
  const run1 = await start({ pipeline: `${p}-pipe-1`, name: `${p}-run-1`, stack, config: { setting: `${p}-config` },
    model: { name: `${p}-model`, createVersion: true }, tags: [{ name: `${p}-tag-cascade`, cascade: true }, { name: `${p}-tag-best`, exclusive: true }] });
  const load = await step({ run: run1.id, name: `${p}-step-load`, metadata: { rows: 10, who: `${p}-meta` },
    inputs: [{ artifactVersion: raw1, name: 'raw' }], outputs: [{ name: 'features', artifact: `${p}-features`, type: 'DATA', tags: [{ name: `${p}-tag-out` }] }] });
  const features = load.outputs[0].artifactVersion.id;
  const train = await step({ run: run1.id, name: `${p}-step-train`, inputs: [{ artifactVersion: features, name: 'features' }],
    outputs: [{ name: 'trained_model', artifact: `${p}-model-art`, type: 'MODEL', linkToModelAs: 'MODEL', uri: `s3://${p}-bucket/model` }] });
  await admin(`mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { id } }`, { r: run1.id });
  const run2 = await start({ pipeline: `${p}-pipe-1`, name: `${p}-run-2`, stack, model: { name: `${p}-model`, version: 'latest' }, tags: [{ name: `${p}-tag-best` }] });
  await step({ run: run2.id, name: `${p}-step-eval`, inputs: [{ artifactVersion: features, name: 'features' }, { artifactVersion: train.outputs[0].artifactVersion.id, name: 'model' }],
    outputs: [{ name: 'report', artifact: `${p}-eval`, type: 'STATISTICS' }] });
  const run3 = await start({ pipeline: 'shared-pipe', name: `${p}-run-3`, tags: [{ name: 'shared-tag', cascade: true }] });
  await step({ run: run3.id, name: 'shared-step', inputs: [{ artifactVersion: rawNamed, name: 'raw' }], outputs: [{ name: 'copy', artifact: 'shared-artifact' }] });
  await admin(`mutation($i: LinkArtifactInput!) { linkArtifact(input: $i) { id } }`, { i: { modelVersion: named, artifactVersion: rawNamed, kind: 'DATA', name: `${p}-link` } });
  const promote = (id: string, stage: string) =>
    admin(`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { id } } }`, { i: { modelVersion: id, stage, force: true, reason: `${p}-reason` } });
  await promote(named, 'STAGING');
  await promote(run1.modelVersion.id, 'PRODUCTION');
  const artifactId = (await admin(`query($p: String!, $n: String!) { artifact(project: $p, name: $n) { id } }`, { p: project, n: `${p}-raw` })).artifact.id;
  await admin(`mutation($r: ID!, $t: String!) { addTags(resource: $r, tags: [{ name: $t }]) { id } }`, { r: artifactId, t: `${p}-tag-excl` });
  await admin(`mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { id } }`, { r: run1.id, m: { extra: `${p}-meta2` } });
}

const TABLES: [string, string][] = [
  ['Pipeline', 'pipeline'], ['PipelineRun', 'pipeline_run'], ['StepRun', 'step_run'], ['Artifact', 'artifact'],
  ['ArtifactVersion', 'artifact_version'], ['Model', 'model'], ['ModelVersion', 'model_version'], ['Tag', 'tag'],
];

async function collectIds(projectName: string): Promise<{ byType: Record<string, string[]>; uuids: string[] }> {
  const [{ id: projectId }] = await app.sql('SELECT id FROM project WHERE name = $1', [projectName]);
  const byType: Record<string, string[]> = { Project: [globalId('Project', projectId)] };
  const uuids = [projectId];
  for (const [type, table] of TABLES) {
    const rows = await app.sql(`SELECT id FROM ${table} WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
    byType[type] = rows.map((r) => globalId(type, r.id));
    uuids.push(...rows.map((r) => r.id));
  }
  return { byType, uuids };
}

before(async () => {
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN });
  schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema.graphql'), 'utf8'));
  const stack = (name: string) => admin(`mutation($i: RegisterStackInput!) { registerStack(input: $i) { id } }`, { i: { name, components: [
    { type: 'ORCHESTRATOR', name: `${name}-orch`, flavor: 'local' }, { type: 'ARTIFACT_STORE', name: `${name}-store`, flavor: 'local' }] } });
  await stack('stack-one');
  await stack('stack-two');
  await seedProject('a-open', A, 'stack-one');
  await seedProject(MARK, B, 'stack-two');
  const a = await collectIds(A);
  const b = await collectIds(B);
  ids.A = a.byType;
  ids.B = b.byType;
  forbidden = [MARK, ...Object.values(b.byType).flat(), ...b.uuids];
  aKey = (await admin(`mutation { createApiKey(input: { name: "a-editor", role: EDITOR, projects: ["${A}"] }) { secret } }`)).createApiKey.secret;
});
after(async () => { await app?.close(); });

// ---------------------------------------------------------------- the query grammar

type Leaf = { f: string; kind: 'leaf' };
type Obj = { f: string; kind: 'obj'; type: string; args?: () => fc.Arbitrary<string> };
type Conn = { f: string; kind: 'conn'; type: string; filter: FilterKind };
type Field = Leaf | Obj | Conn;
type FilterKind = 'name' | 'list' | 'run' | 'av' | 'mv' | 'stack';

const leaf = (...names: string[]): Leaf[] => names.map((f) => ({ f, kind: 'leaf' }));
const obj = (f: string, type: string, args?: () => fc.Arbitrary<string>): Obj => ({ f, kind: 'obj', type, args });
const conn = (f: string, type: string, filter: FilterKind): Conn => ({ f, kind: 'conn', type, filter });

const STAGES = ['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED'];
const TYPES: Record<string, Field[]> = {
  Project: [...leaf('name', 'description', 'displayName', 'createdAt'), conn('pipelines', 'Pipeline', 'list'), conn('runs', 'PipelineRun', 'run'),
    conn('artifacts', 'Artifact', 'list'), conn('artifactVersions', 'ArtifactVersion', 'av'), conn('models', 'Model', 'list'),
    conn('modelVersions', 'ModelVersion', 'mv'), conn('tags', 'Tag', 'name')],
  Pipeline: [...leaf('name', 'description', 'createdAt'), obj('project', 'Project'), obj('latestRun', 'PipelineRun'), conn('runs', 'PipelineRun', 'run'), obj('tags', 'Tag')],
  PipelineRun: [...leaf('name', 'status', 'config', 'metadata', 'createdAt', 'startedAt', 'endedAt'), obj('dag', 'LineageGraph'), obj('modelVersion', 'ModelVersion'),
    obj('pipeline', 'Pipeline'), obj('producedArtifactVersions', 'ArtifactVersion'), obj('project', 'Project'), obj('stack', 'Stack'), obj('steps', 'StepRun'), obj('tags', 'Tag')],
  StepRun: [...leaf('name', 'status', 'metadata', 'startedAt', 'endedAt'), obj('inputs', 'StepArtifact'), obj('outputs', 'StepArtifact'), obj('run', 'PipelineRun')],
  StepArtifact: [...leaf('name'), obj('artifactVersion', 'ArtifactVersion')],
  Artifact: [...leaf('name', 'createdAt'), obj('latestVersion', 'ArtifactVersion'), obj('project', 'Project'), obj('tags', 'Tag'), conn('versions', 'ArtifactVersion', 'av')],
  ArtifactVersion: [...leaf('version', 'type', 'uri', 'dataType', 'metadata'), obj('artifact', 'Artifact'), obj('consumedBy', 'StepRun'), obj('modelVersions', 'ModelVersion'),
    obj('producedBy', 'StepRun'), obj('tags', 'Tag')],
  Model: [...leaf('name', 'description', 'license'), obj('latestVersion', 'ModelVersion'), obj('pipelines', 'Pipeline'), obj('project', 'Project'), obj('tags', 'Tag'),
    obj('versionInStage', 'ModelVersion', () => fc.constantFrom(...STAGES).map((s) => `(stage: ${s})`)), conn('versions', 'ModelVersion', 'mv')],
  ModelVersion: [...leaf('name', 'number', 'stage', 'metadata', 'description'),
    obj('artifact', 'ArtifactVersion', () => fc.constantFrom('a-open-link', 'b-secret-link', 'trained_model').map((n) => `(name: ${JSON.stringify(n)})`)),
    obj('artifacts', 'ModelArtifactLink', () => fc.constantFrom('', '(kind: MODEL)', '(kind: DATA)')), obj('model', 'Model'), obj('runs', 'PipelineRun'),
    obj('stageHistory', 'StageChange'), obj('tags', 'Tag')],
  ModelArtifactLink: [...leaf('kind', 'name'), obj('artifactVersion', 'ArtifactVersion')],
  StageChange: leaf('actor', 'at', 'from', 'to', 'reason'),
  Tag: [...leaf('name', 'color', 'exclusive', 'usageCount'), obj('project', 'Project')],
  Stack: [...leaf('name', 'description'), obj('components', 'StackComponent'), conn('runs', 'PipelineRun', 'run')],
  StackComponent: [...leaf('name', 'type', 'flavor', 'config'), obj('stacks', 'Stack')],
  LineageGraph: [...leaf('roots', 'truncated'), obj('edges', 'LineageEdge'), obj('nodes', 'LineageNode')],
  LineageEdge: leaf('kind', 'name', 'source', 'target'),
  PageInfo: leaf('hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'),
};
const NODE_TYPES = new Set(['Project', 'Pipeline', 'PipelineRun', 'StepRun', 'Artifact', 'ArtifactVersion', 'Model', 'ModelVersion', 'Tag', 'Stack', 'StackComponent']);

// Predicates that match something in A (or in both), and predicates that only B can match.
const NAME_PREDS = ['a-open-pipe-1', 'startswith:a-open', 'contains:pipe', 'contains:model', 'notequals:b-secret-pipe-1', 'oneof:a-open-pipe-1,shared-pipe',
  'shared-pipe', 'shared-model', 'shared-artifact', 'endswith:-1', 'contains:-', 'notequals:shared-pipe', 'oneof:b-secret-pipe-1,a-open-pipe-1,b-secret-model',
  'contains:%', 'startswith:_', 'a-open-run-1', 'a-open-raw', 'a-open-mv-named', 'a-open-tag-excl', A];
const B_NAME_PREDS = ['b-secret-pipe-1', 'b-secret-model', 'b-secret-raw', 'b-secret-run-1', 'b-secret-mv-named', 'b-secret-tag-excl', 'startswith:b-secret',
  'contains:secret', 'endswith:secret-proj', 'oneof:b-secret-pipe-1,b-secret-run-1', 'equals:b-secret-tag-excl', B, 'startswith:b-', 'b-secret-v-named'];
const TAG_PREDS = ['a-open-tag-excl', 'shared-tag', 'startswith:a-open', 'contains:tag', 'notequals:x', 'oneof:shared-tag,b-secret-tag-cascade', 'a-open-tag-cascade'];
const B_TAG_PREDS = ['b-secret-tag-excl', 'b-secret-tag-cascade', 'b-secret-tag-best', 'startswith:b-secret', 'contains:secret', 'oneof:b-secret-tag-pipe,b-secret-tag-av'];

interface Piece { text: string; bOnly: boolean }
const pred = (both: string[], bOnly: string[]): fc.Arbitrary<Piece> => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...both).map((v) => ({ text: JSON.stringify(v), bOnly: false })) },
  { weight: 2, arbitrary: fc.constantFrom(...bOnly).map((v) => ({ text: JSON.stringify(v), bOnly: true })) });
const opt = <T>(arb: fc.Arbitrary<T>, weight = 1, nullWeight = 2) => fc.oneof({ weight: nullWeight, arbitrary: fc.constant(null) }, { weight, arbitrary: arb });

function filterArb(kind: FilterKind): fc.Arbitrary<Piece | null> {
  const entries: [string, fc.Arbitrary<Piece>][] = [];
  if (kind === 'stack') {
    entries.push(['name', fc.constantFrom('stack-one', 'stack-two', 'startswith:stack', 'contains:secret').map((v) => ({ text: JSON.stringify(v), bOnly: false }))]);
    entries.push(['flavor', fc.constantFrom('local', 'kubernetes').map((v) => ({ text: JSON.stringify(v), bOnly: false }))]);
  } else {
    entries.push(['name', pred(NAME_PREDS, B_NAME_PREDS)]);
    entries.push(['createdAfter', fc.constantFrom('"2000-01-01T00:00:00Z"', '"2999-01-01T00:00:00Z"').map((text) => ({ text, bOnly: false }))]);
  }
  if (kind !== 'name' && kind !== 'stack') {
    const list = fc.array(pred(TAG_PREDS, B_TAG_PREDS), { minLength: 1, maxLength: 2 });
    // tags: every entry must match (AND), so one B-only entry leaves nothing; withoutTags never narrows to B.
    entries.push(['tags', list.map((ps) => ({ text: `[${ps.map((p) => p.text).join(', ')}]`, bOnly: ps.some((p) => p.bOnly) }))]);
    entries.push(['withoutTags', list.map((ps) => ({ text: `[${ps.map((p) => p.text).join(', ')}]`, bOnly: false }))]);
  }
  if (kind === 'run') {
    entries.push(['pipeline', pred(['a-open-pipe-1', 'shared-pipe', 'startswith:a-', 'contains:pipe'], ['b-secret-pipe-1', 'contains:secret'])]);
    entries.push(['stack', fc.constantFrom('stack-one', 'stack-two', 'startswith:stack').map((v) => ({ text: JSON.stringify(v), bOnly: v === 'stack-two' }))]);
    entries.push(['status', fc.constantFrom('COMPLETED', 'RUNNING', 'FAILED').map((text) => ({ text, bOnly: false }))]);
  }
  if (kind === 'av') {
    entries.push(['artifact', pred(['a-open-raw', 'shared-artifact', 'startswith:a-open', 'contains:feat'], ['b-secret-raw', 'b-secret-features', 'contains:secret'])]);
    entries.push(['type', fc.constantFrom('DATA', 'MODEL', 'STATISTICS').map((text) => ({ text, bOnly: false }))]);
  }
  if (kind === 'mv') {
    entries.push(['model', pred(['a-open-model', 'shared-model', 'contains:model'], ['b-secret-model', 'startswith:b-secret'])]);
    entries.push(['stage', fc.constantFrom(...STAGES).map((text) => ({ text, bOnly: false }))]);
  }
  return opt(fc.tuple(...entries.map(([key, arb]) => opt(arb.map((p) => ({ text: `${key}: ${p.text}`, bOnly: p.bOnly })), 1))).map((parts) => {
    const present = parts.filter((p): p is Piece => p !== null);
    return { text: `{ ${present.map((p) => p.text).join(', ')} }`, bOnly: present.some((p) => p.bOnly) };
  }), 2);
}

function argsArb(kind: FilterKind): fc.Arbitrary<Piece> {
  return fc.tuple(opt(fc.integer({ min: 0, max: 5 }), 3), filterArb(kind),
    opt(fc.tuple(fc.constantFrom('CREATED_AT', 'NAME'), fc.constantFrom('ASC', 'DESC')).map(([f, d]) => `orderBy: { field: ${f}, direction: ${d} }`))).map(([first, filter, order]) => {
    const parts = [first === null ? null : `first: ${first}`, filter ? `filter: ${filter.text}` : null, order].filter(Boolean);
    return { text: parts.length ? `(${parts.join(', ')})` : '', bOnly: !!filter?.bOnly };
  });
}

const ROOT_BUDGET = 6;

// Budget: how many levels deeper the selection may go (leaves take one).
const memo = new Map<string, fc.Arbitrary<string>>();
function sel(type: string, budget: number): fc.Arbitrary<string> {
  const key = `${type}/${budget}`;
  const hit = memo.get(key);
  if (hit) return hit;
  let arb: fc.Arbitrary<string>;
  if (type === 'LineageNode') {
    arb = fc.tuple(opt(sel('ArtifactVersion', budget), 2), opt(sel('StepRun', budget), 2))
      .map(([av, s]) => `__typename ${av ? `... on ArtifactVersion { ${av} }` : ''} ${s ? `... on StepRun { ${s} }` : ''}`);
  } else {
    const fields = TYPES[type].filter((f) => f.kind === 'leaf' || budget >= (f.kind === 'conn' ? 3 : 2));
    // Nested objects get rarer further down, so queries stay a few hundred to a few thousand characters.
    const inner = fields.map((f) => (f.kind === 'leaf' ? opt(fieldArb(f, budget), 1, 2) : opt(fieldArb(f, budget), 1, budget >= ROOT_BUDGET - 1 ? 4 : 9)));
    const always = NODE_TYPES.has(type) ? 'id __typename' : '__typename';
    arb = fc.tuple(...inner).map((parts) => [always, ...parts.filter((p) => p !== null)].join(' '));
  }
  memo.set(key, arb);
  return arb;
}

function fieldArb(f: Field, budget: number): fc.Arbitrary<string> {
  if (f.kind === 'leaf') return fc.constant(f.f);
  if (f.kind === 'obj') {
    const args = f.args ? f.args() : fc.constant('');
    return fc.tuple(args, sel(f.type, budget - 1)).map(([a, s]) => `${f.f}${a} { ${s} }`);
  }
  return fc.tuple(argsArb(f.filter), connSel(f.type, budget - 1)).map(([a, s]) =>
    `${f.f}${a.text} { ${a.bOnly ? 'bOnlyCount: totalCount ' : ''}${s} }`);
}

function connSel(type: string, budget: number): fc.Arbitrary<string> {
  return fc.tuple(
    opt(fc.constant('totalCount'), 2),
    opt(sel('PageInfo', 1).map((s) => `pageInfo { ${s} }`)),
    budget >= 2 ? opt(sel(type, budget - 1).map((s) => `nodes { ${s} }`), 3) : fc.constant(null),
    budget >= 3 ? opt(sel(type, budget - 2).map((s) => `edges { cursor node { ${s} } }`)) : fc.constant(null),
  ).map((parts) => ['__typename', ...parts.filter((p) => p !== null)].join(' '));
}

// ---------------------------------------------------------------- root fields and their checks

type Check = (value: unknown, errorCodesAtAlias: string[]) => string | null;
interface Root { text: string; check?: Check; expectBNull?: boolean }

const mustBeNull = (what: string): Check => (value, codes) =>
  value === null && codes.every((c) => c === 'NOT_FOUND') ? null : `${what}: expected null (or NOT_FOUND), got ${JSON.stringify(value)} ${codes}`;

function pick(side: 'A' | 'B', types: string[]): fc.Arbitrary<string> {
  return fc.constantFrom(...types).chain((t) => fc.constantFrom(...ids[side][t]));
}

/** A root field that looks something up by (project, name); null unless both point into A. */
function lookup(field: string, type: string, aNames: string[], bNames: string[], extra: fc.Arbitrary<string> = fc.constant('')): fc.Arbitrary<Root> {
  return fc.tuple(fc.constantFrom(A, B, 'no-such-proj'), fc.constantFrom(...aNames, ...bNames, 'shared-pipe', 'shared-model', 'shared-artifact', 'shared-tag'), extra, sel(type, ROOT_BUDGET))
    .map(([project, name, more, s]) => {
      const visible = project === A && !bNames.includes(name);
      const text = `${field}(project: ${JSON.stringify(project)}, ${field === 'artifactVersion' ? 'artifact' : field === 'modelVersion' ? 'model' : 'name'}: ${JSON.stringify(name)}${more}) { ${s} }`;
      return { text, check: visible ? undefined : mustBeNull(text.slice(0, 120)), expectBNull: project === B };
    });
}

function nodeFragments(types: string[], budget: number): fc.Arbitrary<string> {
  return fc.tuple(...types.map((t) => sel(t, budget).map((s) => `... on ${t} { ${s} }`))).map((fs) => `__typename ${fs.join(' ')}`);
}

const ALL_NODE_TYPES = ['Project', 'Pipeline', 'PipelineRun', 'StepRun', 'Artifact', 'ArtifactVersion', 'Model', 'ModelVersion', 'Tag'];

function roots(): fc.Arbitrary<Root> {
  const projects = fc.tuple(argsArb('name'), connSel('Project', ROOT_BUDGET)).map(([a, s]) => ({
    text: `projects${a.text} { totalCount ${a.bOnly ? 'bOnlyCount: totalCount ' : ''}${s} }`,
    check: ((v: any) => (v && v.totalCount > 1 ? `projects.totalCount is ${v.totalCount}` : null)) as Check,
  }));
  const project = fc.tuple(fc.constantFrom(A, B, 'no-such-proj'), sel('Project', ROOT_BUDGET)).map(([name, s]) => ({
    text: `project(name: ${JSON.stringify(name)}) { ${s} }`, check: name === A ? undefined : mustBeNull(`project(${name})`), expectBNull: name === B,
  }));
  const node = fc.tuple(fc.constantFrom<'A' | 'B'>('A', 'B'), fc.constantFrom(...ALL_NODE_TYPES), fc.subarray(ALL_NODE_TYPES, { maxLength: 2 }))
    .chain(([side, type, others]) => fc.tuple(fc.constant(side), fc.constantFrom(...ids[side][type]), nodeFragments([...new Set([type, ...others])], ROOT_BUDGET - 1)))
    .map(([side, id, frags]) => ({ text: `node(id: "${id}") { ${frags} }`, check: side === 'B' ? mustBeNull(`node(${id})`) : undefined, expectBNull: side === 'B' }));
  const nodes = fc.tuple(fc.array(fc.tuple(fc.constantFrom<'A' | 'B'>('A', 'B'), fc.constantFrom(...ALL_NODE_TYPES)), { minLength: 1, maxLength: 6 }), fc.subarray(ALL_NODE_TYPES, { minLength: 1, maxLength: 3 }))
    .chain(([picks, types]) => fc.tuple(fc.tuple(...picks.map(([side, t]) => fc.constantFrom(...ids[side][t]).map((id) => ({ side, id })))), nodeFragments(types, ROOT_BUDGET - 1)))
    .map(([list, frags]) => ({
      text: `nodes(ids: [${list.map((x) => `"${x.id}"`).join(', ')}]) { ${frags} }`,
      expectBNull: list.some((x) => x.side === 'B'),
      check: ((v: any) => {
        if (!Array.isArray(v)) return `nodes: expected a list, got ${JSON.stringify(v)}`;
        const bad = list.findIndex((x, i) => (x.side === 'B' ? v[i] !== null : v[i] === null || ('id' in v[i] && v[i].id !== x.id)));
        return bad < 0 ? null : `nodes[${bad}] (${list[bad].side}): got ${JSON.stringify(v[bad])}`;
      }) as Check,
    }));
  const lineage = fc.tuple(fc.constantFrom<'A' | 'B'>('A', 'A', 'B'), fc.constantFrom('ArtifactVersion', 'StepRun', 'PipelineRun', 'ModelVersion'))
    .chain(([side, t]) => fc.tuple(fc.constant(side), fc.constantFrom(...ids[side][t]), fc.constantFrom('UPSTREAM', 'DOWNSTREAM', 'BOTH'), fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 50 }), sel('LineageGraph', ROOT_BUDGET)))
    .map(([side, id, direction, depth, limit, s]) => ({
      text: `lineage(of: "${id}", direction: ${direction}, depth: ${depth}, limit: ${limit}) { ${s} }`,
      // LineageGraph! is non-null: a NOT_FOUND nulls the whole data.
      check: side === 'B' ? ((v: unknown, codes: string[]) => (v == null && codes.length === 1 && codes[0] === 'NOT_FOUND' ? null : `lineage(B): got ${JSON.stringify(v)} ${codes}`)) as Check : undefined,
      expectBNull: side === 'B',
    }));
  const stacks = fc.tuple(argsArb('stack'), connSel('Stack', ROOT_BUDGET)).map(([a, s]) => ({ text: `stacks${a.text} { ${s} }` }));
  const stackTwo = fc.tuple(argsArb('run'), connSel('PipelineRun', ROOT_BUDGET - 2)).map(([a, s]) => ({
    // stack-two only ever ran B's runs.
    text: `stack(name: "stack-two") { id name runs${a.text} { bOnlyCount: totalCount ${s} } }`,
  }));
  const stackOne = fc.tuple(argsArb('run'), connSel('PipelineRun', ROOT_BUDGET - 2)).map(([a, s]) => ({
    text: `stack(name: "stack-one") { id name runs${a.text} { ${a.bOnly ? 'bOnlyCount: totalCount ' : ''}${s} } }`,
  }));
  const viewer = fc.constant({ text: 'viewer { name role projects }', check: ((v: any) => (JSON.stringify(v?.projects) === JSON.stringify([A]) ? null : `viewer ${JSON.stringify(v)}`)) as Check });
  const pick1 = (p: string) => [`${p}-pipe-1`];
  return fc.oneof(
    { weight: 2, arbitrary: projects }, { weight: 3, arbitrary: project },
    { weight: 2, arbitrary: lookup('pipeline', 'Pipeline', pick1('a-open'), pick1(MARK)) },
    { weight: 2, arbitrary: lookup('pipelineRun', 'PipelineRun', ['a-open-run-1', 'a-open-run-3'], ['b-secret-run-1', 'b-secret-run-2']) },
    { weight: 2, arbitrary: lookup('artifact', 'Artifact', ['a-open-raw', 'a-open-features'], ['b-secret-raw', 'b-secret-model-art']) },
    { weight: 2, arbitrary: lookup('artifactVersion', 'ArtifactVersion', ['a-open-raw', 'a-open-model-art'], ['b-secret-raw', 'b-secret-features'],
      fc.constantFrom('', ', version: "1"', ', version: "latest"', ', version: "a-open-v-named"', ', version: "b-secret-v-named"')) },
    { weight: 2, arbitrary: lookup('model', 'Model', ['a-open-model'], ['b-secret-model']) },
    { weight: 2, arbitrary: lookup('modelVersion', 'ModelVersion', ['a-open-model'], ['b-secret-model'],
      fc.constantFrom('', ', version: "1"', ', version: "production"', ', version: "staging"', ', version: "a-open-mv-named"', ', version: "b-secret-mv-named"')) },
    { weight: 2, arbitrary: lookup('tag', 'Tag', ['a-open-tag-excl', 'a-open-tag-cascade'], ['b-secret-tag-excl', 'b-secret-tag-best']) },
    { weight: 5, arbitrary: node }, { weight: 3, arbitrary: nodes }, { weight: 3, arbitrary: lineage },
    { weight: 1, arbitrary: stacks }, { weight: 1, arbitrary: stackTwo }, { weight: 1, arbitrary: stackOne }, { weight: 1, arbitrary: viewer },
  );
}

interface Generated { query: string; roots: (Root & { alias: string })[] }

function queryArb(): fc.Arbitrary<Generated> {
  return fc.array(roots(), { minLength: 1, maxLength: 4 }).map((rs) => {
    const named = rs.map((r, i) => ({ ...r, alias: `r${i}` }));
    return { query: `query Fuzz { ${named.map((r) => `${r.alias}: ${r.text}`).join('\n')} }`, roots: named };
  }).filter((g) => validate(schema, parse(g.query)).length === 0);
}

/** Every value under a key named bOnlyCount: a count of things only B has, so 0 for the A key. */
function bOnlyCounts(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => bOnlyCounts(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'bOnlyCount') out.push(v);
      else bOnlyCounts(v, out);
    }
  }
  return out;
}

test('fuzz: random queries with a key scoped to project A never reveal project B', async (t) => {
  // Sanity: the admin sees B, and the A key resolves A, so the leak checks below are not vacuous.
  const adminView = await app.ok(`query($id: ID!) { project(name: "${B}") { id runs { totalCount } } node(id: $id) { id } }`, { id: ids.B.PipelineRun[0] }, { token: ADMIN });
  assert.ok(adminView.project && adminView.node && adminView.project.runs.totalCount === 3);
  const aView = await app.ok(`query($id: ID!) { project(name: "${A}") { runs { totalCount } } node(id: $id) { id } }`, { id: ids.A.PipelineRun[0] }, { token: aKey });
  assert.ok(aView.project.runs.totalCount === 3 && aView.node);

  const stats = { queries: 0, rootFields: 0, bTargetedRoots: 0, bOnlyCounts: 0, withErrors: 0, bytes: 0, costRefusals: 0, codes: {} as Record<string, number> };
  const started = Date.now();
  let failure: unknown;
  const property = fc.asyncProperty(queryArb(), async (g) => {
    try {
      await checkOne(g);
    } catch (err) {
      failure ??= err;
      throw err;
    }
  });
  const checkOne = async (g: Generated) => {
    const r = await app.gql(g.query, undefined, { token: aKey });
    stats.queries++;
    stats.rootFields += g.roots.length;
    const dataText = JSON.stringify(r.data ?? null);
    const errorText = JSON.stringify(r.errors ?? []);
    stats.bytes += dataText.length + errorText.length;
    for (const e of r.errors ?? []) {
      const code = String(e.extensions?.code);
      stats.codes[code] = (stats.codes[code] ?? 0) + 1;
    }
    if (r.errors?.length) stats.withErrors++;
    if (r.errors?.length === 1 && /estimated cost/.test(r.errors[0].message) && codeOfFirst(r) === 'BAD_USER_INPUT') stats.costRefusals++;
    assert.ok(r.status < 500, `status ${r.status}: ${errorText}`);
    for (const e of r.errors ?? []) {
      assert.ok(['NOT_FOUND', 'BAD_USER_INPUT'].includes(String(e.extensions?.code)), `unexpected error ${JSON.stringify(e)}`);
    }
    // Nothing of B in the data; in error messages, only what the request itself named.
    for (const s of forbidden) {
      assert.ok(!dataText.includes(s), `data reveals "${s}"`);
      if (!g.query.includes(s)) assert.ok(!errorText.includes(s), `an error reveals "${s}": ${errorText}`);
    }
    const counts = bOnlyCounts(r.data);
    stats.bOnlyCounts += counts.length;
    assert.ok(counts.every((c) => c === 0 || c === null), `a filter only B can match counted ${JSON.stringify(counts)}`);
    if (r.data === null || r.data === undefined) {
      // Only a non-null root (lineage) failing may null the whole data, and only with NOT_FOUND/BAD_USER_INPUT.
      assert.ok(r.errors?.length, 'no data and no errors');
    }
    for (const root of g.roots) {
      if (root.expectBNull) stats.bTargetedRoots++;
      if (!root.check) continue;
      const codes = (r.errors ?? []).filter((e) => e.path?.[0] === root.alias).map((e) => String(e.extensions?.code));
      // A failing non-null root (lineage) nulls all data; graphql-js then reports only the first error.
      if (r.data === null || r.data === undefined) continue;
      if (codes.includes('BAD_USER_INPUT')) continue; // e.g. cost; checked for leaks above
      const problem = root.check(r.data[root.alias], codes);
      assert.equal(problem, null, `${problem}\nquery: ${g.query}`);
    }
  };
  try {
    await fc.assert(property, { numRuns: 1000, seed: 20251125, endOnFailure: true });
  } catch (err) {
    // fast-check's message holds the counterexample; the first assertion that failed says what leaked.
    throw new Error(`${(failure as Error)?.message}\n\n${(err as Error).message.slice(0, 4000)}`);
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = `fuzz: ${stats.queries} queries, ${stats.rootFields} root fields (${stats.bTargetedRoots} aimed at B), ${stats.bOnlyCounts} B-only filtered counts checked, ` +
    `${stats.withErrors} responses with errors ${JSON.stringify(stats.codes)} (${stats.costRefusals} over the cost limit), ${(stats.bytes / 1e6).toFixed(1)} MB checked in ${seconds.toFixed(1)} s`;
  t.diagnostic(summary);
  console.log(`# ${summary}`);
  assert.equal(stats.queries, 1000);
  assert.ok(stats.withErrors < stats.queries / 2, 'most queries should succeed, or the fuzz checks little');
});

const ALL_TABLES = ['project', 'pipeline', 'pipeline_run', 'step_run', 'artifact', 'artifact_version', 'model', 'model_version', 'stage_change',
  'step_input', 'model_artifact_link', 'tag', 'tag_assignment', 'stack', 'stack_component', 'stack_component_link'];

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ALL_TABLES) {
    const [row] = await app.sql(`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${table} t`);
    out[table] = `${row.n}:${row.h}`;
  }
  return out;
}

test('writes with the A key aimed at B, or mixing B into A, are refused without revealing or changing anything', async () => {
  const before = await snapshot();
  const [bRun, aRun] = [ids.B.PipelineRun[0], ids.A.PipelineRun[1]];
  const [bAv, aAv] = [ids.B.ArtifactVersion[0], ids.A.ArtifactVersion[0]];
  const [bMv, aMv] = [ids.B.ModelVersion[0], ids.A.ModelVersion[0]];
  const bTag = ids.B.Tag[0];
  const cases: [string, Record<string, unknown>, string[]][] = [
    [`mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id } }`, { i: { project: B, name: 'a-intruder' } }, ['NOT_FOUND']],
    [`mutation($i: StartRunInput!) { startRun(input: $i) { id } }`, { i: { project: B, pipeline: 'b-secret-pipe-1' } }, ['NOT_FOUND']],
    [`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id } }`, { i: { project: B, artifact: 'b-secret-raw' } }, ['NOT_FOUND']],
    [`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, { i: { project: B, name: 'intruder' } }, ['NOT_FOUND']],
    [`mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }`, { i: { project: B, model: 'b-secret-model' } }, ['NOT_FOUND']],
    [`mutation($i: CreateTagInput!) { createTag(input: $i) { id } }`, { i: { project: B, name: 'intruder' } }, ['NOT_FOUND']],
    [`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "intruder" }]) { id } }`, { r: ids.B.Pipeline[0] }, ['NOT_FOUND']],
    [`mutation($r: ID!) { removeTags(resource: $r, tags: ["b-secret-tag-best"]) { id } }`, { r: bRun }, ['NOT_FOUND']],
    [`mutation($r: ID!) { logMetadata(resource: $r, metadata: { x: 1 }) { id } }`, { r: bRun }, ['NOT_FOUND']],
    [`mutation($r: ID!) { logMetadata(resource: $r, metadata: { x: 1 }) { id } }`, { r: ids.B.StepRun[0] }, ['NOT_FOUND']],
    [`mutation($r: ID!) { finishRun(run: $r, status: FAILED) { id } }`, { r: bRun }, ['NOT_FOUND']],
    [`mutation($r: ID!) { recordStep(input: { run: $r, name: "intruder", status: COMPLETED }) { id } }`, { r: bRun }, ['NOT_FOUND']],
    [`mutation($r: ID!, $v: ID!) { recordStep(input: { run: $r, name: "steal", status: COMPLETED, inputs: [{ name: "x", artifactVersion: $v }] }) { id } }`, { r: aRun, v: bAv }, ['NOT_FOUND']],
    [`mutation($m: ID!, $v: ID!) { linkArtifact(input: { modelVersion: $m, artifactVersion: $v, kind: DATA, name: "steal" }) { id } }`, { m: aMv, v: bAv }, ['NOT_FOUND']],
    [`mutation($m: ID!, $v: ID!) { linkArtifact(input: { modelVersion: $m, artifactVersion: $v, kind: DATA, name: "plant" }) { id } }`, { m: bMv, v: aAv }, ['NOT_FOUND']],
    [`mutation($m: ID!) { promoteModelVersion(input: { modelVersion: $m, stage: PRODUCTION, force: true }) { modelVersion { id } } }`, { m: bMv }, ['NOT_FOUND']],
    [`mutation($t: ID!) { updateTag(input: { id: $t, name: "renamed", exclusive: false }) { id } }`, { t: bTag }, ['NOT_FOUND']],
    [`mutation($t: ID!) { deleteTag(id: $t, force: true) }`, { t: bTag }, ['NOT_FOUND', 'FORBIDDEN']],
    [`mutation { createApiKey(input: { name: "escalate", role: ADMIN }) { secret } }`, {}, ['FORBIDDEN']],
    [`mutation { registerStack(input: { name: "intruder", components: [{ type: ORCHESTRATOR, name: "x", flavor: "local" }, { type: ARTIFACT_STORE, name: "y", flavor: "local" }] }) { id } }`, {}, ['FORBIDDEN']],
    [`{ apiKeys { id name projects } }`, {}, ['FORBIDDEN']],
    [`mutation($e: JSON!) { ingestOpenLineageEvent(event: $e) { run { id } } }`, { e: { eventType: 'START', eventTime: '2026-01-01T00:00:00Z',
      run: { runId: '6f1c2a7e-0000-4000-8000-000000000001' }, job: { namespace: B, name: 'intruder' } } }, ['NOT_FOUND']],
    [`mutation($e: JSON!) { ingestOpenLineageEvent(event: $e) { run { id } } }`, { e: { eventType: 'START', eventTime: '2026-01-01T00:00:00Z',
      run: { runId: '6f1c2a7e-0000-4000-8000-000000000002', facets: { parent: { job: { namespace: B, name: 'b-secret-pipe-1' }, run: { runId: '6f1c2a7e-0000-4000-8000-000000000003' } } } },
      job: { namespace: A, name: 'child' } } }, ['NOT_FOUND']],
  ];
  for (const [query, variables, codes] of cases) {
    const r = await app.gql(query, variables, { token: aKey });
    const label = `${query.slice(0, 70)} ${JSON.stringify(variables)}`;
    assert.ok(r.errors?.length, `${label}: expected an error, got ${JSON.stringify(r.data)}`);
    assert.ok(codes.includes(String(r.errors![0].extensions?.code)), `${label}: ${JSON.stringify(r.errors)}`);
    const request = query + JSON.stringify(variables);
    const text = JSON.stringify(r);
    for (const s of forbidden) if (!request.includes(s)) assert.ok(!text.includes(s), `${label} reveals "${s}": ${text}`);
  }
  assert.deepEqual(await snapshot(), before, 'no row of any project changed');
});
