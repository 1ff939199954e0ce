// Global-id entry points: node/nodes, tags on any taggable, metadata on any resource.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import { decodeId, parseId } from '../../graphql/ids';
import { ENTITY_OF } from '../../graphql/loaders';
import { Node } from '../../graphql/node';
import { MAX_METADATA_BYTES, validateMetadata } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import type { ApiKey } from '../auth/api-key.entity';
import { assertRole, canSeeProject } from '../auth/principal';
import { Role } from '../auth/role';
import { KINDS, METADATA_KINDS, TAGGABLE_KINDS } from '../kinds';
import type { TagsService, TagTarget } from '../tags/tags.service';
import { TagInput } from '../tags/tags.types';

export class NodesService {
  constructor(private readonly db: DataSource, private readonly tags: TagsService) {}

  /** Any entity by global id, or null when it does not exist or the caller may not see it. */
  async node(ctx: Context, globalId: string): Promise<Node | null> {
    const { type, id } = parseId(globalId);
    const node = await ctx.loaders.byId[type].load(id);
    if (!node) return null;
    if (type === 'ApiKey') return ctx.services.auth.canSee(ctx.principal, node as unknown as ApiKey) ? node : null;
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
    return this.changeTags(ctx, resource, (tx, target) => this.tags.apply(tx, target, tags));
  }

  async removeTags(ctx: Context, resource: string, names: string[]) {
    return this.changeTags(ctx, resource, (tx, target) => this.tags.remove(tx, target, names));
  }

  private async changeTags(ctx: Context, resource: string, change: (tx: EntityManager, target: TagTarget) => Promise<void>) {
    const { type, id } = decodeId(TAGGABLE_KINDS, resource, 'resource');
    const kind = KINDS[type];
    const entity = await transaction(this.db, async (tx) => {
      const [row] = await tx.query(`SELECT * FROM ${kind.table} WHERE id = $1`, [id]);
      if (!row || !canSeeProject(ctx.principal, row.project_id)) throw new NotFoundError(`"${resource}" not found`);
      assertRole(ctx.principal, Role.EDITOR, 'tagging');
      const tags = kind.tags!;
      await change(tx, { type: tags.resourceType, id, projectId: row.project_id, scopeId: row[tags.scope] });
      return hydrate(this.db, ENTITY_OF[type], row);
    });
    ctx.loaders.tagsByResourceId.clear(id);
    return entity;
  }

  /** Merges keys (shallow) into a resource's metadata; the result must stay under 1 MB. */
  async logMetadata(ctx: Context, resource: string, metadata: unknown): Promise<Node> {
    const { type, id } = decodeId(METADATA_KINDS, resource, 'resource');
    const patch = validateMetadata(metadata);
    const kind = KINDS[type];
    return transaction(this.db, async (tx) => {
      const [row] = await tx.query(`SELECT project_id FROM ${kind.table} WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      if (!row || !canSeeProject(ctx.principal, row.project_id)) throw new NotFoundError(`"${resource}" not found`);
      assertRole(ctx.principal, Role.EDITOR, 'logging metadata');
      const [[updated]] = await tx.query(
        `UPDATE ${kind.table} SET metadata = metadata || $3::jsonb WHERE project_id = $1 AND id = $2 RETURNING *, octet_length(metadata::text) AS __size`,
        [row.project_id, id, JSON.stringify(patch)]);
      if (updated.__size >= MAX_METADATA_BYTES) throw new BadUserInputError('metadata would grow to 1 MB or more', 'metadata');
      return hydrate(this.db, ENTITY_OF[type], updated);
    });
  }
}
