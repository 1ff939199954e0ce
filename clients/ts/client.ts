// A small fetch-based GraphQL client: typed document nodes in, typed data out, errors as MagClientError;
// iterate() types graphql-ws subscriptions the same way.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type DocumentNode } from 'graphql';
import type { Client as WsClient, FormattedExecutionResult } from 'graphql-ws';

/** The server's extensions.code values, plus the two this client adds for transport failures. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'INTERNAL_SERVER_ERROR'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'GRAPHQL_PARSE_FAILED'
  /** The request never got an answer (connection refused, DNS, timeout). */
  | 'NETWORK_ERROR'
  /** The answer was not a GraphQL response (e.g. a proxy's 502 page). */
  | 'HTTP_ERROR'
  | (string & {});

export interface GraphQLErrorEntry {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export class MagClientError extends Error {
  override readonly name = 'MagClientError';

  constructor(
    message: string,
    /** extensions.code of the first error, or NETWORK_ERROR / HTTP_ERROR. */
    readonly code: ErrorCode,
    /** Every error the server sent (empty for transport failures). */
    readonly errors: readonly GraphQLErrorEntry[] = [],
    /** HTTP status, when there was a response. */
    readonly status?: number,
    /** Whatever data came with the errors (GraphQL allows partial results). */
    readonly data?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** extensions.field of the first error: the input field a BAD_USER_INPUT names. */
  get field(): string | undefined {
    return this.errors[0]?.extensions?.field;
  }
}

export interface MagClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Abort a request after this long; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Operations whose variables are all optional may be called without them. */
type VariablesArg<TVars> = {} extends TVars ? [variables?: TVars] : [variables: TVars];

interface GraphQLResponse {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
}

export class MagClient {
  private readonly printed = new WeakMap<DocumentNode, { query: string; operationName?: string }>();
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: MagClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  async request<TResult, TVars>(document: TypedDocumentNode<TResult, TVars>, ...[variables]: VariablesArg<TVars>): Promise<TResult> {
    const { query, operationName } = this.print(document);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, operationName, variables: variables ?? {} }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new MagClientError(`${operationName ?? 'request'}: ${this.options.url} did not answer: ${(err as Error).message}`,
        'NETWORK_ERROR', [], undefined, undefined, { cause: err });
    }
    const text = await res.text();
    let body: GraphQLResponse;
    try {
      body = JSON.parse(text) as GraphQLResponse;
    } catch {
      throw new MagClientError(`${operationName ?? 'request'}: HTTP ${res.status}, not a GraphQL response: ${text.slice(0, 200)}`,
        'HTTP_ERROR', [], res.status);
    }
    if (body.errors?.length) {
      const [first] = body.errors;
      const code = first.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
      throw new MagClientError(first.message, code, body.errors, res.status, body.data ?? undefined);
    }
    if (!res.ok || body.data == null) {
      throw new MagClientError(`${operationName ?? 'request'}: HTTP ${res.status} without data`, 'HTTP_ERROR', [], res.status);
    }
    return body.data as TResult;
  }

  private print(document: DocumentNode): { query: string; operationName?: string } {
    let entry = this.printed.get(document);
    if (!entry) {
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      entry = { query: print(document), operationName: operation?.name?.value };
      this.printed.set(document, entry);
    }
    return entry;
  }
}

/**
 * graphql-ws's `client.iterate` for a typed document: the variables are checked and each result's
 * `data` is typed from the operation. `break` out of the loop (or call `return()`) to unsubscribe.
 */
export function iterate<TResult, TVars>(ws: WsClient, document: TypedDocumentNode<TResult, TVars>,
  ...[variables]: VariablesArg<TVars>): AsyncIterableIterator<FormattedExecutionResult<TResult, unknown>> {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return ws.iterate<TResult>({ query: print(document), operationName: operation?.name?.value, variables: (variables ?? {}) as Record<string, unknown> });
}

export function isMagClientError(err: unknown, code?: ErrorCode): err is MagClientError {
  return err instanceof MagClientError && (code === undefined || err.code === code);
}
