import { ForbiddenError } from '../../graphql/errors';
import { Role, roleAtLeast } from './role';

/** Who is calling: an api key, or the anonymous admin when authentication is off. */
export interface Principal {
  name: string;
  role: Role;
  keyId: string | null;
  /** Project names the key is limited to; empty means every project. */
  projects: string[];
  /** Ids of those projects (null: every project). */
  projectIds: string[] | null;
}

export const ANONYMOUS: Principal = { name: 'anonymous', role: Role.ADMIN, keyId: null, projects: [], projectIds: null };

export function canSeeProject(principal: Principal, projectId: string): boolean {
  return principal.projectIds === null || principal.projectIds.includes(projectId);
}

/** Whether every one of these projects is within the principal's reach (an unlimited principal reaches all). */
export function coversProjects(principal: Principal, names: readonly string[]): boolean {
  return principal.projectIds === null || (names.length > 0 && names.every((n) => principal.projects.includes(n)));
}

/** coversProjects in SQL, for a text[] column of project names and the SQL of a text[] parameter holding principal.projects. */
export function coversProjectsSql(column: string, projectsParam: string): string {
  return `(cardinality(${column}) > 0 AND ${column} <@ ${projectsParam}::text[])`;
}

export function assertRole(principal: Principal, needed: Role, action: string): void {
  if (!roleAtLeast(principal.role, needed)) {
    throw new ForbiddenError(`${action} needs the ${needed} role; this key has ${principal.role}`);
  }
}
