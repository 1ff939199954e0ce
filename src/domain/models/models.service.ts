// The model control plane: models, numbered versions, artifact links and stage promotion.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { decodeId } from '../../graphql/ids';
import { validateMetadata, validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { idempotencyKeyOf, once } from '../idempotency';
import { lockChecked, writable, writableProject } from '../access';
import type { Principal } from '../auth/principal';
import { Role } from '../auth/role';
import type { Project } from '../projects/project.entity';
import type { ProjectsService } from '../projects/projects.service';
import type { TagsService } from '../tags/tags.service';
import type { TagInput } from '../tags/tags.types';
import { Model } from './model.entity';
import { ModelArtifactKind, ModelStage } from './model-enums';
import { ModelVersion } from './model-version.entity';
import {
  CreateModelInput, CreateModelVersionInput, LinkArtifactInput, ModelRefInput, PromoteModelVersionInput, PromoteModelVersionPayload,
  UpdateModelInput, UpdateModelVersionInput,
} from './models.types';
import { assertNameFree, given, updateRow } from '../lifecycle/edits';
import { EventKind } from '../events/event-kind';
import { emit } from '../events/events.outbox';
import { modelVersionRefSql, STAGE_REFS } from '../version-refs';
import { Sql } from '../../db/sql';

const DIGITS = /^\d+$/;
/** Stages a single version holds at a time; the others can be held by many. */
const SINGLE_HOLDER = new Set([ModelStage.STAGING, ModelStage.PRODUCTION]);

interface NewModelVersion {
  name?: string | null;
  description?: string | null;
  tags?: TagInput[] | null;
  metadata?: unknown;
}

export class ModelsService {
  constructor(private readonly db: DataSource, private readonly projects: ProjectsService, private readonly tags: TagsService) {}

  async createModel(ctx: Context, input: CreateModelInput): Promise<Model> {
    const name = validateName(input.name, 'name');
    const description = validateText(input.description, 'description');
    const license = validateText(input.license, 'license', 255);
    return transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project);
      const [row] = await tx.query(
        `INSERT INTO model (project_id, name, description, license) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *`, [project.id, name, description, license]);
      if (!row) throw new ConflictError(`model "${name}" already exists in project "${project.name}"`);
      const model = hydrate(this.db, Model, row);
      await this.tags.apply(tx, ctx.principal, { type: 'MODEL', id: model.id, projectId: project.id, scopeId: project.id }, input.tags ?? []);
      return model;
    });
  }

  /** Renames keep the id, the versions, their stages and links. */
  async updateModel(ctx: Context, input: UpdateModelInput): Promise<Model> {
    const { id } = decodeId('Model', input.id);
    const name = given(input.name ?? undefined, (v) => validateName(v, 'name'));
    const description = given(input.description, (v) => validateText(v, 'description'));
    const license = given(input.license, (v) => validateText(v, 'license', 255));
    const model = await transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, 'Model', id, { role: Role.EDITOR, action: 'updating a model', lock: 'FOR NO KEY UPDATE', ref: input.id });
      await assertNameFree(tx, 'Model', row, name, () => `model "${name}" already exists in this project`);
      return hydrate(this.db, Model, await updateRow(tx, 'Model', row, { name, description, license }));
    });
    ctx.loaders.modelById.clear(id);
    return model;
  }

  /** A version keeps its number; its name follows the rules of createModelVersion. */
  async updateModelVersion(ctx: Context, input: UpdateModelVersionInput): Promise<ModelVersion> {
    const { id } = decodeId('ModelVersion', input.id);
    const name = input.name ?? undefined;
    this.validateVersion({ name, description: input.description });
    const version = await transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, 'ModelVersion', id, { role: Role.EDITOR, action: 'updating a model version', lock: 'FOR NO KEY UPDATE', ref: input.id });
      await assertNameFree(tx, 'ModelVersion', row, name, () => `this model already has a version named "${name}"`);
      return hydrate(this.db, ModelVersion, await updateRow(tx, 'ModelVersion', row, { name, description: input.description }));
    });
    ctx.loaders.modelVersionById.clear(id);
    return version;
  }

  async createModelVersion(ctx: Context, input: CreateModelVersionInput): Promise<ModelVersion> {
    validateName(input.model, 'model');
    this.validateVersion(input);
    idempotencyKeyOf(ctx);
    return transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project);
      return once(ctx, tx, 'createModelVersion', input, 'ModelVersion', async () =>
        this.createVersion(tx, ctx.principal, project, await this.ensureModel(tx, project.id, input.model), input));
    });
  }

  /**
   * Bumping the model's counter with UPDATE … RETURNING locks the model row until commit:
   * concurrent creations queue, and numbers come out 1, 2, … with no gap or repeat.
   */
  private async createVersion(tx: EntityManager, by: Principal, project: Project, model: Model, input: NewModelVersion): Promise<ModelVersion> {
    const [[{ version_counter: number }]] = await tx.query(
      'UPDATE model SET version_counter = version_counter + 1 WHERE project_id = $1 AND id = $2 RETURNING version_counter',
      [project.id, model.id]);
    const name = input.name ?? String(number);
    if (input.name != null) {
      const [taken] = await tx.query('SELECT 1 FROM model_version WHERE project_id = $1 AND model_id = $2 AND name = $3 AND deleted_at IS NULL', [project.id, model.id, name]);
      if (taken) throw new ConflictError(`model "${model.name}" already has a version named "${name}"`);
    }
    const [row] = await tx.query(
      `INSERT INTO model_version (project_id, model_id, number, name, description, metadata) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [project.id, model.id, number, name, input.description ?? null, input.metadata ?? {}]);
    const version = hydrate(this.db, ModelVersion, row);
    emit(tx, { kind: EventKind.MODEL_VERSION_CREATED, projectId: project.id, subject: 'ModelVersion', subjectId: version.id,
      data: { model: model.name, number: version.number, name: version.name } });
    await this.tags.apply(tx, by, { type: 'MODEL_VERSION', id: version.id, projectId: project.id, scopeId: model.id }, input.tags ?? []);
    return version;
  }

  private validateVersion(input: NewModelVersion): void {
    if (input.name != null) {
      validateName(input.name, 'name');
      if (DIGITS.test(input.name)) throw new BadUserInputError(`name "${input.name}" is all digits; version numbers are given automatically`, 'name');
      if (input.name.toLowerCase() === 'latest' || STAGE_REFS.has(input.name.toLowerCase())) {
        throw new BadUserInputError(`name "${input.name}" is reserved: it names a stage or "latest"`, 'name');
      }
    }
    validateText(input.description, 'description');
    validateMetadata(input.metadata);
  }

  private async ensureModel(tx: EntityManager, projectId: string, name: string): Promise<Model> {
    const select = () => tx.query('SELECT * FROM model WHERE project_id = $1 AND name = $2 AND deleted_at IS NULL', [projectId, name]);
    let [row] = await select();
    if (!row) {
      [row] = await tx.query('INSERT INTO model (project_id, name) VALUES ($1, $2) ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *', [projectId, name]);
      if (!row) [row] = await select();
    }
    return hydrate(this.db, Model, row);
  }

  /** The version a run works on (startRun's model): resolved, or created when asked or unnamed. */
  async versionForRun(tx: EntityManager, by: Principal, project: Project, ref: ModelRefInput): Promise<ModelVersion> {
    validateName(ref.name, 'model.name');
    if (ref.createVersion && ref.version != null) throw new BadUserInputError('model: give either version or createVersion, not both', 'model');
    const model = await this.ensureModel(tx, project.id, ref.name);
    // As in ZenML, a model given without a version gets a new version for this run.
    if (ref.createVersion || ref.version == null) return this.createVersion(tx, by, project, model, {});
    const version = await this.resolveVersion(tx, model, ref.version);
    if (!version) throw new NotFoundError(`model "${model.name}" has no version "${ref.version}"`);
    return version;
  }

  /** ref: a number, a name, "latest", a stage name in any case, or an exclusive tag (version-refs.ts). */
  async resolveVersion(runner: Pick<EntityManager, 'query'>, model: Model, ref: string): Promise<ModelVersion | null> {
    const sql = new Sql();
    const text = modelVersionRefSql(sql, `(${sql.p(model.projectId)}::uuid, ${sql.p(model.id)}::uuid)`, ref);
    const [row] = await runner.query(text, sql.params);
    return row ? hydrate(this.db, ModelVersion, row) : null;
  }

  findModel(ctx: Context, projectName: string, name: string): Promise<Model | null> {
    return this.projects.findByName(ctx, Model, 'model', projectName, name);
  }

  async findVersion(ctx: Context, projectName: string, modelName: string, ref: string): Promise<ModelVersion | null> {
    const model = await this.findModel(ctx, projectName, modelName);
    return model ? this.resolveVersion(this.db, model, ref) : null;
  }

  async linkArtifact(ctx: Context, input: LinkArtifactInput): Promise<ModelVersion> {
    const { id: versionId } = decodeId('ModelVersion', input.modelVersion, 'modelVersion');
    const { id: artifactVersionId } = decodeId('ArtifactVersion', input.artifactVersion, 'artifactVersion');
    const name = validateName(input.name, 'name');
    return transaction(this.db, async (tx) => {
      const { entity: version } = await writable(ctx, tx, 'ModelVersion', versionId, { role: Role.EDITOR, action: 'changing a model version', ref: input.modelVersion });
      // KEY SHARE: a purge removing this version either commits first (then it is not found) or waits for the link.
      const [artifact] = await tx.query('SELECT id FROM artifact_version WHERE project_id = $1 AND id = $2 FOR KEY SHARE', [version.projectId, artifactVersionId]);
      if (!artifact) throw new NotFoundError(`artifact version "${input.artifactVersion}" not found in the model version's project`);
      await this.link(tx, version, name, input.kind, artifactVersionId);
      return version;
    });
  }

  /** One artifact version per (model version, link name): relinking a name replaces the link. */
  link(tx: EntityManager, version: Pick<ModelVersion, 'projectId' | 'id'>, name: string, kind: ModelArtifactKind, artifactVersionId: string) {
    return this.linkMany(tx, version, [{ name, kind, artifactVersionId }]);
  }

  /** Several links of one model version in one statement; names must differ. */
  async linkMany(tx: EntityManager, version: Pick<ModelVersion, 'projectId' | 'id'>,
    links: readonly { name: string; kind: ModelArtifactKind; artifactVersionId: string }[]): Promise<void> {
    if (!links.length) return;
    await tx.query(
      `INSERT INTO model_artifact_link (project_id, model_version_id, name, kind, artifact_version_id)
       SELECT $1, $2, n, k, v FROM unnest($3::text[], $4::text[], $5::uuid[]) AS x(n, k, v)
       ON CONFLICT (project_id, model_version_id, name) DO UPDATE
         SET kind = excluded.kind, artifact_version_id = excluded.artifact_version_id, created_at = clock_timestamp()`,
      [version.projectId, version.id, links.map((l) => l.name), links.map((l) => l.kind), links.map((l) => l.artifactVersionId)]);
  }

  /**
   * Lock the model row first: promotions of any of its versions queue there, so each one sees
   * the current holder of the stage. The partial unique index on (model, stage) backs this up.
   */
  async promote(ctx: Context, input: PromoteModelVersionInput): Promise<PromoteModelVersionPayload> {
    const { id } = decodeId('ModelVersion', input.modelVersion, 'modelVersion');
    const reason = validateText(input.reason, 'reason', 1000);
    return transaction(this.db, async (tx) => {
      const { entity: found } = await writable(ctx, tx, 'ModelVersion', id, { role: Role.EDITOR, action: 'changing a model version', ref: input.modelVersion });
      await lockChecked(tx, 'Model', found.projectId, found.modelId, 'FOR UPDATE');
      const [fresh] = await tx.query('SELECT * FROM model_version WHERE project_id = $1 AND id = $2', [found.projectId, id]);
      const version = hydrate(this.db, ModelVersion, fresh);
      if (version.deletedAt) throw new ConflictError(`model version "${input.modelVersion}" is deleted; restore it first`);
      if (version.stage === input.stage) return { modelVersion: version, demoted: [] };
      let demoted: ModelVersion[] = [];
      if (SINGLE_HOLDER.has(input.stage)) {
        const holders: Record<string, unknown>[] = await tx.query(
          'SELECT * FROM model_version WHERE project_id = $1 AND model_id = $2 AND stage = $3 AND id <> $4 AND deleted_at IS NULL',
          [version.projectId, version.modelId, input.stage, version.id]);
        demoted = holders.map((h) => hydrate(this.db, ModelVersion, h));
        if (demoted.length && !input.force) {
          throw new ConflictError(`version ${demoted[0].number} of this model holds ${input.stage}; pass force: true to archive it`);
        }
        const archived: ModelVersion[] = [];
        for (const holder of demoted) {
          archived.push(await this.changeStage(tx, ctx, holder, ModelStage.ARCHIVED, `replaced in ${input.stage} by version ${version.number}`));
        }
        demoted = archived;
      }
      return { modelVersion: await this.changeStage(tx, ctx, version, input.stage, reason), demoted };
    });
  }

  private async changeStage(tx: EntityManager, ctx: Context, version: ModelVersion, stage: ModelStage, reason: string | null): Promise<ModelVersion> {
    await tx.query('UPDATE model_version SET stage = $3 WHERE project_id = $1 AND id = $2', [version.projectId, version.id, stage]);
    await tx.query(
      'INSERT INTO stage_change (project_id, model_version_id, from_stage, to_stage, reason, actor) VALUES ($1, $2, $3, $4, $5, $6)',
      [version.projectId, version.id, version.stage, stage, reason, ctx.principal.name]);
    emit(tx, { kind: EventKind.STAGE_CHANGED, projectId: version.projectId, subject: 'ModelVersion', subjectId: version.id,
      data: { from: version.stage, to: stage, reason } });
    return Object.assign(new ModelVersion(), version, { stage });
  }
}
