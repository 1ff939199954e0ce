// Global-id entry points: node/nodes, tags on any taggable, metadata on any resource.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError } from '../../graphql/errors';
import { decodeId, parseId } from '../../graphql/ids';
import { ENTITY_OF } from '../../graphql/loaders';
import { Node } from '../../graphql/node';
import { MAX_METADATA_BYTES, validateMetadata } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import type { ApiKey } from '../auth/api-key.entity';
import { ProjectKind, writable } from '../access';
import { canSeeProject } from '../auth/principal';
import { Role } from '../auth/role';
import { KindName, KINDS, METADATA_KINDS, TAGGABLE_KINDS } from '../kinds';
import { Tag } from '../tags/tag.entity';
import type { TagsService, TagTarget } from '../tags/tags.service';
import { TagInput } from '../tags/tags.types';
import { EventKind } from '../events/event-kind';
import { emit, NewEvent } from '../events/events.outbox';

/** A merge of keys into a row's metadata, whoever merged them (logMetadata, OpenLineage facets). */
export const metadataLogged = (kind: KindName, projectId: string, id: string, keys: string[]): NewEvent => ({
  kind: EventKind.METADATA_LOGGED, projectId, subject: kind, subjectId: id, data: { keys },
});

export class NodesService {
  constructor(private readonly db: DataSource, private readonly tags: TagsService) {}

  /** Any entity by global id, or null when it does not exist or the caller may not see it. */
  async node(ctx: Context, globalId: string): Promise<Node | null> {
    const { type, id } = parseId(globalId);
    const node = await ctx.loaders.byId[type].load(id);
    if (!node) return null;
    if (type === 'ApiKey') return ctx.services.auth.canSee(ctx.principal, node as unknown as ApiKey) ? node : null;
    // Webhooks name their targets: only the keys that manage them (unscoped ADMIN) see them.
    if (type === 'Webhook') return ctx.principal.role === Role.ADMIN && ctx.principal.projectIds === null ? node : null;
    // Server-wide kinds (stacks, components) have no project; the rest are seen through theirs.
    if (KINDS[type].project === null) return node;
    const projectId = type === 'Project' ? node.id : (node as unknown as { projectId: string }).projectId;
    return canSeeProject(ctx.principal, projectId) ? node : null;
  }

  async nodes(ctx: Context, ids: string[]): Promise<(Node | null)[]> {
    if (ids.length > 100) throw new BadUserInputError(`nodes takes at most 100 ids, got ${ids.length}`, 'ids');
    ids.forEach((id, i) => parseId(id, `ids[${i}]`));
    return Promise.all(ids.map((id) => this.node(ctx, id)));
  }

  async addTags(ctx: Context, resource: string, tags: TagInput[]) {
    return this.changeTags(ctx, resource, (tx, target) => this.tags.apply(tx, ctx.principal, target, tags));
  }

  async removeTags(ctx: Context, resource: string, names: string[]) {
    return this.changeTags(ctx, resource, (tx, target) => this.tags.remove(tx, ctx.principal, target, names));
  }

  /**
   * The row is locked before its tags change: a run's cascade tags and the outputs its steps record
   * (recordStep locks the run too) then come one after the other, so every output gets every
   * cascade tag. The answer's tags are the ones read inside the transaction.
   */
  private async changeTags(ctx: Context, resource: string, change: (tx: EntityManager, target: TagTarget) => Promise<void>) {
    const { type, id } = decodeId(TAGGABLE_KINDS, resource, 'resource');
    const scope = KINDS[type].tags!;
    const { entity, tags } = await transaction(this.db, async (tx) => {
      const { entity, row } = await writable(ctx, tx, type as ProjectKind, id, { role: Role.EDITOR, action: 'tagging', lock: 'FOR NO KEY UPDATE', ref: resource });
      await change(tx, { type: scope.resourceType, id, projectId: row.project_id, scopeId: row[scope.scope] });
      const tags: Record<string, unknown>[] = await tx.query(
        `SELECT tg.* FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
         WHERE ta.project_id = $1 AND ta.resource_id = $2 ORDER BY tg.name`, [row.project_id, id]);
      return { entity, tags: tags.map((t) => hydrate(this.db, Tag, t)) };
    });
    ctx.loaders.tagsByResourceId.clear(id).prime(id, tags);
    return entity;
  }

  /** Merges keys (shallow) into a resource's metadata; the result must stay under 1 MB. */
  async logMetadata(ctx: Context, resource: string, metadata: unknown): Promise<Node> {
    const { type, id } = decodeId(METADATA_KINDS, resource, 'resource');
    const patch = validateMetadata(metadata);
    const kind = KINDS[type];
    return transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, type as ProjectKind, id, { role: Role.EDITOR, action: 'logging metadata', lock: 'FOR NO KEY UPDATE', ref: resource });
      const [[updated]] = await tx.query(
        `UPDATE ${kind.table} SET metadata = metadata || $3::jsonb WHERE project_id = $1 AND id = $2 RETURNING *, octet_length(metadata::text) AS __size`,
        [row.project_id, id, JSON.stringify(patch)]);
      if (updated.__size >= MAX_METADATA_BYTES) throw new BadUserInputError('metadata would grow to 1 MB or more', 'metadata');
      emit(tx, metadataLogged(type, row.project_id, id, Object.keys(patch)));
      return hydrate(this.db, ENTITY_OF[type], updated);
    });
  }
}
