// Tags the ZenML way: created on first use, exclusive tags with one holder per scope,
// cascade tags on runs that follow the run's outputs.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError } from '../../graphql/errors';
import { decodeId } from '../../graphql/ids';
import { validateName } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { writable, writableProject } from '../access';
import { assertRole, Principal } from '../auth/principal';
import { Role, roleAtLeast } from '../auth/role';
import type { ProjectsService } from '../projects/projects.service';
import { Tag } from './tag.entity';
import type { ResourceType } from './taggable';
import { COLOR_NAMES, CreateTagInput, TagInput, UpdateTagInput } from './tags.types';
import { EventKind } from '../events/event-kind';
import { emit } from '../events/events.outbox';
import { entityUpdated } from '../lifecycle/edits';
import { kindOfResourceType } from '../kinds';
import { encodeId } from '../../graphql/ids';

/** A taggable row: its kind, and the scope within which an exclusive tag has one holder. */
export interface TagTarget {
  type: ResourceType;
  id: string;
  projectId: string;
  scopeId: string;
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const COLOR_NAME_SET = new Set<string>(COLOR_NAMES);

const DESCRIBE: Record<ResourceType, string> = {
  PIPELINE: `SELECT id, 'pipeline "' || name || '"' AS label FROM pipeline WHERE id = ANY($1::uuid[])`,
  PIPELINE_RUN: `SELECT id, 'run "' || name || '"' AS label FROM pipeline_run WHERE id = ANY($1::uuid[])`,
  ARTIFACT: `SELECT id, 'artifact "' || name || '"' AS label FROM artifact WHERE id = ANY($1::uuid[])`,
  ARTIFACT_VERSION: `SELECT v.id, 'artifact "' || a.name || '" version "' || v.version || '"' AS label FROM artifact_version v
    JOIN artifact a ON a.project_id = v.project_id AND a.id = v.artifact_id WHERE v.id = ANY($1::uuid[])`,
  MODEL: `SELECT id, 'model "' || name || '"' AS label FROM model WHERE id = ANY($1::uuid[])`,
  MODEL_VERSION: `SELECT v.id, 'model "' || m.name || '" version ' || v.number AS label FROM model_version v
    JOIN model m ON m.project_id = v.project_id AND m.id = v.model_id WHERE v.id = ANY($1::uuid[])`,
};

/** How messages name taggable rows: `model "churn" version 3`, sorted. */
export async function describeResources(tx: EntityManager, type: ResourceType, ids: string[]): Promise<string[]> {
  const rows: { id: string; label: string }[] = await tx.query(DESCRIBE[type], [ids]);
  return rows.map((r) => r.label).sort();
}

function normaliseInputs(inputs: readonly TagInput[]): TagInput[] {
  const byName = new Map<string, TagInput>();
  for (const input of inputs) {
    validateName(input.name, 'tags.name');
    const seen = byName.get(input.name);
    byName.set(input.name, {
      name: input.name,
      exclusive: Boolean(seen?.exclusive || input.exclusive),
      cascade: Boolean(seen?.cascade || input.cascade),
    });
  }
  return [...byName.values()];
}

interface Assignment {
  tag_id: string;
  resource_type: ResourceType;
  resource_id: string;
  scope_id: string;
  cascade: boolean;
}

const tagEvent = (kind: EventKind, projectId: string, a: Pick<Assignment, 'resource_type' | 'resource_id'>, data: Record<string, unknown>) => ({
  kind, projectId, subject: kindOfResourceType(a.resource_type), subjectId: a.resource_id, data,
});

export class TagsService {
  constructor(private readonly db: DataSource, private readonly projects: ProjectsService) {}

  /** Puts tags on a row inside the caller's transaction, on behalf of `by` (protected tags need an ADMIN). */
  apply(tx: EntityManager, by: Principal, target: TagTarget, inputs: readonly TagInput[]): Promise<void> {
    return this.applyMany(tx, by, target.projectId, [{ target, tags: inputs }]);
  }

  /**
   * Puts tags on many rows of one project in a few statements, whatever their number. Tag rows
   * are locked in name order: concurrent moves of one exclusive tag queue there, so each one sees
   * the previous holder and removes it; the partial unique index on exclusive assignments backs
   * this up. Within one call, an exclusive tag given to several rows of one scope ends on the last.
   * A protected tag among them (added, moved from its holder, or cascaded) needs `by` to be an ADMIN:
   * checked under the tag locks, before anything is written. `inherited` tags come from a run's
   * cascade tags onto what its steps produce: whoever put the cascade tag on the run (an ADMIN, for
   * a protected one) decided that, so recording a step never needs more than EDITOR.
   */
  async applyMany(tx: EntityManager, by: Principal, projectId: string,
    items: readonly { target: TagTarget; tags: readonly TagInput[]; inherited?: readonly TagInput[] }[]): Promise<void> {
    const chosen = new Set(items.flatMap((i) => i.tags.map((t) => t.name)));
    const wanted = items.map(({ target, tags, inherited = [] }) => ({ target, tags: normaliseInputs([...tags, ...inherited]) })).filter((w) => w.tags.length);
    if (!wanted.length) return;
    if (wanted.some((w) => w.target.type !== 'PIPELINE_RUN' && w.tags.some((t) => t.cascade))) {
      throw new BadUserInputError('cascade applies only to tags given to a pipeline run', 'tags.cascade');
    }
    const exclusiveAtCreation = new Map<string, boolean>();
    for (const w of wanted) for (const t of w.tags) exclusiveAtCreation.set(t.name, Boolean(exclusiveAtCreation.get(t.name) || t.exclusive));
    const byName = new Map((await this.lockTags(tx, projectId, exclusiveAtCreation)).map((r) => [r.name, r]));
    const guarded = [...byName.values()].find((t) => t.is_protected && chosen.has(t.name));
    if (guarded) assertRole(by, Role.ADMIN, `adding protected tag "${guarded.name}"`);
    // One assignment per (row, tag); for an exclusive tag, one per (tag, kind, scope): the last wins.
    const assignments = new Map<string, { tagId: string; target: TagTarget; exclusive: boolean; cascade: boolean }>();
    for (const { target, tags } of wanted) {
      for (const t of tags) {
        const tag = byName.get(t.name)!;
        if (tag.exclusive) {
          for (const [key, a] of assignments) {
            if (a.tagId === tag.id && a.target.type === target.type && a.target.scopeId === target.scopeId && a.target.id !== target.id) assignments.delete(key);
          }
        }
        const key = `${target.id}/${tag.id}`;
        const cascade = Boolean(t.cascade || assignments.get(key)?.cascade);
        assignments.set(key, { tagId: tag.id, target, exclusive: tag.exclusive, cascade });
      }
    }
    const rows = [...assignments.values()];
    const exclusive = rows.filter((a) => a.exclusive);
    let moved: Assignment[] = [];
    if (exclusive.length) {
      // UPDATE and DELETE … RETURNING come back from TypeORM as [rows, count].
      [moved] = await tx.query(
        `DELETE FROM tag_assignment ta USING unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[]) AS x(tag_id, resource_type, scope_id, resource_id)
         WHERE ta.project_id = $1 AND ta.tag_id = x.tag_id AND ta.resource_type = x.resource_type AND ta.scope_id = x.scope_id
           AND ta.resource_id <> x.resource_id
         RETURNING ta.tag_id, ta.resource_type, ta.resource_id, ta.scope_id, false AS cascade`,
        [projectId, exclusive.map((a) => a.tagId), exclusive.map((a) => a.target.type), exclusive.map((a) => a.target.scopeId),
          exclusive.map((a) => a.target.id)]);
    }
    // xmax = 0 tells a row this statement inserted from one it only updated: only new ones are TAG_ADDED.
    const written: (Assignment & { inserted: boolean })[] = await tx.query(
      `INSERT INTO tag_assignment (project_id, tag_id, resource_type, resource_id, scope_id, is_exclusive, cascade)
       SELECT $1, tag_id, resource_type, resource_id, scope_id, excl, casc
       FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::boolean[], $7::boolean[]) AS x(tag_id, resource_type, resource_id, scope_id, excl, casc)
       ON CONFLICT (project_id, resource_id, tag_id) DO UPDATE SET cascade = tag_assignment.cascade OR excluded.cascade
       RETURNING tag_id, resource_type, resource_id, scope_id, cascade, (xmax = 0) AS inserted`,
      [projectId, rows.map((a) => a.tagId), rows.map((a) => a.target.type), rows.map((a) => a.target.id), rows.map((a) => a.target.scopeId),
        rows.map((a) => a.exclusive), rows.map((a) => a.cascade)]);
    const tagById = new Map([...byName.values()].map((t) => [t.id, t]));
    emit(tx, ...moved.map((m) => tagEvent(EventKind.TAG_REMOVED, projectId, m, { tag: tagById.get(m.tag_id)!.name })));
    emit(tx, ...written.filter((w) => w.inserted).map((w) => {
      const tag = tagById.get(w.tag_id)!;
      const from = tag.exclusive ? moved.find((m) => m.tag_id === w.tag_id && m.resource_type === w.resource_type && m.scope_id === w.scope_id) : undefined;
      return tagEvent(EventKind.TAG_ADDED, projectId, w, {
        tag: tag.name, exclusive: tag.exclusive, cascade: w.cascade,
        movedFrom: from ? encodeId(kindOfResourceType(from.resource_type), from.resource_id) : null,
      });
    }));
    const cascading = wanted.filter((w) => w.target.type === 'PIPELINE_RUN' && w.tags.some((t) => t.cascade));
    if (cascading.length) {
      // A cascade tag added to a run that already produced versions reaches those too. The caller
      // holds the run's row lock, so no step of the run commits outputs in between (recordStep
      // takes that lock too and reads the run's cascade tags under it).
      const cascadeOf = new Map(cascading.map((w) => [w.target.id, w.tags.filter((t) => t.cascade).map((t) => ({ name: t.name }))]));
      const outputs: { id: string; artifact_id: string; producer_run_id: string }[] = await tx.query(
        `SELECT id, artifact_id, producer_run_id FROM artifact_version WHERE project_id = $1 AND producer_run_id = ANY($2::uuid[])
         ORDER BY created_at, id`, [projectId, [...cascadeOf.keys()]]);
      await this.applyMany(tx, by, projectId, outputs.map((o) => ({
        target: { type: 'ARTIFACT_VERSION' as const, id: o.id, projectId, scopeId: o.artifact_id }, tags: cascadeOf.get(o.producer_run_id)!,
      })));
    }
  }

  /**
   * Creates missing tags and locks them all. A tag that a concurrent deleteTag removes between our
   * insert and our lock comes back empty from the locking read: insert it again rather than
   * report an assignment that is not there.
   */
  private async lockTags(tx: EntityManager, projectId: string, exclusiveAtCreation: Map<string, boolean>) {
    const names = [...exclusiveAtCreation.keys()].sort();
    for (let attempt = 1; ; attempt++) {
      await tx.query(
        `INSERT INTO tag (project_id, name, exclusive) SELECT $1, n, e FROM unnest($2::text[], $3::boolean[]) AS x(n, e)
         ON CONFLICT (project_id, name) DO NOTHING`,
        [projectId, names, names.map((n) => exclusiveAtCreation.get(n))]);
      const rows: { id: string; name: string; exclusive: boolean; is_protected: boolean }[] = await tx.query(
        'SELECT id, name, exclusive, is_protected FROM tag WHERE project_id = $1 AND name = ANY($2::text[]) ORDER BY name FOR NO KEY UPDATE',
        [projectId, names]);
      if (rows.length === names.length) return rows;
      if (attempt === 3) throw new ConflictError('tags were deleted while being assigned; nothing was written, please retry');
    }
  }

  /** The cascade tags of a run, to put on a version it has just produced. */
  async cascadeTagsOf(tx: EntityManager, projectId: string, runId: string): Promise<TagInput[]> {
    const rows: { name: string }[] = await tx.query(
      `SELECT tg.name FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
       WHERE ta.project_id = $1 AND ta.resource_id = $2 AND ta.cascade`, [projectId, runId]);
    return rows.map((r) => ({ name: r.name }));
  }

  async remove(tx: EntityManager, by: Principal, target: TagTarget, names: readonly string[]): Promise<void> {
    if (!names.length) return;
    if (!roleAtLeast(by.role, Role.ADMIN)) {
      const [guarded] = await tx.query('SELECT name FROM tag WHERE project_id = $1 AND name = ANY($2::text[]) AND is_protected ORDER BY name LIMIT 1',
        [target.projectId, names]);
      if (guarded) assertRole(by, Role.ADMIN, `removing protected tag "${guarded.name}"`);
    }
    const [removed]: [{ name: string }[]] = await tx.query(
      `DELETE FROM tag_assignment ta USING tag tg
       WHERE tg.project_id = ta.project_id AND tg.id = ta.tag_id AND ta.project_id = $1 AND ta.resource_id = $2
         AND tg.name = ANY($3::text[])
       RETURNING tg.name`,
      [target.projectId, target.id, names]);
    emit(tx, ...removed.map((r) => tagEvent(EventKind.TAG_REMOVED, target.projectId, { resource_type: target.type, resource_id: target.id }, { tag: r.name })));
  }

  async find(ctx: Context, projectName: string, name: string): Promise<Tag | null> {
    const project = await this.projects.find(ctx, projectName);
    if (!project) return null;
    const [row] = await this.db.query('SELECT * FROM tag WHERE project_id = $1 AND name = $2', [project.id, name]);
    return row ? hydrate(this.db, Tag, row) : null;
  }

  async create(ctx: Context, input: CreateTagInput): Promise<Tag> {
    const name = validateName(input.name, 'name');
    const color = this.validateColor(input.color);
    return transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project,
        input.protected ? { role: Role.ADMIN, action: `creating protected tag "${name}"` } : {});
      const [row] = await tx.query(
        `INSERT INTO tag (project_id, name, color, exclusive, is_protected) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, name) DO NOTHING RETURNING *`,
        [project.id, name, color, Boolean(input.exclusive), Boolean(input.protected)]);
      if (!row) throw new ConflictError(`tag "${name}" already exists in project "${project.name}"`);
      return hydrate(this.db, Tag, row);
    });
  }

  async update(ctx: Context, input: UpdateTagInput): Promise<Tag> {
    const { id } = decodeId('Tag', input.id);
    const name = input.name == null ? undefined : validateName(input.name, 'name');
    const color = input.color === undefined ? undefined : this.validateColor(input.color);
    return transaction(this.db, async (tx) => {
      const { entity: tag } = await writable(ctx, tx, 'Tag', id, { role: Role.EDITOR, action: 'updating a tag', lock: 'FOR UPDATE', ref: input.id });
      if (tag.isProtected) assertRole(ctx.principal, Role.ADMIN, `changing protected tag "${tag.name}"`);
      if (input.protected === true) assertRole(ctx.principal, Role.ADMIN, `protecting tag "${tag.name}"`);
      if (name !== undefined && name !== tag.name) {
        const [taken] = await tx.query('SELECT 1 FROM tag WHERE project_id = $1 AND name = $2', [tag.projectId, name]);
        if (taken) throw new ConflictError(`tag "${name}" already exists`);
      }
      if (input.exclusive === true && !tag.exclusive) {
        const crowded: { resource_type: ResourceType; ids: string[] }[] = await tx.query(
          `SELECT resource_type, array_agg(resource_id ORDER BY resource_id) AS ids FROM tag_assignment
           WHERE project_id = $1 AND tag_id = $2 GROUP BY resource_type, scope_id HAVING count(*) > 1`,
          [tag.projectId, id]);
        if (crowded.length) {
          const holders = await describeResources(tx, crowded[0].resource_type, crowded[0].ids);
          throw new ConflictError(`tag "${tag.name}" can't become exclusive: it is held by ${holders.join(', ')} in one scope`);
        }
      }
      if (input.exclusive != null) {
        await tx.query('UPDATE tag_assignment SET is_exclusive = $3 WHERE project_id = $1 AND tag_id = $2', [tag.projectId, id, input.exclusive]);
      }
      const [[row]] = await tx.query(
        `UPDATE tag SET name = COALESCE($3, name), color = CASE WHEN $4 THEN $5 ELSE color END,
           exclusive = COALESCE($6, exclusive), is_protected = COALESCE($7, is_protected) WHERE project_id = $1 AND id = $2 RETURNING *`,
        [tag.projectId, id, name ?? null, color !== undefined, color ?? null, input.exclusive ?? null, input.protected ?? null]);
      // Holders show the tag's name and color: subscribers learn of an edit like any other.
      const fields = [['name', tag.name, row.name], ['color', tag.color, row.color], ['exclusive', tag.exclusive, row.exclusive],
        ['protected', tag.isProtected, row.is_protected]].filter(([, before, after]) => before !== after).map(([field]) => field as string);
      if (fields.length) emit(tx, entityUpdated('Tag', tag.projectId, id, fields));
      return hydrate(this.db, Tag, row);
    });
  }

  async delete(ctx: Context, globalId: string, force: boolean): Promise<string> {
    const { id } = decodeId('Tag', globalId);
    return transaction(this.db, async (tx) => {
      const { entity: tag } = await writable(ctx, tx, 'Tag', id, { role: Role.ADMIN, action: 'deleting a tag', lock: 'FOR UPDATE', ref: globalId });
      const [{ n }] = await tx.query('SELECT count(*)::int AS n FROM tag_assignment WHERE project_id = $1 AND tag_id = $2', [tag.projectId, id]);
      if (n > 0 && !force) throw new ConflictError(`tag "${tag.name}" is in use by ${n} ${n === 1 ? 'entity' : 'entities'}; pass force: true to delete it anyway`);
      const [held]: [Assignment[]] = await tx.query('DELETE FROM tag_assignment WHERE project_id = $1 AND tag_id = $2 RETURNING resource_type, resource_id',
        [tag.projectId, id]);
      emit(tx, ...held.map((h) => tagEvent(EventKind.TAG_REMOVED, tag.projectId, h, { tag: tag.name })));
      await tx.query('DELETE FROM tag WHERE project_id = $1 AND id = $2', [tag.projectId, id]);
      return globalId;
    });
  }


  private validateColor(color: string | null | undefined): string | null {
    if (color == null) return null;
    const lower = color.toLowerCase();
    if (HEX_COLOR.test(color) || COLOR_NAME_SET.has(lower)) return lower;
    throw new BadUserInputError(`color "${color.slice(0, 20)}" is neither #rrggbb nor one of ${COLOR_NAMES.join(', ')}`, 'color');
  }
}
