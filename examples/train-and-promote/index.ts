// ZenML's "passing artifacts between pipelines", as an API client: a training run makes a new version of
// fraud_detector and promotes it when it is good enough; a predict run loads the production model's artifact.
import {
  ArtifactVersionFieldsFragment,
  CreateProjectDocument,
  FinishRunDocument,
  isMagClientError,
  type ModelStage,
  LogMetadataDocument,
  MagClient,
  ModelVersionArtifactDocument,
  ProjectDocument,
  PromoteModelVersionDocument,
  RecordStepDocument,
  StartRunDocument,
} from '../../clients/ts';

export const DEFAULT_URL = 'http://localhost:4000/graphql';
/** A project of its own: the demo promotes and archives versions, which must not touch real ones (or the seeded example). */
export const DEFAULT_PROJECT = 'train-and-promote-demo';
export const MODEL = 'fraud_detector';
/** Versions scoring at or below this stay where they are. */
export const PROMOTION_THRESHOLD = 0.9;

export interface MainOptions {
  project?: string;
  apiKey?: string;
  /** What "training" scores; the real thing would compute it. */
  accuracy?: number;
  log?: (line: string) => void;
}

export interface TrainAndPromoteResult {
  project: string;
  training: {
    runId: string;
    runName: string;
    modelVersion: { id: string; number: number; stage: ModelStage };
    trainedModel: { id: string; version: string };
    accuracy: number;
    promoted: boolean;
    /** Numbers of the versions the promotion archived. */
    demoted: number[];
  };
  /** null when no version of the model is in production yet, so there is nothing to predict with. */
  predict: {
    runId: string;
    runName: string;
    stepId: string;
    modelVersion: { id: string; number: number };
    /** The artifact version that the predict step consumed as its input "model". */
    model: { id: string; version: string };
    predictions: { id: string; version: string };
  } | null;
}

export async function main(url: string = DEFAULT_URL, options: MainOptions = {}): Promise<TrainAndPromoteResult> {
  const project = options.project ?? DEFAULT_PROJECT;
  const accuracy = options.accuracy ?? 0.93;
  const log = options.log ?? ((line: string) => console.log(line));
  const client = new MagClient({ url, apiKey: options.apiKey });

  await ensureProject(client, project);

  // --- training pipeline: a fresh model version for this run, as ZenML's Model(name=…) does.
  const { startRun: trainingRun } = await client.request(StartRunDocument, {
    input: { project, pipeline: 'training', model: { name: MODEL, createVersion: true }, config: { epochs: 10, learningRate: 0.01 } },
  });
  const modelVersion = trainingRun.modelVersion;
  if (!modelVersion) throw new Error(`run "${trainingRun.name}" was started with model ${MODEL} but has no model version`);
  log(`training run ${trainingRun.name}: model ${MODEL} version ${modelVersion.number}`);

  const { recordStep: loadData } = await client.request(RecordStepDocument, {
    input: {
      run: trainingRun.id,
      name: 'load_data',
      status: 'COMPLETED',
      outputs: [{
        name: 'dataset', artifact: 'training_dataset', type: 'DATA', dataType: 'pandas.DataFrame',
        uri: `s3://fraud-detection/${trainingRun.name}/training_dataset`, metadata: { rows: 284807 }, linkToModelAs: 'DATA',
      }],
    },
  });
  const dataset = outputNamed(loadData.outputs, 'dataset');

  const { recordStep: trainer } = await client.request(RecordStepDocument, {
    input: {
      run: trainingRun.id,
      name: 'train_model',
      status: 'COMPLETED',
      inputs: [{ name: 'dataset', artifactVersion: dataset.id }],
      outputs: [{
        name: 'trained_model', artifact: 'trained_model', type: 'MODEL', dataType: 'sklearn.ensemble.RandomForestClassifier',
        uri: `s3://fraud-detection/${trainingRun.name}/trained_model`, metadata: { accuracy }, linkToModelAs: 'MODEL',
      }],
    },
  });
  const trainedModel = outputNamed(trainer.outputs, 'trained_model');
  await client.request(LogMetadataDocument, { resource: modelVersion.id, metadata: { accuracy } });
  await client.request(FinishRunDocument, { run: trainingRun.id, status: 'COMPLETED' });
  log(`  trained_model version ${trainedModel.version}: accuracy ${accuracy}`);

  let stage: ModelStage = 'NONE';
  let demoted: number[] = [];
  const promoted = accuracy > PROMOTION_THRESHOLD;
  if (promoted) {
    // force: the version in production now (if any) is archived rather than the promotion failing.
    const { promoteModelVersion } = await client.request(PromoteModelVersionDocument, {
      input: { modelVersion: modelVersion.id, stage: 'PRODUCTION', force: true, reason: `accuracy ${accuracy} > ${PROMOTION_THRESHOLD}` },
    });
    stage = promoteModelVersion.modelVersion.stage;
    demoted = promoteModelVersion.demoted.map((v) => v.number);
    log(`  promoted version ${modelVersion.number} to ${stage}${demoted.length ? `; archived ${demoted.join(', ')}` : ''}`);
  } else {
    log(`  accuracy ${accuracy} <= ${PROMOTION_THRESHOLD}: version ${modelVersion.number} stays in NONE`);
  }

  const training = {
    runId: trainingRun.id,
    runName: trainingRun.name,
    modelVersion: { id: modelVersion.id, number: modelVersion.number, stage },
    trainedModel: { id: trainedModel.id, version: trainedModel.version },
    accuracy,
    promoted,
    demoted,
  };

  // --- predict pipeline: whatever is in production now, read through the API, never from the training run.
  const { modelVersion: production } = await client.request(ModelVersionArtifactDocument, {
    project, model: MODEL, version: 'production', artifact: 'trained_model',
  });
  if (!production) {
    log(`no version of ${MODEL} is in production: nothing to predict with`);
    return { project, training, predict: null };
  }
  if (!production.artifact) throw new Error(`${MODEL} version ${production.number} is in production but links no "trained_model"`);
  const model = production.artifact;

  const { startRun: predictRun } = await client.request(StartRunDocument, {
    input: { project, pipeline: 'predict', model: { name: MODEL, version: 'production' } },
  });
  const { recordStep: predictor } = await client.request(RecordStepDocument, {
    input: {
      run: predictRun.id,
      name: 'predict',
      status: 'COMPLETED',
      inputs: [{ name: 'model', artifactVersion: model.id }],
      outputs: [{
        name: 'predictions', artifact: 'predictions', type: 'DATA', dataType: 'pandas.Series',
        uri: `s3://fraud-detection/${predictRun.name}/predictions`,
      }],
    },
  });
  const predictions = outputNamed(predictor.outputs, 'predictions');
  await client.request(FinishRunDocument, { run: predictRun.id, status: 'COMPLETED' });
  log(`predict run ${predictRun.name}: used trained_model version ${model.version} of ${MODEL} version ${production.number}`);

  return {
    project,
    training,
    predict: {
      runId: predictRun.id,
      runName: predictRun.name,
      stepId: predictor.id,
      modelVersion: { id: production.id, number: production.number },
      model: { id: model.id, version: model.version },
      predictions: { id: predictions.id, version: predictions.version },
    },
  };
}

async function ensureProject(client: MagClient, name: string): Promise<void> {
  const { project } = await client.request(ProjectDocument, { name });
  if (project) return;
  try {
    await client.request(CreateProjectDocument, { input: { name, description: 'ZenML-style train-and-promote example' } });
  } catch (err) {
    // Another client created it between our look-up and our create: that is what we wanted.
    if (!isMagClientError(err, 'CONFLICT')) throw err;
  }
}

function outputNamed(outputs: { name: string; artifactVersion: ArtifactVersionFieldsFragment }[], name: string): ArtifactVersionFieldsFragment {
  const found = outputs.find((o) => o.name === name);
  if (!found) throw new Error(`the step has no output "${name}"`);
  return found.artifactVersion;
}

if (require.main === module) {
  main(process.env.MAG_URL ?? DEFAULT_URL, { apiKey: process.env.MAG_API_KEY, project: process.env.MAG_PROJECT || undefined }).catch((err: unknown) => {
    console.error(isMagClientError(err) ? `${err.code}: ${err.message}` : err);
    process.exitCode = 1;
  });
}
