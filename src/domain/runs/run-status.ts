import { registerEnumType } from 'type-graphql';

export enum RunStatus {
  INITIALIZING = 'INITIALIZING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CACHED = 'CACHED',
  STOPPED = 'STOPPED',
}
registerEnumType(RunStatus, {
  name: 'RunStatus',
  valuesConfig: { STOPPED: { description: 'Stopped before it finished (OpenLineage ABORT).' } },
});

/** Statuses a run never leaves: finishRun to another one is a CONFLICT, and no step is recorded after them. */
export const TERMINAL_STATUSES: readonly RunStatus[] = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CACHED, RunStatus.STOPPED];
const TERMINAL = new Set(TERMINAL_STATUSES);

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.has(status);
}
