// Keyset-paginated lists in one statement, for one parent or for many parents at once
// (LATERAL over the parent ids: each parent gets its own ORDER BY … LIMIT on an index).
import DataLoader from 'dataloader';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { Connection, encodeCursor, ListOrderField, PageRequest, SortDirection } from '../graphql/pagination';
import type { Predicate } from '../graphql/scalars/string-predicate';
import type { ResourceType } from '../domain/tags/taggable';
import { hydrate } from './data-source';
import { predicateSql, Sql } from './sql';
import { deletedConditions, DeletedMode, KindName, KINDS } from '../domain/kinds';
import { BadUserInputError } from '../graphql/errors';
import { MetadataConditionInput, metadataConditionSql, metadataSortSql } from './metadata';

export interface ListSource<F> {
  entity: EntityTarget<ObjectLiteral>;
  table: string;
  /** The column that `filter.name` and NAME order use: `name`, or `version` for artifact versions. */
  nameColumn?: string;
  /** Set for deletable kinds: lists show live rows unless `filter.deleted` says otherwise. */
  kind?: KindName;
  /** Set for taggable kinds: enables `tags` and `withoutTags`. */
  resourceType?: ResourceType;
  /** Area-specific filter fields (status, stage, parent names, …) as conditions on alias t. */
  extra?: (sql: Sql, filter: F) => string[];
}

export interface CommonFilter {
  name?: Predicate;
  tags?: Predicate[];
  withoutTags?: Predicate[];
  createdAfter?: Date;
  createdBefore?: Date;
  updatedAfter?: Date;
  updatedBefore?: Date;
  deleted?: DeletedMode;
  metadata?: MetadataConditionInput[];
  or?: CommonFilter[];
  not?: CommonFilter;
}

/** How deep or/not may nest (`deleted` is read from the outermost filter only). */
export const MAX_FILTER_DEPTH = 8;

export interface ListQuery<F> {
  filter?: F | null;
  page: PageRequest;
  /** Conditions that do not come from the client: scope and access. */
  scope?: (sql: Sql) => string[];
}

function tagExists(sql: Sql, resourceType: ResourceType, predicates: Predicate[]): string {
  const match = predicates.map((p) => predicateSql(sql, 'tg.name', p)).join(' OR ');
  return `EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
    WHERE ta.project_id = t.project_id AND ta.resource_id = t.id AND ta.resource_type = '${resourceType}' AND (${match}))`;
}

export function filterConditions<F extends CommonFilter>(sql: Sql, source: ListSource<F>, filter: F | null | undefined, depth = 0): string[] {
  if (!filter) return [];
  const conds: string[] = [];
  if (filter.name) conds.push(predicateSql(sql, `t.${source.nameColumn ?? 'name'}`, filter.name));
  if (filter.createdAfter) conds.push(`t.created_at > ${sql.p(filter.createdAfter)}`);
  if (filter.createdBefore) conds.push(`t.created_at < ${sql.p(filter.createdBefore)}`);
  if (filter.updatedAfter) conds.push(`t.updated_at > ${sql.p(filter.updatedAfter)}`);
  if (filter.updatedBefore) conds.push(`t.updated_at < ${sql.p(filter.updatedBefore)}`);
  if (source.resourceType) {
    for (const p of filter.tags ?? []) conds.push(tagExists(sql, source.resourceType, [p]));
    if (filter.withoutTags?.length) conds.push(`NOT ${tagExists(sql, source.resourceType, filter.withoutTags)}`);
  }
  if (filter.metadata?.length) {
    if (!carriesMetadata(source as ListSource<unknown>)) throw new BadUserInputError('metadata filters apply to runs, artifact versions and model versions', 'metadata');
    filter.metadata.forEach((c, i) => conds.push(metadataConditionSql(sql, 't.metadata', c, `metadata[${i}]`)));
  }
  if (source.extra) conds.push(...source.extra(sql, filter));
  if (filter.or || filter.not) {
    if (depth >= MAX_FILTER_DEPTH) throw new BadUserInputError(`filter: or/not nest at most ${MAX_FILTER_DEPTH} deep`, 'filter');
    const all = (f: CommonFilter) => {
      const inner = filterConditions(sql, source, f as F, depth + 1);
      return inner.length ? `(${inner.join(' AND ')})` : 'TRUE';
    };
    if (filter.or) conds.push(filter.or.length ? `(${filter.or.map(all).join(' OR ')})` : 'FALSE');
    if (filter.not) conds.push(`NOT ${all(filter.not)}`);
  }
  return conds;
}

/** Everything a list's rows must satisfy: scope and access, deletion state, the client's filter. */
function listConditions<F>(sql: Sql, source: ListSource<F>, query: ListQuery<F>): string[] {
  const filter = query.filter as CommonFilter | null | undefined;
  return [
    ...(query.scope?.(sql) ?? []),
    ...(source.kind ? deletedConditions(source.kind, 't', filter?.deleted ?? 'EXCLUDE') : []),
    ...filterConditions(sql, source as ListSource<CommonFilter>, filter),
  ];
}

function carriesMetadata(source: ListSource<unknown>): boolean {
  return source.kind !== undefined && KINDS[source.kind].metadata;
}

const ORDER_COLUMN: Record<string, string> = { [ListOrderField.CREATED_AT]: 't.created_at', [ListOrderField.UPDATED_AT]: 't.updated_at' };

/**
 * The ORDER BY of a page and the keyset condition that starts it after a cursor. METADATA sorts
 * by a jsonb value with NULLS LAST in both directions, so rows past a cursor are those after it
 * among rows with the key, then every row without it.
 */
export function orderParts(sql: Sql, source: ListSource<unknown>, page: PageRequest) {
  const dir = page.direction === SortDirection.ASC ? 'ASC' : 'DESC';
  const cmp = dir === 'ASC' ? '>' : '<';
  if (page.field === ListOrderField.METADATA) {
    if (!carriesMetadata(source)) throw new BadUserInputError('orderBy METADATA applies to runs, artifact versions and model versions', 'orderBy');
    const column = metadataSortSql(sql, 't.metadata', page.metadataPath!);
    const after = (cursor: NonNullable<PageRequest['after']>) => {
      const id = `${sql.p(cursor.id)}::uuid`;
      if (cursor.sort === null) return `(${column} IS NULL AND t.id ${cmp} ${id})`;
      const v = `${sql.p(cursor.sort)}::jsonb`;
      return `(${column} ${cmp} ${v} OR (${column} = ${v} AND t.id ${cmp} ${id}) OR ${column} IS NULL)`;
    };
    return { column, orderBy: `${column} ${dir} NULLS LAST, t.id ${dir}`, after };
  }
  const column = page.field === ListOrderField.NAME ? `t.${source.nameColumn ?? 'name'}` : ORDER_COLUMN[page.field];
  const cast = page.field === ListOrderField.NAME ? 'text' : 'timestamptz';
  const after = (cursor: NonNullable<PageRequest['after']>) =>
    `(${column}, t.id) ${cmp} (${sql.p(cursor.sort)}::${cast}, ${sql.p(cursor.id)}::uuid)`;
  return { column, orderBy: `${column} ${dir}, t.id ${dir}`, after };
}

function innerSelect<F>(sql: Sql, source: ListSource<F>, query: ListQuery<F>, extraConds: string[]): string {
  const { column, orderBy, after } = orderParts(sql, source as ListSource<unknown>, query.page);
  const conds = [...extraConds, ...listConditions(sql, source, query)];
  if (query.page.after) conds.push(after(query.page.after));
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  return `SELECT t.*, ${column}::text AS __sort FROM ${source.table} t ${where}
    ORDER BY ${orderBy} LIMIT ${query.page.first + 1}`;
}

function countSelect<F>(sql: Sql, source: ListSource<F>, query: ListQuery<F>, extraConds: string[]): string {
  const conds = [...extraConds, ...listConditions(sql, source, query)];
  return `FROM ${source.table} t ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}`;
}

function toConnection<T extends ObjectLiteral>(db: DataSource, source: ListSource<unknown>, page: PageRequest,
  rows: Record<string, unknown>[], count: () => Promise<number>): Connection<T> {
  const hasNextPage = rows.length > page.first;
  const edges = rows.slice(0, page.first).map((row) => ({
    cursor: encodeCursor(page.field, row.__sort as string | null, row.id as string, page.metadataKey),
    node: hydrate(db, source.entity, row) as T,
  }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: page.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return (counted ??= count());
    },
  };
}

/** A list with no parent (top-level lists): one statement for the page, one more for totalCount if asked. */
export async function listPage<T extends ObjectLiteral, F>(db: DataSource, source: ListSource<F>, query: ListQuery<F>): Promise<Connection<T>> {
  const sql = new Sql();
  const rows = await db.query(innerSelect(sql, source, query, []), sql.params);
  return toConnection<T>(db, source as ListSource<unknown>, query.page, rows, async () => {
    const c = new Sql();
    const [{ n }] = await db.query(`SELECT count(*)::int AS n ${countSelect(c, source, query, [])}`, c.params);
    return n;
  });
}

export interface ChildKey<F> {
  parentId: string;
  query: ListQuery<F>;
  /** Stable text for the query's arguments: keys with equal text share one statement. */
  argsKey: string;
}

/**
 * A loader of child connections: every parent asking with the same arguments is served by
 * one statement (LATERAL per parent), and totalCount by one GROUP BY when asked for.
 */
export function childConnectionLoader<T extends ObjectLiteral, F>(db: DataSource, source: ListSource<F>, parentColumn: string) {
  const counts = new DataLoader<ChildKey<F>, number, string>(async (keys) => {
    const groups = groupByArgs(keys);
    const result = new Map<string, number>();
    for (const group of groups.values()) {
      const sql = new Sql();
      const parents = sql.p(group.map((k) => k.parentId));
      const rows: { parent: string; n: number }[] = await db.query(
        `SELECT t.${parentColumn} AS parent, count(*)::int AS n ${countSelect(sql, source, group[0].query, [`t.${parentColumn} = ANY(${parents}::uuid[])`])} GROUP BY 1`,
        sql.params);
      for (const r of rows) result.set(`${r.parent}|${group[0].argsKey}`, r.n);
    }
    return keys.map((k) => result.get(`${k.parentId}|${k.argsKey}`) ?? 0);
  }, { cacheKeyFn: (k) => `${k.parentId}|${k.argsKey}` });

  return new DataLoader<ChildKey<F>, Connection<T>, string>(async (keys) => {
    const groups = groupByArgs(keys);
    const byKey = new Map<string, Record<string, unknown>[]>();
    for (const group of groups.values()) {
      const sql = new Sql();
      const parents = sql.p(group.map((k) => k.parentId));
      const inner = innerSelect(sql, source, group[0].query, [`t.${parentColumn} = p.parent_id`]);
      const rows: Record<string, unknown>[] = await db.query(
        `SELECT p.parent_id AS __parent, c.* FROM unnest(${parents}::uuid[]) AS p(parent_id) CROSS JOIN LATERAL (${inner}) c`,
        sql.params);
      for (const row of rows) {
        const key = `${row.__parent}|${group[0].argsKey}`;
        let list = byKey.get(key);
        if (!list) byKey.set(key, (list = []));
        list.push(row);
      }
    }
    return keys.map((k) => toConnection<T>(db, source as ListSource<unknown>, k.query.page, byKey.get(`${k.parentId}|${k.argsKey}`) ?? [],
      () => counts.load(k)));
  }, { cacheKeyFn: (k) => `${k.parentId}|${k.argsKey}` });
}

function groupByArgs<K extends { argsKey: string }>(keys: readonly K[]): Map<string, K[]> {
  const groups = new Map<string, K[]>();
  for (const k of keys) {
    let g = groups.get(k.argsKey);
    if (!g) groups.set(k.argsKey, (g = []));
    g.push(k);
  }
  return groups;
}

/** Builds the key for a child connection; the args text is what decides batching. */
export function childKey<F>(parentId: string, query: ListQuery<F>, scopeKey = ''): ChildKey<F> {
  return { parentId, query, argsKey: `${scopeKey}|${JSON.stringify([query.filter ?? null, query.page])}` };
}
