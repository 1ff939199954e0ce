// Removes events older than the retention period. Every replica runs the job; an advisory lock
// lets one at a time do the work, and deleting in batches keeps each transaction short.
import { DataSource } from 'typeorm';

const RETENTION_LOCK = 7_263_540_113;

export async function removeOldEvents(db: DataSource, days: number): Promise<number> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [RETENTION_LOCK]);
    if (!locked) return 0;
    try {
      let removed = 0;
      for (;;) {
        const [, n]: [unknown, number] = await runner.query(
          `DELETE FROM event WHERE sequence IN (SELECT sequence FROM event WHERE at < clock_timestamp() - $1 * interval '1 day' ORDER BY sequence LIMIT 5000)`,
          [days]);
        removed += n;
        if (n < 5000) return removed;
      }
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
