import { registerEnumType } from 'type-graphql';

export enum ModelStage {
  NONE = 'NONE',
  STAGING = 'STAGING',
  PRODUCTION = 'PRODUCTION',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(ModelStage, { name: 'ModelStage' });

export enum ModelArtifactKind {
  DATA = 'DATA',
  MODEL = 'MODEL',
  DEPLOYMENT = 'DEPLOYMENT',
}
registerEnumType(ModelArtifactKind, { name: 'ModelArtifactKind' });
