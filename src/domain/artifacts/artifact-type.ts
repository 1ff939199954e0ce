import { registerEnumType } from 'type-graphql';

export enum ArtifactType {
  DATA = 'DATA',
  MODEL = 'MODEL',
  SCHEMA = 'SCHEMA',
  SERVICE = 'SERVICE',
  STATISTICS = 'STATISTICS',
  DATA_ANALYSIS = 'DATA_ANALYSIS',
  BASE = 'BASE',
}
registerEnumType(ArtifactType, { name: 'ArtifactType' });
