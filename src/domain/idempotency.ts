// Idempotency-Key for creating mutations: the same key, from the same api key, returns the row
// the first request created instead of writing again. The key is claimed in the write's own
// transaction: a concurrent repeat waits on the claim, then replays (first committed) or writes
// (first rolled back). Keys expire after a day and may then be used again.
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { Context } from '../graphql/context';
import { BadUserInputError, ConflictError, NotFoundError } from '../graphql/errors';
import { ENTITY_OF } from '../graphql/loaders';
import { hydrate } from '../db/data-source';
import type { ProjectKind } from './access';
import { KINDS } from './kinds';

const TTL = '24 hours';
const KEY = /^[\x21-\x7e]{1,255}$/;

/** Checks the request's key before any SQL (BAD_USER_INPUT when malformed). */
export function idempotencyKeyOf(ctx: Context): string | null {
  const key = ctx.idempotencyKey;
  if (key == null) return null;
  if (!KEY.test(key)) throw new BadUserInputError('the Idempotency-Key header must be 1 to 255 visible ASCII characters', 'Idempotency-Key');
  return key;
}

/** Runs `write` once per key; a repeat with the same key and request returns the row it made. */
export async function once<T extends { id: string }>(ctx: Context, tx: EntityManager, operation: string, input: unknown,
  kind: ProjectKind, write: () => Promise<T>): Promise<T> {
  const key = idempotencyKeyOf(ctx);
  if (!key) return write();
  const principal = ctx.principal.keyId ?? 'anonymous';
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  const [claimed] = await tx.query(
    `INSERT INTO idempotency_key (principal, key, operation, request_hash, expires_at) VALUES ($1, $2, $3, $4, clock_timestamp() + interval '${TTL}')
     ON CONFLICT (principal, key) DO UPDATE SET operation = excluded.operation, request_hash = excluded.request_hash, result_id = NULL,
       created_at = clock_timestamp(), expires_at = excluded.expires_at
     WHERE idempotency_key.expires_at < clock_timestamp() RETURNING 1 AS claimed`,
    [principal, key, operation, hash]);
  if (!claimed) {
    const [prior] = await tx.query('SELECT operation, request_hash, result_id FROM idempotency_key WHERE principal = $1 AND key = $2', [principal, key]);
    if (prior.operation !== operation || prior.request_hash !== hash) {
      throw new ConflictError(`Idempotency-Key "${key}" was used for another request; use a new key for a new request`);
    }
    const [row] = await tx.query(`SELECT * FROM ${KINDS[kind].table} WHERE id = $1`, [prior.result_id]);
    if (!row) throw new NotFoundError(`what Idempotency-Key "${key}" created is gone`);
    return hydrate(tx.connection, ENTITY_OF[kind], row) as unknown as T;
  }
  const result = await write();
  await tx.query('UPDATE idempotency_key SET result_id = $3 WHERE principal = $1 AND key = $2', [principal, key, result.id]);
  return result;
}
