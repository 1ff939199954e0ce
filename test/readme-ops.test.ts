// The READMEs whose snippets a reader runs elsewhere than against the quick start's server
// (test/readme.test.ts runs those): here each snippet is run for real, or checked against the thing
// it describes where running it takes minutes or an engine this machine has not. The comment at
// each check says which, and why.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OperationDefinitionNode, parse } from 'graphql';
import { COMPILED_COLUMNS } from '../bench/lib/compiled';
import { CATALOG_LIST, THREE_LEVEL } from '../bench/queries';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../src/db/embedded';
import { seedExample } from '../scripts/seed-example';
import { OperationCompiler } from '../src/compiler/compiler';
import { ANONYMOUS, Principal } from '../src/domain/auth/principal';
import { Role } from '../src/domain/auth/role';
import { buildAppSchema } from '../src/graphql/schema';
import { createTestDatabase, startTestApp, TestApp } from './helpers/app';
import { Block, fencedBlocks, READ_AS_A_READER, ROOT, run, shellCommands } from './helpers/readme';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const scripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

/** The READMEs this file checks; test/readme.test.ts runs READ_AS_A_READER. */
const CHECKED_HERE = ['bench/README.md', 'docker/README.md', 'src/compiler/README.md'];

test('every README in the repository is run or checked by a test', async () => {
  const listed = await run('git', ['ls-files', '*README.md']);
  assert.equal(listed.code, 0, listed.stderr);
  const readmes = listed.stdout.trim().split('\n');
  assert.ok(readmes.includes('README.md') && readmes.length >= 7, listed.stdout);
  assert.deepEqual(readmes.filter((f) => !READ_AS_A_READER().includes(f) && !CHECKED_HERE.includes(f)), []);
});

/** `npm run <script> -- <args>` as the node command npm would run, with the env assignments in front. */
function npmCommand(line: string): { env: Record<string, string>; script: string; args: string[]; node: string[] } {
  const m = /^((?:[A-Z_]+=\S+\s+)*)npm run (\S+)(?:\s+--)?((?:\s+\S+)*)$/.exec(line.trim());
  assert.ok(m, `"${line}" is not an npm run command`);
  const script = scripts[m[2]];
  assert.ok(script, `package.json has no script "${m[2]}"`);
  const node = /^npm run build --silent && node (\S+)$/.exec(script);
  assert.ok(node, `the script ${m[2]} is "${script}"`);
  const env = Object.fromEntries(m[1].trim().split(/\s+/).filter(Boolean).map((a) => a.split('=') as [string, string]));
  return { env, script: m[2], args: m[3].trim().split(/\s+/).filter(Boolean), node: [node[1]] };
}

describe('bench/README.md', () => {
  const file = 'bench/README.md';
  const text = read(file);
  const blocks = fencedBlocks(text);
  const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')));
  // Commands named in the prose (`npm run bench -- compiled`) are checked like the block's.
  const inline = [...text.matchAll(/`((?:[A-Z_]+=\S+ )*npm run (?:bench|seed:large)\b[^`]*)`/g)].map((m) => m[1]);

  /**
   * Run for real against a fresh database: the CI-size seed (under a second) and the small lineage
   * reset (seconds). The rest seed millions of rows or measure for minutes: each is run with
   * --dry-run, which parses the command line exactly as the real run does and prints its plan, and
   * the plan must hold every option the README passes (an option renamed in the code fails here).
   */
  const FOR_REAL = ['npm run seed:large -- catalog --projects 1 --pipelines 5 --runs 10', 'npm run seed:large -- --reset lineage --artifact-versions 20000'];

  const database = createTestDatabase();
  after(async () => { await (await database).drop(); });
  const runNode = async (line: string, extraArgs: string[] = []) => {
    const c = npmCommand(line);
    return run(process.execPath, [path.join(ROOT, c.node[0]), ...c.args, ...extraArgs],
      { env: { ...process.env, ...c.env, DATABASE_URL: (await database).url, DATA_DIR: '/nonexistent-bench-data', LOG_LEVEL: 'warn' }, timeoutMs: 120_000 });
  };

  test('its shell block has only bench and seed:large commands, the ones run for real among them', () => {
    assert.ok(commands.length >= 8, commands.join('\n'));
    for (const line of commands) assert.match(line, /^npm run (bench|seed:large)\b/);
    const lines = commands.map((l) => shellCommands(l)[0]);
    for (const real of FOR_REAL) assert.ok(lines.includes(real), `the README no longer shows "${real}"`);
    assert.ok(inline.includes('npm run bench -- compiled') && inline.some((l) => l.startsWith('MAX_QUERY_COST=')), inline.join('\n'));
  });

  test('every command it shows is accepted as written, and its plan holds each option and the sizes its comment states', async () => {
    for (const full of [...commands, ...inline]) {
      const [line] = shellCommands(full);
      if (FOR_REAL.includes(line)) continue;
      const r = await runNode(line, ['--dry-run']);
      assert.equal(r.code, 0, `${line} --dry-run: ${r.stderr}`);
      const plan = JSON.parse(r.stdout);
      const { args } = npmCommand(line);
      const find = (key: string) => [plan, plan.catalog ?? {}, plan.lineage ?? {}].map((o) => o[key]).find((v) => v !== undefined);
      for (let i = 0; i < args.length; i++) {
        const word = args[i];
        if (!word.startsWith('--')) {
          // A section: the bench measures it, the seed generates it.
          assert.ok(plan.sections ? plan.sections.includes(word) : plan[word], `${line}: plan ${r.stdout}`);
          continue;
        }
        const key = word.slice(2).replace(/-(\w)/g, (_m, c) => c.toUpperCase());
        const value = find(key);
        if (key === 'reset') assert.equal(value, true, line);
        else if (key === 'concurrency') assert.deepEqual(value, args[++i].split(',').map(Number), line);
        else assert.equal(value, Number(args[++i]), `${line}: ${word} in ${r.stdout}`);
      }
      // "catalog 2×50×200", "lineage 200k", "lineage 1M artifact versions" in the comment.
      const comment = full.slice(full.indexOf('#') + 1);
      const catalog = /catalog (\d+)×(\d+)×(\d+)/.exec(full.includes('#') ? comment : '');
      if (catalog) assert.deepEqual([plan.catalog.projects, plan.catalog.pipelines, plan.catalog.runs], catalog.slice(1).map(Number), full);
      const lineage = /lineage (\d+)(k|M)\b/.exec(full.includes('#') ? comment : '');
      if (lineage) assert.equal(plan.lineage.artifactVersions, Number(lineage[1]) * (lineage[2] === 'k' ? 1e3 : 1e6), full);
    }
  });

  test('a misspelt option or section stops the command with one line and exit 2, before any database', async () => {
    const bench = await runNode('npm run bench -- --project 10');
    assert.equal(bench.code, 2);
    assert.equal(bench.stderr.split('\n')[0], 'npm run bench: unknown option --project (options: --projects, --pipelines, --runs, --artifact-versions, --seed, --seconds, --max-requests, --concurrency, --dry-run, --help)');
    const seed = await runNode('npm run seed:large -- catalgo');
    assert.equal(seed.code, 2);
    assert.equal(seed.stderr.split('\n')[0], 'npm run seed:large: unknown section "catalgo" (sections: catalog, lineage)');
    const help = await runNode('npm run bench -- --help');
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run bench -- \[compiled\|catalog\|tags\|lineage \.\.\.\] \[--projects N \(2\)\]/);
  });

  test('the CI-size seed and the lineage reset run for real; a second seed of the same size reuses the project', async () => {
    const ci = await runNode(FOR_REAL[0]);
    assert.equal(ci.code, 0, ci.stderr);
    assert.match(ci.stdout, /^catalog-00: created in [\d.]+ s/);
    assert.match(ci.stdout, /\ncatalog: 1 projects × 5 pipelines × 10 runs\n {2}project {2,}1\n/);
    assert.match(ci.stdout, /\n {2}pipeline {2,}5\n[^]*\n {2}pipeline_run {2,}50\n/);
    assert.match(ci.stdout, /\ndone in [\d.]+ s; database DATABASE_URL\n$/);
    const again = await runNode(FOR_REAL[0]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^catalog-00: reusing /);
    const lineage = await runNode(FOR_REAL[1]);
    assert.equal(lineage.code, 0, lineage.stderr);
    assert.match(lineage.stdout, /^deleted catalog-00\nlineage-20000: created in /);
    assert.match(lineage.stdout, /\nlineage: project lineage-20000\n[^]*\n {2}artifact_version {2,}20,003\n/);
  });

  test('its output blocks are what the compiled section prints: the same columns and query names', () => {
    const outputs = blocks.filter((b: Block) => b.lang === 'text');
    assert.equal(outputs.length, 2, 'a measured table and an EXPLAIN: shown as printed on a shared machine, not rerun');
    const [header, rule, ...rows] = outputs[0].code.trimEnd().split('\n');
    assert.deepEqual(header.trim().split(/\s{2,}/), COMPILED_COLUMNS);
    assert.match(rule, /^-+( {2}-+)+$/);
    const names = [CATALOG_LIST.name, THREE_LEVEL.name];
    assert.deepEqual(rows.slice(0, 2).map((r) => r.split(/\s{2,}/)[0]).sort(), [...names].sort());
    const explain = /^ {2}EXPLAIN \(ANALYZE, BUFFERS\) of the compiled statement, (\S+):$/.exec(outputs[1].code.split('\n')[0]);
    assert.ok(explain && names.includes(explain[1]), outputs[1].code.split('\n')[0]);
  });
});

// ---------------------------------------------------------------- docker/README.md

/** Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error} in every string of the file. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string) => {
      const set = env[name] !== undefined && env[name] !== '';
      if (op === '?' && !set) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return set ? env[name] : op === '-' ? arg : '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

/** .dockerignore's patterns (Go's filepath.Match with **) as one test on a path or any of its parent folders. */
function dockerIgnored(patterns: string[]): (file: string) => boolean {
  const regexes = patterns.map((p) => new RegExp(`^${p.replace(/^\//, '').split(/(\*\*\/|\*\*|\*|\?)/).map((part) => (
    part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`));
  return (file) => {
    const parts = file.split('/');
    return parts.some((_p, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join('/'))));
  };
}

interface Instruction { op: string; args: string }

/** The Dockerfile's stages: FROM … AS name, then its instructions (continuation lines joined). */
function dockerStages(text: string): { args: Record<string, string>; stages: Record<string, { from: string; steps: Instruction[] }> } {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Record<string, { from: string; steps: Instruction[] }> = {};
  let current: { from: string; steps: Instruction[] } | undefined;
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (op === 'ARG' && !current) {
      const [k, v] = rest.split('=');
      args[k] = v;
    } else if (op === 'FROM') {
      const [, from, name] = /^(\S+)\s+AS\s+(\S+)$/i.exec(rest)!;
      current = stages[name] = { from: from.replace(/\$\{(\w+)\}/g, (_m, k) => args[k]), steps: [] };
    } else {
      current!.steps.push({ op, args: rest });
    }
  }
  return { args, stages };
}

describe('docker/README.md', () => {
  const file = 'docker/README.md';
  const text = read(file);
  const blocks = fencedBlocks(text);
  const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => shellCommands(b.code));
  const composeFile = 'docker/compose.yaml';
  const compose = parseYaml(read(composeFile));
  const adminKey = 'readme-docker-admin-key-0123456789';
  const { args: dockerArgs, stages } = dockerStages(read('docker/Dockerfile'));
  const ignored = dockerIgnored(read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-docker-'));
  const database = createTestDatabase();
  let server: ChildProcess | undefined;
  let serverLog = '';
  let port = 0;
  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await (await database).drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  // There is no Docker engine on this machine or CI's (`docker compose`, `docker build` and
  // `docker run` need one), so the commands are checked against the files they use, the image is
  // built by running the Dockerfile's build steps on its context, and the "Call it" block runs
  // against the server that image would run.

  test('every command it shows is one this test checks', () => {
    for (const line of commands) {
      assert.match(line, /^(export ADMIN_API_KEY=|docker (compose -f docker\/compose\.yaml|build -f docker\/Dockerfile|run) |curl |git pull$)/, line);
    }
  });

  test('export ADMIN_API_KEY makes a key the server accepts (16+ characters)', async () => {
    const line = commands.find((l) => l.startsWith('export ADMIN_API_KEY='))!;
    const r = await run('sh', ['-c', `${line} && printf %s "$ADMIN_API_KEY"`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{48}$/);
  });

  test('the compose commands name the compose file and its services; the file says what the README says', () => {
    const services = Object.keys(compose.services).sort();
    assert.deepEqual(services, ['app', 'db']);
    for (const line of commands.filter((l) => l.startsWith('docker compose'))) {
      const words = line.split('|')[0].trim().split(/\s+/).slice(4);
      const verb = words[0];
      assert.ok(['up', 'ps', 'logs', 'exec', 'down', 'stop'].includes(verb), line);
      const named = words.slice(1).filter((w) => !w.startsWith('-'));
      if (verb === 'exec') assert.equal(named[0], 'db', line);
      else for (const s of named) assert.ok(services.includes(s), `${line}: no service ${s}`);
    }
    // "Compose refuses to start without ADMIN_API_KEY ("set ADMIN_API_KEY to a secret of 16+ characters")"
    const quoted = /Compose refuses to start without `ADMIN_API_KEY` \("([^"]+)"\)/.exec(text.replace(/\s+/g, ' '));
    assert.ok(quoted, 'the README quotes Compose\'s message');
    assert.throws(() => interpolate(compose, {}), { message: `required variable ADMIN_API_KEY is missing a value: ${quoted[1]}` });
    const resolved = interpolate(compose, { ADMIN_API_KEY: adminKey }) as any;
    const app = resolved.services.app;
    const db = resolved.services.db;
    // The build context is the repository root and the Dockerfile is docker/Dockerfile.
    assert.equal(path.resolve(ROOT, 'docker', app.build.context), ROOT);
    assert.equal(app.build.dockerfile, 'docker/Dockerfile');
    assert.equal(db.image, 'postgres:17');
    assert.deepEqual(db.volumes, ['pgdata:/var/lib/postgresql/data']);
    assert.ok('pgdata' in resolved.volumes);
    // `pg_dump -U mlag … mlag` and `pg_restore -U mlag -d mlag`: the user and database of the db service.
    assert.equal(db.environment.POSTGRES_USER, 'mlag');
    assert.equal(db.environment.POSTGRES_DB, 'mlag');
    assert.ok(commands.some((l) => l.includes('exec -T db pg_dump -U mlag -Fc mlag')));
    assert.match(text, /exec -T db pg_restore -U mlag -d mlag --clean/);
    assert.equal(db.ports, undefined, 'the db port is not published to the host');
    assert.match(app.healthcheck.test.join(' '), /\/readyz/);
    assert.equal(app.stop_grace_period, '10s');
    assert.deepEqual(app.depends_on, { db: { condition: 'service_healthy' } });
    assert.deepEqual((interpolate(compose, { ADMIN_API_KEY: adminKey, APP_PORT: '8080' }) as any).services.app.ports, ['8080:4000']);
  });

  test("the table of environment variables is the compose file's, value by value", () => {
    const rows = [...text.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]);
    assert.ok(rows.length >= 10, JSON.stringify(rows));
    const raw = compose.services.app.environment;
    const resolved = (interpolate(compose, { ADMIN_API_KEY: adminKey }) as any).services;
    for (const [name, said] of rows) {
      const where = `${name}: "${said}"`;
      if (name === 'APP_PORT') assert.deepEqual(resolved.app.ports, [`${/`(\d+)`/.exec(said)![1]}:4000`], where);
      else if (name === 'POSTGRES_PASSWORD') assert.equal(resolved.db.environment.POSTGRES_PASSWORD, /default `(\w+)`/.exec(said)![1], where);
      else if (said.startsWith('required')) assert.match(raw[name], new RegExp(`^\\$\\{${name}:\\?`), where);
      else if (said === 'default unset') assert.equal(resolved.app.environment[name], '', where);
      else if (said.startsWith('default `')) assert.equal(String(resolved.app.environment[name]), /`([^`]+)`/.exec(said)![1], where);
      else assert.equal(raw[name], /^`([^`]+)`$/.exec(said)![1], where);
    }
  });

  test('the Dockerfile is the README\'s: node 20 slim, production install without optional packages, non-root, port 4000, HEALTHCHECK on /readyz', () => {
    assert.deepEqual(Object.keys(stages), ['build', 'runtime']);
    assert.equal(stages.runtime.from, 'node:20-bookworm-slim');
    assert.equal(dockerArgs.NODE_IMAGE, 'node:20-bookworm-slim');
    assert.ok(semver.intersects('20.x', JSON.parse(read('package.json')).engines.node), 'Node 20 is one engines allows');
    assert.deepEqual(stages.build.steps.filter((s) => s.op === 'RUN').map((s) => s.args), ['npm ci --no-audit --no-fund', 'npm run build']);
    assert.match(text.replace(/\s+/g, ' '), /The build stage runs `npm ci` and `npm run build`/);
    const steps = stages.runtime.steps;
    const env = steps.filter((s) => s.op === 'ENV').map((s) => s.args).join(' ');
    assert.match(env, /NODE_ENV=production/);
    assert.match(env, /PORT=4000/);
    assert.ok(steps.some((s) => s.op === 'RUN' && s.args.startsWith('npm ci --omit=dev --omit=optional')));
    assert.deepEqual(steps.filter((s) => s.op === 'USER').map((s) => s.args), ['node']);
    assert.deepEqual(steps.filter((s) => s.op === 'EXPOSE').map((s) => s.args), ['4000']);
    assert.match(steps.find((s) => s.op === 'HEALTHCHECK')!.args, /\/readyz/);
    // "/.dockerignore keeps node_modules, dist, .data, .git and test-output out"
    for (const f of ['node_modules/x', 'dist/src/main.js', '.data/pg', '.git/HEAD', 'test-output/x', 'ui/node_modules/x']) assert.ok(ignored(f), f);
    for (const f of ['package.json', 'src/main.ts', 'schema.graphql', 'ui/src/main.tsx']) assert.ok(!ignored(f), f);
  });

  test('docker build: the build stage, run on the build context, makes everything the runtime stage copies from it', { timeout: 400_000 }, async () => {
    // The context: the repository's files less .dockerignore's.
    const listed = await run('git', ['ls-files']);
    const context = listed.stdout.trim().split('\n').filter((f) => !ignored(f) && fs.existsSync(path.join(ROOT, f)));
    assert.ok(context.includes('package-lock.json') && context.includes('src/main.ts'));
    const build = path.join(work, 'build');
    const copy = (from: string, to: string) => { fs.mkdirSync(path.dirname(to), { recursive: true }); fs.cpSync(from, to, { recursive: true }); };
    for (const step of stages.build.steps) {
      if (step.op === 'WORKDIR' || step.op === 'ARG') continue;
      if (step.op === 'COPY') {
        const [, ...sources] = step.args.split(/\s+/).reverse();
        for (const src of sources.reverse()) {
          if (src === '.') for (const f of context) copy(path.join(ROOT, f), path.join(build, f));
          else {
            assert.ok(context.includes(src), `COPY ${src}: not in the build context`);
            copy(path.join(ROOT, src), path.join(build, src));
          }
        }
      } else if (step.op === 'RUN' && /^npm ci\b/.test(step.args)) {
        // npm ci installs package-lock.json's tree, the one installed here (test/install.test.ts
        // checks that lock): linked instead of downloaded again.
        fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(build, 'node_modules'));
      } else if (step.op === 'RUN') {
        const r = await run('sh', ['-c', step.args], { cwd: build, env: { ...process.env, PATH: `${path.join(build, 'node_modules', '.bin')}:${process.env.PATH}` }, timeoutMs: 360_000 });
        assert.equal(r.code, 0, `RUN ${step.args}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
      } else {
        assert.fail(`the build stage has ${step.op}, which this test does not know`);
      }
    }
    // The runtime stage: its files from the context and from the build stage.
    const runtime = path.join(work, 'runtime');
    for (const step of stages.runtime.steps.filter((s) => s.op === 'COPY')) {
      const words = step.args.split(/\s+/);
      const fromBuild = words[0] === '--from=build';
      const [dest, ...sources] = words.slice(fromBuild ? 1 : 0).reverse();
      for (const src of sources.reverse()) {
        const source = fromBuild ? path.join(build, src.replace(/^\/app\//, '')) : path.join(ROOT, src);
        assert.ok(fs.existsSync(source), `COPY ${fromBuild ? '--from=build ' : ''}${src}: the ${fromBuild ? 'build stage made no' : 'context has no'} ${src}`);
        if (!fromBuild) assert.ok(!ignored(src), `COPY ${src}: .dockerignore leaves it out`);
        copy(source, path.join(runtime, dest.endsWith('/') ? path.join(dest, path.basename(src)) : dest));
      }
    }
    assert.deepEqual(stages.runtime.steps.find((s) => s.op === 'CMD')!.args, '["node", "dist/src/main.js"]');
    assert.ok(fs.existsSync(path.join(runtime, 'dist', 'src', 'main.js')));
    assert.ok(fs.existsSync(path.join(runtime, 'dist', 'ui', 'index.html')), 'the console is in the image');
    // --omit=dev: what the server loads must be a dependency, never a devDependency.
    const pkg = JSON.parse(read('package.json'));
    const loaded = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (p.endsWith('.js')) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/\b(?:require|import)\(["']([^"'./][^"']*)["']\)/g)) loaded.add(m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0]);
        }
      }
    };
    walk(path.join(runtime, 'dist', 'src'));
    const missing = [...loaded].filter((m) => !m.startsWith('node:') && !builtinModules.includes(m) && !(m in pkg.dependencies));
    assert.deepEqual(missing, [], 'packages the server loads that `npm ci --omit=dev` leaves out');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(runtime, 'node_modules'));
  });

  test('docker run: the image\'s server starts on DATABASE_URL with ADMIN_API_KEY and applies the migrations', { timeout: 120_000 }, async () => {
    const runtime = path.join(work, 'runtime');
    assert.ok(fs.existsSync(path.join(runtime, 'node_modules')), 'the build test made the image');
    const line = commands.find((l) => l.startsWith('docker run'))!;
    assert.match(line, /-e DATABASE_URL=\S+ .*-e ADMIN_API_KEY="\$ADMIN_API_KEY" ml-asset-graph$/);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATABASE_URL: (await database).url, ADMIN_API_KEY: adminKey };
    for (const s of stages.runtime.steps.filter((x) => x.op === 'ENV')) {
      for (const [, k, v] of s.args.matchAll(/(\w+)=(\S+)/g)) env[k] = v;
    }
    port = await freePort();
    env.PORT = String(port); // -p 4000:4000: localhost:4000 in the README is this port
    server = spawn(process.execPath, ['dist/src/main.js'], { cwd: runtime, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => { serverLog += d; });
    server.stderr!.on('data', (d) => { serverLog += d; });
    const deadline = Date.now() + 90_000;
    for (;;) {
      assert.equal(server.exitCode, null, serverLog);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      assert.ok(Date.now() < deadline, serverLog);
      await new Promise((r) => setTimeout(r, 200));
    }
    // `docker compose … logs app | grep 'migrations applied'`
    const grep = commands.find((l) => l.includes('| grep'))!;
    const wanted = /grep '([^']+)'/.exec(grep)![1];
    assert.ok(serverLog.split('\n').some((l) => l.includes(wanted)), `no "${wanted}" in the log:\n${serverLog}`);
  });

  test('Call it: each curl answers as the README says, and without the header the API answers UNAUTHENTICATED', { timeout: 60_000 }, async () => {
    assert.ok(port, 'the server of the image runs');
    const curls = commands.filter((l) => l.startsWith('curl'));
    assert.equal(curls.length, 4);
    const answers: string[] = [];
    for (const line of curls) {
      const r = await run('sh', ['-c', line.replace(/localhost:4000/g, `127.0.0.1:${port}`)], { env: { ...process.env, ADMIN_API_KEY: adminKey } });
      assert.equal(r.code, 0, r.stderr);
      answers.push(r.stdout);
    }
    assert.deepEqual(JSON.parse(answers[0]).data.createProject.name, 'fraud-detection');
    assert.deepEqual(JSON.parse(answers[1]).data.projects, { totalCount: 1, nodes: [{ name: 'fraud-detection' }] });
    // The comments: `# {"status":"ok"}` and `# {"status":"ready"}`.
    const said = Object.fromEntries([...text.matchAll(/^curl -s localhost:4000\/(\w+)\s+# (\{[^}]+\})/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(Object.keys(said), ['healthz', 'readyz']);
    assert.equal(answers[2], said.healthz);
    assert.equal(answers[3], said.readyz);
    const anonymous = await run('sh', ['-c', curls[1].replace(/localhost:4000/g, `127.0.0.1:${port}`).replace(/-H "authorization: Bearer \$ADMIN_API_KEY"/, '')]);
    assert.equal(JSON.parse(anonymous.stdout).errors[0].extensions.code, 'UNAUTHENTICATED');
  });
});

// ---------------------------------------------------------------- src/compiler/README.md

describe('src/compiler/README.md', () => {
  const file = 'src/compiler/README.md';
  const blocks = fencedBlocks(read(file));
  // The selection runs on a server holding the example data; the SQL shown must be what the
  // compiler writes for it (whitespace aside) and, run as shown, answer the same data.
  const VARIABLES = { p: 'fraud-detection' };
  const normalize = (sql: string) => sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
  let app: TestApp;
  let projectId = '';
  before(async () => {
    app = await startTestApp();
    await seedExample(app.url);
    [{ id: projectId }] = await app.sql(`SELECT id FROM project WHERE name = $1`, [VARIABLES.p]);
  });
  after(async () => { await app.close(); });

  test('it has one graphql and one sql block, nothing else to run', () => {
    assert.deepEqual(blocks.map((b) => b.lang), ['graphql', 'sql']);
  });

  test('the selection answers on the example data', async () => {
    const data = await app.ok(blocks[0].code, VARIABLES);
    assert.equal(data.project.name, 'fraud-detection');
    assert.equal(data.project.pipelines.totalCount, 3);
    assert.equal(data.project.pipelines.nodes.length, 2);
  });

  test('the SQL shown is the statement the compiler writes for a key limited to the project, and without the limit less its ANY($1) conditions', () => {
    const compiler = new OperationCompiler(buildAppSchema());
    const document = parse(blocks[0].code);
    const plan = compiler.plan(document, document.definitions[0] as OperationDefinitionNode);
    const scoped: Principal = { name: 'ci', role: Role.VIEWER, keyId: 'readme', projects: [VARIABLES.p], projectIds: [projectId] };
    const statement = compiler.statement(plan, VARIABLES, scoped);
    assert.ok(typeof statement !== 'string', String(statement));
    assert.equal(normalize(statement.text), normalize(blocks[1].code));
    assert.deepEqual(statement.values, [[projectId], VARIABLES.p]);
    const open = compiler.statement(plan, VARIABLES, ANONYMOUS);
    assert.ok(typeof open !== 'string', String(open));
    assert.equal(normalize(open.text), normalize(blocks[1].code).replace(/ AND \w+\.\w+ = ANY\(\$1::uuid\[\]\)/g, '').replace(/\$2/g, '$1'));
    assert.deepEqual(open.values, [VARIABLES.p]);
  });

  test('the SQL shown, run with its parameters, returns the data of the selection as one text column', async () => {
    const rows = await app.sql(blocks[1].code, [[projectId], VARIABLES.p]);
    assert.equal(rows.length, 1);
    assert.equal(typeof rows[0].data, 'string');
    assert.deepEqual(JSON.parse(rows[0].data), await app.ok(blocks[0].code, VARIABLES));
  });
});
