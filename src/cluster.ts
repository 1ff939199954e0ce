// WORKERS=n: the HTTP server in n processes (node:cluster) sharing one port and one database.
// The primary serves nothing: it starts the embedded PostgreSQL when there is no DATABASE_URL
// (one server for all workers), forks the workers, restarts one that dies, and stops them in order.
import cluster from 'node:cluster';
import type { Config } from './config';
import { startEmbeddedPostgres } from './db/embedded';
import type { Logger } from './logger';

export async function runPrimary(config: Config, log: Logger): Promise<void> {
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPort, log: (m) => log.warn({ embedded: true }, m) });
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir, port: embedded.port }, 'embedded PostgreSQL started for the workers');
  }
  let stopping = false;
  const fork = (index: number) => {
    // Worker 1 alone runs one-off start-up tasks (--seed-example).
    const worker = cluster.fork({ DATABASE_URL: databaseUrl, MAG_WORKER_INDEX: String(index) });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ worker: index, code, signal }, 'worker exited; starting another');
      setTimeout(() => fork(index), 1000).unref();
    });
  };
  for (let i = 1; i <= config.workers; i++) fork(i);
  log.info({ workers: config.workers }, 'started workers');

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.process.kill('SIGTERM');
    })));
    await embedded?.stop();
    log.info('stopped');
    setTimeout(() => process.exit(0), 1000).unref();
    log.flush(() => process.exit(0));
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export const isPrimaryOfWorkers = (config: Config) => config.workers > 1 && cluster.isPrimary;
export const runsStartupTasks = () => !cluster.isWorker || process.env.MAG_WORKER_INDEX === '1';
