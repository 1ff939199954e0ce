// `npm run apikey`, run as the compiled script in child processes: against DATABASE_URL, and
// beside a running `npm start` on the embedded database, which it must share rather than fight.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../src/db/embedded';
import { startTestApp, TestApp } from './helpers/app';
import { gqlAt } from './helpers/http-gql';
import { DIST, run } from './helpers/readme';

const APIKEY = path.join(DIST, 'scripts', 'apikey.js');
let app: TestApp;

before(async () => {
  app = await startTestApp();
  await app.ok('mutation { createProject(input: { name: "fraud-detection" }) { id } }');
});
after(async () => { await app.close(); });

const apikey = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [APIKEY, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
const withDb = (args: string[]) => apikey(args, { DATABASE_URL: app.databaseUrl });

function emptyDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-apikey-'));
  // The embedded server runs as an unprivileged user when we are root: it must be able to enter the folder.
  fs.chmodSync(dir, 0o755);
  return dir;
}

test('a bad --role fails before starting anything', async () => {
  const dataDir = emptyDataDir();
  try {
    const env = { DATABASE_URL: '', DATA_DIR: dataDir };
    const r = await apikey(['create', '--name', 'ops', '--role', 'OWNER'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^apikey: --role must be one of VIEWER, EDITOR, ADMIN, got "OWNER"\nusage: npm run apikey/);
    assert.equal(r.stdout, '');
    const noName = await apikey(['create', '--role', 'ADMIN'], env);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /create needs --name <name>/);
    const unknown = await apikey(['grant'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "grant"/);
    // No embedded database was initialised in the data folder.
    assert.deepEqual(fs.readdirSync(dataDir), []);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a second live key with the same name is a CONFLICT, through the command and the API', async () => {
  const first = await withDb(['create', '--name', 'admin', '--role', 'ADMIN']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^created api key "admin" \(ADMIN\)\nsecret \(shown once\): mag_\S+\n/);
  const second = await withDb(['create', '--name', 'admin', '--role', 'VIEWER']);
  assert.equal(second.code, 1);
  assert.equal(second.stderr, 'apikey: an api key named "admin" already exists: choose another name, or revoke it first [CONFLICT]\n');
  const api = await app.gql('mutation { createApiKey(input: { name: "admin", role: VIEWER }) { secret } }');
  assert.equal(api.errors?.[0]?.extensions?.code, 'CONFLICT');
  assert.equal(api.errors?.[0]?.message, 'an api key named "admin" already exists: choose another name, or revoke it first');
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM api_key WHERE name = 'admin'`);
  assert.equal(n, 1);
});

test('a revoked name can be used again', async () => {
  assert.equal((await withDb(['create', '--name', 'ci', '--role', 'EDITOR', '--projects', 'fraud-detection'])).code, 0);
  const revoked = await withDb(['revoke', '--name', 'ci']);
  assert.equal(revoked.stdout, 'revoked the api key named "ci"\n');
  const again = await withDb(['create', '--name', 'ci', '--role', 'EDITOR']);
  assert.equal(again.code, 0, again.stderr);
  const none = await withDb(['revoke', '--name', 'nobody']);
  assert.equal(none.code, 1);
  assert.equal(none.stderr, 'apikey: no active api key is named "nobody"\n');
});

test('--projects naming a project that does not exist is refused and lists the projects', async () => {
  const r = await withDb(['create', '--name', 'typo', '--role', 'VIEWER', '--projects', 'fraud-detection,fraud-detektion']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'apikey: --projects names "fraud-detektion", which does not exist (projects: fraud-detection)\n');
  const [{ n }] = await app.sql(`SELECT count(*)::int AS n FROM api_key WHERE name = 'typo'`);
  assert.equal(n, 0);
});

test('list prints a header and each key with its created and last-used dates', async () => {
  const created = await withDb(['create', '--name', 'reader', '--role', 'VIEWER']);
  const secret = /secret \(shown once\): (\S+)/.exec(created.stdout)![1];
  assert.equal((await app.gql('{ viewer { name } }', {}, { token: secret })).data.viewer.name, 'reader');
  const r = await withDb(['list']);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...lines] = r.stdout.trimEnd().split('\n');
  assert.deepEqual(header.split(/\s{2,}/), ['NAME', 'ROLE', 'PROJECTS', 'STATUS', 'CREATED (UTC)', 'LAST USED (UTC)']);
  const rows = Object.fromEntries(lines.map((l) => { const cells = l.split(/\s{2,}/); return [cells[0], cells]; }));
  const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d$/;
  assert.deepEqual(rows.reader.slice(1, 4), ['VIEWER', '*', 'active']);
  assert.match(rows.reader[4], stamp);
  assert.match(rows.reader[5], stamp);
  assert.equal(rows.admin[5], '-', 'never used');
});

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(DIST, 'src', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`the server did not become ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url: `http://127.0.0.1:${port}/graphql`, output: () => output };
}

test('while npm start runs on the embedded database, apikey uses that database and the key works at once', { timeout: 180_000 }, async () => {
  const dataDir = emptyDataDir();
  const env = { DATABASE_URL: '', DATA_DIR: dataDir, AUTH: 'required', ADMIN_API_KEY: '' };
  const server = await startServer(env);
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded.json'), 'utf8'));
    assert.equal(info.pid, server.child.pid);
    assert.match(info.url, /^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/);

    const created = await apikey(['create', '--name', 'admin', '--role', 'ADMIN'], env);
    assert.equal(created.code, 0, created.stderr);
    const secret = /secret \(shown once\): (\S+)/.exec(created.stdout)![1];
    const viewer = await gqlAt(server.url, '{ viewer { name role } }', {}, { token: secret });
    assert.deepEqual(viewer.data, { viewer: { name: 'admin', role: 'ADMIN' } });
    const listed = await apikey(['list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NAME\s+ROLE\s+PROJECTS\s+STATUS\s+CREATED \(UTC\)\s+LAST USED \(UTC\)\nadmin\s+ADMIN\s+\*\s+active\s+\d{4}-/);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
  try {
    assert.ok(!fs.existsSync(path.join(dataDir, 'embedded.json')), 'a clean stop removes embedded.json');
    // With the server gone, the command starts the embedded database itself and finds the key.
    const listed = await apikey(['list'], { DATABASE_URL: '', DATA_DIR: dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /\nadmin\s+ADMIN\s+\*\s+active/);
    assert.ok(!fs.existsSync(path.join(dataDir, 'embedded.json')));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
