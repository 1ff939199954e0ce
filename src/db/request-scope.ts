// Per-request state that lower layers reach without threading it through every call: the SQL
// statement counter read by logs, metrics, tests and the benchmark; the abort signal and the pool
// connections the request holds, so its SQL can be cancelled when its client goes away.
import { AsyncLocalStorage } from 'node:async_hooks';
import { AbstractLogger, LogLevel, LogMessage, QueryRunner } from 'typeorm';

export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** The operation the document resolved to (null: anonymous or never resolved). */
  operationName?: string | null;
  errorCodes: string[];
  /** Who is calling (the api key's name, or 'anonymous'): the actor of the events a request writes. */
  actor?: string;
  /** Transactions this request committed (mutations): errors after that must not invite a retry. */
  committedWrites?: number;
  /** Which path answered the operation (see src/compiler), and why not the compiled one. */
  executionPath?: 'compiled' | 'resolvers';
  fallback?: string;
  /** The compiled path's `data` as PostgreSQL wrote it. */
  compiledData?: string;
  /** Aborted when the client disconnects before its answer (or shutdown cuts the request). */
  signal?: AbortSignal;
  /** 'mutation' requests are left to finish when their client goes away (see pool-gate.ts). */
  operationType?: 'query' | 'mutation' | 'subscription';
  /** Who is asking, for the pool share: the api key id, else the client address. */
  caller?: string;
  /** When the request started (Date.now()). */
  startedAt?: number;
  /** Pool connections the request holds right now (maintained by pool-gate.ts). */
  clients?: Set<unknown>;
}

/** The current request's abort signal, for code that runs SQL outside TypeORM. */
export function requestSignal(): AbortSignal | undefined {
  return requestScope.getStore()?.signal;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

/** TypeORM calls logQuery for every statement it sends, logging on or off: we count them. */
export class CountingLogger extends AbstractLogger {
  constructor(private readonly onError: (message: string, err: unknown) => void) {
    super(false);
  }

  logQuery(_query: string, _parameters?: unknown[], _queryRunner?: QueryRunner): void {
    const scope = requestScope.getStore();
    if (scope) scope.sqlStatements++;
  }

  logQueryError(error: string | Error, query: string): void {
    // Constraint violations are expected outcomes translated into CONFLICT; not worth a log line.
    const code = (error as { code?: string }).code;
    if (code && code.startsWith('23')) return;
    this.onError(`query failed: ${query.slice(0, 200)}`, error);
  }

  protected writeLog(_level: LogLevel, _message: LogMessage | LogMessage[]): void {}
}
