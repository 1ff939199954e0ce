// Admission to the pg pool. Every connection the pool hands out (TypeORM, pool.query, raw
// clients) passes through here, so that:
// - one heavy caller cannot take the whole pool: PG_POOL_RESERVED connections are kept for
//   cheap acquisitions (see `isHeavy`), and one caller never holds more than the rest;
// - waiting for a connection is bounded (STATEMENT_TIMEOUT_MS) and ends in QUERY_TIMEOUT, not in
//   pg's "timeout exceeded when trying to connect" (which would read as a database outage);
// - a request whose client disconnected has its running SQL cancelled (the PostgreSQL cancel
//   protocol on the connections it holds) and starts no new statement.
import type { Pool, PoolClient } from 'pg';
import { Connection } from 'pg';
import { QueryCancelledError, QueryTimeoutError } from '../graphql/errors';
import { requestScope, RequestScope } from './request-scope';

export interface GateOptions {
  size: number;
  /** Connections only cheap acquisitions may use. */
  reserved: number;
  /** A request running longer than this is heavy from then on. */
  heavyAfterMs: number;
  /** Longest wait for a connection. */
  waitMs: number;
}

interface Ticket { heavy: boolean; caller: string | undefined }

interface Waiter {
  ticket: Ticket;
  /** The caller's first connection of this request (subject to the per-caller share). */
  first: boolean;
  grant(): void;
}

/**
 * Heavy: the request already holds a connection (it fans out: aliases, lists resolved in
 * parallel) or has run for `heavyAfterMs`. Heavy acquisitions together hold at most
 * size − reserved connections, and so does any one caller; the reserve serves the first
 * statement of fresh requests from other callers.
 */
function isHeavy(scope: RequestScope | undefined, heavyAfterMs: number): boolean {
  if (!scope) return false;
  return (scope.clients?.size ?? 0) > 0 || (scope.startedAt !== undefined && Date.now() - scope.startedAt >= heavyAfterMs);
}

export class PoolGate {
  readonly share: number;
  private held = 0;
  private heavyHeld = 0;
  private readonly byCaller = new Map<string, number>();
  private readonly waiters: Waiter[] = [];

  constructor(readonly options: GateOptions) {
    this.share = Math.max(1, options.size - options.reserved);
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private callerHeld(caller: string | undefined): number {
    return caller === undefined ? 0 : this.byCaller.get(caller) ?? 0;
  }

  private fits(w: Waiter): boolean {
    if (this.held >= this.options.size) return false;
    if (w.ticket.heavy && this.heavyHeld >= this.share) return false;
    // A request that already holds a connection is not stopped by its caller's share: it
    // would wait on itself. The heavy bound above covers it.
    if (w.first && w.ticket.caller !== undefined && this.callerHeld(w.ticket.caller) >= this.share) return false;
    return true;
  }

  private take(t: Ticket) {
    this.held++;
    if (t.heavy) this.heavyHeld++;
    if (t.caller !== undefined) this.byCaller.set(t.caller, this.callerHeld(t.caller) + 1);
  }

  release(t: Ticket) {
    this.held--;
    if (t.heavy) this.heavyHeld--;
    if (t.caller !== undefined) {
      const n = this.callerHeld(t.caller) - 1;
      if (n > 0) this.byCaller.set(t.caller, n);
      else this.byCaller.delete(t.caller);
    }
    // First come, first served among those that fit: a cheap waiter passes heavy ones that must wait.
    for (let i = 0; i < this.waiters.length && this.held < this.options.size; i++) {
      const w = this.waiters[i];
      if (!this.fits(w)) continue;
      this.waiters.splice(i--, 1);
      this.take(w.ticket);
      w.grant();
    }
  }

  acquire(scope: RequestScope | undefined): Promise<Ticket> {
    const ticket: Ticket = { heavy: isHeavy(scope, this.options.heavyAfterMs), caller: scope?.caller };
    const waiter: Waiter = { ticket, first: (scope?.clients?.size ?? 0) === 0, grant: () => {} };
    // Whoever waits does not fit (release() grants every waiter that does), so a newcomer that
    // fits overtakes nobody it should not.
    if (this.fits(waiter)) {
      this.take(ticket);
      return Promise.resolve(ticket);
    }
    return new Promise<Ticket>((resolve, reject) => {
      const signal = scope?.signal;
      const leave = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(new QueryCancelledError());
      };
      const timer = setTimeout(() => {
        leave();
        reject(new QueryTimeoutError(`no database connection became free within ${this.options.waitMs} ms: the server is busy, retry later`));
      }, this.options.waitMs);
      waiter.grant = () => {
        leave();
        resolve(ticket);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

interface RawClient {
  processID: number;
  secretKey: number;
  host: string;
  port: number;
  _activeQuery?: unknown;
}

/** Asks PostgreSQL to cancel what the client's backend runs now (its own short connection). */
function cancelBackend(client: PoolClient) {
  const raw = client as unknown as RawClient;
  if (!raw._activeQuery) return;
  // pg's Connection speaks the protocol; its cancel request needs no login and no pool slot.
  const con = new Connection() as unknown as {
    on(event: string, fn: () => void): void;
    connect(port: number, host: string): void;
    cancel(pid: number, key: number): void;
  };
  con.on('error', () => {});
  con.on('connect', () => con.cancel(raw.processID, raw.secretKey));
  con.connect(raw.port, raw.host);
}

/**
 * Statements of a request whose client went away are cancelled, except in mutations: the client
 * cannot learn whether a cut write committed, so a mutation runs to its end (bounded by
 * WRITE_STATEMENT_TIMEOUT_MS) and the log records its outcome.
 */
function cancelOnAbort(scope: RequestScope) {
  if (!scope.signal || scope.signal.aborted) return;
  scope.signal.addEventListener('abort', () => {
    if (scope.operationType === 'mutation') return;
    for (const client of scope.clients ?? []) cancelBackend(client as PoolClient);
  }, { once: true });
}

type ConnectCallback = (err: Error | undefined, client?: PoolClient, release?: (err?: Error | boolean) => void) => void;

/** Puts the gate in front of `pool.connect`, which TypeORM and `pool.query` both use. */
export function installPoolGate(pool: Pool, gate: PoolGate): void {
  const connect = pool.connect.bind(pool) as (cb: ConnectCallback) => void;
  const gated = async (): Promise<PoolClient> => {
    const scope = requestScope.getStore();
    if (scope?.signal?.aborted && scope.operationType !== 'mutation') throw new QueryCancelledError();
    const ticket = await gate.acquire(scope);
    let client: PoolClient;
    try {
      client = await new Promise<PoolClient>((resolve, reject) => connect((err, c) => (err ? reject(err) : resolve(c!))));
    } catch (err) {
      gate.release(ticket);
      throw err;
    }
    if (scope) {
      if (!scope.clients) {
        scope.clients = new Set();
        cancelOnAbort(scope);
      }
      scope.clients.add(client);
    }
    const release = client.release;
    client.release = (err?: Error | boolean) => {
      client.release = release;
      scope?.clients?.delete(client);
      gate.release(ticket);
      return release.call(client, err);
    };
    return client;
  };
  (pool as unknown as { connect: unknown }).connect = (cb?: ConnectCallback) => {
    const p = gated();
    if (!cb) return p;
    p.then((c) => cb(undefined, c, c.release), (err) => cb(err));
    return undefined;
  };
}
