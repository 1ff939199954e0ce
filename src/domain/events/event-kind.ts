import { registerEnumType } from 'type-graphql';

export enum EventKind {
  PROJECT_CREATED = 'PROJECT_CREATED',
  PIPELINE_CREATED = 'PIPELINE_CREATED',
  RUN_STARTED = 'RUN_STARTED',
  RUN_FINISHED = 'RUN_FINISHED',
  STEP_RECORDED = 'STEP_RECORDED',
  ARTIFACT_VERSION_CREATED = 'ARTIFACT_VERSION_CREATED',
  MODEL_VERSION_CREATED = 'MODEL_VERSION_CREATED',
  STAGE_CHANGED = 'STAGE_CHANGED',
  TAG_ADDED = 'TAG_ADDED',
  TAG_REMOVED = 'TAG_REMOVED',
  METADATA_LOGGED = 'METADATA_LOGGED',
  ENTITY_UPDATED = 'ENTITY_UPDATED',
  ENTITY_DELETED = 'ENTITY_DELETED',
  ENTITY_RESTORED = 'ENTITY_RESTORED',
  PING = 'PING',
}
registerEnumType(EventKind, {
  name: 'EventKind',
  valuesConfig: {
    RUN_FINISHED: { description: 'data: {status}' },
    STAGE_CHANGED: { description: 'One event per version whose stage changed, the archived previous holder included. data: {from, to, reason}' },
    TAG_ADDED: { description: 'data: {tag, exclusive, cascade, movedFrom: id of the previous holder of an exclusive tag, or null}' },
    TAG_REMOVED: { description: 'data: {tag}' },
    METADATA_LOGGED: { description: 'data: {keys}' },
    PING: { description: 'A test delivery to a webhook.' },
  },
});
