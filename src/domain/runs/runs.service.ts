// Pipeline runs and their steps; recordStep writes a step's lineage in one transaction.
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { decodeId } from '../../graphql/ids';
import { validateDate, validateJsonDepth, validateMetadata, validateName } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import type { ArtifactsService } from '../artifacts/artifacts.service';
import { idempotencyKeyOf, once } from '../idempotency';
import { writable, writableProject } from '../access';
import { Role } from '../auth/role';
import type { ModelsService } from '../models/models.service';
import type { PipelinesService } from '../pipelines/pipelines.service';
import type { ProjectsService } from '../projects/projects.service';
import type { TagsService } from '../tags/tags.service';
import { PipelineRun } from './pipeline-run.entity';
import { isTerminal, RunStatus } from './run-status';
import { RecordStepInput, StartRunInput } from './runs.types';
import { StepRun } from './step-run.entity';
import { EventKind } from '../events/event-kind';
import { emit, NewEvent } from '../events/events.outbox';

const MAX_CONFIG_BYTES = 1024 * 1024;
/** Inputs and outputs a step may have (each); more is BAD_USER_INPUT, keeping one step's transaction short. */
export const MAX_STEP_ARTIFACTS = 1000;

/** The events of a run and its steps, whichever door (these mutations, OpenLineage) made the change. */
export const runStarted = (run: Pick<PipelineRun, 'id' | 'projectId' | 'name' | 'status'>, pipeline: string): NewEvent => ({
  kind: EventKind.RUN_STARTED, projectId: run.projectId, subject: 'PipelineRun', subjectId: run.id, data: { name: run.name, pipeline, status: run.status },
});
export const runFinished = (run: Pick<PipelineRun, 'id' | 'projectId' | 'status'>, from: RunStatus): NewEvent => ({
  kind: EventKind.RUN_FINISHED, projectId: run.projectId, subject: 'PipelineRun', subjectId: run.id, data: { status: run.status, from },
});
export const stepRecorded = (step: StepRun, run: string, counts: { inputs: number; outputs: number }): NewEvent => ({
  kind: EventKind.STEP_RECORDED, projectId: step.projectId, subject: 'StepRun', subjectId: step.id,
  data: { name: step.name, status: step.status, run, inputs: counts.inputs, outputs: counts.outputs },
});

function runName(pipeline: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${pipeline.slice(0, 200)}-${stamp}-${randomBytes(3).toString('hex')}`;
}

function assertUnique(names: string[], field: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new BadUserInputError(`${field}: "${n}" is given twice`, field);
    seen.add(n);
  }
}

export class RunsService {
  constructor(
    private readonly db: DataSource,
    private readonly projects: ProjectsService,
    private readonly pipelines: PipelinesService,
    private readonly artifacts: ArtifactsService,
    private readonly models: ModelsService,
    private readonly tags: TagsService,
  ) {}

  async start(ctx: Context, input: StartRunInput): Promise<PipelineRun> {
    validateName(input.pipeline, 'pipeline');
    if (input.name != null) validateName(input.name, 'name');
    if (input.config !== undefined && input.config !== null) {
      validateJsonDepth(input.config, 'config');
      if (Buffer.byteLength(JSON.stringify(input.config)) >= MAX_CONFIG_BYTES) throw new BadUserInputError('config must be smaller than 1 MB', 'config');
    }
    idempotencyKeyOf(ctx);
    return transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project);
      return once(ctx, tx, 'startRun', input, 'PipelineRun', async () => {
        let stackId: string | null = null;
        if (input.stack != null) {
          const [stack] = await tx.query('SELECT id FROM stack WHERE name = $1', [input.stack]);
          if (!stack) throw new NotFoundError(`stack "${input.stack}" not found`);
          stackId = stack.id;
        }
        const pipeline = await this.pipelines.ensure(tx, project.id, input.pipeline);
        const modelVersion = input.model ? await this.models.versionForRun(tx, ctx.principal, project, input.model) : null;
        const name = input.name ?? runName(pipeline.name);
        const [row] = await tx.query(
          `INSERT INTO pipeline_run (project_id, pipeline_id, name, status, config, stack_id, model_version_id, started_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp()) ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *`,
          [project.id, pipeline.id, name, RunStatus.RUNNING, input.config === undefined ? null : JSON.stringify(input.config),
            stackId, modelVersion?.id ?? null]);
        if (!row) throw new ConflictError(`run "${name}" already exists in project "${project.name}"`);
        const run = hydrate(this.db, PipelineRun, row);
        emit(tx, runStarted(run, pipeline.name));
        await this.tags.apply(tx, ctx.principal, { type: 'PIPELINE_RUN', id: run.id, projectId: project.id, scopeId: pipeline.id }, input.tags ?? []);
        return run;
      });
    });
  }

  /**
   * Locks the run first: addTags on the run locks it too, so a cascade tag added meanwhile is
   * either read here and put on every output, or added after this commits and cascades to them
   * then. Outputs are written set-based, a fixed number of statements for up to 1,000 of them.
   */
  async recordStep(ctx: Context, input: RecordStepInput): Promise<StepRun> {
    const { id: runId } = decodeId('PipelineRun', input.run, 'run');
    const name = validateName(input.name, 'name');
    for (const field of ['inputs', 'outputs'] as const) {
      const n = input[field]?.length ?? 0;
      if (n > MAX_STEP_ARTIFACTS) throw new BadUserInputError(`a step has at most ${MAX_STEP_ARTIFACTS} ${field}, got ${n}`, field);
    }
    const metadata = validateMetadata(input.metadata);
    const startedAt = validateDate(input.startedAt, 'startedAt');
    const endedAt = validateDate(input.endedAt, 'endedAt');
    const inputs = (input.inputs ?? []).map((ref, i) => {
      validateName(ref.name, `inputs[${i}].name`);
      return { name: ref.name, id: decodeId('ArtifactVersion', ref.artifactVersion, `inputs[${i}].artifactVersion`).id, globalId: ref.artifactVersion };
    });
    const outputs = input.outputs ?? [];
    outputs.forEach((o, i) => {
      validateName(o.name, `outputs[${i}].name`);
      this.artifacts.validate(o, `outputs[${i}].`);
    });
    assertUnique(inputs.map((i) => i.name), 'inputs.name');
    assertUnique(outputs.map((o) => o.name), 'outputs.name');
    idempotencyKeyOf(ctx);
    return transaction(this.db, async (tx) => {
      const { entity: run } = await writable(ctx, tx, 'PipelineRun', runId, { role: Role.EDITOR, action: 'writing', lock: 'FOR NO KEY UPDATE', ref: input.run });
      return once(ctx, tx, 'recordStep', input, 'StepRun', async () => {
        if (isTerminal(run.status)) {
          throw new ConflictError(`run "${run.name}" is ${run.status}: steps are recorded while a run is INITIALIZING or RUNNING`);
        }
        if (outputs.some((o) => o.linkToModelAs) && !run.modelVersionId) {
          throw new BadUserInputError('linkToModelAs needs a run started with a model', 'outputs.linkToModelAs');
        }
        if (inputs.length) {
          // KEY SHARE: a purge removing an input either commits first (then it is not found) or waits for this step.
          const found: { id: string }[] = await tx.query('SELECT id FROM artifact_version WHERE project_id = $1 AND id = ANY($2::uuid[]) FOR KEY SHARE',
            [run.projectId, inputs.map((i) => i.id)]);
          const ids = new Set(found.map((f) => f.id));
          const missing = inputs.find((i) => !ids.has(i.id));
          if (missing) throw new NotFoundError(`input "${missing.name}": artifact version "${missing.globalId}" not found in this project`);
        }
        const [row] = await tx.query(
          `INSERT INTO step_run (project_id, run_id, name, status, metadata, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (project_id, run_id, name) DO NOTHING RETURNING *`,
          [run.projectId, run.id, name, input.status, metadata, startedAt, endedAt]);
        if (!row) throw new ConflictError(`run "${run.name}" already has a step "${name}"`);
        const step = hydrate(this.db, StepRun, row);
        emit(tx, stepRecorded(step, run.name, { inputs: inputs.length, outputs: outputs.length }));
        if (inputs.length) {
          await tx.query(
            `INSERT INTO step_input (project_id, step_run_id, name, artifact_version_id)
             SELECT $1, $2, n, v FROM unnest($3::text[], $4::uuid[]) AS x(n, v)`,
            [run.projectId, step.id, inputs.map((i) => i.name), inputs.map((i) => i.id)]);
        }
        if (outputs.length) {
          const cascade = await this.tags.cascadeTagsOf(tx, run.projectId, run.id);
          const versions = await this.artifacts.createVersions(tx, ctx.principal, run.projectId, outputs.map((o) => ({ ...o, outputName: o.name })),
            { stepId: step.id, runId: run.id, cascade });
          const links = outputs.flatMap((o, i) => (o.linkToModelAs ? [{ name: o.name, kind: o.linkToModelAs, artifactVersionId: versions[i].id }] : []));
          await this.models.linkMany(tx, { projectId: run.projectId, id: run.modelVersionId! }, links);
        }
        return step;
      });
    });
  }

  /**
   * The run state machine: INITIALIZING and RUNNING move to any status; the terminal ones
   * (COMPLETED, FAILED, CACHED, STOPPED) stay. Finishing again with the same status is a no-op
   * (a client retrying its finishRun), with another one a CONFLICT.
   */
  async finish(ctx: Context, globalId: string, status: RunStatus): Promise<PipelineRun> {
    const { id } = decodeId('PipelineRun', globalId, 'run');
    return transaction(this.db, async (tx) => {
      const { entity: run } = await writable(ctx, tx, 'PipelineRun', id, { role: Role.EDITOR, action: 'writing', lock: 'FOR NO KEY UPDATE', ref: globalId });
      if (isTerminal(run.status)) {
        if (run.status === status) return run;
        throw new ConflictError(`run "${run.name}" already finished as ${run.status}; it can't become ${status}`);
      }
      const [[row]] = await tx.query(
        `UPDATE pipeline_run SET status = $3, ended_at = CASE WHEN $4 THEN clock_timestamp() END
         WHERE project_id = $1 AND id = $2 RETURNING *`,
        [run.projectId, run.id, status, isTerminal(status)]);
      const finished = hydrate(this.db, PipelineRun, row);
      emit(tx, runFinished(finished, run.status));
      return finished;
    });
  }

  find(ctx: Context, projectName: string, name: string): Promise<PipelineRun | null> {
    return this.projects.findByName(ctx, PipelineRun, 'pipeline_run', projectName, name);
  }
}
