// Writing a row that ../access.ts has loaded, checked and locked.
import { EntityManager } from 'typeorm';

export interface WritableRow {
  /** e.g. "pipeline", for messages. */
  label: string;
  table: string;
  /** The row's project column: project_id, or id for projects. */
  projectColumn?: string;
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
