// Where the compiler meets the server: an Apollo plugin that answers a query operation with
// one statement when it compiles, and leaves every other operation to the resolvers.
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import type { App } from '../app';
import { requestScope, RequestScope } from '../db/request-scope';
import type { Context } from '../graphql/context';
import { QueryCancelledError, QueryTimeoutError, ServiceUnavailableError, translateDatabaseError } from '../graphql/errors';
import { OperationCompiler } from './compiler';

/** Distinct statement texts given a name (prepared once per connection); later ones run unnamed. */
const MAX_NAMED_STATEMENTS = 2000;
/** With EXECUTION_PATH_HEADER=true, `x-execution-path: resolvers` sends a request to the resolvers (tests, debugging). */
export const EXECUTION_PATH_HEADER = 'x-execution-path';

export function compilerPlugin(app: App): ApolloServerPlugin<Context> {
  const compiler = new OperationCompiler(app.schema);
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (!name && names.size < MAX_NAMED_STATEMENTS) names.set(text, (name = `mag_q${names.size + 1}`));
    return name;
  };
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          const scope = requestScope.getStore();
          if (!scope) return null;
          scope.executionPath = 'resolvers';
          // No operation resolved (several and no name): execution reports that, as always.
          if (!app.config.compiler || !operation) return null;
          if (app.config.executionPathHeader && request.http?.headers.get(EXECUTION_PATH_HEADER) === 'resolvers') return null;
          const statement = compiler.statement(compiler.plan(document, operation), request.variables, contextValue.principal);
          if (typeof statement === 'string') {
            scope.fallback = statement;
            return null;
          }
          const pool = (app.db.driver as unknown as { master: Pool }).master;
          let data: string | null;
          try {
            scope.sqlStatements++;
            // The data column is text: the driver hands it over as is, nothing parses the JSON.
            const result = await pool.query<{ data: string }>({ name: nameOf(statement.text), text: statement.text, values: statement.values });
            data = result.rows[0].data;
            if (data === null) {
              scope.fallback = 'a guard failed (the resolvers report the error)';
              return null;
            }
          } catch (err) {
            const translated = translateDatabaseError(err);
            // A database that is away refuses the request as a whole, as when the api-key lookup fails.
            if (translated instanceof ServiceUnavailableError) {
              scope.executionPath = 'compiled';
              return {
                http: { status: 503, headers: new HeaderMap() },
                body: { kind: 'single', singleResult: { errors: [{ message: translated.message, extensions: { code: translated.extensions.code } }] } },
              };
            }
            // Stopped by the statement timeout, or cancelled with its client: the resolvers would
            // only run the same work again, for another timeout.
            if (translated instanceof QueryTimeoutError || translated instanceof QueryCancelledError) {
              scope.executionPath = 'compiled';
              return {
                http: { status: 200, headers: new HeaderMap() },
                body: { kind: 'single', singleResult: { data: null, errors: [{ message: translated.message, extensions: { code: translated.extensions.code } }] } },
              };
            }
            // Anything else is a compiler bug: the resolvers answer instead.
            app.log.error({ err, requestId: scope.requestId }, 'compiled statement failed; answering on the resolver path');
            scope.fallback = 'the statement failed';
            return null;
          }
          scope.executionPath = 'compiled';
          scope.compiledData = data;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: {} } };
        },
      };
    },
  };
}

/**
 * Writes a compiled request's response body: `{"data":`, PostgreSQL's text unparsed, `}`. The text
 * goes out as its own chunk: joined to the braces it would be copied into one more string as large
 * as the answer (hundreds of KB for a deep query), per request. False on the resolver path.
 */
export function writeCompiledBody(scope: RequestScope, res: ServerResponse, status: number, headers: Record<string, string>): boolean {
  const data = scope.compiledData;
  if (data === undefined) return false;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(data) + DATA_OPEN.length + DATA_CLOSE.length });
  res.cork();
  res.write(DATA_OPEN);
  res.write(data);
  res.end(DATA_CLOSE);
  return true;
}

const DATA_OPEN = '{"data":';
const DATA_CLOSE = '}';
