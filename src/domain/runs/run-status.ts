import { registerEnumType } from 'type-graphql';

export enum RunStatus {
  INITIALIZING = 'INITIALIZING',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CACHED = 'CACHED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });
