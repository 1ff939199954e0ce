// Start-up: config → database → server; shutdown in reverse order.
import './graphql/fast-path';
import 'reflect-metadata';
import net from 'node:net';
import { closeApp, createApp } from './app';
import { Config, ConfigError, isLoopback, loadConfig } from './config';
import { EmbeddedDatabaseError } from './db/embedded';
import { createLogger } from './logger';
import { startHttpServer } from './server';
import { isPrimaryOfWorkers, runPrimary, runsStartupTasks } from './cluster';

/** A start-up failure the operator can fix: printed as one line, without a stack. */
class StartupError extends Error {}

function fail(message: string, code = 1): never {
  console.error(`ml-asset-graph: ${message}`);
  process.exit(code);
}

/** Checked before the database starts and migrations run, so a taken port costs nothing. */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(describeListenError(err, port, host) ?? err));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

function describeListenError(err: unknown, port: number, host: string): StartupError | undefined {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') return new StartupError(`port ${port} on ${host} is already in use: stop the process using it or set PORT to a free port`);
  if (code === 'EACCES') return new StartupError(`no permission to listen on ${host}:${port}: set PORT to a port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartupError(`HOST "${host}" is not an address of this machine: set HOST to one of its addresses (or 0.0.0.0), or leave it unset`);
  return undefined;
}

/** Where DATABASE_URL points, without its password. */
function databaseTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function describeDatabaseError(err: unknown, config: Config): StartupError | undefined {
  if (err instanceof StartupError) return err;
  if (err instanceof EmbeddedDatabaseError) return new StartupError(err.message);
  const e = err as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code;
  const message = e.message ?? String(err);
  if (!config.databaseUrl) return undefined;
  const target = databaseTarget(config.databaseUrl);
  if ((code && UNREACHABLE.has(code)) || /timeout|Connection terminated/i.test(message)) {
    return new StartupError(`cannot reach PostgreSQL at ${target} (${code ?? message}): check DATABASE_URL (host, port, network), or unset it to use the embedded database`);
  }
  if (code === '28P01' || code === '28000') return new StartupError(`PostgreSQL at ${target} refused the login (${message}): check the user and password in DATABASE_URL`);
  if (code === '3D000') return new StartupError(`PostgreSQL at ${target}: ${message}: create it (createdb) or fix the database name in DATABASE_URL`);
  return undefined;
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2);
    throw err;
  }
  const log = createLogger(config.logLevel);
  // Workers share the primary's listening socket: the primary checks the port for all of them.
  if (!process.env.MAG_WORKER_INDEX) await assertPortFree(config.port, config.host);
  if (isPrimaryOfWorkers(config)) return runPrimary(config, log);
  let app;
  try {
    app = await createApp(config, log);
  } catch (err) {
    throw describeDatabaseError(err, config) ?? err;
  }
  const http = await startHttpServer(app, config.port, config.host).catch((err) => {
    throw describeListenError(err, config.port, config.host) ?? err;
  });
  // Said once the server runs, before "listening on": a start-up that fails prints only its one line.
  if (config.auth === 'off') {
    log.warn('AUTH=off: every request acts as the anonymous ADMIN; set AUTH=required to demand api keys');
    if (!isLoopback(config.host)) log.warn({ host: config.host }, `AUTH=off while listening on ${config.host}: anyone who reaches this address is ADMIN; set AUTH=required, or unset HOST to listen on 127.0.0.1 only`);
  }
  log.info({ url: http.url, auth: config.auth, database: config.databaseUrl ? 'DATABASE_URL' : 'embedded', worker: process.env.MAG_WORKER_INDEX, pid: process.pid },
    `listening on ${http.url}`);
  if (process.argv.includes('--seed-example') && runsStartupTasks()) {
    // Loaded only on request: the example lives beside the scripts, not in the server image.
    const { seedExample } = await import('../scripts/seed-example.js');
    const result = await seedExample(`http://127.0.0.1:${config.port}/graphql`, config.adminApiKey);
    for (const line of result.summary) log.info(`seed-example: ${line}`);
  }

  // Docker sends SIGKILL 10 s after SIGTERM: drain for at most SHUTDOWN_TIMEOUT_MS (8 s), then
  // close the pool and the embedded database, and exit 0 with time to spare.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    log.info({ signal, inFlightLimitMs: config.shutdownTimeoutMs }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      console.error('ml-asset-graph: shutdown did not finish in time, exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 1500);
    force.unref();
    const cut = await http.close(config.shutdownTimeoutMs);
    await closeApp(app);
    log.info({ ms: Date.now() - started, cut }, 'stopped');
    // Exit once the last lines are written; should the flush never call back, exit anyway.
    setTimeout(() => process.exit(0), 500).unref();
    log.flush(() => process.exit(0));
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof StartupError) fail(err.message);
  // Not one we can explain: a bug or an unusual environment. The stack only on request.
  const message = err instanceof Error ? err.message : String(err);
  if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '')) console.error(err);
  fail(`failed to start: ${message.split('\n')[0]} (LOG_LEVEL=debug prints the stack)`);
});
