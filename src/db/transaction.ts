import { DataSource, EntityManager } from 'typeorm';

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * One transaction per mutation. Deadlocks and serialization failures are retried a few times:
 * the whole function runs again on a fresh transaction, so it must not keep state outside it.
 */
export async function transaction<T>(db: DataSource, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (err as { code?: string }).code;
      if (attempt >= 4 || !code || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
    }
  }
}
