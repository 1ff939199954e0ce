// What the update* mutations share: absent fields stay, null clears a text field, and a new
// name must be free among the rows it has to be unique with.
import { EntityManager } from 'typeorm';
import { ConflictError } from '../../graphql/errors';
import { WritableRow } from './writable';

/** Runs `check` on a field that was given; undefined (absent) stays undefined. */
export function given<T, R>(value: T | undefined, check: (v: T) => R): R | undefined {
  return value === undefined ? undefined : check(value);
}

/** Names are unique among live rows per project (pipelines, artifacts, models) or per parent (model versions: model_id). */
export async function assertNameFree(tx: EntityManager, kind: WritableRow & { nameScope?: string }, row: Record<string, unknown>,
  name: string | undefined, message: () => string): Promise<void> {
  if (name === undefined || name === row.name) return;
  const scope = kind.nameScope ?? 'project_id';
  const [taken] = await tx.query(
    `SELECT 1 FROM ${kind.table} WHERE project_id = $1 AND ${scope} = $2 AND name = $3 AND id <> $4 AND deleted_at IS NULL`,
    [row.project_id, row[scope], name, row.id]);
  if (taken) throw new ConflictError(message());
}
