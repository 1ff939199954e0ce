import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Context } from '../../graphql/context';
import { ConflictError, ForbiddenError, NotFoundError } from '../../graphql/errors';
import { NameFilter, PageArgs, pageRequest } from '../../graphql/pagination';
import { validateName, validateText } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { listPage, ListSource } from '../../db/lists';
import { transaction } from '../../db/transaction';
import { Sql } from '../../db/sql';
import { assertRole, canSeeProject, coversProjects, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { Project } from './project.entity';
import { CreateProjectInput, UpdateProjectInput } from './projects.types';
import { given, updateRow } from '../lifecycle/edits';
import { writable } from '../access';
import { decodeId } from '../../graphql/ids';
import { EventKind } from '../events/event-kind';
import { emit } from '../events/events.outbox';

export const PROJECTS: ListSource<NameFilter> = { entity: Project, table: 'project' };

/** Limits a list to the caller's projects (alias t, column project_id or id for projects). */
export function visibleProjects(principal: Principal, column = 't.project_id') {
  return (sql: Sql) => (principal.projectIds === null ? [] : [`${column} = ANY(${sql.p(principal.projectIds)}::uuid[])`]);
}

export class ProjectsService {
  constructor(private readonly db: DataSource) {}

  async create(ctx: Context, input: CreateProjectInput): Promise<Project> {
    assertRole(ctx.principal, Role.ADMIN, 'creating a project');
    const name = validateName(input.name, 'name');
    if (!coversProjects(ctx.principal, [name])) {
      throw new ForbiddenError(`this key is limited to projects ${ctx.principal.projects.join(', ')}; it can't create project "${name}"`);
    }
    const displayName = validateText(input.displayName, 'displayName', 255);
    const description = validateText(input.description, 'description');
    return transaction(this.db, async (tx) => {
      const project = await this.insert(tx, { name, displayName, description });
      if (!project) throw new ConflictError(`project "${name}" already exists`);
      return project;
    });
  }

  /** A new project inside the caller's transaction (whose caller checked it may create it), or null when the name is taken. */
  async insert(tx: EntityManager, fields: { name: string; displayName: string | null; description: string | null }): Promise<Project | null> {
    const [row] = await tx.query(
      'INSERT INTO project (name, display_name, description) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING *',
      [fields.name, fields.displayName, fields.description]);
    if (!row) return null;
    emit(tx, { kind: EventKind.PROJECT_CREATED, projectId: row.id, subject: 'Project', subjectId: row.id, data: { name: fields.name } });
    return hydrate(this.db, Project, row);
  }

  /** Project names stay fixed: api keys name the projects they are limited to. */
  async update(ctx: Context, input: UpdateProjectInput): Promise<Project> {
    const { id } = decodeId('Project', input.id);
    const changes = {
      display_name: given(input.displayName, (v) => validateText(v, 'displayName', 255)),
      description: given(input.description, (v) => validateText(v, 'description')),
    };
    const project = await transaction(this.db, async (tx) => {
      const { row } = await writable(ctx, tx, 'Project', id, { role: Role.ADMIN, action: 'updating a project', lock: 'FOR NO KEY UPDATE', ref: input.id });
      return hydrate(this.db, Project, await updateRow(tx, 'Project', row, changes));
    });
    ctx.loaders.projectById.clear(id);
    ctx.loaders.projectByName.clear(project.name);
    return project;
  }

  list(ctx: Context, args: PageArgs & { filter?: NameFilter }) {
    return listPage<Project, NameFilter>(this.db, PROJECTS, {
      filter: args.filter, page: pageRequest(args), scope: visibleProjects(ctx.principal, 't.id'),
    });
  }

  /** The project by name if the caller may see it, else null. */
  async find(ctx: Context, name: string): Promise<Project | null> {
    const project = await ctx.loaders.projectByName.load(name);
    return project && canSeeProject(ctx.principal, project.id) ? project : null;
  }

  /** For lookups inside a project: a project the caller can't see does not exist. */
  async get(ctx: Context, name: string, tx?: EntityManager): Promise<Project> {
    const project = tx ? await this.findInTx(tx, name) : await ctx.loaders.projectByName.load(name);
    if (!project || !canSeeProject(ctx.principal, project.id)) throw new NotFoundError(`project "${name}" not found`);
    return project;
  }

  /** A live row of `table` (a deletable kind) by its name within a project the caller may see, in one statement. */
  async findByName<T extends ObjectLiteral>(ctx: Context, entity: EntityTarget<T>, table: string, projectName: string, name: string): Promise<T | null> {
    const [row] = await this.db.query(
      `SELECT t.* FROM ${table} t JOIN project p ON p.id = t.project_id WHERE p.name = $1 AND t.name = $2 AND t.deleted_at IS NULL`, [projectName, name]);
    return row && canSeeProject(ctx.principal, row.project_id) ? hydrate(this.db, entity, row) : null;
  }

  private async findInTx(tx: EntityManager, name: string): Promise<Project | null> {
    const [row] = await tx.query('SELECT * FROM project WHERE name = $1', [name]);
    return row ? hydrate(this.db, Project, row) : null;
  }
}
