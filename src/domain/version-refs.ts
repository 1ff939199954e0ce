// How a version string names a version, as SQL shared by the services and the operation compiler:
// modelVersion(version:) takes a number, a name, "latest" or a stage (any case); artifactVersion
// takes a version string or "latest". Failing those, the name of an exclusive tag held by a live
// version of that model or artifact ("champion") answers: an alias never shadows a version the
// other rules find.
import { Sql } from '../db/sql';
import { ModelStage } from './models/model-enums';

const DIGITS = /^\d+$/;
export const STAGE_REFS = new Map(Object.values(ModelStage).map((s) => [s.toLowerCase(), s]));

/**
 * At most one row (every column of the version, plus `ref_rank`): the version `conds` find first
 * in `order`, else the holder of the exclusive tag named `ref`. `parent` is a SQL row expression
 * (project_id, id) of the model or artifact; versions of a kind are scoped by `scope` for
 * exclusive tags, as tag_assignment.scope_id records.
 */
function orAlias(sql: Sql, table: string, resourceType: string, scope: string, parent: string, conds: string[], order: string, ref: string): string {
  return `SELECT * FROM (
      (SELECT v.*, 1 AS ref_rank FROM ${table} v WHERE (v.project_id, v.${scope}) = ${parent} AND v.deleted_at IS NULL${conds.map((c) => ` AND ${c}`).join('')}
       ORDER BY ${order} LIMIT 1)
      UNION ALL
      (SELECT v.*, 2 FROM ${table} v
         JOIN tag_assignment ta ON ta.project_id = v.project_id AND ta.resource_id = v.id
         JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
       WHERE (v.project_id, v.${scope}) = ${parent} AND v.deleted_at IS NULL
         AND ta.resource_type = '${resourceType}' AND ta.is_exclusive AND tg.name = ${sql.p(ref)} LIMIT 1)
    ) ref_rows ORDER BY ref_rank LIMIT 1`;
}

/** The version of model `model` (a row expression of its project_id and id) that `ref` names. */
export function modelVersionRefSql(sql: Sql, model: string, ref: string): string {
  const lower = ref.toLowerCase();
  const stage = STAGE_REFS.get(lower);
  const conds: string[] = [];
  if (lower === 'latest') {
    // the newest by number
  } else if (stage) conds.push(`v.stage = ${sql.p(stage)}`);
  else if (DIGITS.test(ref) && ref.length < 10) conds.push(`v.number = ${sql.p(Number(ref))}::int`);
  else conds.push(`v.name = ${sql.p(ref)}`);
  return orAlias(sql, 'model_version', 'MODEL_VERSION', 'model_id', model, conds, 'v.number DESC', ref);
}

/** The version of artifact `artifact` (a row expression of its project_id and id) that `ref` names. */
export function artifactVersionRefSql(sql: Sql, artifact: string, ref: string): string {
  const conds = ref === 'latest' ? [] : [`v.version = ${sql.p(ref)}`];
  return orAlias(sql, 'artifact_version', 'ARTIFACT_VERSION', 'artifact_id', artifact, conds, 'v.created_at DESC, v.id DESC', ref);
}
