// The statement the server's compiler writes for a query, for EXPLAIN (as an unscoped admin).
import 'reflect-metadata';
import { parse, OperationDefinitionNode, Kind } from 'graphql';
import { OperationCompiler } from '../../src/compiler/compiler';
import { ANONYMOUS } from '../../src/domain/auth/principal';
import { estimateCost } from '../../src/graphql/limits';
import { buildAppSchema } from '../../src/graphql/schema';

/** The columns of the compiled-path table (bench/README.md shows a run of it). */
export const COMPILED_COLUMNS = ['query', 'compiled req/s', 'resolvers req/s', 'sql req/s', 'compiled/sql', 'resolvers/sql', 'compiled/resolvers',
  'compiled p50', 'resolvers p50', 'sql p50', 'c=1 compiled p50', 'c=1 sql p50', 'c=1 compiled/sql', 'Node CPU ms/req', 'failures'];

let schema: ReturnType<typeof buildAppSchema> | undefined;
const appSchema = () => (schema ??= buildAppSchema());

/** The cost src/graphql/limits.ts estimates for a query, which the server compares with MAX_QUERY_COST. */
export function estimatedCost(query: string, variables: Record<string, unknown>): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return estimateCost(appSchema(), document, operation, variables);
}

export function compiledStatement(query: string, variables: Record<string, unknown>) {
  const compiler = new OperationCompiler(appSchema());
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const statement = compiler.statement(compiler.plan(document, operation), variables, ANONYMOUS);
  if (typeof statement === 'string') throw new Error(`does not compile: ${statement}`);
  return statement;
}
