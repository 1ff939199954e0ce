import { DataSource, EntityManager } from 'typeorm';
import { writeTimeouts } from './data-source';
import { flushEvents } from '../domain/events/events.outbox';
import { requestScope } from './request-scope';

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * One transaction per mutation. Deadlocks and serialization failures are retried a few times:
 * the whole function runs again on a fresh transaction, so it must not keep state outside it.
 * Writes get WRITE_STATEMENT_TIMEOUT_MS instead of the read timeout: they queue on row locks
 * behind other writers, and a timed-out write is rolled back whole.
 */
export async function transaction<T>(db: DataSource, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  const timeout = writeTimeouts.get(db);
  const body = timeout === undefined ? fn : async (tx: EntityManager) => {
    await tx.query(`SET LOCAL statement_timeout = ${Math.floor(timeout)}`);
    return fn(tx);
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await db.transaction(async (tx) => {
        const result = await body(tx);
        // Last statement of every writing transaction: the change log, in commit order.
        await flushEvents(tx);
        return result;
      });
      const scope = requestScope.getStore();
      if (scope) scope.committedWrites = (scope.committedWrites ?? 0) + 1;
      return result;
    } catch (err) {
      const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (err as { code?: string }).code;
      if (attempt >= 4 || !code || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
    }
  }
}
