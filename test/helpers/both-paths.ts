import assert from 'node:assert/strict';
import type { TestApp } from './app';
import { rawRequest } from './http-gql';

/**
 * Asks the same query on the compiled path (the default) and on the resolver path: both answer
 * without errors, the default was compiled, and the two answers are equal. Returns the data.
 * The app must run with EXECUTION_PATH_HEADER=true.
 */
export async function bothPaths(app: TestApp, query: string, variables: Record<string, unknown> = {}) {
  const ask = async (headers: Record<string, string>) => {
    const r = await rawRequest(app.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return { path: r.headers.get('x-execution-path')?.split(';')[0], body: r.body };
  };
  const compiled = await ask({});
  const resolvers = await ask({ 'x-execution-path': 'resolvers' });
  assert.equal(compiled.body.errors, undefined, JSON.stringify(compiled.body.errors));
  assert.deepEqual([compiled.path, resolvers.path], ['compiled', 'resolvers']);
  assert.deepEqual(compiled.body, resolvers.body);
  return compiled.body.data;
}
