// Every read field of the schema compiles, or is listed in RESOLVER_ONLY with its reason: for each
// field reachable from Query, the smallest query that selects it is planned by the operation
// compiler (no database: planning alone decides which path a query takes).
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { test } from 'node:test';
import {
  getNamedType, GraphQLField, GraphQLNamedType, GraphQLObjectType, isAbstractType, isEnumType, isInputObjectType,
  isNonNullType, isObjectType, parse, OperationDefinitionNode,
} from 'graphql';
import { OperationCompiler } from '../src/compiler/compiler';
import { RESOLVER_ONLY } from '../src/compiler/fields';
import { ANONYMOUS } from '../src/domain/auth/principal';
import { encodeId } from '../src/graphql/ids';
import { buildAppSchema } from '../src/graphql/schema';

// The server's own schema: its scalars parse argument values as the server does.
const schema = buildAppSchema();
const ZERO = '00000000-0000-4000-8000-000000000000';

/** Required arguments only, with values the compiler accepts; `target` is the type a node(id) must name. */
function args(field: GraphQLField<unknown, unknown>, target: string): string {
  const out: string[] = [];
  for (const a of field.args) {
    if (!isNonNullType(a.type) || a.defaultValue !== undefined) continue;
    const named = getNamedType(a.type);
    let value: string;
    if (a.name === 'id' || a.name === 'of') value = JSON.stringify(encodeId(target as never, ZERO));
    else if (a.name === 'ids') value = `[${JSON.stringify(encodeId(target as never, ZERO))}]`;
    else if (isEnumType(named)) value = named.getValues()[0].name;
    else if (isInputObjectType(named)) throw new Error(`${field.name}: required input object ${named.name}`);
    else value = { Int: '1', Float: '1', DateTime: '"2026-01-01T00:00:00.000Z"' }[named.name] ?? '"x"';
    out.push(`${a.name}: ${value}`);
  }
  return out.length ? `(${out.join(', ')})` : '';
}

/** The kind an id argument names: node(id:) the type it reaches, lineage(of:) an artifact version. */
function idType(field: GraphQLField<unknown, unknown>, target: GraphQLNamedType): string {
  if (field.name === 'lineage') return 'ArtifactVersion';
  return isAbstractType(target) ? schema.getPossibleTypes(target)[0].name : target.name;
}

/** The shortest way from Query to each object type: a function that wraps a selection on that type into a query. */
function paths(): Map<string, (inner: string) => string> {
  const reach = new Map<string, (inner: string) => string>([[schema.getQueryType()!.name, (inner) => `{ ${inner} }`]]);
  const queue: GraphQLObjectType[] = [schema.getQueryType()!];
  while (queue.length) {
    const type = queue.shift()!;
    const wrap = reach.get(type.name)!;
    for (const field of Object.values(type.getFields())) {
      const named: GraphQLNamedType = getNamedType(field.type);
      const targets = isAbstractType(named) ? schema.getPossibleTypes(named) : isObjectType(named) ? [named] : [];
      for (const t of targets) {
        if (reach.has(t.name)) continue;
        const on = (inner: string) => (isAbstractType(named) ? `... on ${t.name} { ${inner} }` : inner);
        reach.set(t.name, (inner) => wrap(`${field.name}${args(field, idType(field, t))} { ${on(inner)} }`));
        queue.push(t);
      }
    }
  }
  return reach;
}

/** How the compiler plans this query for an admin: null when it compiles, else the reason it falls back. */
function fallback(compiler: OperationCompiler, query: string): string | null {
  const document = parse(query);
  const plan = compiler.plan(document, document.definitions[0] as OperationDefinitionNode);
  const statement = compiler.statement(plan, {}, ANONYMOUS);
  return typeof statement === 'string' ? statement : null;
}

test('every read field reachable from Query compiles, or RESOLVER_ONLY says why not', () => {
  const compiler = new OperationCompiler(schema);
  const missing: string[] = [];
  const stale: string[] = [];
  let fields = 0;
  for (const [typeName, wrap] of paths()) {
    const type = schema.getType(typeName) as GraphQLObjectType;
    for (const field of Object.values(type.getFields())) {
      fields++;
      const key = `${typeName}.${field.name}`;
      const named = getNamedType(field.type);
      const selection = isObjectType(named) || isAbstractType(named) ? ' { __typename }' : '';
      const query = wrap(`${field.name}${args(field, idType(field, named))}${selection}`);
      const reason = fallback(compiler, query);
      if (reason !== null && !RESOLVER_ONLY[key]) missing.push(`${key}: ${reason}\n    ${query}`);
      if (reason === null && RESOLVER_ONLY[key]) stale.push(key);
    }
  }
  assert.ok(fields > 150, `${fields} fields`);
  assert.deepEqual(missing, [], `read fields that fall back to the resolvers without a reason in RESOLVER_ONLY:\n${missing.join('\n')}`);
  assert.deepEqual(stale, [], 'fields listed in RESOLVER_ONLY that compile');
});

test('a field without a builder falls back with its documented reason', () => {
  const compiler = new OperationCompiler(schema);
  // Mutations and introspection never compile; a read field does unless RESOLVER_ONLY lists it.
  assert.equal(fallback(compiler, '{ __schema { queryType { name } } }'), 'Query.__schema does not compile');
  assert.equal(fallback(compiler, 'mutation { createProject(input: { name: "x" }) { id } }'), 'a mutation');
  assert.equal(fallback(compiler, '{ viewer { name } }'), null);
});
