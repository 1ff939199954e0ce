// Global-id entry points: node/nodes, tags on any taggable, metadata on any resource.
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import { decodeId, NodeType, parseId } from '../../graphql/ids';
import { Node } from '../../graphql/node';
import { MAX_METADATA_BYTES, validateMetadata } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import type { ApiKey } from '../auth/api-key.entity';
import { Artifact } from '../artifacts/artifact.entity';
import { assertRole, canSeeProject } from '../auth/principal';
import { Role } from '../auth/role';
import { ModelVersion } from '../models/model-version.entity';
import { Model } from '../models/model.entity';
import { Pipeline } from '../pipelines/pipeline.entity';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { StepRun } from '../runs/step-run.entity';
import type { TagsService, TagTarget } from '../tags/tags.service';
import { ResourceType } from '../tags/taggable';
import { TagInput } from '../tags/tags.types';

interface TaggableKind { entity: EntityTarget<ObjectLiteral>; table: string; resourceType: ResourceType; scopeColumn: string }

const TAGGABLE: Partial<Record<NodeType, TaggableKind>> = {
  Pipeline: { entity: Pipeline, table: 'pipeline', resourceType: 'PIPELINE', scopeColumn: 'project_id' },
  PipelineRun: { entity: PipelineRun, table: 'pipeline_run', resourceType: 'PIPELINE_RUN', scopeColumn: 'pipeline_id' },
  Artifact: { entity: Artifact, table: 'artifact', resourceType: 'ARTIFACT', scopeColumn: 'project_id' },
  ArtifactVersion: { entity: ArtifactVersion, table: 'artifact_version', resourceType: 'ARTIFACT_VERSION', scopeColumn: 'artifact_id' },
  Model: { entity: Model, table: 'model', resourceType: 'MODEL', scopeColumn: 'project_id' },
  ModelVersion: { entity: ModelVersion, table: 'model_version', resourceType: 'MODEL_VERSION', scopeColumn: 'model_id' },
};

const WITH_METADATA: Partial<Record<NodeType, { entity: EntityTarget<ObjectLiteral>; table: string }>> = {
  PipelineRun: { entity: PipelineRun, table: 'pipeline_run' },
  StepRun: { entity: StepRun, table: 'step_run' },
  ArtifactVersion: { entity: ArtifactVersion, table: 'artifact_version' },
  ModelVersion: { entity: ModelVersion, table: 'model_version' },
};

export class NodesService {
  constructor(private readonly db: DataSource, private readonly tags: TagsService) {}

  /** Any entity by global id, or null when it does not exist or the caller may not see it. */
  async node(ctx: Context, globalId: string): Promise<Node | null> {
    const { type, id } = parseId(globalId);
    const l = ctx.loaders;
    const loader = {
      Project: l.projectById, Pipeline: l.pipelineById, PipelineRun: l.runById, StepRun: l.stepById, Artifact: l.artifactById,
      ArtifactVersion: l.artifactVersionById, Model: l.modelById, ModelVersion: l.modelVersionById, Tag: l.tagById,
      ApiKey: l.apiKeyById, Stack: l.stackById, StackComponent: l.componentById,
    }[type] as { load(id: string): Promise<Node | null> };
    const node = await loader.load(id);
    if (!node) return null;
    if (type === 'ApiKey') return ctx.services.auth.canSee(ctx.principal, node as unknown as ApiKey) ? node : null;
    if (type === 'Stack' || type === 'StackComponent') return node;
    const projectId = type === 'Project' ? node.id : (node as unknown as { projectId: string }).projectId;
    return canSeeProject(ctx.principal, projectId) ? node : null;
  }

  async nodes(ctx: Context, ids: string[]): Promise<(Node | null)[]> {
    if (ids.length > 100) throw new BadUserInputError(`nodes takes at most 100 ids, got ${ids.length}`, 'ids');
    ids.forEach((id, i) => parseId(id, `ids[${i}]`));
    return Promise.all(ids.map((id) => this.node(ctx, id)));
  }

  async addTags(ctx: Context, resource: string, tags: TagInput[]) {
    return this.changeTags(ctx, resource, (tx, target) => this.tags.apply(tx, target, tags));
  }

  async removeTags(ctx: Context, resource: string, names: string[]) {
    return this.changeTags(ctx, resource, (tx, target) => this.tags.remove(tx, target, names));
  }

  private async changeTags(ctx: Context, resource: string, change: (tx: EntityManager, target: TagTarget) => Promise<void>) {
    const { type, id } = decodeId(Object.keys(TAGGABLE) as NodeType[], resource, 'resource');
    const kind = TAGGABLE[type]!;
    const entity = await transaction(this.db, async (tx) => {
      const [row] = await tx.query(`SELECT * FROM ${kind.table} WHERE id = $1`, [id]);
      if (!row || !canSeeProject(ctx.principal, row.project_id)) throw new NotFoundError(`"${resource}" not found`);
      assertRole(ctx.principal, Role.EDITOR, 'tagging');
      await change(tx, { type: kind.resourceType, id, projectId: row.project_id, scopeId: row[kind.scopeColumn] });
      return hydrate(this.db, kind.entity, row);
    });
    ctx.loaders.tagsByResourceId.clear(id);
    return entity;
  }

  /** Merges keys (shallow) into a resource's metadata; the result must stay under 1 MB. */
  async logMetadata(ctx: Context, resource: string, metadata: unknown): Promise<Node> {
    const { type, id } = decodeId(Object.keys(WITH_METADATA) as NodeType[], resource, 'resource');
    const patch = validateMetadata(metadata);
    const kind = WITH_METADATA[type]!;
    return transaction(this.db, async (tx) => {
      const [row] = await tx.query(`SELECT project_id FROM ${kind.table} WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      if (!row || !canSeeProject(ctx.principal, row.project_id)) throw new NotFoundError(`"${resource}" not found`);
      assertRole(ctx.principal, Role.EDITOR, 'logging metadata');
      const [[updated]] = await tx.query(
        `UPDATE ${kind.table} SET metadata = metadata || $3::jsonb WHERE project_id = $1 AND id = $2 RETURNING *, octet_length(metadata::text) AS __size`,
        [row.project_id, id, JSON.stringify(patch)]);
      if (updated.__size >= MAX_METADATA_BYTES) throw new BadUserInputError('metadata would grow to 1 MB or more', 'metadata');
      return hydrate(this.db, kind.entity, updated) as Node;
    });
  }
}
