// Soft delete and restore. A delete records who, why and when in one `deletion` row and marks
// the entity and the live rows it owns with it; restore clears exactly the rows marked by
// that deletion. Both run in one transaction.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { ConflictError } from '../../graphql/errors';
import { decodeId, encodeId } from '../../graphql/ids';
import { ENTITY_OF } from '../../graphql/loaders';
import { Node } from '../../graphql/node';
import { validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { Role } from '../auth/role';
import { DELETABLE_KINDS, KindName, KINDS, ownedKinds, ResourceType } from '../kinds';
import { describeResources } from '../tags/tags.service';
import { DeleteInput, DeletePayload } from './lifecycle.types';
import { lockChecked, ProjectKind, writable } from '../access';
import { EventKind } from '../events/event-kind';
import { emit } from '../events/events.outbox';


/** The name each deletable kind keeps unique among live rows, and within what. */
const UNIQUE_NAME: Record<string, { column: string; scope: string }> = {
  Pipeline: { column: 'name', scope: 'project_id' },
  PipelineRun: { column: 'name', scope: 'project_id' },
  Artifact: { column: 'name', scope: 'project_id' },
  ArtifactVersion: { column: 'version', scope: 'artifact_id' },
  Model: { column: 'name', scope: 'project_id' },
  ModelVersion: { column: 'name', scope: 'model_id' },
};

const LABEL: Record<string, string> = {
  Pipeline: 'pipeline', PipelineRun: 'run', Artifact: 'artifact', ArtifactVersion: 'artifact version', Model: 'model', ModelVersion: 'model version',
};


interface Marked { kind: KindName; ids: string[] }

export class LifecycleService {
  constructor(private readonly db: DataSource) {}

  async delete(ctx: Context, input: DeleteInput): Promise<DeletePayload> {
    const { type, id } = decodeId(DELETABLE_KINDS, input.id, 'id');
    const reason = validateText(input.reason, 'reason', 1000);
    const marked = await transaction(this.db, async (tx) => {
      const row = await this.lock(ctx, tx, type, id, input.id, 'deleting');
      if (row.deleted_at) throw new ConflictError(`${LABEL[type]} "${input.id}" is already deleted`);
      const projectId = row.project_id as string;
      const marked: Marked[] = [{ kind: type, ids: [id] }];
      for (const child of ownedKinds(type)) {
        const rows: { id: string }[] = await tx.query(
          `SELECT id FROM ${KINDS[child].table} WHERE project_id = $1 AND ${KINDS[child].parent!.column} = $2 AND deleted_at IS NULL
           ORDER BY created_at, id FOR UPDATE`, [projectId, id]);
        if (rows.length) marked.push({ kind: child, ids: rows.map((r) => r.id) });
      }
      if (!input.force) await this.assertNothingHeld(tx, projectId, marked);
      const [deletion] = await tx.query(
        `INSERT INTO deletion (project_id, root_type, root_id, actor, reason, forced) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, at`,
        [projectId, type, id, ctx.principal.name, reason, Boolean(input.force)]);
      for (const m of marked) {
        await tx.query(`UPDATE ${KINDS[m.kind].table} SET deleted_at = $3, deletion_id = $4 WHERE project_id = $1 AND id = ANY($2::uuid[])`,
          [projectId, m.ids, deletion.at, deletion.id]);
      }
      await tx.query('UPDATE tag_assignment SET resource_deleted = true WHERE project_id = $1 AND resource_id = ANY($2::uuid[])',
        [projectId, marked.flatMap((m) => m.ids)]);
      emit(tx, ...marked.flatMap((m) => m.ids.map((markedId) => ({
        kind: EventKind.ENTITY_DELETED, projectId, subject: m.kind, subjectId: markedId,
        data: { reason, forced: Boolean(input.force), with: markedId === id ? null : input.id },
      }))));
      return marked;
    });
    for (const m of marked) for (const markedId of m.ids) ctx.loaders.byId[m.kind].clear(markedId);
    return { deleted: marked.flatMap((m) => m.ids.map((markedId) => encodeId(m.kind, markedId))) };
  }

  async restore(ctx: Context, globalId: string): Promise<Node> {
    const { type, id } = decodeId(DELETABLE_KINDS, globalId, 'id');
    const { restored, members } = await transaction(this.db, async (tx) => {
      const row = await this.lock(ctx, tx, type, id, globalId, 'restoring');
      if (!row.deleted_at) throw new ConflictError(`${LABEL[type]} "${globalId}" is not deleted`);
      const projectId = row.project_id as string;
      const parent = KINDS[type].parent;
      if (parent && KINDS[parent.kind as KindName].deletable) {
        const [p] = await tx.query(`SELECT name, deleted_at FROM ${KINDS[parent.kind as KindName].table} WHERE project_id = $1 AND id = $2`,
          [projectId, row[parent.column]]);
        if (p?.deleted_at) throw new ConflictError(`its ${LABEL[parent.kind]} "${p.name}" is deleted; restore that first`);
      }
      const deletionId = row.deletion_id as string;
      const members: Marked[] = [];
      for (const kind of [type, ...ownedKinds(type)]) {
        const rows: { id: string }[] = await tx.query(
          `SELECT id FROM ${KINDS[kind].table} WHERE project_id = $1 AND deletion_id = $2 ORDER BY created_at, id FOR UPDATE`, [projectId, deletionId]);
        if (rows.length) members.push({ kind, ids: rows.map((r) => r.id) });
      }
      for (const m of members) await this.assertNamesFree(tx, projectId, m.kind, deletionId);
      for (const m of members) {
        await tx.query(`UPDATE ${KINDS[m.kind].table} SET deleted_at = NULL, deletion_id = NULL WHERE project_id = $1 AND deletion_id = $2`,
          [projectId, deletionId]);
      }
      await tx.query('UPDATE tag_assignment SET resource_deleted = false WHERE project_id = $1 AND resource_id = ANY($2::uuid[])',
        [projectId, members.flatMap((m) => m.ids)]);
      emit(tx, ...members.flatMap((m) => m.ids.map((memberId) => ({
        kind: EventKind.ENTITY_RESTORED, projectId, subject: m.kind, subjectId: memberId, data: { with: memberId === id ? null : globalId },
      }))));
      await tx.query('UPDATE deletion SET restored_at = clock_timestamp(), restored_by = $3 WHERE project_id = $1 AND id = $2',
        [projectId, deletionId, ctx.principal.name]);
      const [fresh] = await tx.query(`SELECT * FROM ${KINDS[type].table} WHERE project_id = $1 AND id = $2`, [projectId, id]);
      return { restored: hydrate(this.db, ENTITY_OF[type], fresh) as Node, members };
    });
    for (const m of members) for (const memberId of m.ids) ctx.loaders.byId[m.kind].clear(memberId);
    return restored;
  }

  /**
   * The row, locked, after the access checks. A model version's model is locked first, as
   * promotions do: a delete and a promotion of one version queue there and never interleave.
   */
  private async lock(ctx: Context, tx: EntityManager, type: KindName, id: string, ref: string, action: string): Promise<Record<string, any>> {
    const kind = type as ProjectKind;
    const access = { role: Role.EDITOR, action, ref, allowDeleted: true };
    if (type !== 'ModelVersion') return (await writable(ctx, tx, kind, id, { ...access, lock: 'FOR UPDATE' })).row;
    const { row } = await writable(ctx, tx, kind, id, access);
    await lockChecked(tx, 'Model', row.project_id, row.model_id, 'FOR UPDATE');
    const [locked] = await tx.query('SELECT * FROM model_version WHERE project_id = $1 AND id = $2 FOR UPDATE', [row.project_id, id]);
    return locked;
  }

  /**
   * Without force, a delete may not take away a STAGING/PRODUCTION version, nor anything holding a
   * protected tag: CONFLICT naming the first holder (the entity itself before what it owns).
   */
  private async assertNothingHeld(tx: EntityManager, projectId: string, marked: Marked[]): Promise<void> {
    const versions = marked.find((m) => m.kind === 'ModelVersion');
    if (versions) {
      const [holder] = await tx.query(
        `SELECT m.name AS model, v.number, v.stage FROM model_version v JOIN model m ON m.project_id = v.project_id AND m.id = v.model_id
         WHERE v.project_id = $1 AND v.id = ANY($2::uuid[]) AND v.stage IN ('STAGING', 'PRODUCTION') ORDER BY v.number LIMIT 1`,
        [projectId, versions.ids]);
      if (holder) {
        throw new ConflictError(`model "${holder.model}" version ${holder.number} holds ${holder.stage}; pass force: true to delete it anyway`);
      }
    }
    const [guarded]: { resource_type: ResourceType; resource_id: string; name: string }[] = await tx.query(
      `SELECT ta.resource_type, ta.resource_id, tg.name FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
       WHERE ta.project_id = $1 AND ta.resource_id = ANY($2::uuid[]) AND tg.is_protected
       ORDER BY array_position($2::uuid[], ta.resource_id), tg.name LIMIT 1`, [projectId, marked.flatMap((m) => m.ids)]);
    if (guarded) {
      const [holder] = await describeResources(tx, guarded.resource_type, [guarded.resource_id]);
      throw new ConflictError(`${holder} holds protected tag "${guarded.name}"; pass force: true to delete it anyway`);
    }
  }

  /** Restoring must not bring back a second live holder of a name (or of a stage). */
  private async assertNamesFree(tx: EntityManager, projectId: string, kind: KindName, deletionId: string): Promise<void> {
    const { table } = KINDS[kind];
    const { column, scope } = UNIQUE_NAME[kind];
    const [taken] = await tx.query(
      `SELECT r.${column} AS name FROM ${table} r JOIN ${table} l ON l.project_id = r.project_id AND l.${scope} = r.${scope}
         AND l.${column} = r.${column} AND l.deleted_at IS NULL
       WHERE r.project_id = $1 AND r.deletion_id = $2 ORDER BY 1 LIMIT 1`, [projectId, deletionId]);
    if (taken) throw new ConflictError(`${LABEL[kind]} name "${taken.name}" is taken again by a live ${LABEL[kind]}; rename that one first`);
    if (kind === 'ModelVersion') {
      const [stage] = await tx.query(
        `SELECT r.stage, l.number FROM model_version r JOIN model_version l ON l.project_id = r.project_id AND l.model_id = r.model_id
           AND l.stage = r.stage AND l.deleted_at IS NULL
         WHERE r.project_id = $1 AND r.deletion_id = $2 AND r.stage IN ('STAGING', 'PRODUCTION') LIMIT 1`, [projectId, deletionId]);
      if (stage) throw new ConflictError(`version ${stage.number} of this model holds ${stage.stage} now; archive it before restoring`);
    }
  }
}

