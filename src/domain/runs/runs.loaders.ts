import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { BoundedListLoader, newestLoader } from '../../db/loaders';
import { LIST_BOUNDS } from '../../graphql/list-bounds';
import { childConnectionLoader, ListSource } from '../../db/lists';
import { predicateSql } from '../../db/sql';
import { PipelineRun } from './pipeline-run.entity';
import { RunFilter } from './runs.types';
import { StepRun } from './step-run.entity';

export const RUNS: ListSource<RunFilter> = {
  entity: PipelineRun,
  table: 'pipeline_run',
  kind: 'PipelineRun',
  resourceType: 'PIPELINE_RUN',
  extra: (sql, f) => [
    ...(f.status ? [`t.status = ${sql.p(f.status)}`] : []),
    ...(f.pipeline ? [`EXISTS (SELECT 1 FROM pipeline p WHERE p.project_id = t.project_id AND p.id = t.pipeline_id AND ${predicateSql(sql, 'p.name', f.pipeline)})`] : []),
    ...(f.stack ? [`EXISTS (SELECT 1 FROM stack s WHERE s.id = t.stack_id AND ${predicateSql(sql, 's.name', f.stack)})`] : []),
  ],
};

export function runLoaders(db: DataSource) {
  return {
    stepsByRunId: new BoundedListLoader(db, 'SELECT * FROM step_run WHERE run_id = k.id ORDER BY created_at, id LIMIT k.lim',
      (r) => hydrate(db, StepRun, r), LIST_BOUNDS['PipelineRun.steps'].default),
    runsByProjectId: childConnectionLoader<PipelineRun, RunFilter>(db, RUNS, 'project_id'),
    runsByPipelineId: childConnectionLoader<PipelineRun, RunFilter>(db, RUNS, 'pipeline_id'),
    runsByStackId: childConnectionLoader<PipelineRun, RunFilter>(db, RUNS, 'stack_id'),
    latestRunByPipelineId: newestLoader(db, PipelineRun, 'pipeline_run', 'pipeline_id'),
  };
}
