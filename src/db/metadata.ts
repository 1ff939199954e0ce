// Metadata conditions and the METADATA order, as SQL over a jsonb column.
// Numbers: gt/gte/lt/lte match JSON numbers only; a numeric string ("0.93") is a string and
// does not match (eq/ne compare JSON values, so 0.9 = 0.90 but 0.9 ≠ "0.9"). Sorting uses
// jsonb's own order, in which numbers compare as numbers; missing keys and JSON null sort last.
import { BadUserInputError } from '../graphql/errors';
import type { Predicate } from '../graphql/scalars/string-predicate';
import { predicateSql, Sql } from './sql';

export interface MetadataConditionInput {
  key: string;
  eq?: unknown;
  ne?: unknown;
  gt?: number | null;
  gte?: number | null;
  lt?: number | null;
  lte?: number | null;
  exists?: boolean | null;
  matches?: Predicate | null;
}

const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'exists', 'matches'] as const;
const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
export const MAX_METADATA_PATH = 16;

/** "metrics.accuracy" → ["metrics", "accuracy"]; keys that hold a dot themselves cannot be addressed. */
export function metadataPath(key: unknown, field: string): string[] {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new BadUserInputError(`${field} must be a key or dotted path of 1 to 255 characters`, field);
  }
  const parts = key.split('.');
  if (parts.some((p) => p.length === 0) || parts.length > MAX_METADATA_PATH || key.includes('\0')) {
    throw new BadUserInputError(`${field} "${key.slice(0, 60)}" must be dot-separated non-empty keys, at most ${MAX_METADATA_PATH} deep`, field);
  }
  return parts;
}

/** {"a": {"b": value}} for the path a.b: what `@>` needs to use a GIN index on the column. */
function nest(parts: string[], value: unknown): unknown {
  return parts.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

export function metadataConditionSql(sql: Sql, column: string, c: MetadataConditionInput, field: string): string {
  const parts = metadataPath(c.key, `${field}.key`);
  const given = OPERATORS.filter((op) => c[op] !== undefined && c[op] !== null);
  if (given.length !== 1) {
    throw new BadUserInputError(`${field}: set exactly one of ${OPERATORS.join(', ')} (got ${given.length ? given.join(', ') : 'none'})`, field);
  }
  const op = given[0];
  const path = `${sql.p(parts)}::text[]`;
  const value = `${column} #> ${path}`;
  switch (op) {
    case 'eq': {
      const exact = `${value} = ${sql.p(JSON.stringify(c.eq))}::jsonb`;
      // Containment narrows through the GIN index; it is looser for arrays, so the exact test stays.
      // A numeric segment would address an array element, which containment cannot express.
      return parts.some((p) => /^\d+$/.test(p)) ? exact : `(${column} @> ${sql.p(JSON.stringify(nest(parts, c.eq)))}::jsonb AND ${exact})`;
    }
    case 'ne':
      return `${value} <> ${sql.p(JSON.stringify(c.ne))}::jsonb`;
    case 'gt': case 'gte': case 'lt': case 'lte':
      // CASE, not AND: PostgreSQL may evaluate the cast before a type test joined by AND.
      return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END) ${COMPARE[op]} ${sql.p(c[op])}::numeric`;
    case 'exists':
      return `coalesce(jsonb_typeof(${value}), 'null') ${c.exists ? '<>' : '='} 'null'`;
    case 'matches':
      return predicateSql(sql, `(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${column} #>> ${path} END)`, c.matches!);
  }
}

/** The sort value of the METADATA order: the JSON value at the path, SQL NULL when missing or null. */
export function metadataSortSql(sql: Sql, column: string, parts: string[]): string {
  return `NULLIF(${column} #> ${sql.p(parts)}::text[], 'null'::jsonb)`;
}
