// Environment parsed once at start-up, typed; a bad value stops the process with a clear message.
import os from 'node:os';
import path from 'node:path';

export type AuthMode = 'required' | 'off';

export interface Config {
  port: number;
  host: string;
  /** HOST was given: with AUTH=off the server then listens where it says, with a warning. */
  hostExplicit: boolean;
  /** Extra Host header names accepted when AUTH=off (loopback names and HOST always are). */
  allowedHosts: string[];
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPort: number | undefined;
  auth: AuthMode;
  adminApiKey: string | undefined;
  production: boolean;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
  bodyLimitBytes: number;
  introspection: boolean;
  corsOrigins: string[] | undefined;
  poolSize: number;
  logLevel: string;
  slowOperationMs: number;
  playground: boolean;
  metrics: boolean;
  eventRetentionDays: number;
  subscriptionSendTimeoutMs: number;
  webhooks: { maxAttempts: number; backoffMs: number; timeoutMs: number; allowedHosts: string[] };
  /** Query operations compile to one SQL statement (src/compiler); false: every operation runs on the resolvers. */
  compiler: boolean;
  /** Honour `x-execution-path: resolvers` (tests and debugging only). */
  executionPathHeader: boolean;
  /** HTTP server processes (node:cluster); 1 runs in this process. */
  workers: number;
  /** A bearer token that may read /metrics besides ADMIN keys (AUTH=required). */
  metricsToken: string | undefined;
  /** statement_timeout for reads (and the longest wait for a pool connection); 0: none. */
  statementTimeoutMs: number;
  /** statement_timeout inside mutation transactions. */
  writeStatementTimeoutMs: number;
  /** Pool connections kept for cheap acquisitions (see src/db/pool-gate.ts). */
  poolReserved: number;
  /** A request running longer than this is heavy. */
  heavyAfterMs: number;
  /** How long shutdown waits for requests in flight before cutting them. */
  shutdownTimeoutMs: number;
  /** Send debug headers (x-sql-statements) with each GraphQL response. */
  debugHeaders: boolean;
}

/** Names that always reach this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function port(env: NodeJS.ProcessEnv): number {
  const value = int(env, 'PORT', 4000);
  if (value > 65535) throw new ConfigError(`PORT must be at most 65535, got "${env.PORT}"`);
  return value;
}

function poolReserved(env: NodeJS.ProcessEnv): number {
  const size = int(env, 'PG_POOL_SIZE', 10, 1);
  const reserved = int(env, 'PG_POOL_RESERVED', Math.ceil(size / 4));
  if (size > 1 && reserved >= size) throw new ConfigError(`PG_POOL_RESERVED must be below PG_POOL_SIZE (${size}), got "${env.PG_POOL_RESERVED}"`);
  return size > 1 ? reserved : 0;
}

/** Secrets shorter than this are refused, here and by `npm run apikey`. */
export const MIN_SECRET_LENGTH = 16;

function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${name} is ${value.length} characters long; use a secret of ${MIN_SECRET_LENGTH}+ characters (e.g. \`openssl rand -hex 24\`)`);
  }
  return value;
}

/** The estimated query cost (src/graphql/limits.ts) refused beyond, unless MAX_QUERY_COST says otherwise. */
export const DEFAULT_MAX_QUERY_COST = 1_000_000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const hostExplicit = Boolean(env.HOST);
  // Anonymous ADMIN only where nobody else can reach it: auth is required in production and
  // whenever the server listens beyond loopback, unless AUTH=off says otherwise.
  const auth = (env.AUTH || (production || (hostExplicit && !isLoopback(env.HOST!)) ? 'required' : 'off')) as AuthMode;
  if (auth !== 'required' && auth !== 'off') throw new ConfigError(`AUTH must be "required" or "off", got "${env.AUTH}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    port: port(env),
    host: env.HOST || (auth === 'off' ? '127.0.0.1' : '0.0.0.0'),
    hostExplicit,
    allowedHosts: (env.ALLOWED_HOSTS ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    embeddedPort: env.EMBEDDED_PG_PORT ? int(env, 'EMBEDDED_PG_PORT', 0, 1) : undefined,
    auth,
    adminApiKey: secret(env, 'ADMIN_API_KEY'),
    production,
    maxDepth: int(env, 'MAX_QUERY_DEPTH', 12, 1),
    maxCost: int(env, 'MAX_QUERY_COST', DEFAULT_MAX_QUERY_COST, 1),
    maxAliases: int(env, 'MAX_ALIASES', 100, 1),
    maxRootFields: int(env, 'MAX_ROOT_FIELDS', 20, 1),
    maxTokens: int(env, 'MAX_TOKENS', 5000, 1),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1),
    introspection: bool(env, 'INTROSPECTION', true),
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    poolSize: int(env, 'PG_POOL_SIZE', 10, 1),
    logLevel: env.LOG_LEVEL || 'info',
    slowOperationMs: int(env, 'SLOW_OPERATION_MS', 500),
    playground: bool(env, 'PLAYGROUND', true),
    metrics: bool(env, 'METRICS', true),
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 90, 1),
    subscriptionSendTimeoutMs: int(env, 'SUBSCRIPTION_SEND_TIMEOUT_MS', 30_000, 1),
    webhooks: {
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 6, 1),
      backoffMs: int(env, 'WEBHOOK_BACKOFF_MS', 20_000, 1),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 1),
      allowedHosts: (env.WEBHOOK_ALLOWED_HOSTS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    },
    compiler: bool(env, 'COMPILER', true),
    executionPathHeader: bool(env, 'EXECUTION_PATH_HEADER', false),
    workers: env.WORKERS === 'auto' ? os.availableParallelism() : int(env, 'WORKERS', 1, 1),
    metricsToken: secret(env, 'METRICS_TOKEN'),
    debugHeaders: bool(env, 'DEBUG_HEADERS', false),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 8000),
    statementTimeoutMs: int(env, 'STATEMENT_TIMEOUT_MS', 15_000),
    writeStatementTimeoutMs: int(env, 'WRITE_STATEMENT_TIMEOUT_MS', 30_000),
    poolReserved: poolReserved(env),
    heavyAfterMs: int(env, 'HEAVY_AFTER_MS', 1000),
  };
}
