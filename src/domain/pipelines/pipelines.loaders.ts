import { DataSource } from 'typeorm';
import { childConnectionLoader, ListSource } from '../../db/lists';
import { ListFilter } from '../../graphql/pagination';
import { Pipeline } from './pipeline.entity';

export const PIPELINES: ListSource<ListFilter> = { entity: Pipeline, table: 'pipeline', kind: 'Pipeline', resourceType: 'PIPELINE' };

export function pipelineLoaders(db: DataSource) {
  return {
    pipelinesByProjectId: childConnectionLoader<Pipeline, ListFilter>(db, PIPELINES, 'project_id'),
  };
}
