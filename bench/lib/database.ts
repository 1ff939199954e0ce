// The database the bench and the seed work on: DATABASE_URL, or a persistent embedded
// PostgreSQL under .data/bench (DATA_DIR) that outlives runs so seeded data is reused.
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/db/embedded';

export interface BenchDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

// Settings for the embedded bench server only (never applied to DATABASE_URL): a larger
// buffer cache so the 1M-row graph is served from memory, and fewer checkpoints during loads.
const EMBEDDED_SETTINGS: Record<string, string> = { shared_buffers: '1GB', max_wal_size: '8GB', work_mem: '16MB' };

async function query(url: string, text: string): Promise<Record<string, string>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

export async function openBenchDatabase(log: (m: string) => void = console.log): Promise<BenchDatabase> {
  let db: BenchDatabase;
  if (process.env.DATABASE_URL) {
    db = { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  } else {
    const dataDir = path.resolve(process.env.DATA_DIR || path.join('.data', 'bench'));
    let pg: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir, persistent: true, log });
    const current = await query(pg.url, `SELECT name, setting, unit FROM pg_settings WHERE name = ANY('{${Object.keys(EMBEDDED_SETTINGS).join(',')}}')`);
    const wanted = current.filter((r) => r.name === 'shared_buffers' && Number(r.setting) * 8192 < 1024 ** 3);
    for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) await query(pg.url, `ALTER SYSTEM SET ${name} = '${value}'`);
    if (wanted.length) {
      // shared_buffers takes effect only on restart.
      await pg.stop();
      pg = await startEmbeddedPostgres({ dataDir, persistent: true, log });
    } else {
      await query(pg.url, 'SELECT pg_reload_conf()');
    }
    log(`embedded PostgreSQL in ${dataDir} on port ${pg.port}`);
    db = { url: pg.url, embedded: true, stop: () => pg.stop() };
  }
  // Apply the app's migrations the way the server does.
  const ds = createDataSource({ url: db.url, poolSize: 2, onError: (m, err) => log(`${m}: ${String(err)}`) });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  return db;
}
