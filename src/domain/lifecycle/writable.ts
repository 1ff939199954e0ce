// Loading a row for a change: load → scope → role → lock, in that order, so no caller locks a
// row of a project it may not see, and a caller without the role learns nothing but FORBIDDEN.
import { EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../graphql/errors';
import { assertRole, canSeeProject } from '../auth/principal';
import { Role } from '../auth/role';

export interface WritableRow {
  /** e.g. "pipeline", for messages. */
  label: string;
  table: string;
  /** The row's project column: project_id, or id for projects. */
  projectColumn?: string;
}

export async function lockForWrite(ctx: Context, tx: EntityManager, kind: WritableRow, id: string, globalId: string,
  role: Role, action: string): Promise<Record<string, unknown>> {
  const projectColumn = kind.projectColumn ?? 'project_id';
  const [found] = await tx.query(`SELECT ${projectColumn} AS project_id FROM ${kind.table} WHERE id = $1`, [id]);
  if (!found || !canSeeProject(ctx.principal, found.project_id)) throw new NotFoundError(`${kind.label} "${globalId}" not found`);
  assertRole(ctx.principal, role, action);
  const [row] = await tx.query(`SELECT * FROM ${kind.table} WHERE ${projectColumn} = $1 AND id = $2 FOR UPDATE`, [found.project_id, id]);
  if (!row) throw new NotFoundError(`${kind.label} "${globalId}" not found`);
  return row;
}

/**
 * Sets the given columns (only those present) and returns the new row. A no-op edit
 * returns the row unchanged and leaves updated_at alone (the trigger sees no difference).
 */
export async function updateRow(tx: EntityManager, kind: WritableRow, row: Record<string, unknown>,
  changes: Record<string, unknown>): Promise<Record<string, unknown>> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (!entries.length) return row;
  const projectColumn = kind.projectColumn ?? 'project_id';
  const sets = entries.map(([column], i) => `${column} = $${i + 3}`).join(', ');
  const [[updated]] = await tx.query(`UPDATE ${kind.table} SET ${sets} WHERE ${projectColumn} = $1 AND id = $2 RETURNING *`,
    [row[projectColumn], row.id, ...entries.map(([, v]) => v)]);
  return updated;
}
