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

interface BoundedKey {
  id: string;
  limit: number;
  /** One more value the rows depend on (a kind, a name), as text; null when none. */
  arg: string | null;
}

const boundedKey = (k: BoundedKey) => `${k.id}|${k.limit}|${k.arg ?? ''}`;

/**
 * The first `limit` rows of a list per parent, for every parent in one statement: `inner` selects
 * one parent's rows (the parent is `k.id`, the extra argument `k.arg`), ordered, ending in
 * `LIMIT k.lim`. Keyed by parent, limit and argument; `clear(id)` forgets every limit of a parent.
 */
export class BoundedListLoader<T> {
  private readonly loader: DataLoader<BoundedKey, T[], string>;
  private readonly cachedKeys = new Map<string, Set<BoundedKey>>();
  /** Whole lists primed by writes (read inside their transaction): they answer every limit. */
  private readonly primed = new Map<string, T[]>();

  constructor(db: DataSource, inner: string, private readonly toItem: (row: Record<string, unknown>) => T, private readonly defaultLimit: number) {
    this.loader = new DataLoader<BoundedKey, T[], string>(async (keys) => {
      const rows: Record<string, unknown>[] = await db.query(
        `SELECT k.id AS __key, k.lim AS __limit, k.arg AS __arg, t.*
         FROM unnest($1::uuid[], $2::int[], $3::text[]) AS k(id, lim, arg) CROSS JOIN LATERAL (${inner}) t`,
        [keys.map((k) => k.id), keys.map((k) => k.limit), keys.map((k) => k.arg)]);
      const groups = new Map<string, T[]>();
      for (const r of rows) {
        const key = boundedKey({ id: r.__key as string, limit: r.__limit as number, arg: r.__arg as string | null });
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(this.toItem(r));
      }
      return keys.map((k) => groups.get(boundedKey(k)) ?? []);
    }, { cacheKeyFn: boundedKey });
  }

  private key(id: string, limit: number, arg: string | null): BoundedKey {
    const key = { id, limit, arg };
    let keys = this.cachedKeys.get(id);
    if (!keys) this.cachedKeys.set(id, (keys = new Set()));
    keys.add(key);
    return key;
  }

  load(id: string, limit = this.defaultLimit, arg: string | null = null): Promise<T[]> {
    const whole = arg === null ? this.primed.get(id) : undefined;
    if (whole) return Promise.resolve(whole.slice(0, limit));
    return this.loader.load(this.key(id, limit, arg));
  }

  loadMany(ids: readonly string[], limit = this.defaultLimit): Promise<T[][]> {
    return Promise.all(ids.map((id) => this.load(id, limit)));
  }

  clear(id: string): this {
    for (const key of this.cachedKeys.get(id) ?? []) this.loader.clear(key);
    this.cachedKeys.delete(id);
    this.primed.delete(id);
    return this;
  }

  /** `items`: the parent's whole list, in this loader's order (e.g. read inside a write's transaction). */
  prime(id: string, items: T[]): this {
    this.primed.set(id, items);
    return this;
  }
}
