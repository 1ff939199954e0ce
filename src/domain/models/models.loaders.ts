import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { BoundedListLoader, newestLoader } from '../../db/loaders';
import { LIST_BOUNDS } from '../../graphql/list-bounds';
import { childConnectionLoader, ListSource } from '../../db/lists';
import { predicateSql } from '../../db/sql';
import { ListFilter } from '../../graphql/pagination';
import { Pipeline } from '../pipelines/pipeline.entity';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { Model } from './model.entity';
import { ModelArtifactLink, ModelVersion, StageChange } from './model-version.entity';
import { ModelVersionFilter } from './models.types';

export const MODELS: ListSource<ListFilter> = { entity: Model, table: 'model', kind: 'Model', resourceType: 'MODEL' };

export const MODEL_VERSIONS: ListSource<ModelVersionFilter> = {
  entity: ModelVersion,
  table: 'model_version',
  kind: 'ModelVersion',
  resourceType: 'MODEL_VERSION',
  extra: (sql, f) => [
    ...(f.model ? [`EXISTS (SELECT 1 FROM model m WHERE m.project_id = t.project_id AND m.id = t.model_id AND ${predicateSql(sql, 'm.name', f.model)})`] : []),
    ...(f.stage ? [`t.stage = ${sql.p(f.stage)}`] : []),
  ],
};

/**
 * The version of a model that held `stage` at the moment `at` (SQL expressions), from the stage
 * history: a version holds the stage its last change at or before `at` went to (NONE before any
 * change, from its creation on), unless it was deleted by then and is still deleted. A change
 * at `t` counts from `t` on. When several held it (NONE, ARCHIVED), the highest number, as
 * versionInStage. Shared with the operation compiler.
 */
export function stageHolderAtSql(projectId: string, modelId: string, stage: string, at: string): string {
  return `SELECT v.* FROM model_version v
    WHERE v.project_id = ${projectId} AND v.model_id = ${modelId} AND v.created_at <= ${at} AND (v.deleted_at IS NULL OR v.deleted_at > ${at})
      AND COALESCE((SELECT s.to_stage FROM stage_change s WHERE s.model_version_id = v.id AND s.at <= ${at} ORDER BY s.sequence DESC LIMIT 1), 'NONE') = ${stage}
    ORDER BY v.number DESC LIMIT 1`;
}

export function modelLoaders(db: DataSource) {
  return {
    modelsByProjectId: childConnectionLoader<Model, ListFilter>(db, MODELS, 'project_id'),
    modelVersionsByProjectId: childConnectionLoader<ModelVersion, ModelVersionFilter>(db, MODEL_VERSIONS, 'project_id'),
    versionsByModelId: childConnectionLoader<ModelVersion, ModelVersionFilter>(db, MODEL_VERSIONS, 'model_id'),
    latestVersionByModelId: newestLoader(db, ModelVersion, 'model_version', 'model_id'),
    /** Key: "<modelId>|<stage>"; for stages many versions hold (NONE, ARCHIVED) the newest one. */
    versionInStage: new DataLoader<string, ModelVersion | null>(async (keys) => {
      const pairs = keys.map((k) => k.split('|'));
      const rows: Record<string, unknown>[] = await db.query(
        `SELECT DISTINCT ON (v.model_id, v.stage) v.* FROM model_version v
         JOIN unnest($1::uuid[], $2::text[]) AS k(model_id, stage) ON k.model_id = v.model_id AND k.stage = v.stage
         WHERE v.deleted_at IS NULL
         ORDER BY v.model_id, v.stage, v.number DESC`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
      const byKey = new Map(rows.map((r) => [`${r.model_id}|${r.stage}`, hydrate(db, ModelVersion, r)]));
      return keys.map((k) => byKey.get(k) ?? null);
    }),
    /** Key: "<projectId>|<modelId>|<stage>|<moment as timestamptz text>". */
    versionInStageAt: new DataLoader<string, ModelVersion | null>(async (keys) => {
      const parts = keys.map((k) => k.split('|'));
      const rows: Record<string, unknown>[] = await db.query(
        `SELECT k.i, h.* FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS k(project_id, model_id, stage, at, i)
         CROSS JOIN LATERAL (${stageHolderAtSql('k.project_id', 'k.model_id', 'k.stage', 'k.at')}) h`,
        [0, 1, 2, 3].map((n) => parts.map((p) => p[n])));
      const byIndex = new Map(rows.map((r) => [Number(r.i), hydrate(db, ModelVersion, r)]));
      return keys.map((_, i) => byIndex.get(i + 1) ?? null);
    }),
    /** The argument: a ModelArtifactKind, or null for every kind. */
    linksByModelVersionId: new BoundedListLoader(db,
      'SELECT * FROM model_artifact_link WHERE model_version_id = k.id AND (k.arg IS NULL OR kind = k.arg) ORDER BY name LIMIT k.lim',
      (r) => hydrate(db, ModelArtifactLink, r), LIST_BOUNDS['ModelVersion.artifacts'].default),
    /** The argument: the link's name. */
    linkByModelVersionIdAndName: new BoundedListLoader(db,
      'SELECT * FROM model_artifact_link WHERE model_version_id = k.id AND name = k.arg LIMIT k.lim',
      (r) => hydrate(db, ModelArtifactLink, r), 1),
    modelVersionsByArtifactVersionId: new BoundedListLoader(db,
      `SELECT DISTINCT ON (v.id) v.* FROM model_artifact_link l JOIN model_version v ON v.project_id = l.project_id AND v.id = l.model_version_id
       WHERE l.artifact_version_id = k.id ORDER BY v.id LIMIT k.lim`,
      (r) => hydrate(db, ModelVersion, r), LIST_BOUNDS['ArtifactVersion.modelVersions'].default),
    stageHistoryByModelVersionId: new BoundedListLoader(db,
      `SELECT id, project_id, model_version_id, from_stage, to_stage, reason, actor, sequence,
         to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
       FROM stage_change WHERE model_version_id = k.id ORDER BY sequence LIMIT k.lim`,
      (r) => hydrate(db, StageChange, r), LIST_BOUNDS['ModelVersion.stageHistory'].default),
    runsByModelVersionId: new BoundedListLoader(db,
      'SELECT * FROM pipeline_run WHERE model_version_id = k.id AND deleted_at IS NULL ORDER BY created_at, id LIMIT k.lim',
      (r) => hydrate(db, PipelineRun, r), LIST_BOUNDS['ModelVersion.runs'].default),
    pipelinesByModelId: new BoundedListLoader(db,
      `SELECT DISTINCT ON (p.name, p.id) p.* FROM model_version v
       JOIN pipeline_run r ON r.project_id = v.project_id AND r.model_version_id = v.id
       JOIN pipeline p ON p.project_id = r.project_id AND p.id = r.pipeline_id
       WHERE v.model_id = k.id AND v.deleted_at IS NULL AND r.deleted_at IS NULL AND p.deleted_at IS NULL
       ORDER BY p.name, p.id LIMIT k.lim`,
      (r) => hydrate(db, Pipeline, r), LIST_BOUNDS['Model.pipelines'].default),
  };
}
