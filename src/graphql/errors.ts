// One base error class; each subclass sets the extensions.code clients branch on.
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { requestScope } from '../db/request-scope';

export class AppError extends GraphQLError {
  constructor(message: string, code: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super(message, 'BAD_USER_INPUT', field ? { field } : {});
  }
}
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 'NOT_FOUND');
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, 'FORBIDDEN');
  }
}
export class UnauthenticatedError extends AppError {
  constructor(message: string) {
    // Apollo turns extensions.http into the response status and strips it from the body.
    super(message, 'UNAUTHENTICATED', { http: { status: 401 } });
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(message, 'SERVICE_UNAVAILABLE', { http: { status: 503 } });
  }
}

/** A statement ran past STATEMENT_TIMEOUT_MS (or no connection came free in time): HTTP 200 with this code. */
export class QueryTimeoutError extends AppError {
  constructor(message = 'the query ran longer than the statement timeout and was stopped: ask for less (a smaller `first`, fewer aliases, a narrower filter)') {
    // 200 wherever it is thrown: before execution (the api key lookup) Apollo would otherwise send a 500.
    super(message, 'QUERY_TIMEOUT', { http: { status: 200 } });
  }
}
/** The request's client went away (or shutdown cut it): its SQL was cancelled. Nobody reads this. */
export class QueryCancelledError extends AppError {
  constructor() {
    super('the request was cancelled: its client disconnected or the server is shutting down', 'QUERY_CANCELLED');
  }
}

/** SQLSTATE classes that mean "the database is not there right now" rather than a bug. */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** Translates driver errors in one place; anything left is a bug and returns undefined. */
export function translateDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  if (code === '23505') return new ConflictError('a row with the same unique key already exists');
  if (code === '40001' || code === '40P01') return new ConflictError('concurrent update, please retry');
  // Data exceptions (a NUL character in text, a value out of range, …) come from values the client sent.
  if (code?.startsWith('22')) return new BadUserInputError('a value in the request cannot be stored (unsupported character or value out of range)');
  // 57014 query_canceled: by statement_timeout, or by our cancel when the client went away.
  if (code === '57014') return /statement timeout/i.test(e?.message ?? '') ? new QueryTimeoutError() : new QueryCancelledError();
  if (code === '54001') return new BadUserInputError('a value in the request is nested too deeply');
  // TypeORM's, when the connection of a transaction went away under it (a database restart).
  if ((err as { name?: string })?.name === 'QueryRunnerProviderAlreadyReleasedError') {
    return new ServiceUnavailableError('the database is unavailable, please retry shortly');
  }
  if ((code && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_ERRNO.has(code))) ||
      /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(e?.message ?? '')) {
    return new ServiceUnavailableError('the database is unavailable, please retry shortly');
  }
  return undefined;
}

/** Codes produced by graphql-js and Apollo for requests that are malformed, kept as they are. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST',
]);

export function createFormatError(log: (err: unknown, formatted: GraphQLFormattedError) => void) {
  const format = formatWith(log);
  return (formatted: GraphQLFormattedError, error: unknown) => afterCommit(format(formatted, error));
}

/**
 * A field below a mutation's root field fails only after that mutation's transaction committed
 * (a pool timeout loading the result, the database going away): say that the write is in, so
 * that a client does not retry it and write it twice.
 */
function afterCommit(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!requestScope.getStore()?.committedWrites || (formatted.path?.length ?? 0) < 2) return formatted;
  return {
    ...formatted,
    message: `the write committed; do not retry it (reading its result failed: ${formatted.message})`,
    extensions: { ...formatted.extensions, committed: true },
  };
}

function formatWith(log: (err: unknown, formatted: GraphQLFormattedError) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const chain = causes(error);
    const appError = chain.find((e): e is AppError => e instanceof AppError) ?? translateDatabaseError(chain[chain.length - 1]);
    if (appError) {
      const { http: _http, ...extensions } = appError.extensions;
      return { message: appError.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const code = formatted.extensions?.code as string | undefined;
    if (code && CLIENT_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    log(original, formatted);
    return { message: 'internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * The error and what it wraps, outermost first: our errors thrown while parsing scalars arrive
 * inside validation errors, and driver errors inside Apollo's "context creation failed".
 */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 6; current = (current as { originalError?: unknown }).originalError) {
    chain.push(current);
  }
  return chain;
}
