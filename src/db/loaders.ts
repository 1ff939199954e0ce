// Batch-loader builders shared by every area: by id, and one-to-many grouped by a key column.
import DataLoader from 'dataloader';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { KindName, KINDS } from '../domain/kinds';
import { hydrate } from './data-source';

/** One row per id; a missing id yields null (access checks happen at entry points). */
export function byIdLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, kind: KindName) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows: Record<string, unknown>[] = await db.query(`SELECT * FROM ${KINDS[kind].table} WHERE id = ANY($1::uuid[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id as string, hydrate(db, entity, r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * Many rows per key in one statement: `sql` selects rows of `entity` plus a `__key` column
 * and takes the key array as $1; rows come back grouped by key in the statement's order.
 */
export function groupLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, sql: string) {
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
  });
}

/**
 * The newest live row (by created_at, then id) of `table`, a deletable kind, per parent: one statement for every parent,
 * each served by an index scan on (parent, created_at, id) that stops at its first row.
 */
export function newestLoader<T extends ObjectLiteral>(db: DataSource, entity: EntityTarget<T>, table: string, parentColumn: string) {
  return new DataLoader<string, T | null>(async (keys) => {
    const rows: Record<string, unknown>[] = await db.query(
      `SELECT k.id AS __key, t.* FROM unnest($1::uuid[]) AS k(id) CROSS JOIN LATERAL (
         SELECT * FROM ${table} WHERE ${parentColumn} = k.id AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1) t`, [keys]);
    const byKey = new Map(rows.map((r) => [r.__key as string, hydrate(db, entity, r)]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}
