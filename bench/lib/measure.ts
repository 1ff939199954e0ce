// Load generation and statistics: autocannon against the gateway, a closed loop of workers
// over a pg pool for the hand-written SQL; both bounded by time and by count.
import { Pool } from 'pg';

// autocannon ships no types; this is the part we use.
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'done', fn: (result: AutocannonResult) => void): void;
  stop(): void;
}
interface AutocannonResult { duration: number; non2xx: number; errors: number; timeouts: number; requests: { total: number } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>, cb?: (err: unknown, r: AutocannonResult) => void) => AutocannonInstance;

export interface Stats { count: number; rps: number; p50: number; p95: number; p99: number; failures: number }

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function stats(latencies: number[], seconds: number, failures: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: sorted.length, rps: sorted.length / seconds, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), failures };
}

export interface Bound { seconds: number; maxRequests: number }

/** POSTs the bodies in turn over `connections` keep-alive connections. */
export function gateway(url: string, bodies: string[], connections: number, bound: Bound, headers: Record<string, string> = {}): Promise<Stats> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const started = process.hrtime.bigint();
    const instance = autocannon({
      url,
      connections,
      duration: bound.seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    }, (err) => {
      if (err) reject(err);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve(stats(latencies, seconds, failures));
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status !== 200) failures++;
      latencies.push(ms);
      if (latencies.length >= bound.maxRequests) instance.stop();
    });
  });
}

/** Runs `op` in `concurrency` closed loops until the time or count bound is reached. */
export async function closedLoop(op: (i: number) => Promise<unknown>, concurrency: number, bound: Bound): Promise<Stats> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  const deadline = Date.now() + bound.seconds * 1000;
  let issued = 0;
  let failures = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline && issued < bound.maxRequests) {
      const i = issued++;
      const t = process.hrtime.bigint();
      try {
        await op(i);
      } catch {
        failures++;
      }
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }));
  return stats(latencies, Number(process.hrtime.bigint() - started) / 1e9, failures);
}

export function newPool(url: string, max = 10): Pool {
  const pool = new Pool({ connectionString: url, max, application_name: 'ml-asset-graph-bench' });
  // pool.end() resolves before its connections have closed: stopping the embedded server right
  // after terminates them, which an idle client reports as an error event.
  pool.on('error', () => undefined);
  return pool;
}

/** Reads VmRSS and VmHWM (peak) of a process, in MiB. */
export function rssOf(pid: number): { rss: number; peak: number } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const text: string = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '-');

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
