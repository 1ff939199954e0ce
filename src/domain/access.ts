// The one way a write reaches an existing row: load → scope check → role check → lock, in that
// order. Nothing locks a row before the caller is known to see it, so a scoped key never waits
// on (or learns anything from) another project's locks: it is told NOT_FOUND at once.
import { EntityManager } from 'typeorm';
import type { Context } from '../graphql/context';
import { ConflictError, ForbiddenError, NotFoundError } from '../graphql/errors';
import { ENTITY_OF } from '../graphql/loaders';
import { hydrate } from '../db/data-source';
import { assertRole, canSeeProject } from './auth/principal';
import { Role } from './auth/role';
import { KindName, KINDS } from './kinds';
import type { ArtifactVersion } from './artifacts/artifact-version.entity';
import type { Artifact } from './artifacts/artifact.entity';
import type { ModelVersion } from './models/model-version.entity';
import type { Model } from './models/model.entity';
import type { Pipeline } from './pipelines/pipeline.entity';
import type { Project } from './projects/project.entity';
import type { PipelineRun } from './runs/pipeline-run.entity';
import type { StepRun } from './runs/step-run.entity';
import type { Tag } from './tags/tag.entity';

/**
 * Row locks, weakest first. NO KEY UPDATE serialises writers of a row without blocking inserts
 * of rows that reference it (their foreign key takes KEY SHARE); UPDATE also blocks those.
 */
export type LockMode = 'FOR NO KEY UPDATE' | 'FOR UPDATE';

/** The entity of each kind whose rows belong to a project (all but api keys and the server-wide stacks). */
interface ProjectEntities {
  Project: Project; Pipeline: Pipeline; PipelineRun: PipelineRun; StepRun: StepRun; Artifact: Artifact;
  ArtifactVersion: ArtifactVersion; Model: Model; ModelVersion: ModelVersion; Tag: Tag;
}
export type ProjectKind = keyof ProjectEntities & { [K in KindName]: (typeof KINDS)[K]['project'] extends string ? K : never }[KindName];

/** How messages name a kind: "model version" for ModelVersion. */
const label = (kind: KindName) => (kind === 'PipelineRun' ? 'run' : kind === 'StepRun' ? 'step' : kind.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase());

export interface WriteAccess {
  /** The minimum role, and the action named in the FORBIDDEN message. */
  role: Role;
  action: string;
  /** Taken only after the scope and role checks pass; the row is read again under the lock. */
  lock?: LockMode;
  /** How the caller named the row (its global id, or a name), for the NOT_FOUND message. */
  ref: string;
  /** A soft-deleted row is CONFLICT ("restore it first") unless this is set: delete and restore themselves. */
  allowDeleted?: boolean;
}

async function load<K extends ProjectKind>(ctx: Context, tx: EntityManager, kind: K, column: 'id' | 'name', value: string, access: WriteAccess) {
  const { table, project } = KINDS[kind];
  const notFound = () => new NotFoundError(`${label(kind)} "${access.ref}" not found`);
  let [row] = await tx.query(`SELECT * FROM ${table} WHERE ${column} = $1`, [value]);
  if (!row || !canSeeProject(ctx.principal, row[project])) throw notFound();
  assertRole(ctx.principal, access.role, access.action);
  if (access.lock) {
    [row] = await tx.query(`SELECT * FROM ${table} WHERE ${project} = $1 AND id = $2 ${access.lock}`, [row[project], row.id]);
    if (!row) throw notFound();
  }
  if (row.deleted_at && !access.allowDeleted) throw new ConflictError(`${label(kind)} "${access.ref}" is deleted; restore it first`);
  return { entity: hydrate(tx.connection, ENTITY_OF[kind], row) as unknown as ProjectEntities[K], row: row as Record<string, any> };
}

/** A row of a project-owned kind by id, for writing; `row` has the columns by database name. */
export function writable<K extends ProjectKind>(ctx: Context, tx: EntityManager, kind: K, id: string, access: WriteAccess) {
  return load(ctx, tx, kind, 'id', id, access);
}

/** The project of that name, for writing in it. */
export async function writableProject(ctx: Context, tx: EntityManager, name: string,
  access: Partial<WriteAccess> = {}): Promise<Project> {
  return (await load(ctx, tx, 'Project', 'name', name, { role: Role.EDITOR, action: 'writing', ref: name, ...access })).entity;
}

/**
 * Locks a row whose project the caller has already been checked against (the parent of a row
 * that went through writable(), or a row in a writableProject()).
 */
export async function lockChecked(tx: EntityManager, kind: ProjectKind, projectId: string, id: string, mode: LockMode = 'FOR NO KEY UPDATE'): Promise<void> {
  const { table, project } = KINDS[kind];
  await tx.query(`SELECT 1 FROM ${table} WHERE ${project} = $1 AND id = $2 ${mode}`, [projectId, id]);
}

/** Server-wide rows (stacks, components) are every project's: only an ADMIN key limited to no project changes them. */
export function assertServerAdmin(ctx: Context, action: string): void {
  assertRole(ctx.principal, Role.ADMIN, action);
  if (ctx.principal.projectIds !== null) {
    throw new ForbiddenError(`${action} needs an ADMIN key that is not limited to projects; this key is limited to ${ctx.principal.projects.join(', ')}`);
  }
}
