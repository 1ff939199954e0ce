// The READMEs whose snippets a reader runs elsewhere than against the quick start's server
// (test/readme.test.ts runs those): here each snippet is run for real, or checked against the thing
// it describes where running it takes minutes or an engine this machine has not. The comment at
// each check says which, and why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { COMPILED_COLUMNS } from '../bench/lib/compiled';
import { CATALOG_LIST, THREE_LEVEL } from '../bench/queries';
import { createTestDatabase } from './helpers/app';
import { Block, fencedBlocks, READ_AS_A_READER, ROOT, run, shellCommands } from './helpers/readme';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const scripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

/** The READMEs this file checks; test/readme.test.ts runs READ_AS_A_READER. */
const CHECKED_HERE = ['bench/README.md'];

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
    assert.equal(help.code, 0);
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
