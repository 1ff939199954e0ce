// `npm run seed:example`: fills a fresh server with the ZenML fraud-detection cookbook story,
// through the public GraphQL API only (MAG_URL, default http://localhost:4000/graphql; MAG_API_KEY
// when the server requires a key). Fills in whatever is missing and leaves what exists alone, so it
// can run on a fresh server, after a first createProject, or twice.
//
// The story: two shared stacks (development, production); project `fraud-detection` with a
// feature-engineering pipeline, a training pipeline and an inference pipeline; lineage across
// pipelines (training consumes the features that feature engineering produced); model
// `fraud_detector` with three versions ending in PRODUCTION (v1), ARCHIVED (v2) and STAGING (v3);
// an exclusive `production` tag moving from the training pipeline to the inference pipeline;
// a cascade tag on the first training run that reaches its output artifact versions.

export const PROJECT = 'fraud-detection';
export const MODEL = 'fraud_detector';

export interface SeedResult {
  /** True when every part of the story existed already and nothing was written. */
  alreadySeeded: boolean;
  /** Human-readable lines describing what was created (or why nothing was). */
  summary: string[];
  /** Global ids of what was created, by a readable key (e.g. 'run:training_run_1'). */
  ids: Record<string, string>;
}

interface GqlError { message: string; extensions?: { code?: string } }

export class SeedError extends Error {}

function client(url: string, apiKey?: string) {
  return async function gql<T = any>(label: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new SeedError(`cannot reach the server at ${url} (${cause?.code ?? cause?.message ?? (err as Error).message}); is it running? set MAG_URL to point elsewhere`);
    }
    const text = await res.text();
    let body: { data?: T; errors?: GqlError[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new SeedError(`${label}: HTTP ${res.status}, not a GraphQL answer: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length) {
      const e = body.errors[0];
      const code = e.extensions?.code ? ` [${e.extensions.code}]` : '';
      const hint = e.extensions?.code === 'UNAUTHENTICATED' ? ' (set MAG_API_KEY)' : e.extensions?.code === 'FORBIDDEN' ? ' (MAG_API_KEY needs the ADMIN role to register stacks)' : '';
      throw new SeedError(`${label}: ${e.message}${code}${hint}`);
    }
    if (!res.ok || !body.data) throw new SeedError(`${label}: HTTP ${res.status} without data`);
    return body.data;
  };
}

type Gql = ReturnType<typeof client>;

interface OutputSpec {
  name: string;
  artifact: string;
  version?: string;
  type?: string;
  uri?: string;
  dataType?: string;
  tags?: { name: string; exclusive?: boolean; cascade?: boolean }[];
  metadata?: Record<string, unknown>;
  linkToModelAs?: 'DATA' | 'MODEL' | 'DEPLOYMENT';
}

const START_RUN = `mutation($input: StartRunInput!) { startRun(input: $input) { id name stack { name } modelVersion { id number } } }`;
const RECORD_STEP = `mutation($input: RecordStepInput!) { recordStep(input: $input) { id name outputs { name artifactVersion { id version artifact { name } } } } }`;
const FINISH_RUN = `mutation($run: ID!) { finishRun(run: $run, status: COMPLETED) { id status } }`;
const ADD_TAGS = `mutation($r: ID!, $t: [TagInput!]!) { addTags(resource: $r, tags: $t) { id } }`;
const PROMOTE = `mutation($input: PromoteModelVersionInput!) { promoteModelVersion(input: $input) { modelVersion { number stage } demoted { number } } }`;
const LOG_METADATA = `mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) { id } }`;
const LINK_ARTIFACT = `mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { id } }`;

const RUN_OUTPUTS = `query($p: String!, $n: String!) { pipelineRun(project: $p, name: $n) { id name modelVersion { id number }
  steps { name outputs { name artifactVersion { id version artifact { name } } } } } }`;

interface ExistingRun {
  id: string;
  name: string;
  modelVersion: { id: string; number: number } | null;
  steps: { name: string; outputs: { name: string; artifactVersion: { id: string; version: string; artifact: { name: string } } }[] }[];
}

/**
 * Seeds what is missing, one entity at a time: a server where someone already created the project
 * (as a first mutation might) still ends up with the whole story; a fully seeded one gets no writes.
 * Runs are the unit of the story: a run that exists by name is read back, not recorded again.
 */
export async function seedExample(url: string, apiKey?: string): Promise<SeedResult> {
  const gql: Gql = client(url, apiKey);
  const ids: Record<string, string> = {};
  const summary: string[] = [];
  let created = 0;

  // ---- stacks first: shared by every project of the server
  const stacks: { name: string; description: string; components: Record<string, unknown>[] }[] = [
    {
      name: 'development',
      description: 'Local development: runs on this machine, artifacts on local disk.',
      components: [
        { type: 'ORCHESTRATOR', name: 'local', flavor: 'local' },
        { type: 'ARTIFACT_STORE', name: 'local-store', flavor: 'local' },
      ],
    },
    {
      name: 'production',
      description: 'Production: Kubernetes orchestrator, S3 artifacts, ECR images.',
      components: [
        { type: 'ORCHESTRATOR', name: 'k8s', flavor: 'kubernetes', config: { namespace: 'ml' } },
        { type: 'ARTIFACT_STORE', name: 's3-store', flavor: 's3', config: { bucket: 'fraud-artifacts' } },
        { type: 'CONTAINER_REGISTRY', name: 'ecr', flavor: 'aws' },
      ],
    },
  ];
  for (const s of stacks) {
    const found = await gql('looking up stack', `query($n: String!) { stack(name: $n) { id } }`, { n: s.name });
    if (found.stack) {
      ids[`stack:${s.name}`] = found.stack.id;
      continue;
    }
    const r = await gql(`registering stack "${s.name}"`, `mutation($input: RegisterStackInput!) { registerStack(input: $input) { id } }`, { input: s });
    ids[`stack:${s.name}`] = r.registerStack.id;
    created++;
    summary.push(`stack ${s.name}: ${s.components.map((c) => `${c.name} (${c.flavor})`).join(', ')}`);
  }

  // ---- project and pipelines
  const existing = await gql<{ project: { id: string } | null }>('checking the project', `query($p: String!) { project(name: $p) { id } }`, { p: PROJECT });
  if (existing.project) {
    ids.project = existing.project.id;
  } else {
    const project = await gql('creating the project', `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, {
      input: { name: PROJECT, displayName: 'Fraud detection', description: 'Card-transaction fraud detection, after the ZenML cookbook.' },
    });
    ids.project = project.createProject.id;
    created++;
    summary.push(`project ${PROJECT}: created`);
  }

  const pipelines: { name: string; description: string; tags?: { name: string }[] }[] = [
    { name: 'feature_engineering', description: 'Loads raw transactions and engineers model features.' },
    {
      name: 'fraud_detection_training', description: 'Trains and evaluates the fraud detector.',
      tags: [{ name: 'fraud-detection' }, { name: 'training' }, { name: 'financial-services' }],
    },
    { name: 'fraud_detection_inference', description: 'Scores transactions with the production model.' },
  ];
  const newPipelines: string[] = [];
  for (const p of pipelines) {
    const found = await gql(`looking up pipeline "${p.name}"`, `query($p: String!, $n: String!) { pipeline(project: $p, name: $n) { id } }`, { p: PROJECT, n: p.name });
    if (found.pipeline) {
      ids[`pipeline:${p.name}`] = found.pipeline.id;
      continue;
    }
    const r = await gql(`creating pipeline "${p.name}"`, `mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }`, {
      input: { project: PROJECT, ...p },
    });
    ids[`pipeline:${p.name}`] = r.createPipeline.id;
    newPipelines.push(p.name);
    created++;
  }
  // The exclusive tag starts on the training pipeline; the inference pipeline takes it at the end.
  if (newPipelines.includes('fraud_detection_training')) {
    await gql('tagging the training pipeline "production"', ADD_TAGS, { r: ids['pipeline:fraud_detection_training'], t: [{ name: 'production', exclusive: true }] });
  }
  if (newPipelines.length) summary.push(`project ${PROJECT}: pipelines ${newPipelines.join(', ')}`);

  let runs = 0;
  let steps = 0;
  let versions = 0;
  /** The run called `name` as it is on the server, or null when it has not been recorded yet. */
  const existingRun = async (name: string): Promise<ExistingRun | null> => {
    const r = await gql<{ pipelineRun: ExistingRun | null }>(`looking up run "${name}"`, RUN_OUTPUTS, { p: PROJECT, n: name });
    if (!r.pipelineRun) return null;
    ids[`run:${name}`] = r.pipelineRun.id;
    for (const s of r.pipelineRun.steps) {
      for (const o of s.outputs) ids[`artifact:${o.artifactVersion.artifact.name}:${o.artifactVersion.version}`] = o.artifactVersion.id;
    }
    return r.pipelineRun;
  };
  const outputOf = (run: ExistingRun, step: string, output: string): string => {
    const found = run.steps.find((s) => s.name === step)?.outputs.find((o) => o.name === output);
    if (!found) throw new SeedError(`run "${run.name}" exists but its step "${step}" has no output "${output}": delete the project and seed again`);
    return found.artifactVersion.id;
  };
  const startRun = async (input: Record<string, unknown>) => {
    const r = await gql(`starting run "${input.name}"`, START_RUN, { input: { project: PROJECT, ...input } });
    ids[`run:${input.name}`] = r.startRun.id;
    runs++;
    created++;
    return r.startRun as { id: string; name: string; modelVersion: { id: string; number: number } | null };
  };
  const recordStep = async (run: string, name: string, inputs: { name: string; artifactVersion: string }[], outputs: OutputSpec[], metadata?: Record<string, unknown>) => {
    const r = await gql(`recording step "${name}"`, RECORD_STEP, { input: { run, name, status: 'COMPLETED', inputs, outputs, metadata } });
    steps++;
    const out: Record<string, string> = {};
    for (const o of r.recordStep.outputs as { name: string; artifactVersion: { id: string; version: string; artifact: { name: string } } }[]) {
      out[o.name] = o.artifactVersion.id;
      ids[`artifact:${o.artifactVersion.artifact.name}:${o.artifactVersion.version}`] = o.artifactVersion.id;
      versions++;
    }
    return out;
  };
  const finishRun = (run: string) => gql('finishing a run', FINISH_RUN, { run });

  // ---- feature engineering on the development stack
  let processedFeatures: string;
  const feName = 'feature_engineering_run_1';
  const feDone = await existingRun(feName);
  if (feDone) {
    processedFeatures = outputOf(feDone, 'engineer_features', 'processed_features');
  } else {
    const fe = await startRun({ pipeline: 'feature_engineering', name: feName, stack: 'development', config: { sample_fraction: 1.0 } });
    const loaded = await recordStep(fe.id, 'load_data', [], [{
      name: 'transaction_dataset', artifact: 'transaction_dataset', version: 'raw_2023', type: 'DATA',
      uri: 'file:///var/zenml/artifacts/transaction_dataset/raw_2023', dataType: 'pandas.DataFrame',
      tags: [{ name: 'raw-data' }], metadata: { rows: 284807, year: 2023 },
    }]);
    const features = await recordStep(fe.id, 'engineer_features', [{ name: 'dataset', artifactVersion: loaded.transaction_dataset }], [{
      name: 'processed_features', artifact: 'processed_features', type: 'DATA',
      uri: 'file:///var/zenml/artifacts/processed_features/1', dataType: 'pandas.DataFrame', metadata: { features: 31 },
    }]);
    processedFeatures = features.processed_features;
    await finishRun(fe.id);
    summary.push(`run ${fe.name} (feature_engineering, development): transaction_dataset raw_2023 -> processed_features`);
  }

  // A later dump of the raw data, registered outside any run: it gets the next number.
  const laterUri = 's3://fraud-artifacts/transaction_dataset/2024-q1';
  const dumps = await gql('looking up transaction_dataset', `query($p: String!) { artifact(project: $p, name: "transaction_dataset") {
    versions(first: 100) { nodes { id version uri } } } }`, { p: PROJECT });
  let later = (dumps.artifact?.versions.nodes as { id: string; version: string; uri: string | null }[] | undefined)?.find((v) => v.uri === laterUri);
  if (!later) {
    const r = await gql('registering a numbered transaction_dataset version', `mutation($input: RegisterArtifactVersionInput!) {
      registerArtifactVersion(input: $input) { id version uri } }`, {
      input: {
        project: PROJECT, artifact: 'transaction_dataset', type: 'DATA', dataType: 'pandas.DataFrame',
        uri: laterUri, tags: [{ name: 'raw-data' }], metadata: { rows: 91250, year: 2024 },
      },
    });
    later = r.registerArtifactVersion as { id: string; version: string; uri: string | null };
    versions++;
    created++;
    summary.push(`artifact transaction_dataset: versions raw_2023 and ${later.version} (registered outside a run)`);
  }
  ids[`artifact:transaction_dataset:${later.version}`] = later.id;

  // ---- the model and three training runs, each making a new model version
  const foundModel = await gql('looking up the model', `query($p: String!, $m: String!) { model(project: $p, name: $m) { id } }`, { p: PROJECT, m: MODEL });
  if (foundModel.model) {
    ids[`model:${MODEL}`] = foundModel.model.id;
  } else {
    const model = await gql('creating the model', `mutation($input: CreateModelInput!) { createModel(input: $input) { id } }`, {
      input: { project: PROJECT, name: MODEL, description: 'Random-forest classifier of fraudulent card transactions.', license: 'Apache-2.0', tags: [{ name: 'random-forest' }] },
    });
    ids[`model:${MODEL}`] = model.createModel.id;
    created++;
  }

  const training = [
    { name: 'training_run_1', stack: 'development', accuracy: 0.95, versionTag: 'accuracy-95', nEstimators: 100,
      tags: [{ name: 'experiment-1' }, { name: 'financial-domain', cascade: true }] },
    { name: 'training_run_2', stack: 'development', accuracy: 0.92, versionTag: 'accuracy-92', nEstimators: 50, tags: [] },
    { name: 'training_run_3', stack: 'production', accuracy: 0.94, versionTag: undefined, nEstimators: 200, tags: [] },
  ];
  const modelVersionIds: string[] = [];
  let newVersions = 0;
  for (const t of training) {
    const done = await existingRun(t.name);
    if (done) {
      if (!done.modelVersion) throw new SeedError(`run "${t.name}" exists without a version of ${MODEL}: delete the project and seed again`);
      modelVersionIds.push(done.modelVersion.id);
      ids[`modelVersion:${done.modelVersion.number}`] = done.modelVersion.id;
      continue;
    }
    const run = await startRun({
      pipeline: 'fraud_detection_training', name: t.name, stack: t.stack, tags: t.tags,
      config: { n_estimators: t.nEstimators, max_depth: 12 }, model: { name: MODEL, createVersion: true },
    });
    if (!run.modelVersion) throw new SeedError(`run ${t.name} was started with a new version of ${MODEL} but has no modelVersion`);
    modelVersionIds.push(run.modelVersion.id);
    newVersions++;
    ids[`modelVersion:${run.modelVersion.number}`] = run.modelVersion.id;
    const trained = await recordStep(run.id, 'train_model', [{ name: 'features', artifactVersion: processedFeatures }], [{
      name: 'trained_model', artifact: 'trained_model', type: 'MODEL', dataType: 'sklearn.ensemble.RandomForestClassifier',
      uri: `${t.stack === 'production' ? 's3://fraud-artifacts' : 'file:///var/zenml/artifacts'}/trained_model/${run.modelVersion.number}`,
      metadata: { accuracy: t.accuracy }, linkToModelAs: 'MODEL',
    }]);
    // What trained this version: ZenML links a step's input data to the model version as a data artifact.
    await gql(`linking processed_features to ${MODEL} version ${run.modelVersion.number}`, LINK_ARTIFACT, {
      input: { modelVersion: run.modelVersion.id, artifactVersion: processedFeatures, name: 'training_data', kind: 'DATA' },
    });
    await recordStep(run.id, 'evaluate', [
      { name: 'model', artifactVersion: trained.trained_model },
      { name: 'features', artifactVersion: processedFeatures },
    ], [{ name: 'evaluation_report', artifact: 'evaluation_report', type: 'DATA_ANALYSIS', dataType: 'dict', metadata: { accuracy: t.accuracy } }]);
    await finishRun(run.id);
    // As ZenML's Model(tags=[...]) does: a version carries the model's tags, and the model collects its versions' tags.
    const versionTags = [{ name: 'random-forest' }, ...(t.versionTag ? [{ name: t.versionTag }] : [])];
    await gql(`tagging ${MODEL} version ${run.modelVersion.number}`, ADD_TAGS, { r: run.modelVersion.id, t: versionTags });
    if (t.versionTag) await gql(`tagging ${MODEL}`, ADD_TAGS, { r: ids[`model:${MODEL}`], t: [{ name: t.versionTag }] });
    if (t.name === 'training_run_1') {
      await gql('logging metadata on training_run_1', LOG_METADATA, { r: run.id, m: { training_time_seconds: 412, dataset_rows: 284807 } });
      await gql(`logging metadata on ${MODEL} version 1`, LOG_METADATA, { r: run.modelVersion.id, m: { precision: 0.91, recall: 0.87, f1: 0.89 } });
    }
    summary.push(`run ${t.name} (fraud_detection_training, ${t.stack}): ${MODEL} version ${run.modelVersion.number}, accuracy ${t.accuracy}${t.tags.length ? `, tags ${t.tags.map((x) => x.name).join(', ')}` : ''}`);
  }

  // ---- stages: v1 goes to production, v2 to staging, then v3 takes staging and v2 is archived
  const stagesQuery = () => gql('reading the stages', `query($p: String!, $m: String!) { model(project: $p, name: $m) {
    versions(first: 10, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number stage stageHistory { to } } } } }`, { p: PROJECT, m: MODEL });
  type VersionStages = { number: number; stage: string; stageHistory: { to: string }[] };
  let stages = (await stagesQuery()).model.versions.nodes as VersionStages[];
  // Promotions belong to the story once: only while no version of the model has ever changed stage.
  if (stages.every((v) => v.stageHistory.length === 0)) {
    const [v1, v2, v3] = modelVersionIds;
    const promote = (modelVersion: string, stage: string, reason: string) =>
      gql(`promoting a version to ${stage}`, PROMOTE, { input: { modelVersion, stage, force: true, reason } });
    await promote(v1, 'STAGING', 'accuracy 0.95 on the 2023 hold-out set');
    await promote(v1, 'PRODUCTION', 'approved by the risk team');
    await promote(v2, 'STAGING', 'smaller forest, cheaper to serve; under evaluation');
    await promote(v3, 'STAGING', 'trained on the production stack; replaces version 2 as the candidate');
    created++;
    stages = (await stagesQuery()).model.versions.nodes as VersionStages[];
    summary.push(`model ${MODEL}: ${stages.map((v) => `v${v.number} ${v.stage}`).join(', ')}`);
  }

  // ---- inference on the production stack with the production model
  if (!(await existingRun('inference_run_1'))) {
    const inference = await startRun({
      pipeline: 'fraud_detection_inference', name: 'inference_run_1', stack: 'production', model: { name: MODEL, version: 'production' },
    });
    const prod = await gql('resolving the production model', `query($p: String!, $m: String!) {
      modelVersion(project: $p, model: $m, version: "production") { id number artifact(name: "trained_model") { id } } }`, { p: PROJECT, m: MODEL });
    if (!prod.modelVersion?.artifact) throw new SeedError(`modelVersion(model: "${MODEL}", version: "production") has no artifact "trained_model"`);
    await recordStep(inference.id, 'predict', [
      { name: 'model', artifactVersion: prod.modelVersion.artifact.id },
      { name: 'transactions', artifactVersion: later.id },
    ], [{ name: 'predictions', artifact: 'predictions', type: 'DATA', dataType: 'pandas.DataFrame', uri: 's3://fraud-artifacts/predictions/1', metadata: { flagged: 137 } }]);
    await finishRun(inference.id);
    summary.push(`run ${inference.name} (fraud_detection_inference, production): predict with ${MODEL} version ${prod.modelVersion.number}`);

    await gql('moving the exclusive "production" tag to the inference pipeline', ADD_TAGS, { r: ids['pipeline:fraud_detection_inference'], t: [{ name: 'production' }] });
    summary.push('tag production (exclusive): moved from fraud_detection_training to fraud_detection_inference');
  }

  if (created === 0) {
    return { alreadySeeded: true, summary: [`project "${PROJECT}" is complete: already seeded, nothing written`], ids };
  }
  summary.push(`total: ${runs} runs, ${steps} steps, ${versions} artifact versions, ${newVersions} model versions`);
  return { alreadySeeded: false, summary, ids };
}

async function main() {
  const url = process.env.MAG_URL || 'http://localhost:4000/graphql';
  const result = await seedExample(url, process.env.MAG_API_KEY || undefined);
  if (result.alreadySeeded) {
    console.log(`already seeded: project "${PROJECT}" on ${url} has the whole example; nothing written`);
    return;
  }
  console.log(`seeded ${url}:`);
  for (const line of result.summary) console.log(`  ${line}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`seed:example failed: ${err instanceof SeedError ? err.message : (err as Error).stack ?? err}`);
    process.exit(1);
  });
}
