// `npm test`: runs every compiled test file with node's test runner against one PostgreSQL:
// DATABASE_URL when set, else an embedded server started here for the whole run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';

async function main() {
  const testDir = path.resolve(__dirname, '..');
  const filter = process.argv.slice(2);
  const files = fs.readdirSync(testDir)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => !filter.length || filter.some((x) => f.includes(x)))
    .sort()
    .map((f) => path.join(testDir, f));
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let dataDir: string | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' };
  if (!env.DATABASE_URL) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-test-'));
    // The server runs as an unprivileged user when we are root: it must be able to enter the folder.
    fs.chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir, persistent: false, log: (m) => console.log(`# ${m}`) });
    env.DATABASE_URL = embedded.url;
    console.log(`# tests use an embedded PostgreSQL on port ${embedded.port}`);
  } else {
    console.log('# tests use DATABASE_URL');
  }
  const concurrency = String(Math.max(2, Math.min(4, os.cpus().length)));
  const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', env });
  const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await embedded?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}

main().catch((err) => {
  // One line: the embedded database explains itself; anything else is the first line of its message.
  console.error(`npm test: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  process.exit(1);
});
