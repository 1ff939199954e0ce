// Purge: permanent removal of the trash (entities soft-deleted before a moment) and, with a
// retention rule, of the artifact versions the rule no longer keeps. One function plans the list;
// a dry run returns it, the real run deletes exactly the list it planned under row locks.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError } from '../../graphql/errors';
import { encodeId } from '../../graphql/ids';
import { predicateSql, Sql } from '../../db/sql';
import { transaction } from '../../db/transaction';
import { writableProject } from '../access';
import { Role } from '../auth/role';
import { EventKind } from '../events/event-kind';
import { containersOf, emit } from '../events/events.outbox';
import { KINDS } from '../kinds';
import { PurgeInput, PurgePayload, RetentionRule } from './lifecycle.types';

/** What a purge removes, parents before children: the order of `removed` and of the row locks. */
const PURGED_KINDS = ['Pipeline', 'PipelineRun', 'StepRun', 'Artifact', 'ArtifactVersion', 'Model', 'ModelVersion'] as const;
type PurgedKind = (typeof PURGED_KINDS)[number];

interface Planned {
  kind: PurgedKind;
  id: string;
  /** trash: deleted before deletedBefore, or owned by such a row; retention: a live version the rule no longer keeps. */
  why: 'trash' | 'retention';
}

/** Rounds of lock-then-plan before a purge gives up on a project whose trash keeps changing. */
const MAX_LOCK_ROUNDS = 5;

export class PurgeService {
  constructor(private readonly db: DataSource) {}

  async purge(ctx: Context, input: PurgeInput): Promise<PurgePayload> {
    const rule = input.retention ?? null;
    if (rule && (!Number.isInteger(rule.keepLatest) || rule.keepLatest < 0)) {
      throw new BadUserInputError(`keepLatest must be 0 or more, got ${rule.keepLatest}`, 'retention.keepLatest');
    }
    const dryRun = input.dryRun !== false;
    const deletedBefore = input.deletedBefore ?? null;
    const planned = await transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project, { role: Role.ADMIN, action: 'purging' });
      if (dryRun) return this.plan(tx, project.id, deletedBefore, rule);
      // Purges of one project queue here: two of them never lock each other's lists in turn.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('purge:' || $1, 0))`, [project.id]);
      const list = await this.planLocked(tx, project.id, deletedBefore, rule);
      await this.remove(tx, project.id, list);
      return list;
    });
    if (!dryRun) for (const p of planned) ctx.loaders.byId[p.kind].clear(p.id);
    const removed = planned.map((p) => encodeId(p.kind, p.id));
    return { dryRun, removed, count: removed.length };
  }

  /**
   * The list, computed under locks that keep it true until commit. Each round locks what the last
   * plan named and plans again on a fresh snapshot; once a plan names only locked rows it stands:
   * a locked row cannot be restored, linked to a model version, consumed by a step or tagged
   * (those take a lock on it or a key-share lock through their foreign key), the tags of retention
   * candidates are share-locked so they cannot turn exclusive or protected, and what the plan
   * saw committed before the locks were held. A row that was planned once and dropped later
   * (restored, linked meanwhile) stays locked but is not removed.
   */
  private async planLocked(tx: EntityManager, projectId: string, deletedBefore: Date | null, rule: RetentionRule | null): Promise<Planned[]> {
    const locked = new Set<string>();
    for (let round = 1; ; round++) {
      const list = await this.plan(tx, projectId, deletedBefore, rule);
      const fresh = list.filter((p) => !locked.has(p.id));
      if (!fresh.length) return list;
      if (round === MAX_LOCK_ROUNDS) throw new ConflictError('the trash of this project kept changing while purging; nothing was removed, please retry');
      // Parents before children and created_at order within a kind, as delete and restore lock them.
      for (const kind of PURGED_KINDS) {
        const ids = fresh.filter((p) => p.kind === kind).map((p) => p.id);
        if (!ids.length || kind === 'StepRun') continue;
        await tx.query(`SELECT 1 FROM ${KINDS[kind].table} WHERE project_id = $1 AND id = ANY($2::uuid[]) ORDER BY created_at, id FOR UPDATE`,
          [projectId, ids]);
      }
      const candidates = fresh.filter((p) => p.why === 'retention').map((p) => p.id);
      if (candidates.length) {
        await tx.query(
          `SELECT 1 FROM tag WHERE project_id = $1 AND id IN (SELECT tag_id FROM tag_assignment WHERE project_id = $1 AND resource_id = ANY($2::uuid[]))
           ORDER BY id FOR SHARE`, [projectId, candidates]);
      }
      for (const p of fresh) locked.add(p.id);
    }
  }

  /**
   * One statement, so one snapshot. Trash: rows deleted before `deletedBefore` (now by default),
   * with what they own even if that was deleted later or not at all (a run's steps). Retention:
   * live versions of live covered artifacts past the newest `keepLatest` (by created_at), created
   * before `olderThan`, unless linked to a model version that stays, holding an exclusive or
   * protected tag, or consumed by a step of a run that stays.
   */
  private async plan(tx: EntityManager, projectId: string, deletedBefore: Date | null, rule: RetentionRule | null): Promise<Planned[]> {
    const sql = new Sql();
    const project = sql.p(projectId);
    const before = `COALESCE(${sql.p(deletedBefore)}::timestamptz, now())`;
    const retention = rule ? `,
      retained AS (
        SELECT v.id, v.created_at FROM (
          SELECT v.id, v.created_at, row_number() OVER (PARTITION BY v.artifact_id ORDER BY v.created_at DESC, v.id DESC) AS rank
          FROM artifact_version v JOIN artifact a ON a.project_id = v.project_id AND a.id = v.artifact_id
          WHERE v.project_id = ${project} AND v.deleted_at IS NULL AND a.deleted_at IS NULL AND ${predicateSql(sql, 'a.name', rule.artifact)}) v
        WHERE v.rank > ${sql.p(rule.keepLatest)} AND v.created_at < COALESCE(${sql.p(rule.olderThan ?? null)}::timestamptz, 'infinity')
          AND NOT EXISTS (SELECT 1 FROM model_artifact_link l WHERE l.project_id = ${project} AND l.artifact_version_id = v.id
            AND l.model_version_id NOT IN (SELECT id FROM mv))
          AND NOT EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
            WHERE ta.project_id = ${project} AND ta.resource_id = v.id AND (tg.exclusive OR ta.is_exclusive OR tg.is_protected))
          AND NOT EXISTS (SELECT 1 FROM step_input si JOIN step_run st ON st.project_id = si.project_id AND st.id = si.step_run_id
            WHERE si.project_id = ${project} AND si.artifact_version_id = v.id AND st.run_id NOT IN (SELECT id FROM r)))` : '';
    const rows: Planned[] = await tx.query(`
      WITH p AS (SELECT id, created_at FROM pipeline WHERE project_id = ${project} AND deleted_at < ${before}),
      r AS (SELECT id, created_at FROM pipeline_run WHERE project_id = ${project} AND (deleted_at < ${before} OR pipeline_id IN (SELECT id FROM p))),
      s AS (SELECT id, created_at FROM step_run WHERE project_id = ${project} AND run_id IN (SELECT id FROM r)),
      a AS (SELECT id, created_at FROM artifact WHERE project_id = ${project} AND deleted_at < ${before}),
      av AS (SELECT id, created_at FROM artifact_version WHERE project_id = ${project} AND (deleted_at < ${before} OR artifact_id IN (SELECT id FROM a))),
      m AS (SELECT id, created_at FROM model WHERE project_id = ${project} AND deleted_at < ${before}),
      mv AS (SELECT id, created_at FROM model_version WHERE project_id = ${project} AND (deleted_at < ${before} OR model_id IN (SELECT id FROM m)))
      ${retention}
      SELECT kind, id, why FROM (
        SELECT 'Pipeline' AS kind, 0 AS ord, id, created_at, 'trash' AS why FROM p
        UNION ALL SELECT 'PipelineRun', 1, id, created_at, 'trash' FROM r
        UNION ALL SELECT 'StepRun', 2, id, created_at, 'trash' FROM s
        UNION ALL SELECT 'Artifact', 3, id, created_at, 'trash' FROM a
        UNION ALL SELECT 'ArtifactVersion', 4, id, created_at, 'trash' FROM av
        ${rule ? `UNION ALL SELECT 'ArtifactVersion', 4, id, created_at, 'retention' FROM retained` : ''}
        UNION ALL SELECT 'Model', 5, id, created_at, 'trash' FROM m
        UNION ALL SELECT 'ModelVersion', 6, id, created_at, 'trash' FROM mv) x
      ORDER BY ord, created_at, id`, sql.params);
    return rows;
  }

  /**
   * Deletes the list and every edge to it, children first: what references a purged row goes
   * (tag assignments, step inputs, model links, stage history, idempotency keys, OpenLineage
   * mappings), and rows that stay lose their reference to it (the producer of a version whose run
   * is purged, the model version of a run). test/lifecycle-purge.test.ts checks that this covers
   * every foreign key into the purged tables.
   */
  private async remove(tx: EntityManager, projectId: string, list: Planned[]): Promise<void> {
    if (!list.length) return;
    const ids = (kind: PurgedKind) => list.filter((p) => p.kind === kind).map((p) => p.id);
    const all = list.map((p) => p.id);
    const [runs, steps, versions, modelVersions] = [ids('PipelineRun'), ids('StepRun'), ids('ArtifactVersion'), ids('ModelVersion')];
    const containers = await containersOf(tx, list.map((p) => ({ projectId, subject: p.kind, subjectId: p.id })));
    const [pipelines, artifacts, models] = [ids('Pipeline'), ids('Artifact'), ids('Model')];
    const has = (...lists: string[][]) => lists.some((l) => l.length > 0);
    // [statement, parameters, whether this purge has rows it concerns]
    const statements: [string, unknown[], boolean][] = [
      ['DELETE FROM tag_assignment WHERE project_id = $1 AND resource_id = ANY($2::uuid[])', [projectId, all], true],
      ['DELETE FROM idempotency_key WHERE result_id = ANY($1::uuid[])', [all], true],
      ['DELETE FROM step_input WHERE project_id = $1 AND (step_run_id = ANY($2::uuid[]) OR artifact_version_id = ANY($3::uuid[]))',
        [projectId, steps, versions], has(steps, versions)],
      ['DELETE FROM model_artifact_link WHERE project_id = $1 AND (model_version_id = ANY($2::uuid[]) OR artifact_version_id = ANY($3::uuid[]))',
        [projectId, modelVersions, versions], has(modelVersions, versions)],
      ['DELETE FROM stage_change WHERE project_id = $1 AND model_version_id = ANY($2::uuid[])', [projectId, modelVersions], has(modelVersions)],
      ['DELETE FROM openlineage_run WHERE project_id = $1 AND (pipeline_run_id = ANY($2::uuid[]) OR step_run_id = ANY($3::uuid[]))',
        [projectId, runs, steps], has(runs, steps)],
      ['DELETE FROM openlineage_dataset WHERE project_id = $1 AND artifact_id = ANY($2::uuid[])', [projectId, artifacts], has(artifacts)],
      [`UPDATE artifact_version SET producer_step_id = NULL, producer_run_id = NULL, output_name = NULL
        WHERE project_id = $1 AND producer_run_id = ANY($2::uuid[]) AND id <> ALL($3::uuid[])`, [projectId, runs, versions], has(runs)],
      ['UPDATE pipeline_run SET model_version_id = NULL WHERE project_id = $1 AND model_version_id = ANY($2::uuid[]) AND id <> ALL($3::uuid[])',
        [projectId, modelVersions, runs], has(modelVersions)],
      ['DELETE FROM artifact_version WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, versions], has(versions)],
      ['DELETE FROM step_run WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, steps], has(steps)],
      ['DELETE FROM pipeline_run WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, runs], has(runs)],
      ['DELETE FROM pipeline WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, pipelines], has(pipelines)],
      ['DELETE FROM model_version WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, modelVersions], has(modelVersions)],
      ['DELETE FROM model WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, models], has(models)],
      ['DELETE FROM artifact WHERE project_id = $1 AND id = ANY($2::uuid[])', [projectId, artifacts], has(artifacts)],
    ];
    for (const [text, params, concerned] of statements) if (concerned) await tx.query(text, params);
    emit(tx, ...list.map((p) => ({
      kind: EventKind.ENTITY_DELETED, projectId, subject: p.kind, subjectId: p.id, containers: containers.get(p.id),
      data: { purged: true, rule: p.why },
    })));
  }
}
