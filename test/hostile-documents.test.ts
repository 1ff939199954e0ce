// 2,000 generated hostile documents over HTTP: deep, wide, fragment graphs and cycles, aliases,
// huge id lists, long strings and big `first`. Each must be answered or refused with a known
// code within a time bound, while the server's heap (this process) stays bounded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startTestApp, TestApp } from './helpers/app';
import { createProject } from './helpers/fixtures';
import { globalId, rawRequest } from './helpers/http-gql';

const DOCUMENTS = 2000;
const CONCURRENCY = 8;
/** Generous: the point is "not blocked for seconds", not a speed figure. */
const PER_REQUEST_MS = 10_000;
const HEAP_BOUND_BYTES = 768 * 1024 * 1024;
const KNOWN_CODES = new Set(['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'NOT_FOUND', 'BAD_REQUEST']);

let app: TestApp;
const ids: string[] = [];

before(async () => {
  app = await startTestApp();
  ids.push(await createProject(app, 'hostile'));
  const run = (await app.ok('mutation { startRun(input: { project: "hostile", pipeline: "p", tags: [{ name: "t" }] }) { id } }')).startRun;
  const step = (await app.ok(`mutation($r: ID!) { recordStep(input: { run: $r, name: "s", status: COMPLETED, outputs: [{ name: "o", artifact: "a" }] }) { id outputs { artifactVersion { id } } } }`,
    { r: run.id })).recordStep;
  ids.push(run.id, step.id, step.outputs[0].artifactVersion.id);
});
after(async () => { await app.close(); });

interface Hostile { kind: string; query: string; variables?: Record<string, unknown> }

const name = fc.constantFrom('id', 'name', 'createdAt', '__typename', 'description');
const bigInt = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(0, 100, 101, 1000, 1001, 2 ** 31 - 1, -(2 ** 31)));

const deep: fc.Arbitrary<Hostile> = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.boolean()).map(([depth, known]) => {
  if (!known) return { kind: 'deep unknown', query: `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }` };
  let inner = 'name';
  for (let i = 0; i < depth; i++) inner = i % 2 === 0 ? `nodes { project { ${inner} } }` : `pipelines { ${inner} }`;
  return { kind: 'deep', query: `{ project(name: "hostile") { pipelines { ${inner} } } }` };
});

const wide: fc.Arbitrary<Hostile> = fc.tuple(fc.integer({ min: 1, max: 1500 }), fc.array(name, { minLength: 1, maxLength: 5 }))
  .map(([n, fields]) => ({ kind: 'wide', query: `{ projects { nodes { ${Array.from({ length: n }, (_, i) => fields[i % fields.length]).join(' ')} } } }` }));

/** n fragments on Project, each spreading random others (cycles and doubling included). */
const fragments: fc.Arbitrary<Hostile> = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 4 }), { minLength: n, maxLength: n }).map((spreads) => {
    const defs = spreads.map((to, i) => `fragment F${i} on Project { name ${to.map((j) => `...F${j}`).join(' ')} }`);
    return { kind: 'fragments', query: `query { projects { nodes { ...F0 } } } ${defs.join(' ')}` };
  }));

const doubling: fc.Arbitrary<Hostile> = fc.integer({ min: 1, max: 400 }).map((n) => {
  let text = 'query { projects { nodes { ...F0 } } }';
  for (let i = 0; i < n; i++) text += ` fragment F${i} on Project { ...F${i + 1} ...F${i + 1} }`;
  return { kind: 'doubling', query: `${text} fragment F${n} on Project { name }` };
});

const aliases: fc.Arbitrary<Hostile> = fc.integer({ min: 1, max: 3000 })
  .map((n) => ({ kind: 'aliases', query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: project(name: "hostile") { id }`).join(' ')} }` }));

const idLists: fc.Arbitrary<Hostile> = fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.boolean(), fc.boolean()).map(([n, inVariables, valid]) => {
  const list = Array.from({ length: n }, (_, i) => (valid ? ids[i % ids.length] : globalId('Project', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)));
  return inVariables
    ? { kind: 'ids (variables)', query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: list } }
    : { kind: 'ids (literal)', query: `{ nodes(ids: [${list.map((id) => JSON.stringify(id)).join(',')}]) { id } }` };
});

const longStrings: fc.Arbitrary<Hostile> = fc.tuple(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('x', 'é', '\\u0000', '"', ' '), fc.boolean())
  .map(([n, ch, inVariables]) => {
    const value = ch === '\\u0000' ? '\0'.repeat(n) : ch === '"' ? '"'.repeat(n) : ch.repeat(n);
    return inVariables
      ? { kind: 'long string (variables)', query: 'query($n: String!) { project(name: $n) { id } }', variables: { n: value } }
      : { kind: 'long string (literal)', query: `{ project(name: ${JSON.stringify(value)}) { id } }` };
  });

const bigFirst: fc.Arbitrary<Hostile> = fc.tuple(bigInt, bigInt, fc.constantFrom('literal', 'variable')).map(([a, b, how]) => {
  const body = (x: string, y: string) => `projects(first: ${x}) { nodes { runs(first: ${y}) { nodes { tags(first: ${y}) { name } steps(first: ${y}) { name inputs(first: ${x}) { name } } } } } }`;
  return how === 'literal'
    ? { kind: 'big first', query: `{ ${body(String(a), String(b))} }` }
    : { kind: 'big first (variables)', query: `query($a: Int, $b: Int!) { ${body('$a', '$b')} }`, variables: { a, b } };
});

const junk: fc.Arbitrary<Hostile> = fc.array(fc.constantFrom('{', '}', '(', ')', '...', 'query', 'fragment', 'on', ':', '$', '@', '"', 'a', '[', ']', '#', '\n'), { maxLength: 400 })
  .map((parts) => ({ kind: 'junk', query: parts.join(' ') }));

const hostile = fc.oneof(deep, wide, fragments, doubling, aliases, idLists, longStrings, bigFirst, junk);

test('2,000 hostile documents are each answered or refused with a known code in time, and the heap stays bounded', async (t) => {
  const documents = fc.sample(hostile, { numRuns: DOCUMENTS, seed: 20261130 });
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  let maxHeap = 0;
  let slowest = 0;
  let next = 0;
  const worker = async () => {
    while (next < documents.length) {
      const doc = documents[next++];
      const body = JSON.stringify({ query: doc.query, variables: doc.variables });
      let r;
      try {
        r = await rawRequest(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, timeoutMs: PER_REQUEST_MS });
      } catch (err) {
        problems.push(`${doc.kind}: ${(err as Error).message} (${body.length} bytes)`);
        continue;
      }
      slowest = Math.max(slowest, r.ms);
      maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed);
      const codes: string[] = (r.body?.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code ?? 'none');
      const outcome = r.status === 200 && codes.length === 0 ? 'answered' : `${r.status} ${[...new Set(codes)].join(',')}`;
      counts[`${doc.kind}: ${outcome}`] = (counts[`${doc.kind}: ${outcome}`] ?? 0) + 1;
      const answered = r.status === 200 && r.body?.data !== undefined && codes.every((c) => KNOWN_CODES.has(c));
      const refused = [400, 413].includes(r.status) && codes.length > 0 && codes.every((c) => KNOWN_CODES.has(c));
      if (!answered && !refused) problems.push(`${doc.kind}: status ${r.status}, ${r.text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  t.diagnostic(`slowest answer ${slowest} ms, largest heap ${(maxHeap / 2 ** 20).toFixed(0)} MB`);
  t.diagnostic(JSON.stringify(Object.fromEntries(Object.entries(counts).sort())));
  assert.deepEqual(problems.slice(0, 10), []);
  assert.ok(maxHeap < HEAP_BOUND_BYTES, `heap reached ${(maxHeap / 2 ** 20).toFixed(0)} MB`);
  // The server still answers an ordinary query.
  assert.deepEqual(await app.ok('{ project(name: "hostile") { name } }'), { project: { name: 'hostile' } });
});
