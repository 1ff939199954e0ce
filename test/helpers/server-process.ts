// The server as operators run it: `node dist/src/main.js` in a child process, for start-up,
// bind-address and signal tests that an in-process app cannot show.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';

export const MAIN = path.join(__dirname, '..', '..', 'src', 'main.js');

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Sends the signal and resolves with the exit and the milliseconds it took. */
  stop(signal?: NodeJS.Signals): Promise<Exit & { ms: number }>;
}

/** The environment of a bare `npm start`, plus `env`: nothing inherited that changes behaviour. */
function baseEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Runs main.js until it exits by itself (start-up failures), at most `timeoutMs`. */
export function runToExit(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<Exit & { stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
  }));
}

/** Starts main.js and waits for its "listening on" line. */
export async function startServerProcess(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [MAIN], { env: baseEnv({ PORT: String(port), ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line after ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
    const check = () => {
      const m = /"url":"([^"]+)"[^\n]*"msg":"listening on/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${e.code ?? e.signal}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child, port, url,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now();
      child.kill(signal);
      const e = await exited;
      return { ...e, ms: Date.now() - started };
    },
  };
}
