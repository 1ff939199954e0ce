// API keys: random secrets shown once, stored as SHA-256 hashes; roles and project scopes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../graphql/errors';
import { decodeId } from '../../graphql/ids';
import { validateName } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { requestScope } from '../../db/request-scope';
import { transaction } from '../../db/transaction';
import { ApiKey } from './api-key.entity';
import { CreateApiKeyInput, CreatedApiKey } from './auth.types';
import { ANONYMOUS, assertRole, coversProjects, coversProjectsSql, Principal } from './principal';
import { Role } from './role';

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export const newSecret = () => `mag_${randomBytes(32).toString('base64url')}`;
const LAST_USED_GRANULARITY_MS = 60_000;
/**
 * A key's principal is reused this long, so a request costs no lookup statement. Revoking a key
 * takes effect at once in this process and within this time in other workers and replicas.
 */
export const PRINCIPAL_CACHE_MS = 5_000;
const MAX_CACHED_PRINCIPALS = 10_000;

export class AuthService {
  private readonly principals = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly db: DataSource, private readonly required: boolean) {}

  /**
   * The caller of a request; a bad or revoked key is always refused, even with auth off. It also
   * becomes the actor of the events the request writes.
   */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const principal = await this.identify(authorization);
    const scope = requestScope.getStore();
    if (scope) scope.actor = principal.name;
    return principal;
  }

  private async identify(authorization: string | undefined): Promise<Principal> {
    if (!authorization) {
      if (this.required) throw new UnauthenticatedError('an api key is required: send "Authorization: Bearer <secret>"');
      return ANONYMOUS;
    }
    const match = /^Bearer\s+(\S{1,200})$/i.exec(authorization.trim());
    if (!match) throw new UnauthenticatedError('the Authorization header must be "Bearer <secret>"');
    const hash = hashSecret(match[1]);
    const cached = this.principals.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const [row] = await this.db.query(
      `SELECT k.*, CASE WHEN cardinality(k.projects) = 0 THEN NULL
         ELSE ARRAY(SELECT p.id FROM project p WHERE p.name = ANY(k.projects)) END AS project_ids
       FROM api_key k WHERE k.secret_hash = $1`, [hash]);
    // The lookup is by hash; the constant-time compare guards the equality decision itself.
    if (!row || !timingSafeEqual(Buffer.from(row.secret_hash, 'hex'), Buffer.from(hash, 'hex')) || row.revoked_at) {
      throw new UnauthenticatedError('the api key is unknown or revoked');
    }
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > LAST_USED_GRANULARITY_MS) {
      await this.db.query('UPDATE api_key SET last_used_at = clock_timestamp() WHERE id = $1', [row.id]);
    }
    const principal: Principal = { name: row.name, role: row.role as Role, keyId: row.id, projects: row.projects, projectIds: row.project_ids };
    // A key naming a project that does not exist yet must see it once it is created: not cached.
    if (principal.projectIds === null || principal.projectIds.length === principal.projects.length) {
      if (this.principals.size >= MAX_CACHED_PRINCIPALS) this.principals.clear();
      this.principals.set(hash, { principal, until: Date.now() + PRINCIPAL_CACHE_MS });
    }
    return principal;
  }

  async create(ctx: Context, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    assertRole(ctx.principal, Role.ADMIN, 'creating an api key');
    // A key limited to some projects can hand out keys for those projects only.
    if (!coversProjects(ctx.principal, input.projects ?? [])) {
      throw new ForbiddenError(`this key is limited to projects ${ctx.principal.projects.join(', ')}; it can only create keys limited to them`);
    }
    return this.createKey(input);
  }

  /** Admins see keys; a scoped admin only those limited to its own projects (others would name other projects). */
  canSee(principal: Principal, key: { projects: string[] }): boolean {
    return principal.role === Role.ADMIN && coversProjects(principal, key.projects);
  }

  /** Also used by the bootstrap CLI and ADMIN_API_KEY, where there is no request. */
  async createKey(input: CreateApiKeyInput, secret = newSecret()): Promise<CreatedApiKey> {
    const name = validateName(input.name, 'name');
    const projects = [...new Set(input.projects ?? [])];
    projects.forEach((p, i) => validateName(p, `projects[${i}]`));
    if (secret.length < 16) throw new BadUserInputError('an api key secret must be at least 16 characters', 'secret');
    return transaction(this.db, async (tx) => {
      // Keys are revoked by name, so live names are unique (uq_api_key_active_name backs this up);
      // the same secret again is the same key (ADMIN_API_KEY at every start), not a conflict.
      const [taken] = await tx.query('SELECT 1 FROM api_key WHERE name = $1 AND revoked_at IS NULL AND secret_hash <> $2', [name, hashSecret(secret)]);
      if (taken) throw new ConflictError(`an api key named "${name}" already exists: choose another name, or revoke it first`);
      const [row] = await tx.query(
        'INSERT INTO api_key (name, role, projects, secret_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (secret_hash) DO UPDATE SET name = api_key.name RETURNING *',
        [name, input.role, projects, hashSecret(secret)]);
      return { apiKey: hydrate(this.db, ApiKey, row), secret };
    });
  }

  async revoke(ctx: Context, globalId: string): Promise<ApiKey> {
    assertRole(ctx.principal, Role.ADMIN, 'revoking an api key');
    const { id } = decodeId('ApiKey', globalId);
    const revoked = await transaction(this.db, async (tx) => {
      const [found] = await tx.query('SELECT projects FROM api_key WHERE id = $1', [id]);
      if (!found || !this.canSee(ctx.principal, found)) throw new NotFoundError(`api key "${globalId}" not found`);
      const [[row]] = await tx.query('UPDATE api_key SET revoked_at = COALESCE(revoked_at, clock_timestamp()) WHERE id = $1 RETURNING *', [id]);
      return hydrate(this.db, ApiKey, row);
    });
    // After the commit: a request between the update and the commit could have cached the key again.
    for (const [hash, entry] of this.principals) if (entry.principal.keyId === id) this.principals.delete(hash);
    return revoked;
  }

  /** The oldest `first` keys the caller may see; canSee's rule, in SQL so that LIMIT counts only those. */
  async list(ctx: Context, first: number): Promise<ApiKey[]> {
    assertRole(ctx.principal, Role.ADMIN, 'listing api keys');
    const scope = ctx.principal.projectIds === null ? null : ctx.principal.projects;
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT * FROM api_key WHERE $1::text[] IS NULL OR ${coversProjectsSql('projects', '$1')} ORDER BY created_at, id LIMIT $2`, [scope, first]);
    return rows.map((r) => hydrate(this.db, ApiKey, r)).filter((k) => this.canSee(ctx.principal, k));
  }
}
