// Generates large, realistic data sets with bulk INSERTs straight into the tables, after the
// app's migrations. Two shapes: "catalog" (projects × pipelines × runs with steps, artifacts,
// models and tags on every level) and "lineage" (a deep, wide run/artifact graph).
//
//   npm run seed:large -- [catalog] [lineage] [--projects 10] [--pipelines 50] [--runs 200]
//                         [--artifact-versions 1000000] [--seed 1] [--reset] [--dry-run] [--help]
//
// Each generated project is written in one transaction and marked complete in its
// description, so a later call with the same sizes reuses it and a killed load leaves nothing.
import { randomUUID } from 'node:crypto';
import { Client, ClientBase } from 'pg';
import { BulkWriter, prng } from '../bench/lib/bulk';
import { ArgSpec, commandLine } from '../bench/lib/args';
import { openBenchDatabase } from '../bench/lib/database';

export interface CatalogOptions { projects: number; pipelines: number; runs: number; seed: number }
export interface LineageOptions { artifactVersions: number; seed: number }

export const DEFAULT_CATALOG: CatalogOptions = { projects: 10, pipelines: 50, runs: 200, seed: 1 };
export const DEFAULT_LINEAGE: LineageOptions = { artifactVersions: 1_000_000, seed: 1 };

const uuid = () => randomUUID();
const iso = (ms: number) => new Date(ms).toISOString();
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const BASE_TIME = Date.parse('2024-01-01T00:00:00Z');

interface Marker { shape: string; params: Record<string, number>; sizes?: Record<string, number>; complete: boolean }

async function marker(client: ClientBase, name: string): Promise<{ id: string; marker: Marker } | null> {
  const { rows } = await client.query('SELECT id, description FROM project WHERE name = $1', [name]);
  if (!rows.length) return null;
  try {
    const m = JSON.parse(rows[0].description) as Marker;
    if (m && typeof m.shape === 'string') return { id: rows[0].id, marker: m };
  } catch {
    // not ours
  }
  throw new Error(`project "${name}" exists and was not made by seed-large; use another database or delete it`);
}

const sameParams = (a: Record<string, number>, b: Record<string, number>) => JSON.stringify(a) === JSON.stringify(b);

/** Removes one project and everything in it, children first. */
export async function deleteProject(client: ClientBase, projectId: string): Promise<void> {
  for (const table of ['tag_assignment', 'model_artifact_link', 'step_input', 'artifact_version', 'step_run', 'pipeline_run',
    'stage_change', 'model_version', 'model', 'artifact', 'pipeline', 'tag']) {
    await client.query(`DELETE FROM ${table} WHERE project_id = $1`, [projectId]);
  }
  await client.query('DELETE FROM project WHERE id = $1', [projectId]);
}

// Every foreign key of the migration, as [child, child columns, parent, parent columns].
const FOREIGN_KEYS: [string, string[], string, string[]][] = [
  ['pipeline', ['project_id'], 'project', ['id']],
  ['artifact', ['project_id'], 'project', ['id']],
  ['model', ['project_id'], 'project', ['id']],
  ['tag', ['project_id'], 'project', ['id']],
  ['model_version', ['project_id', 'model_id'], 'model', ['project_id', 'id']],
  ['pipeline_run', ['project_id', 'pipeline_id'], 'pipeline', ['project_id', 'id']],
  ['pipeline_run', ['project_id', 'model_version_id'], 'model_version', ['project_id', 'id']],
  ['step_run', ['project_id', 'run_id'], 'pipeline_run', ['project_id', 'id']],
  ['artifact_version', ['project_id', 'artifact_id'], 'artifact', ['project_id', 'id']],
  ['artifact_version', ['project_id', 'producer_step_id'], 'step_run', ['project_id', 'id']],
  ['artifact_version', ['project_id', 'producer_run_id'], 'pipeline_run', ['project_id', 'id']],
  ['step_input', ['project_id', 'step_run_id'], 'step_run', ['project_id', 'id']],
  ['step_input', ['project_id', 'artifact_version_id'], 'artifact_version', ['project_id', 'id']],
  ['model_artifact_link', ['project_id', 'model_version_id'], 'model_version', ['project_id', 'id']],
  ['model_artifact_link', ['project_id', 'artifact_version_id'], 'artifact_version', ['project_id', 'id']],
  ['tag_assignment', ['project_id', 'tag_id'], 'tag', ['project_id', 'id']],
];

/**
 * Loading with session_replication_role = replica skips the per-row foreign-key triggers
 * (each one locks its parent row: the load ran ~3x slower with them). The keys are then
 * checked here for the whole project in one anti-join per key, so a bad row still fails the load.
 */
async function checkForeignKeys(client: ClientBase, projectName: string): Promise<void> {
  const [{ id }] = (await client.query('SELECT id FROM project WHERE name = $1', [projectName])).rows;
  // The rows are not analyzed yet inside this transaction: nested loops chosen on stale
  // statistics took minutes, hash anti-joins take seconds.
  await client.query('SET LOCAL enable_nestloop = off');
  for (const [child, cc, parent, pc] of FOREIGN_KEYS) {
    const notNull = cc.map((c) => `c.${c} IS NOT NULL`).join(' AND ');
    const match = cc.map((c, i) => `p.${pc[i]} = c.${c}`).join(' AND ');
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM ${child} c WHERE c.project_id = $1 AND ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match})`, [id]);
    if (rows[0].n) throw new Error(`${rows[0].n} rows of ${child} (${cc.join(', ')}) have no ${parent}`);
  }
}

async function canSkipTriggers(client: ClientBase): Promise<boolean> {
  const { rows } = await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
  return rows[0]?.rolsuper === true;
}

/** Runs a load in one transaction; without superuser rights the foreign keys are checked row by row. */
async function loadProject(client: ClientBase, name: string, load: () => Promise<void>): Promise<void> {
  const fast = await canSkipTriggers(client);
  await client.query('BEGIN');
  try {
    if (fast) await client.query('SET LOCAL session_replication_role = replica');
    await load();
    if (fast) {
      await client.query('SET LOCAL session_replication_role = origin');
      await checkForeignKeys(client, name);
      await client.query('SET LOCAL enable_nestloop = on');
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

// ---------------------------------------------------------------- vocabulary

const TEAMS = ['vision', 'nlp', 'fraud', 'ranking', 'speech', 'forecast', 'ads', 'search'];
const FRAMEWORKS = ['pytorch', 'tensorflow', 'sklearn', 'xgboost'];
const ENVS = ['dev', 'staging', 'prod'];
const QUALITIES = ['gold', 'silver', 'bronze'];
const TRIGGERS = ['nightly', 'scheduled', 'manual'];
const DATASETS = ['imagenet', 'cifar', 'coco', 'squad', 'glue', 'wiki', 'common-crawl', 'librispeech', 'movielens', 'criteo', 'taxi', 'weather']
  .flatMap((d) => ['2020', '2021', '2022', '2023'].map((y) => `${d}-${y}`));
const ACCURACIES = Array.from({ length: 20 }, (_, i) => `0.${80 + i}`);

const TAG_NAMES = [
  ...TEAMS.map((t) => `team-${t}`), ...FRAMEWORKS.map((f) => `framework-${f}`), ...ENVS.map((e) => `env-${e}`),
  ...QUALITIES.map((q) => `quality-${q}`), ...TRIGGERS.map((t) => `trigger-${t}`), ...DATASETS.map((d) => `dataset-${d}`),
  ...ACCURACIES.map((a) => `accuracy-${a}`), ...Array.from({ length: 20 }, (_, i) => `owner-user${pad(i, 2)}`),
];
/** Exclusive tags: one holder per scope (`latest`: per artifact; `champion`: per model). */
const EXCLUSIVE_TAGS = ['latest', 'champion'];

/** The tag filters the bench runs against catalog-00 (documented in bench/README.md). */
export const TAG_FILTERS = {
  startswith: ['startswith:dataset-imagenet'],
  contains: ['contains:crawl'],
  and3: ['startswith:dataset-', 'quality-gold', 'startswith:env-'],
};

// Steps of every catalog run and what each produces (type per output).
const CATALOG_STEPS: { name: string; outputs: [string, string, string][] }[] = [
  { name: 'ingest', outputs: [['raw', 'DATA', 'pandas.DataFrame']] },
  { name: 'validate', outputs: [['statistics', 'STATISTICS', 'whylogs.Profile'], ['schema', 'SCHEMA', 'tfx.Schema']] },
  { name: 'preprocess', outputs: [['train_set', 'DATA', 'pandas.DataFrame'], ['test_set', 'DATA', 'pandas.DataFrame'], ['features', 'DATA', 'pyarrow.Table']] },
  { name: 'train', outputs: [['model', 'MODEL', 'torch.nn.Module'], ['training_log', 'DATA_ANALYSIS', 'dict']] },
  { name: 'evaluate', outputs: [['evaluation', 'DATA_ANALYSIS', 'dict'], ['report', 'DATA_ANALYSIS', 'html']] },
];
// Inputs within the run: [step index, input name, producing step index, output name].
const CATALOG_INPUTS: [number, string, number, string][] = [
  [1, 'raw', 0, 'raw'], [2, 'raw', 0, 'raw'], [2, 'schema', 1, 'schema'],
  [3, 'train_set', 2, 'train_set'], [3, 'features', 2, 'features'],
  [4, 'model', 3, 'model'], [4, 'test_set', 2, 'test_set'],
];
const QUALITY_OUTPUTS = new Set(['raw', 'train_set', 'test_set', 'features']);
const ENV_OUTPUTS = new Set(['raw', 'train_set', 'test_set']);

async function createTags(w: BulkWriter, projectId: string, createdAt: number): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for (const name of [...TAG_NAMES, ...EXCLUSIVE_TAGS]) {
    const id = uuid();
    tags.set(name, id);
    await w.add('tag', [projectId, id, name, null, EXCLUSIVE_TAGS.includes(name), iso(createdAt)]);
  }
  return tags;
}

function tagger(w: BulkWriter, projectId: string, tags: Map<string, string>) {
  return (type: string, resourceId: string, scopeId: string, name: string, at: number) => {
    const tagId = tags.get(name);
    if (!tagId) throw new Error(`unknown tag ${name}`);
    return w.add('tag_assignment', [projectId, tagId, type, resourceId, scopeId, EXCLUSIVE_TAGS.includes(name), iso(at)]);
  };
}

// ---------------------------------------------------------------- catalog

async function seedCatalogProject(client: ClientBase, name: string, index: number, o: CatalogOptions): Promise<Record<string, number>> {
  const rnd = prng(o.seed * 1000 + index);
  const w = new BulkWriter(client);
  const projectId = uuid();
  const start = BASE_TIME + index * 1000;
  await w.add('project', [projectId, name, null, iso(start - 86_400_000)]);
  const tags = await createTags(w, projectId, start - 86_400_000);
  const tag = tagger(w, projectId, tags);
  const L = o.pipelines;
  const R = o.runs;
  const M = Math.max(1, Math.ceil(L / 5));
  const versionEvery = Math.max(1, Math.floor(R / 20));

  interface Pl { id: string; name: string; team: string; dataset: string; framework: string; env: string; artifacts: Map<string, string>; lastModel?: string; lastFeatures?: string }
  const pipelines: Pl[] = [];
  for (let l = 0; l < L; l++) {
    const team = TEAMS[l % TEAMS.length];
    const pl: Pl = {
      id: uuid(), name: `${team}-pipeline-${pad(l, 3)}`, team, dataset: DATASETS[(index * 7 + l * 5) % DATASETS.length],
      framework: FRAMEWORKS[l % FRAMEWORKS.length], env: ENVS[l % ENVS.length], artifacts: new Map(),
    };
    pipelines.push(pl);
    const at = start + l * 10;
    await w.add('pipeline', [projectId, pl.id, pl.name, `trains the ${team} ${pl.dataset} model`, iso(at)]);
    for (const t of [`team-${team}`, `framework-${pl.framework}`, `env-${pl.env}`, `owner-user${pad(l % 20, 2)}`]) await tag('PIPELINE', pl.id, projectId, t, at);
    for (const step of CATALOG_STEPS) {
      for (const [output] of step.outputs) {
        const id = uuid();
        pl.artifacts.set(output, id);
        await w.add('artifact', [projectId, id, `${pl.name}.${output}`, R, iso(at + 1)]);
        await tag('ARTIFACT', id, projectId, `team-${team}`, at + 1);
        if (QUALITY_OUTPUTS.has(output)) await tag('ARTIFACT', id, projectId, `quality-${QUALITIES[(l + output.length) % 3]}`, at + 1);
      }
    }
  }
  interface Mdl { id: string; versions: number }
  const models: Mdl[] = [];
  for (let m = 0; m < M; m++) {
    const id = uuid();
    models.push({ id, versions: 0 });
    const at = start + 5_000 + m;
    const versionsOfModel = Math.floor(R / versionEvery);
    await w.add('model', [projectId, id, `${TEAMS[m % TEAMS.length]}-model-${pad(m, 2)}`, `the ${TEAMS[m % TEAMS.length]} model`, 'Apache-2.0', versionsOfModel, iso(at)]);
    await tag('MODEL', id, projectId, `team-${TEAMS[m % TEAMS.length]}`, at);
    await tag('MODEL', id, projectId, `framework-${FRAMEWORKS[m % FRAMEWORKS.length]}`, at);
  }

  for (let r = 0; r < R; r++) {
    for (let l = 0; l < L; l++) {
      const pl = pipelines[l];
      const t = start + 60_000 + (r * L + l) * 60_000;
      const runId = uuid();
      // The primary pipeline of a model (l < M) makes a model version every versionEvery runs.
      const makesVersion = l < M && r % versionEvery === versionEvery - 1;
      let status = 'COMPLETED';
      const x = rnd();
      if (!makesVersion && x < 0.04) status = 'FAILED';
      else if (!makesVersion && x < 0.07) status = 'CACHED';
      if (r === R - 1 && l % 7 === 3) status = 'RUNNING';
      let mvId: string | null = null;
      let mvNumber = 0;
      if (makesVersion) {
        const model = models[l];
        mvNumber = ++model.versions;
        const total = Math.floor(R / versionEvery);
        const stage = mvNumber === total ? 'PRODUCTION' : mvNumber === total - 1 ? 'STAGING' : mvNumber >= total - 6 ? 'ARCHIVED' : 'NONE';
        mvId = uuid();
        const accuracy = ACCURACIES[Math.min(19, Math.floor(rnd() * 20))];
        await w.add('model_version', [projectId, mvId, model.id, mvNumber, String(mvNumber), stage, JSON.stringify({ accuracy: Number(accuracy) }), iso(t - 1)]);
        await tag('MODEL_VERSION', mvId, model.id, `accuracy-${accuracy}`, t);
        if (stage === 'PRODUCTION') {
          await tag('MODEL_VERSION', mvId, model.id, 'champion', t);
          await tag('MODEL_VERSION', mvId, model.id, 'env-prod', t);
        }
        if (stage === 'STAGING') await tag('MODEL_VERSION', mvId, model.id, 'env-staging', t);
      }
      const runName = `${pl.name}-run-${pad(r, 4)}`;
      await w.add('pipeline_run', [projectId, runId, pl.id, runName, status, mvId, iso(t), status === 'RUNNING' ? null : iso(t + 50_000), iso(t)]);
      await tag('PIPELINE_RUN', runId, pl.id, `trigger-${TRIGGERS[(r + l) % 3]}`, t);
      await tag('PIPELINE_RUN', runId, pl.id, `env-${pl.env}`, t);

      const produced = new Map<string, string>();
      const stepIds: string[] = [];
      for (let s = 0; s < CATALOG_STEPS.length; s++) {
        const step = CATALOG_STEPS[s];
        const last = s === CATALOG_STEPS.length - 1;
        const stepStatus = status === 'CACHED' ? 'CACHED' : last && (status === 'FAILED' || status === 'RUNNING') ? status : 'COMPLETED';
        const st = t + 1000 + s * 8000;
        const stepId = uuid();
        stepIds.push(stepId);
        await w.add('step_run', [projectId, stepId, runId, step.name, stepStatus, iso(st), stepStatus === 'RUNNING' ? null : iso(st + 7000), iso(st)]);
        for (const [input, from, output] of CATALOG_INPUTS.filter((i) => i[0] === s).map((i) => [i[1], i[2], i[3]] as const)) {
          void from;
          await w.add('step_input', [projectId, stepId, input, produced.get(output)]);
        }
        // Across runs: ingest reads the newest features of the previous pipeline, train warm-starts from the last model.
        if (s === 0 && l > 0 && pipelines[l - 1].lastFeatures) await w.add('step_input', [projectId, stepId, 'upstream_features', pipelines[l - 1].lastFeatures]);
        if (s === 3 && pl.lastModel) await w.add('step_input', [projectId, stepId, 'warm_start', pl.lastModel]);
        if (stepStatus === 'FAILED' || stepStatus === 'RUNNING') continue;
        for (const [output, type, dataType] of step.outputs) {
          const avId = uuid();
          const artifactId = pl.artifacts.get(output)!;
          const at = st + 6000;
          produced.set(output, avId);
          await w.add('artifact_version', [projectId, avId, artifactId, String(r + 1), type, `s3://ml-assets/${name}/${pl.name}/${runName}/${output}`, dataType, stepId, runId, output, iso(at)]);
          await tag('ARTIFACT_VERSION', avId, artifactId, `dataset-${pl.dataset}`, at);
          if (QUALITY_OUTPUTS.has(output)) await tag('ARTIFACT_VERSION', avId, artifactId, `quality-${QUALITIES[Math.floor(rnd() * 3)]}`, at);
          if (ENV_OUTPUTS.has(output)) await tag('ARTIFACT_VERSION', avId, artifactId, `env-${pl.env}`, at);
          if (output === 'model') {
            await tag('ARTIFACT_VERSION', avId, artifactId, `accuracy-${ACCURACIES[Math.floor(rnd() * 20)]}`, at);
            await tag('ARTIFACT_VERSION', avId, artifactId, `framework-${pl.framework}`, at);
          }
          if (r === R - 1) await tag('ARTIFACT_VERSION', avId, artifactId, 'latest', at);
        }
      }
      if (produced.has('model')) pl.lastModel = produced.get('model');
      if (produced.has('features')) pl.lastFeatures = produced.get('features');
      if (mvId) {
        for (const [linkName, kind, output] of [['trained_model', 'MODEL', 'model'], ['training_data', 'DATA', 'train_set'], ['test_data', 'DATA', 'test_set'], ['evaluation', 'DATA', 'evaluation']]) {
          if (produced.has(output)) await w.add('model_artifact_link', [projectId, mvId, linkName, kind, produced.get(output), iso(t + 49_000)]);
        }
      }
    }
  }
  await w.finish();
  return w.counts;
}

export async function ensureCatalog(client: ClientBase, o: CatalogOptions, log: (m: string) => void = console.log): Promise<{ projects: string[]; sizes: Record<string, number> }> {
  const params = { pipelines: o.pipelines, runs: o.runs, seed: o.seed };
  const names: string[] = [];
  const total: Record<string, number> = {};
  for (let p = 0; p < o.projects; p++) {
    const name = `catalog-${pad(p, 2)}`;
    names.push(name);
    const found = await marker(client, name);
    if (found?.marker?.complete && sameParams(found.marker.params, params)) {
      log(`${name}: reusing (${JSON.stringify(found.marker.sizes)})`);
      for (const [k, v] of Object.entries(found.marker.sizes ?? {})) total[k] = (total[k] ?? 0) + v;
      continue;
    }
    const started = Date.now();
    let sizes: Record<string, number> = {};
    await loadProject(client, name, async () => {
      if (found) await deleteProject(client, found.id);
      sizes = await seedCatalogProject(client, name, p, o);
      const m: Marker = { shape: 'catalog', params, sizes, complete: true };
      await client.query('UPDATE project SET description = $2 WHERE name = $1', [name, JSON.stringify(m)]);
    });
    log(`${name}: created in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(sizes)}`);
    for (const [k, v] of Object.entries(sizes)) total[k] = (total[k] ?? 0) + v;
  }
  return { projects: names, sizes: total };
}

// ---------------------------------------------------------------- lineage

/**
 * Pipelines form a DAG (pipeline p reads the final output of the newest run of 1–3 lower
 * pipelines: fan-in); every run reads its own previous run's state (chains across runs) and
 * a per-pipeline reference data set registered once (fan-out to every run). Inside a run,
 * step i reads all outputs of step i-1 and every 4th step also a skip input from i-3.
 * One pipeline in five has 30–40 steps, the others 3–12; steps make 1–3 outputs.
 */
async function seedLineageProject(client: ClientBase, name: string, o: LineageOptions): Promise<Record<string, number>> {
  const w = new BulkWriter(client);
  const projectId = uuid();
  const start = BASE_TIME;
  await w.add('project', [projectId, name, null, iso(start - 86_400_000)]);
  const tags = await createTags(w, projectId, start - 86_400_000);
  const tag = tagger(w, projectId, tags);
  const K = Math.min(200, Math.max(12, Math.round(o.artifactVersions / 20_000)));
  interface Pl { id: string; name: string; steps: number; outputs: number[]; upstream: number[]; artifacts: string[][]; reference: string; runs: number; lastState?: string; lastFinal?: string }
  const pipelines: Pl[] = [];
  let avCount = 0;
  for (let p = 0; p < K; p++) {
    const steps = p % 5 === 0 ? 30 + (p % 11) : 3 + ((p * 7) % 10);
    const outputs = Array.from({ length: steps }, (_, i) => 1 + ((p * 31 + i * 17) % 3));
    const upstream = [p - 1, ...(p >= 3 && p % 2 === 0 ? [p - 3] : []), ...(p >= 7 && p % 3 === 0 ? [p - 7] : [])].filter((u) => u >= 0);
    const pl: Pl = { id: uuid(), name: `flow-${pad(p, 3)}`, steps, outputs, upstream, artifacts: [], reference: uuid(), runs: 0 };
    pipelines.push(pl);
    const at = start + p * 10;
    await w.add('pipeline', [projectId, pl.id, pl.name, `${steps} steps, reads ${upstream.map((u) => pipelines[u].name).join(', ') || 'nothing upstream'}`, iso(at)]);
    await tag('PIPELINE', pl.id, projectId, `team-${TEAMS[p % TEAMS.length]}`, at);
    for (let s = 0; s < steps; s++) {
      const ids: string[] = [];
      for (let k = 0; k < outputs[s]; k++) {
        const id = uuid();
        ids.push(id);
        await w.add('artifact', [projectId, id, `${pl.name}.s${pad(s, 2)}.out${k}`, 0, iso(at + 1)]);
      }
      pl.artifacts.push(ids);
    }
    const refArtifact = uuid();
    await w.add('artifact', [projectId, refArtifact, `${pl.name}.reference`, 1, iso(at + 1)]);
    await w.add('artifact_version', [projectId, pl.reference, refArtifact, '1', 'DATA', `s3://ml-assets/${name}/${pl.name}/reference`, 'pandas.DataFrame', null, null, null, iso(at + 2)]);
    await tag('ARTIFACT_VERSION', pl.reference, refArtifact, `dataset-${DATASETS[p % DATASETS.length]}`, at + 2);
    avCount++;
  }
  let slot = 0;
  while (avCount < o.artifactVersions) {
    const pl = pipelines[slot % K];
    const r = pl.runs++;
    const t = start + 60_000 + slot * 60_000;
    slot++;
    const runId = uuid();
    const runName = `${pl.name}-run-${pad(r, 5)}`;
    await w.add('pipeline_run', [projectId, runId, pl.id, runName, 'COMPLETED', null, iso(t), iso(t + 55_000), iso(t)]);
    let previous: string[] = [];
    const outputsOf: string[][] = [];
    for (let s = 0; s < pl.steps; s++) {
      const stepId = uuid();
      const st = t + 100 + s * 1000;
      await w.add('step_run', [projectId, stepId, runId, `s${pad(s, 2)}`, 'COMPLETED', iso(st), iso(st + 900), iso(st)]);
      if (s === 0) {
        if (pl.lastState) await w.add('step_input', [projectId, stepId, 'state', pl.lastState]);
        for (const u of pl.upstream) {
          const from = pipelines[u].lastFinal;
          if (from) await w.add('step_input', [projectId, stepId, `upstream_${pipelines[u].name}`, from]);
        }
        await w.add('step_input', [projectId, stepId, 'reference', pl.reference]);
      } else {
        for (let k = 0; k < previous.length; k++) await w.add('step_input', [projectId, stepId, `in_${k}`, previous[k]]);
        if (s >= 3 && s % 4 === 0) await w.add('step_input', [projectId, stepId, 'skip', outputsOf[s - 3][0]]);
      }
      const made: string[] = [];
      for (let k = 0; k < pl.outputs[s]; k++) {
        const avId = uuid();
        made.push(avId);
        await w.add('artifact_version', [projectId, avId, pl.artifacts[s][k], String(r + 1), s === pl.steps - 1 && k === 0 ? 'MODEL' : 'DATA',
          `s3://ml-assets/${name}/${runName}/s${pad(s, 2)}/out${k}`, 'pyarrow.Table', stepId, runId, `out${k}`, iso(st + 800)]);
        avCount++;
      }
      outputsOf.push(made);
      previous = made;
    }
    pl.lastState = outputsOf[0][0];
    pl.lastFinal = previous[0];
  }
  await w.finish();
  // Fresh statistics first: planned on the empty tables' statistics this update ran for minutes.
  await client.query('ANALYZE artifact, artifact_version');
  await client.query(
    `UPDATE artifact a SET version_counter = v.n FROM (SELECT artifact_id, count(*)::int AS n FROM artifact_version WHERE project_id = $1 GROUP BY 1) v
     WHERE a.project_id = $1 AND a.id = v.artifact_id`, [projectId]);
  return { ...w.counts, pipelines_in_dag: K, longest_pipeline_steps: Math.max(...pipelines.map((p) => p.steps)) };
}

export async function ensureLineage(client: ClientBase, o: LineageOptions, log: (m: string) => void = console.log): Promise<{ project: string; sizes: Record<string, number> }> {
  const name = `lineage-${o.artifactVersions}`;
  const params = { artifactVersions: o.artifactVersions, seed: o.seed };
  const found = await marker(client, name);
  if (found?.marker?.complete && sameParams(found.marker.params, params)) {
    log(`${name}: reusing (${JSON.stringify(found.marker.sizes)})`);
    return { project: name, sizes: found.marker.sizes ?? {} };
  }
  const started = Date.now();
  let sizes: Record<string, number> = {};
  await loadProject(client, name, async () => {
    if (found) await deleteProject(client, found.id);
    sizes = await seedLineageProject(client, name, o);
    const m: Marker = { shape: 'lineage', params, sizes, complete: true };
    await client.query('UPDATE project SET description = $2 WHERE name = $1', [name, JSON.stringify(m)]);
  });
  log(`${name}: created in ${((Date.now() - started) / 1000).toFixed(1)} s ${JSON.stringify(sizes)}`);
  return { project: name, sizes };
}

/** Fresh statistics and visibility maps after a load, so plans and index-only scans are realistic. */
export async function analyze(client: ClientBase): Promise<void> {
  await client.query('VACUUM (ANALYZE) project, tag, pipeline, artifact, model, model_version, pipeline_run, step_run, artifact_version, step_input, model_artifact_link, tag_assignment');
}

export async function resetGenerated(client: ClientBase, log: (m: string) => void = console.log): Promise<void> {
  const { rows } = await client.query(`SELECT id, name FROM project WHERE name ~ '^(catalog|lineage)-'`);
  for (const r of rows) {
    await client.query('BEGIN');
    await deleteProject(client, r.id);
    await client.query('COMMIT');
    log(`deleted ${r.name}`);
  }
}

// ---------------------------------------------------------------- command line

export function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer, got "${args[i + 1]}"`);
  return value;
}

function printSizes(title: string, sizes: Record<string, number>) {
  console.log(`\n${title}`);
  for (const [k, v] of Object.entries(sizes)) console.log(`  ${k.padEnd(24)} ${v.toLocaleString('en-US').padStart(12)}`);
}

export const SEED_LARGE_ARGS: ArgSpec = {
  sections: ['catalog', 'lineage'],
  numbers: { projects: DEFAULT_CATALOG.projects, pipelines: DEFAULT_CATALOG.pipelines, runs: DEFAULT_CATALOG.runs,
    'artifact-versions': DEFAULT_LINEAGE.artifactVersions, seed: 1 },
  switches: ['reset'],
};

async function main() {
  const argv = process.argv.slice(2);
  const args = commandLine('npm run seed:large', argv, SEED_LARGE_ARGS);
  const n = args.numbers;
  // --artifact-versions alone means the lineage shape; no shape at all means both.
  const wantLineage = args.sections.includes('lineage') || !args.sections.length;
  const wantCatalog = args.sections.includes('catalog') || (!args.sections.length && !argv.includes('--artifact-versions'));
  const seed = n.seed;
  const plan = {
    reset: args.switches.has('reset'),
    catalog: wantCatalog ? { projects: n.projects, pipelines: n.pipelines, runs: n.runs, seed } : null,
    lineage: wantLineage ? { artifactVersions: n['artifact-versions'], seed } : null,
  };
  if (args.dryRun) {
    console.log(JSON.stringify(plan));
    return;
  }
  const db = await openBenchDatabase();
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    if (plan.reset) await resetGenerated(client);
    const started = Date.now();
    if (plan.catalog) {
      const o = plan.catalog;
      const { sizes } = await ensureCatalog(client, o);
      printSizes(`catalog: ${o.projects} projects × ${o.pipelines} pipelines × ${o.runs} runs`, sizes);
    }
    if (plan.lineage) {
      const o = plan.lineage;
      const { project, sizes } = await ensureLineage(client, o);
      printSizes(`lineage: project ${project}`, sizes);
    }
    await analyze(client);
    console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; database ${db.embedded ? 'embedded (.data/bench)' : 'DATABASE_URL'}`);
  } finally {
    await client.end();
    await db.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
