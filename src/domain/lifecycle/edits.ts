// What the update* mutations share: absent fields stay, null clears a text field, and a new
// name must be free among the live rows it has to be unique with.
import { EntityManager } from 'typeorm';
import { ConflictError } from '../../graphql/errors';
import { EventKind } from '../events/event-kind';
import { emit, NewEvent } from '../events/events.outbox';
import { KindName, KINDS } from '../kinds';

/** Fields of a row that changed, named as in GraphQL (`startedAt`). */
export const entityUpdated = (kind: KindName, projectId: string, id: string, fields: string[]): NewEvent => ({
  kind: EventKind.ENTITY_UPDATED, projectId, subject: kind, subjectId: id, data: { fields },
});

/** Runs `check` on a field that was given; undefined (absent) stays undefined. */
export function given<T, R>(value: T | undefined, check: (v: T) => R): R | undefined {
  return value === undefined ? undefined : check(value);
}

/** Names are unique among live rows per project (pipelines, artifacts, models) or per model (model versions). */
export async function assertNameFree(tx: EntityManager, kind: KindName, row: Record<string, unknown>,
  name: string | undefined, message: () => string): Promise<void> {
  if (name === undefined || name === row.name) return;
  const scope = kind === 'ModelVersion' ? 'model_id' : 'project_id';
  const [taken] = await tx.query(
    `SELECT 1 FROM ${KINDS[kind].table} WHERE project_id = $1 AND ${scope} = $2 AND name = $3 AND id <> $4 AND deleted_at IS NULL`,
    [row.project_id, row[scope], name, row.id]);
  if (taken) throw new ConflictError(message());
}

/**
 * Sets the given columns (only those present) and returns the new row. A no-op edit returns
 * the row unchanged, and the updated_at trigger leaves updated_at alone when nothing differs.
 */
export async function updateRow(tx: EntityManager, kind: KindName, row: Record<string, unknown>,
  changes: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (!entries.length) return row;
  const projectColumn = KINDS[kind].project!;
  const sets = entries.map(([column], i) => `${column} = $${i + 3}`).join(', ');
  const [[updated]] = await tx.query(`UPDATE ${KINDS[kind].table} SET ${sets} WHERE ${projectColumn} = $1 AND id = $2 RETURNING *`,
    [row[projectColumn], row.id, ...entries.map(([, v]) => v)]);
  emit(tx, entityUpdated(kind, updated[projectColumn], updated.id, entries.map(([c]) => c.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()))));
  return updated;
}
