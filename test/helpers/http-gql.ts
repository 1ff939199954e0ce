// Plain HTTP GraphQL calls against any server URL (a second replica, a server on its own
// database), with a time limit so a hanging server fails the test instead of stalling it.
import type { GqlResult } from './app';

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: any;
  ms: number;
}

export async function rawRequest(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<RawResponse> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
  const text = await res.text();
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, headers: res.headers, text, body, ms: Date.now() - started };
}

export async function gqlAt<T = any>(url: string, query: string, variables?: Record<string, unknown>,
  options: { token?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<GqlResult<T> & { ms: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const r = await rawRequest(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), timeoutMs: options.timeoutMs });
  return { status: r.status, data: r.body?.data, errors: r.body?.errors, sqlStatements: Number(r.headers.get('x-sql-statements')), ms: r.ms, text: r.text };
}

export async function okAt<T = any>(url: string, query: string, variables?: Record<string, unknown>, options: { token?: string } = {}): Promise<T> {
  const r = await gqlAt<T>(url, query, variables, options);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** The global id the API uses for a row: base64url("<Type>:<uuid>"). */
export const globalId = (type: string, uuid: string) => Buffer.from(`${type}:${uuid}`).toString('base64url');
