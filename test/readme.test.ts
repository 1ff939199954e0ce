// Every README, run the way a reader would: its sh, graphql, python and ts blocks in order, against
// a server on a fresh database. The root README's quick start starts that server itself; the other
// READMEs (clients, examples) are read after it, with the server running and the example seeded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'graphql';
import { Block, fencedBlocks, ReadmeSession, ROOT, run, shellCommands } from './helpers/readme';

const READMES = [
  'README.md',
  'clients/python/README.md',
  'clients/ts/README.md',
  ...fs.readdirSync(path.join(ROOT, 'examples')).filter((d) => fs.existsSync(path.join(ROOT, 'examples', d, 'README.md'))).map((d) => `examples/${d}/README.md`),
];

/** Blocks that show a layout, an output or another program's configuration (a Prometheus scrape config) rather than something to run here. */
const NOT_CODE = new Set(['text', 'yaml']);

const firstLine = (b: Block) => (b.lang === 'sh' ? shellCommands(b.code)[0] : b.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('#') && !l.trim().startsWith('//'))?.trim()) ?? '';

/** What each block printed or answered, by README and line, for the checks below. */
const outputs = new Map<string, string[]>();
const answers = new Map<string, any>();

function runReadme(file: string) {
  const blocks = fencedBlocks(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  const session = new ReadmeSession();
  after(() => session.close());
  if (file !== 'README.md') test(`${file}: the quick start's server is running with the example data`, () => session.startSeeded());
  for (const block of blocks) {
    if (NOT_CODE.has(block.lang)) continue;
    const key = `${file}:${block.line}`;
    test(`${file} line ${block.line} (${block.lang}) runs: ${firstLine(block).slice(0, 60)}`, { timeout: 200_000 }, async () => {
      if (block.lang === 'sh') {
        const printed: string[] = [];
        for (const line of shellCommands(block.code)) {
          const r = await session.command(line);
          if (r.skipped) continue;
          assert.equal(r.code, 0, `"${r.command}" exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
          if (/^curl\b/.test(line)) {
            const body = JSON.parse(r.stdout);
            assert.equal(body.errors, undefined, `"${line}" answered errors: ${r.stdout}`);
            assert.ok(body.data, r.stdout);
          }
          printed.push(r.stdout);
        }
        outputs.set(key, printed);
      } else if (block.lang === 'graphql' && block.code.includes('…')) {
        // A shape with a placeholder id ("UGlwZWxpbmU6…"): it must parse; there is nothing to run it on.
        parse(block.code);
      } else if (block.lang === 'js') {
        const r = await run(process.execPath, ['--check', '-'], { input: block.code });
        assert.equal(r.code, 0, `js block does not parse:\n${r.stderr}`);
      } else if (block.lang === 'graphql') {
        const body = await session.graphql(block.code);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        answers.set(key, body.data);
      } else if (block.lang === 'python') {
        const r = await session.python(block.code);
        assert.equal(r.code, 0, `python block failed:\n${r.stdout}`);
        outputs.set(key, [r.stdout]);
      } else if (block.lang === 'ts') {
        const r = await session.typescript(block.code);
        assert.equal(r.code, 0, `${r.command} failed:\n${r.stdout}\n${r.stderr}`);
        outputs.set(key, [r.stdout]);
      } else {
        assert.fail(`${file} line ${block.line}: a \`\`\`${block.lang} block that no test runs; use sh, graphql, python or ts (or text for layouts)`);
      }
    });
  }
  return blocks;
}

const find = (file: string, blocks: Block[], lang: string, text: string) => {
  const block = blocks.find((b) => b.lang === lang && b.code.includes(text));
  assert.ok(block, `${file} has a ${lang} block with ${text}`);
  return `${file}:${block.line}`;
};

describe('README.md', () => {
  const file = 'README.md';
  const blocks = runReadme(file);

  test('the quick start starts the server, then seeds, then sends its first query', () => {
    const order = blocks.map((b) => `${b.lang}:${b.code}`);
    const start = order.findIndex((l) => /^sh:[^]*\bnpm start\b/.test(l));
    const seed = order.findIndex((l) => l.includes('npm run seed:example'));
    const curl = order.findIndex((l) => l.startsWith('sh:curl'));
    assert.ok(start >= 0 && start < seed && seed < curl, order.join('\n'));
  });

  test('the seed writes the example, and the first query lists fraud-detection with its three pipelines', () => {
    const [seeded] = outputs.get(find(file, blocks, 'sh', 'seed:example'))!;
    assert.match(seeded, /fraud_detector: v1 PRODUCTION, v2 ARCHIVED, v3 STAGING/);
    const [projects, created] = outputs.get(find(file, blocks, 'sh', 'curl'))!.map((o) => JSON.parse(o).data);
    assert.deepEqual(projects.projects, { totalCount: 1, nodes: [{ name: 'fraud-detection', pipelines: { totalCount: 3 } }] });
    assert.equal(created.createProject.name, 'my-first-project');
  });

  test("the README's example query answers what data trained the production model", () => {
    const { modelVersion, project } = answers.get(find(file, blocks, 'graphql', 'trainedOn'));
    assert.equal(modelVersion.number, 1);
    assert.equal(modelVersion.stage, 'PRODUCTION');
    assert.deepEqual(modelVersion.trainedOn, [{
      name: 'training_data',
      artifactVersion: { version: '1', uri: 'file:///var/zenml/artifacts/processed_features/1',
        producedBy: { name: 'engineer_features', run: { name: 'feature_engineering_run_1', pipeline: { name: 'feature_engineering' } } } },
    }]);
    assert.equal(modelVersion.artifact.producedBy.run.name, 'training_run_1');
    assert.deepEqual(project.models.nodes.map((m: any) => m.name), ['fraud_detector']);
  });

  test('the python snippet prints the training data of the production model and its labelled lineage', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'training_data()'))!;
    const lines = out.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['processed_features:1 feature_engineering_run_1', 'fraud_detector', '6 nodes, 5 edges']);
    assert.ok(lines.includes('processed_features:1 -[INPUT features]-> fraud_detection_training/training_run_1/train_model'), out);
  });

  test('apikey: the admin key is created, listed with its dates, and ci is revoked', () => {
    const [admin, ci, list, revoke] = outputs.get(find(file, blocks, 'sh', 'npm run apikey'))!;
    assert.match(admin, /^created api key "admin" \(ADMIN\)/);
    assert.match(ci, /^created api key "ci" \(EDITOR, projects fraud-detection\)/);
    assert.match(list, /^NAME\s+ROLE\s+PROJECTS\s+STATUS\s+CREATED \(UTC\)\s+LAST USED \(UTC\)\n/);
    assert.equal(revoke, 'revoked the api key named "ci"\n');
  });
});

describe('clients/python/README.md', () => {
  const file = 'clients/python/README.md';
  const blocks = runReadme(file);

  test('the notebook session prints what the seeded example holds', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'training_data()'))!;
    const lines = out.split('\n');
    assert.deepEqual(lines.slice(0, 8), [
      '1 PRODUCTION 0.91',
      'training_data processed_features:1 feature_engineering_run_1',
      '1 284807',
      "fraud_detector ['accuracy-92', 'accuracy-95', 'random-forest']",
      '1 PRODUCTION 0.95',
      '2 ARCHIVED 0.92',
      '3 STAGING 0.94',
      "['processed_features:1', 'trained_model:1', 'transaction_dataset:raw_2023']",
    ]);
    assert.ok(lines.includes('version 1 of this model holds PRODUCTION; pass force=True to archive it'), out);
    assert.ok(lines.includes('archived: [1]'), out);
  });

  test('the errors block prints the messages its comments promise', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'except NotFound'))!;
    assert.equal(out, [
      "CONFLICT ['createProject']",
      'project "fraud-detection" already exists',
      'model "fraud_detector" has no version "7" in project "fraud-detection" (versions: 1, 2, 3, 4); production → 3',
      "stage must be one of none, staging, production, archived, got 'prod'",
    ].join('\n') + '\n');
  });
});

describe('clients/ts/README.md', () => {
  const file = 'clients/ts/README.md';
  const blocks = runReadme(file);

  test('the snippet compiles strictly and reads the seeded staging version', () => {
    const [out] = outputs.get(find(file, blocks, 'ts', 'MagClient'))!;
    assert.equal(out, '3 s3://fraud-artifacts/trained_model/3\nCONFLICT: version 1 of this model holds PRODUCTION; pass force: true to archive it\narchived [ 1 ]\n');
  });
});

for (const file of READMES.filter((f) => f.startsWith('examples/'))) {
  describe(file, () => { runReadme(file); });
}
