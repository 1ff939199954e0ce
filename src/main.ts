// Start-up: config → database → server; shutdown in reverse order.
import './graphql/fast-path';
import 'reflect-metadata';
import { closeApp, createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startHttpServer } from './server';
import { isPrimaryOfWorkers, runPrimary, runsStartupTasks } from './cluster';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (isPrimaryOfWorkers(config)) return runPrimary(config, log);
  if (config.auth === 'off') log.warn('AUTH=off: every request acts as the anonymous ADMIN; set AUTH=required to demand api keys');
  const app = await createApp(config, log);
  const http = await startHttpServer(app, config.port, config.host);
  log.info({ url: http.url, auth: config.auth, database: config.databaseUrl ? 'DATABASE_URL' : 'embedded', worker: process.env.MAG_WORKER_INDEX, pid: process.pid },
    `listening on ${http.url}`);
  if (process.argv.includes('--seed-example') && runsStartupTasks()) {
    // Loaded only on request: the example lives beside the scripts, not in the server image.
    const { seedExample } = await import('../scripts/seed-example.js');
    const result = await seedExample(`http://127.0.0.1:${config.port}/graphql`, config.adminApiKey);
    for (const line of result.summary) log.info(`seed-example: ${line}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await http.close();
    await closeApp(app);
    log.info('stopped');
    // Exit once the last lines are written; should the flush never call back, exit anyway.
    setTimeout(() => process.exit(0), 1000).unref();
    log.flush(() => process.exit(0));
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error('failed to start:', err);
  process.exit(1);
});
