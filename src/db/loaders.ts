// Batch-loader builders shared by every area: by id, and one-to-many grouped by a key column.
import DataLoader from 'dataloader';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { hydrate } from './data-source';

/** One row per id; a missing id yields null (access checks happen at entry points). */
export function byIdLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, table: string) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id as string, hydrate(db, entity, r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Many rows per key in one statement: `sql` selects rows of `entity` plus a `__key` column
 * and takes the key array as $1; rows come back grouped by key in the statement's order.
 */
export function groupLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, sql: string, keyType = 'uuid') {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows: Record<string, unknown>[] = await db.query(sql, [keys]);
    const groups = new Map<string, T[]>();
    for (const r of rows) {
      const key = r.__key as string;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(hydrate(db, entity, r));
    }
    return keys.map((k) => groups.get(k) ?? []);
  }, { cacheKeyFn: keyType === 'uuid' ? undefined : (k) => k });
}

/** At most one row per key: `sql` as for groupLoader. */
export function oneLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, sql: string) {
  const many = groupLoader(db, entity, sql);
  return new DataLoader<string, T | null>(async (keys) => {
    const lists = await many.loadMany(keys);
    return lists.map((l) => (l instanceof Error ? l : l[0] ?? null));
  }, { cache: true });
}
