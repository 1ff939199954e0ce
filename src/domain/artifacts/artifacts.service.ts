// Artifacts and their versions: numbered "1", "2", … per artifact, or named ("raw_2023").
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError } from '../../graphql/errors';
import { validateMetadata, validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { idempotencyKeyOf, once } from '../idempotency';
import { writable, writableProject } from '../access';
import type { ProjectsService } from '../projects/projects.service';
import type { TagsService } from '../tags/tags.service';
import type { TagInput } from '../tags/tags.types';
import { Tag } from '../tags/tag.entity';
import { Artifact } from './artifact.entity';
import { ArtifactType } from './artifact-type';
import { ArtifactVersion } from './artifact-version.entity';
import { RegisterArtifactVersionInput, UpdateArtifactInput } from './artifacts.types';
import { decodeId } from '../../graphql/ids';
import type { Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { assertNameFree, given, updateRow } from '../lifecycle/edits';
import { EventKind } from '../events/event-kind';
import { emit, NewEvent } from '../events/events.outbox';
import { artifactVersionRefSql } from '../version-refs';
import { Sql } from '../../db/sql';

export interface NewArtifactVersion {
  artifact: string;
  version?: string | null;
  type?: ArtifactType | null;
  uri?: string | null;
  dataType?: string | null;
  tags?: TagInput[] | null;
  metadata?: unknown;
  /** The producing step's name for it. */
  outputName?: string;
}

const DIGITS = /^\d+$/;

export const artifactVersionCreated = (version: ArtifactVersion, artifact: string): NewEvent => ({
  kind: EventKind.ARTIFACT_VERSION_CREATED, projectId: version.projectId, subject: 'ArtifactVersion', subjectId: version.id,
  data: { artifact, version: version.version },
});

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
   * Creates versions inside the caller's transaction, in a fixed number of statements however many
   * there are; returned in the order of `specs`. The upsert on the artifact rows both creates them
   * on first use and locks them, in name order: registrations and steps that share artifacts queue
   * there (and never deadlock), and the counters hand out gap-free numbers (a rolled-back
   * registration rolls its numbers back too). The caller has checked `specs` with validate();
   * `producer` is the step that made them all, whose run's cascade tags they get too.
   */
  async createVersions(tx: EntityManager, by: Principal, projectId: string, specs: readonly NewArtifactVersion[],
    producer?: { stepId: string; runId: string; cascade: readonly TagInput[] }): Promise<ArtifactVersion[]> {
    if (!specs.length) return [];
    const numbered = new Map<string, number>();
    for (const spec of specs) numbered.set(spec.artifact, (numbered.get(spec.artifact) ?? 0) + (spec.version == null ? 1 : 0));
    const names = [...numbered.keys()].sort();
    const artifactRows: Record<string, unknown>[] = await tx.query(
      `INSERT INTO artifact (project_id, name, version_counter)
       SELECT $1, n, c FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS x(n, c, i) ORDER BY i
       ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO UPDATE SET version_counter = artifact.version_counter + excluded.version_counter RETURNING *`,
      [projectId, names, names.map((n) => numbered.get(n))]);
    const artifacts = new Map(artifactRows.map((r) => {
      const a = hydrate(this.db, Artifact, r);
      return [a.name, { artifact: a, next: a.versionCounter - numbered.get(a.name)! + 1 }];
    }));
    const planned = specs.map((spec) => {
      const slot = artifacts.get(spec.artifact)!;
      return { spec, artifact: slot.artifact, version: spec.version ?? String(slot.next++) };
    });
    const named = planned.filter((p) => p.spec.version != null);
    if (named.length) {
      const seen = new Set<string>();
      for (const p of named) {
        const key = `${p.artifact.id}/${p.version}`;
        if (seen.has(key)) throw new ConflictError(`artifact "${p.artifact.name}" would get version "${p.version}" twice`);
        seen.add(key);
      }
      const [taken] = await tx.query(
        `SELECT a.name, v.version FROM unnest($2::uuid[], $3::text[]) AS x(artifact_id, version)
         JOIN artifact_version v ON v.project_id = $1 AND v.artifact_id = x.artifact_id AND v.version = x.version AND v.deleted_at IS NULL
         JOIN artifact a ON a.project_id = v.project_id AND a.id = v.artifact_id LIMIT 1`,
        [projectId, named.map((p) => p.artifact.id), named.map((p) => p.version)]);
      if (taken) throw new ConflictError(`artifact "${taken.name}" already has version "${taken.version}"`);
    }
    const rows: Record<string, unknown>[] = await tx.query(
      `INSERT INTO artifact_version (project_id, artifact_id, version, type, uri, data_type, metadata, producer_step_id, producer_run_id, output_name)
       SELECT $1, a, v, t, u, d, m, $8, $9, o
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $10::text[]) WITH ORDINALITY AS x(a, v, t, u, d, m, o, i)
       ORDER BY i RETURNING *`,
      [projectId, planned.map((p) => p.artifact.id), planned.map((p) => p.version), planned.map((p) => p.spec.type ?? ArtifactType.DATA),
        planned.map((p) => p.spec.uri ?? null), planned.map((p) => p.spec.dataType ?? null), planned.map((p) => JSON.stringify(p.spec.metadata ?? {})),
        producer?.stepId ?? null, producer?.runId ?? null, planned.map((p) => p.spec.outputName ?? null)]);
    const byKey = new Map(rows.map((r) => [`${r.artifact_id}/${r.version}`, hydrate(this.db, ArtifactVersion, r)]));
    const created = planned.map((p) => byKey.get(`${p.artifact.id}/${p.version}`)!);
    emit(tx, ...created.map((v, i) => artifactVersionCreated(v, planned[i].artifact.name)));
    await this.tags.applyMany(tx, by, projectId, created.map((v, i) => ({
      target: { type: 'ARTIFACT_VERSION' as const, id: v.id, projectId, scopeId: v.artifactId },
      tags: specs[i].tags ?? [], inherited: producer?.cascade,
    })));
    return created;
  }

  async register(ctx: Context, input: RegisterArtifactVersionInput): Promise<ArtifactVersion> {
    this.validate(input);
    idempotencyKeyOf(ctx);
    const { project, version, artifact, tags } = await transaction(this.db, async (tx) => {
      const project = await writableProject(ctx, tx, input.project);
      const version = await once(ctx, tx, 'registerArtifactVersion', input, 'ArtifactVersion', async () => (await this.createVersions(tx, ctx.principal, project.id, [input]))[0]);
      const [[artifact], tags]: Record<string, unknown>[][] = await Promise.all([
        tx.query('SELECT * FROM artifact WHERE project_id = $1 AND id = $2', [project.id, version.artifactId]),
        tx.query(`SELECT tg.* FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
          WHERE ta.project_id = $1 AND ta.resource_id = $2 ORDER BY tg.name`, [project.id, version.id]),
      ]);
      return { project, version, artifact: hydrate(this.db, Artifact, artifact), tags: tags.map((t) => hydrate(this.db, Tag, t)) };
    });
    // The answer's usual fields come from the transaction: after the commit they need no pool
    // connection, which a busy pool might not give in time for a write that is already in.
    ctx.loaders.artifactVersionById.clear(version.id).prime(version.id, version);
    ctx.loaders.artifactById.clear(artifact.id).prime(artifact.id, artifact);
    ctx.loaders.projectById.clear(project.id).prime(project.id, project);
    ctx.loaders.tagsByResourceId.clear(version.id).prime(version.id, tags);
    return version;
  }

  /** Renames keep the id, the versions and every lineage edge. */
  async update(ctx: Context, input: UpdateArtifactInput): Promise<Artifact> {
    const { id } = decodeId('Artifact', input.id);
    const name = given(input.name ?? undefined, (v) => validateName(v, 'name'));
    const artifact = await transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, 'Artifact', id, { role: Role.EDITOR, action: 'updating an artifact', lock: 'FOR NO KEY UPDATE', ref: input.id });
      await assertNameFree(tx, 'Artifact', row, name, () => `artifact "${name}" already exists in this project`);
      return hydrate(this.db, Artifact, await updateRow(tx, 'Artifact', row, { name }));
    });
    ctx.loaders.artifactById.clear(id);
    return artifact;
  }

  findArtifact(ctx: Context, projectName: string, name: string): Promise<Artifact | null> {
    return this.projects.findByName(ctx, Artifact, 'artifact', projectName, name);
  }

  /** version: a version string, "latest" (the newest by creation), or an exclusive tag (version-refs.ts). */
  async findVersion(ctx: Context, projectName: string, artifactName: string, version: string): Promise<ArtifactVersion | null> {
    const artifact = await this.findArtifact(ctx, projectName, artifactName);
    if (!artifact) return null;
    // With no version at all, no tag can name one either.
    if (version === 'latest') return ctx.loaders.latestVersionByArtifactId.load(artifact.id);
    const sql = new Sql();
    const [row] = await this.db.query(artifactVersionRefSql(sql, `(${sql.p(artifact.projectId)}::uuid, ${sql.p(artifact.id)}::uuid)`, version), sql.params);
    return row ? hydrate(this.db, ArtifactVersion, row) : null;
  }
}
