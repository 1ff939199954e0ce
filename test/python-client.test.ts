// The notebook client (clients/python) runs its own unittest suite against a real server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApp, TestApp } from './helpers/app';

// Compiled to dist/test/python-client.test.js: the repository root is two levels up.
const ROOT = path.resolve(__dirname, '..', '..');
const SUITE = path.join('clients', 'python', 'test_ml_asset_graph.py');

function findPython(): string | undefined {
  for (const candidate of ['python3', 'python']) {
    const r = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'True') return candidate;
  }
  return undefined;
}

const python = findPython();
let app: TestApp | undefined;

before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app?.close();
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Asynchronous: the server under test lives in this process and must keep answering.
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

test('the Python client passes its unittest suite against the server', { timeout: 180_000 }, async (t) => {
  assert.ok(python, 'python3 (>= 3.8) is not installed: the Python client cannot be tested');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MAG_URL: app!.url,
    MAG_REQUIRE_SERVER: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
  delete env.MAG_API_KEY;
  const { code, output } = await run(python!, ['-m', 'unittest', '-v', SUITE], env, 170_000);
  const summary = output.split('\n').filter((l) => /^(Ran \d+ tests|OK|FAILED)/.test(l)).join(' | ');
  assert.equal(code, 0, `python unittest failed (${summary}):\n${output.slice(-6000)}`);
  const ran = Number(/Ran (\d+) tests?/.exec(output)?.[1] ?? 0);
  assert.ok(ran >= 39, `expected the whole suite to run, got: ${summary}`);
  const skipped = output.split('\n').filter((l) => / \.\.\. skipped /.test(l));
  assert.deepEqual(skipped, [], 'no Python test may be skipped');
  t.diagnostic(`python: ${summary}`);
});
