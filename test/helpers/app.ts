// A fresh app per test file: its own database on the test server, the real HTTP server on a free port.
import '../../src/graphql/fast-path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { closeApp, createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startHttpServer } from '../../src/server';

export interface GqlResult<T = any> {
  status: number;
  data: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: (string | number)[] }[];
  sqlStatements: number;
}

export interface TestApp {
  url: string;
  databaseUrl: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string> }): Promise<GqlResult<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string }): Promise<T>;
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set: run the tests with `npm test`');
  const name = `mag_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  // Tests count statements through x-sql-statements: the debug header is on unless a test says
  // otherwise. Test data sets are large and test machines loaded: no statement timeout here
  // (test/timeouts.test.ts sets its own).
  const config = loadConfig({ LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DEBUG_HEADERS: 'true', STATEMENT_TIMEOUT_MS: '0', ...env, DATABASE_URL: database.url });
  const app = await createApp(config, createLogger(config.logLevel));
  const http = await startHttpServer(app, 0, '127.0.0.1');
  const sqlClient = new Client({ connectionString: database.url });
  await sqlClient.connect();

  const gql = async (query: string, variables?: Record<string, unknown>, options: { token?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await fetch(http.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = await res.json() as { data: any; errors?: GqlResult['errors'] };
    return { status: res.status, data: body.data, errors: body.errors, sqlStatements: Number(res.headers.get('x-sql-statements')) };
  };
  return {
    url: http.url,
    databaseUrl: database.url,
    gql,
    ok: async (query, variables, options) => {
      const r = await gql(query, variables, options);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data;
    },
    sql: async (text, params) => (await sqlClient.query(text, params)).rows,
    close: async () => {
      await sqlClient.end();
      await http.close();
      await closeApp(app);
      await database.drop();
    },
  };
}

/** The extensions.code of the first error, for concise assertions. */
export const codeOf = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
