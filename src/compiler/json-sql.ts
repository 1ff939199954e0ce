// SQL expressions that produce, inside PostgreSQL, the exact JSON values the resolvers send:
// global ids (graphql/ids.ts), cursors (graphql/pagination.ts) and DateTime strings.
import type { KindName } from '../domain/kinds';
import { CURSOR_FIELD, ListOrderField } from '../graphql/pagination';

/** base64url without padding of the UTF-8 bytes of a text expression (PostgreSQL breaks base64 lines at 76). */
export function base64url(text: string): string {
  return `translate(encode(convert_to(${text}, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
}

/** encodeId(kind, id): base64url("<Kind>:<uuid>"). */
export function globalIdSql(kind: KindName, idColumn: string): string {
  return base64url(`'${kind}:' || ${idColumn}::text`);
}

/**
 * encodeCursor(field, sort, id[, metadataKey]): base64url(JSON.stringify([CURSOR_FIELD[field], sort, id])), sort
 * being the column as text; a METADATA cursor's sort is the jsonb value as text (null without the key),
 * and `keyJson` (SQL text holding JSON.stringify(metadataKey)) ends it.
 */
export function cursorSql(field: ListOrderField, sortColumn: string, idColumn: string, keyJson?: string): string {
  const sort = `COALESCE(to_json(${sortColumn}::text)::text, 'null')`;
  const tail = keyJson ? `'",' || ${keyJson} || ']'` : `'"]'`;
  return base64url(`'["${CURSOR_FIELD[field]}",' || ${sort} || ',"' || ${idColumn}::text || ${tail}`);
}

/**
 * DateTime as graphql-scalars serializes a JS Date: ISO 8601 at UTC with milliseconds. Both
 * sides truncate the microseconds (node-postgres when it parses, to_char's MS here).
 */
export function dateTimeSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
