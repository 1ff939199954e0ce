import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { BoundedListLoader, newestLoader } from '../../db/loaders';
import { LIST_BOUNDS } from '../../graphql/list-bounds';
import { childConnectionLoader, ListSource } from '../../db/lists';
import { predicateSql } from '../../db/sql';
import { ListFilter } from '../../graphql/pagination';
import { StepRun } from '../runs/step-run.entity';
import { Artifact } from './artifact.entity';
import { ArtifactVersion } from './artifact-version.entity';
import { ArtifactVersionFilter, StepArtifact } from './artifacts.types';

export const ARTIFACTS: ListSource<ListFilter> = { entity: Artifact, table: 'artifact', kind: 'Artifact', resourceType: 'ARTIFACT' };

export const ARTIFACT_VERSIONS: ListSource<ArtifactVersionFilter> = {
  entity: ArtifactVersion,
  table: 'artifact_version',
  kind: 'ArtifactVersion',
  nameColumn: 'version',
  resourceType: 'ARTIFACT_VERSION',
  extra: (sql, f) => [
    ...(f.artifact ? [`EXISTS (SELECT 1 FROM artifact a WHERE a.project_id = t.project_id AND a.id = t.artifact_id AND ${predicateSql(sql, 'a.name', f.artifact)})`] : []),
    ...(f.type ? [`t.type = ${sql.p(f.type)}`] : []),
  ],
};

export function artifactLoaders(db: DataSource) {
  return {
    artifactsByProjectId: childConnectionLoader<Artifact, ListFilter>(db, ARTIFACTS, 'project_id'),
    artifactVersionsByProjectId: childConnectionLoader<ArtifactVersion, ArtifactVersionFilter>(db, ARTIFACT_VERSIONS, 'project_id'),
    versionsByArtifactId: childConnectionLoader<ArtifactVersion, ArtifactVersionFilter>(db, ARTIFACT_VERSIONS, 'artifact_id'),
    latestVersionByArtifactId: newestLoader(db, ArtifactVersion, 'artifact_version', 'artifact_id'),
    outputsByStepId: new BoundedListLoader(db,
      'SELECT * FROM artifact_version WHERE producer_step_id = k.id ORDER BY output_name LIMIT k.lim',
      (r) => hydrate(db, ArtifactVersion, r), LIST_BOUNDS['StepRun.outputs'].default),
    producedByRunId: new BoundedListLoader(db,
      'SELECT * FROM artifact_version WHERE producer_run_id = k.id ORDER BY created_at, id LIMIT k.lim',
      (r) => hydrate(db, ArtifactVersion, r), LIST_BOUNDS['PipelineRun.producedArtifactVersions'].default),
    inputsByStepId: new BoundedListLoader(db,
      'SELECT name, artifact_version_id FROM step_input WHERE step_run_id = k.id ORDER BY name LIMIT k.lim',
      (r) => Object.assign(new StepArtifact(), { name: r.name as string, artifactVersionId: r.artifact_version_id as string }),
      LIST_BOUNDS['StepRun.inputs'].default),
    // A step that read the version under two input names appears twice.
    consumersByArtifactVersionId: new BoundedListLoader(db,
      `SELECT s.* FROM step_input si JOIN step_run s ON s.project_id = si.project_id AND s.id = si.step_run_id
       WHERE si.artifact_version_id = k.id ORDER BY s.created_at, s.id LIMIT k.lim`,
      (r) => hydrate(db, StepRun, r), LIST_BOUNDS['ArtifactVersion.consumedBy'].default),
  };
}
