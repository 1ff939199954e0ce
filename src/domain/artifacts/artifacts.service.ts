// Artifacts and their versions: numbered "1", "2", … per artifact, or named ("raw_2023").
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError } from '../../graphql/errors';
import { validateMetadata, validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import type { Project } from '../projects/project.entity';
import type { ProjectsService } from '../projects/projects.service';
import type { TagsService } from '../tags/tags.service';
import type { TagInput } from '../tags/tags.types';
import { Artifact } from './artifact.entity';
import { ArtifactType } from './artifact-type';
import { ArtifactVersion } from './artifact-version.entity';
import { RegisterArtifactVersionInput, UpdateArtifactInput } from './artifacts.types';
import { decodeId } from '../../graphql/ids';
import { Role } from '../auth/role';
import { assertNameFree, given } from '../lifecycle/edits';
import { lockForWrite, updateRow, WritableRow } from '../lifecycle/writable';

export const ARTIFACT: WritableRow = { label: 'artifact', table: 'artifact' };

export interface NewArtifactVersion {
  artifact: string;
  version?: string | null;
  type?: ArtifactType | null;
  uri?: string | null;
  dataType?: string | null;
  tags?: TagInput[] | null;
  metadata?: unknown;
  producer?: { stepId: string; runId: string; outputName: string };
}

const DIGITS = /^\d+$/;

export class ArtifactsService {
  constructor(private readonly db: DataSource, private readonly projects: ProjectsService, private readonly tags: TagsService) {}

  /** Checks a new version's fields before any SQL, so a bad one costs nothing. */
  validate(spec: NewArtifactVersion, field = ''): void {
    validateName(spec.artifact, `${field}artifact`);
    if (spec.version != null) {
      validateName(spec.version, `${field}version`);
      if (DIGITS.test(spec.version)) {
        throw new BadUserInputError(`${field}version "${spec.version}" is all digits; numbers are given automatically, leave it out`, `${field}version`);
      }
      if (spec.version === 'latest') throw new BadUserInputError(`${field}version "latest" is reserved`, `${field}version`);
    }
    validateText(spec.uri, `${field}uri`);
    validateText(spec.dataType, `${field}dataType`, 255);
    validateMetadata(spec.metadata, `${field}metadata`);
  }

  /**
   * Creates a version inside the caller's transaction. The upsert on the artifact row both
   * creates the artifact on first use and locks it, so concurrent registrations queue and the
   * counter hands out gap-free numbers (a rolled-back registration rolls its number back too).
   * The caller has checked `spec` with validate().
   */
  async createVersion(tx: EntityManager, project: Project, spec: NewArtifactVersion): Promise<ArtifactVersion> {
    const numbered = spec.version == null;
    const [artifactRow] = await tx.query(
      `INSERT INTO artifact (project_id, name, version_counter) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, name) DO UPDATE SET version_counter = artifact.version_counter + $3 RETURNING *`,
      [project.id, spec.artifact, numbered ? 1 : 0]);
    const artifact = hydrate(this.db, Artifact, artifactRow);
    const version = numbered ? String(artifact.versionCounter) : spec.version!;
    if (!numbered) {
      const [taken] = await tx.query('SELECT 1 FROM artifact_version WHERE project_id = $1 AND artifact_id = $2 AND version = $3',
        [project.id, artifact.id, version]);
      if (taken) throw new ConflictError(`artifact "${artifact.name}" already has version "${version}"`);
    }
    const [row] = await tx.query(
      `INSERT INTO artifact_version (project_id, artifact_id, version, type, uri, data_type, metadata, producer_step_id, producer_run_id, output_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [project.id, artifact.id, version, spec.type ?? ArtifactType.DATA, spec.uri ?? null, spec.dataType ?? null,
        spec.metadata ?? {}, spec.producer?.stepId ?? null, spec.producer?.runId ?? null, spec.producer?.outputName ?? null]);
    const created = hydrate(this.db, ArtifactVersion, row);
    const tags = [...(spec.tags ?? [])];
    if (spec.producer) tags.push(...(await this.tags.cascadeTagsOf(tx, project.id, spec.producer.runId)));
    await this.tags.apply(tx, { type: 'ARTIFACT_VERSION', id: created.id, projectId: project.id, scopeId: artifact.id }, tags);
    return created;
  }

  async register(ctx: Context, input: RegisterArtifactVersionInput): Promise<ArtifactVersion> {
    this.validate(input);
    return transaction(this.db, async (tx) => {
      const project = await this.projects.getForWrite(ctx, tx, input.project);
      return this.createVersion(tx, project, input);
    });
  }

  /** Renames keep the id, the versions and every lineage edge. */
  async update(ctx: Context, input: UpdateArtifactInput): Promise<Artifact> {
    const { id } = decodeId('Artifact', input.id);
    const name = given(input.name ?? undefined, (v) => validateName(v, 'name'));
    const artifact = await transaction(this.db, async (tx) => {
      const row = await lockForWrite(ctx, tx, ARTIFACT, id, input.id, Role.EDITOR, 'updating an artifact');
      await assertNameFree(tx, ARTIFACT, row, name, () => `artifact "${name}" already exists in this project`);
      return hydrate(this.db, Artifact, await updateRow(tx, ARTIFACT, row, { name }));
    });
    ctx.loaders.artifactById.clear(id);
    return artifact;
  }

  findArtifact(ctx: Context, projectName: string, name: string): Promise<Artifact | null> {
    return this.projects.findByName(ctx, Artifact, 'artifact', projectName, name);
  }

  /** version: a version string, or "latest" (the newest by creation). */
  async findVersion(ctx: Context, projectName: string, artifactName: string, version: string): Promise<ArtifactVersion | null> {
    const artifact = await this.findArtifact(ctx, projectName, artifactName);
    if (!artifact) return null;
    if (version === 'latest') return ctx.loaders.latestVersionByArtifactId.load(artifact.id);
    const [row] = await this.db.query('SELECT * FROM artifact_version WHERE project_id = $1 AND artifact_id = $2 AND version = $3',
      [artifact.projectId, artifact.id, version]);
    return row ? hydrate(this.db, ArtifactVersion, row) : null;
  }
}
