import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { groupLoader, newestLoader } from '../../db/loaders';
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
    outputsByStepId: groupLoader(db, ArtifactVersion,
      'SELECT producer_step_id AS __key, * FROM artifact_version WHERE producer_step_id = ANY($1::uuid[]) ORDER BY output_name'),
    producedByRunId: groupLoader(db, ArtifactVersion,
      'SELECT producer_run_id AS __key, * FROM artifact_version WHERE producer_run_id = ANY($1::uuid[]) ORDER BY created_at, id'),
    inputsByStepId: new DataLoader<string, StepArtifact[]>(async (ids) => {
      const rows: { step_run_id: string; name: string; artifact_version_id: string }[] = await db.query(
        'SELECT step_run_id, name, artifact_version_id FROM step_input WHERE step_run_id = ANY($1::uuid[]) ORDER BY name', [ids]);
      const groups = new Map<string, StepArtifact[]>();
      for (const r of rows) {
        const list = groups.get(r.step_run_id) ?? [];
        list.push(Object.assign(new StepArtifact(), { name: r.name, artifactVersionId: r.artifact_version_id }));
        groups.set(r.step_run_id, list);
      }
      return ids.map((id) => groups.get(id) ?? []);
    }),
    consumersByArtifactVersionId: groupLoader(db, StepRun,
      `SELECT si.artifact_version_id AS __key, s.* FROM step_input si
       JOIN step_run s ON s.project_id = si.project_id AND s.id = si.step_run_id
       WHERE si.artifact_version_id = ANY($1::uuid[]) ORDER BY s.created_at, s.id`),
  };
}
