import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { ConflictError } from '../../graphql/errors';
import { validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { writable, writableProject } from '../access';
import type { ProjectsService } from '../projects/projects.service';
import type { TagsService } from '../tags/tags.service';
import { Pipeline } from './pipeline.entity';
import { CreatePipelineInput, UpdatePipelineInput } from './pipelines.types';
import { decodeId } from '../../graphql/ids';
import { Role } from '../auth/role';
import { assertNameFree, given, updateRow } from '../lifecycle/edits';
import { EventKind } from '../events/event-kind';
import { emit } from '../events/events.outbox';

const pipelineCreated = (p: { id: string; name: string; project_id?: string; projectId?: string }) => ({
  kind: EventKind.PIPELINE_CREATED, projectId: (p.projectId ?? p.project_id)!, subject: 'Pipeline' as const, subjectId: p.id, data: { name: p.name },
});

export class PipelinesService {
  constructor(private readonly db: DataSource, private readonly projects: ProjectsService, private readonly tags: TagsService) {}

  async create(ctx: Context, input: CreatePipelineInput): Promise<Pipeline> {
    const name = validateName(input.name, 'name');
    const description = validateText(input.description, 'description');
    return transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project);
      const [row] = await tx.query(
        'INSERT INTO pipeline (project_id, name, description) VALUES ($1, $2, $3) ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *',
        [project.id, name, description]);
      if (!row) throw new ConflictError(`pipeline "${name}" already exists in project "${project.name}"`);
      const pipeline = hydrate(this.db, Pipeline, row);
      emit(tx, pipelineCreated(pipeline));
      await this.tags.apply(tx, ctx.principal, { type: 'PIPELINE', id: pipeline.id, projectId: project.id, scopeId: project.id }, input.tags ?? []);
      return pipeline;
    });
  }

  /** Renames keep the id, the runs and the tags. */
  async update(ctx: Context, input: UpdatePipelineInput): Promise<Pipeline> {
    const { id } = decodeId('Pipeline', input.id);
    const name = given(input.name ?? undefined, (v) => validateName(v, 'name'));
    const description = given(input.description, (v) => validateText(v, 'description'));
    const pipeline = await transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, 'Pipeline', id, { role: Role.EDITOR, action: 'updating a pipeline', lock: 'FOR NO KEY UPDATE', ref: input.id });
      await assertNameFree(tx, 'Pipeline', row, name, () => `pipeline "${name}" already exists in this project`);
      return hydrate(this.db, Pipeline, await updateRow(tx, 'Pipeline', row, { name, description }));
    });
    ctx.loaders.pipelineById.clear(id);
    return pipeline;
  }

  /** The pipeline of that name, created on first use (startRun). */
  async ensure(tx: EntityManager, projectId: string, name: string): Promise<Pipeline> {
    const select = () => tx.query('SELECT * FROM pipeline WHERE project_id = $1 AND name = $2 AND deleted_at IS NULL', [projectId, name]);
    let [row] = await select();
    if (!row) {
      [row] = await tx.query(
        'INSERT INTO pipeline (project_id, name) VALUES ($1, $2) ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *', [projectId, name]);
      if (row) emit(tx, pipelineCreated(row));
      else [row] = await select();
    }
    return hydrate(this.db, Pipeline, row);
  }

  find(ctx: Context, projectName: string, name: string): Promise<Pipeline | null> {
    return this.projects.findByName(ctx, Pipeline, 'pipeline', projectName, name);
  }
}
