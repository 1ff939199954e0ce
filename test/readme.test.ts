// The README's quick start, run top to bottom on a fresh database: every sh, graphql and python
// block in the order a reader meets them, against the server the README's `npm start` starts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Block, fencedBlocks, ReadmeSession, ROOT, shellCommands } from './helpers/readme';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = fencedBlocks(README);
const session = new ReadmeSession();
after(() => session.close());

/** What each block printed or answered, by the line of its fence, for the checks below. */
const outputs = new Map<number, string[]>();
const answers = new Map<number, any>();

const firstLine = (b: Block) => (b.lang === 'sh' ? shellCommands(b.code)[0] : b.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('#'))?.trim()) ?? '';

for (const block of blocks) {
  test(`README line ${block.line} (${block.lang}) runs: ${firstLine(block).slice(0, 60)}`, { timeout: 180_000 }, async () => {
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
      outputs.set(block.line, printed);
    } else if (block.lang === 'graphql') {
      const body = await session.graphql(block.code);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      answers.set(block.line, body.data);
    } else if (block.lang === 'python') {
      const r = await session.python(block.code);
      assert.equal(r.code, 0, `python block failed:\n${r.stdout}\n${r.stderr}`);
      outputs.set(block.line, [r.stdout]);
    } else {
      assert.fail(`README line ${block.line}: a \`\`\`${block.lang} block that no test runs; use sh, graphql or python`);
    }
  });
}

test('the quick start starts the server before anything talks to it and seeds before the first query', () => {
  const langs = blocks.map((b) => `${b.lang}:${firstLine(b).split(/\s+/).slice(0, 3).join(' ')}`);
  const start = langs.findIndex((l) => l.includes('npm install'));
  const seed = langs.findIndex((l) => l.includes('seed:example'));
  const curl = langs.findIndex((l) => l.startsWith('sh:curl'));
  assert.ok(start >= 0 && start < seed && seed < curl, langs.join('\n'));
});

test('the seed writes the example, and the first query lists fraud-detection with its three pipelines', () => {
  const seedBlock = blocks.find((b) => b.lang === 'sh' && b.code.includes('seed:example'))!;
  const [seeded] = outputs.get(seedBlock.line)!;
  assert.match(seeded, /fraud_detector: v1 PRODUCTION, v2 ARCHIVED, v3 STAGING/);
  const curlBlock = blocks.find((b) => b.lang === 'sh' && b.code.includes('curl'))!;
  const [projects, created] = outputs.get(curlBlock.line)!.map((o) => JSON.parse(o).data);
  assert.deepEqual(projects.projects, { totalCount: 1, nodes: [{ name: 'fraud-detection', pipelines: { totalCount: 3 } }] });
  assert.equal(created.createProject.name, 'my-first-project');
});

test("the README's example query answers what data trained the production model", () => {
  const example = blocks.find((b) => b.lang === 'graphql' && b.code.includes('trainedOn'));
  assert.ok(example, 'the README has a graphql block asking for trainedOn');
  const { modelVersion, project } = answers.get(example.line);
  assert.equal(modelVersion.number, 1);
  assert.equal(modelVersion.stage, 'PRODUCTION');
  assert.deepEqual(modelVersion.trainedOn, [{
    name: 'processed_features',
    artifactVersion: { version: '1', uri: 'file:///var/zenml/artifacts/processed_features/1',
      producedBy: { name: 'engineer_features', run: { name: 'feature_engineering_run_1', pipeline: { name: 'feature_engineering' } } } },
  }]);
  assert.equal(modelVersion.artifact.producedBy.run.name, 'training_run_1');
  assert.deepEqual(project.models.nodes.map((m: any) => m.name), ['fraud_detector']);
});
