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
