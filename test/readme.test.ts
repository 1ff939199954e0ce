// Every README, run the way a reader would: its sh, graphql, python and ts blocks in order, against
// a server on a fresh database. The root README's quick start starts that server itself; the other
// READMEs (clients, examples) are read after it, with the server running and the example seeded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { Block, fencedBlocks, READ_AS_A_READER, ReadmeSession, ROOT, run, shellCommands } from './helpers/readme';

const READMES = READ_AS_A_READER();

/**
 * Blocks that are not run but checked against what they describe: a layout (`text` whose first line
 * is a folder) must name files that exist; another program's configuration (`yaml`: a Prometheus
 * scrape config) must parse and point at what this server serves.
 */
async function checkNotRun(session: ReadmeSession, file: string, block: Block): Promise<void> {
  if (block.lang === 'text') {
    const [folder, ...entries] = block.code.trimEnd().split('\n');
    assert.match(folder, /^[\w.-]+(\/[\w.-]+)*\/$/, `${file} line ${block.line}: a text block that is no layout; show output as a comment, or teach this test to check it`);
    for (const entry of entries) {
      const name = entry.trim().split(/\s+/)[0];
      const dir = path.join(ROOT, folder, path.dirname(name));
      const pattern = new RegExp(`^${path.basename(name).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      assert.ok(fs.existsSync(dir) && fs.readdirSync(dir).some((f) => pattern.test(f)), `${file} line ${block.line}: ${folder}${name} does not exist`);
    }
  } else {
    const config = parseYaml(block.code);
    assert.ok(Array.isArray(config?.scrape_configs), `${file} line ${block.line}: a yaml block this test does not know`);
    for (const job of config.scrape_configs) {
      assert.equal(job.authorization?.type, 'Bearer');
      assert.deepEqual(job.static_configs.map((c: any) => c.targets.every((t: string) => t.endsWith(':4000'))), [true], 'the default port');
      const res = await fetch(new URL(job.metrics_path, session.url));
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^# HELP mag_/m, 'Prometheus metrics of this server');
    }
  }
}

/**
 * The placeholder ids README graphql blocks show ("UGlwZWxpbmU6…": a base64 "Pipeline:" cut short), each
 * with the lookup by name that finds a real one on the README's server. A block is run with its
 * placeholders replaced; a placeholder missing here fails its block.
 */
const PLACEHOLDER_IDS: Record<string, { lookup: string; id: (data: any) => string }> = {
  // The lifecycle section deletes a pipeline: the example's inference pipeline, which no later block reads.
  'UGlwZWxpbmU6…': { lookup: '{ pipeline(project: "fraud-detection", name: "fraud_detection_inference") { id } }', id: (d) => d.pipeline.id },
};

/** The paths of the empty arrays in an answer. */
function emptyLists(value: unknown, at = 'data'): string[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => emptyLists(v, `${at}[${i}]`)) : [at];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => emptyLists(v, `${at}.${k}`));
  return [];
}

async function withRealIds(session: ReadmeSession, where: string, code: string): Promise<string> {
  let document = code;
  for (const [, placeholder] of code.matchAll(/"([^"\n]*…[^"\n]*)"/g)) {
    const known = PLACEHOLDER_IDS[placeholder];
    assert.ok(known, `${where}: the placeholder "${placeholder}" has no lookup in PLACEHOLDER_IDS`);
    const found = await session.graphql(known.lookup);
    assert.equal(found.errors, undefined, JSON.stringify(found.errors));
    const id = known.id(found.data);
    assert.match(id, /^[\w-]{8,}$/, `${known.lookup} found no id`);
    document = document.replaceAll(`"${placeholder}"`, JSON.stringify(id));
  }
  parse(document);
  return document;
}

/** How each README js block is run: with its inputs made by this server, its answers returned for the checks. */
const JS_RUNNERS: { finds: RegExp; run: (session: ReadmeSession, code: string) => Promise<unknown> }[] = [
  {
    // Webhook signature check: a real PING delivery from the server to a receiver here, verified by
    // the README's function as written, then the same delivery with a changed body and no header.
    finds: /function verify\(secret, rawBody, header\)/,
    run: async (session, code) => {
      let delivered!: (d: { body: string; signature: string }) => void;
      const delivery = new Promise<{ body: string; signature: string }>((resolve) => { delivered = resolve; });
      const receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => { res.end('ok'); delivered({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-signature-256']) }); });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
        const created = await session.graphql(`mutation { createWebhook(input: { name: "readme-verify", url: ${JSON.stringify(url)}, kinds: [PING] }) { secret webhook { id } } }`);
        assert.equal(created.errors, undefined, JSON.stringify(created.errors));
        const { secret, webhook } = created.data.createWebhook;
        const pinged = await session.graphql(`mutation { pingWebhook(id: ${JSON.stringify(webhook.id)}) { status } }`);
        assert.equal(pinged.errors, undefined, JSON.stringify(pinged.errors));
        const { body, signature } = await delivery;
        assert.match(signature, /^sha256=[0-9a-f]{64}$/);
        const check = `${code}\nconst { secret, body, signature } = JSON.parse(process.env.DELIVERY);\n`
          + 'console.log(JSON.stringify([verify(secret, body, signature), verify(secret, body + " ", signature), verify(secret, body, undefined), verify("another-secret", body, signature)]));\n';
        const r = await run(process.execPath, ['-'], { input: check, env: { ...process.env, DELIVERY: JSON.stringify({ secret, body, signature }) } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '[true,false,false,false]\n', 'the real delivery verifies; a changed body, a missing header or another secret do not');
        return JSON.parse(body);
      } finally {
        receiver.close();
      }
    },
  },
];

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
    const key = `${file}:${block.line}`;
    if (block.lang === 'text' || block.lang === 'yaml') {
      test(`${file} line ${block.line} (${block.lang}) is checked: ${firstLine(block).slice(0, 60)}`, () => checkNotRun(session, file, block));
      continue;
    }
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
      } else if (block.lang === 'js') {
        // Run, not only parsed: each js block has a runner below that uses it against this server.
        const runner = JS_RUNNERS.find((r) => r.finds.test(block.code));
        assert.ok(runner, `${file} line ${block.line}: a js block no runner in test/readme.test.ts uses; add one to JS_RUNNERS`);
        answers.set(key, await runner.run(session, block.code));
      } else if (block.lang === 'graphql') {
        // A placeholder id ("UGlwZWxpbmU6…") becomes the id its PLACEHOLDER_IDS lookup finds on this server.
        const document = await withRealIds(session, `${file} line ${block.line}`, block.code);
        const body = await session.graphql(document);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        // An example that answers null or an empty list on the example data shows the reader nothing.
        assert.ok(body.data && Object.values(body.data).every((v) => v !== null), `${file} line ${block.line} answered no data: ${JSON.stringify(body)}`);
        assert.deepEqual(emptyLists(body.data), [], `${file} line ${block.line} answered empty lists: ${JSON.stringify(body.data)}`);
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

  test('the delete example, run on the inference pipeline, marks the pipeline and its run', () => {
    const { delete: deleted } = answers.get(find(file, blocks, 'graphql', 'delete(input:'));
    assert.equal(deleted.deleted.length, 2, JSON.stringify(deleted));
    assert.deepEqual(deleted.deleted.map((id: string) => Buffer.from(id, 'base64url').toString().split(':')[0]).sort(), ['Pipeline', 'PipelineRun']);
  });

  test('the purge example is a dry run listing the deleted inference pipeline, its run and step, and the versions retention would take', () => {
    const { delete: deleted } = answers.get(find(file, blocks, 'graphql', 'delete(input:'));
    const { purge } = answers.get(find(file, blocks, 'graphql', 'purge(input:'));
    assert.equal(purge.dryRun, true);
    assert.equal(purge.count, purge.removed.length);
    assert.deepEqual(purge.removed.slice(0, 2), deleted.deleted);
    assert.deepEqual(purge.removed.map((id: string) => Buffer.from(id, 'base64url').toString().split(':')[0]),
      ['Pipeline', 'PipelineRun', 'StepRun', 'ArtifactVersion'], 'the pipeline, its run, its step, and one unprotected version past the newest 2');
  });

  test('the metadata filter lists the trained models above 0.9 accuracy, best first', () => {
    const { project } = answers.get(find(file, blocks, 'graphql', 'metadataKey: "accuracy"'));
    assert.equal(project.artifactVersions.totalCount, 3);
    assert.deepEqual(project.artifactVersions.nodes.map((v: any) => [v.version, v.metadata.accuracy, v.producedBy.run.name]),
      [['1', 0.95, 'training_run_1'], ['3', 0.94, 'training_run_3'], ['2', 0.92, 'training_run_2']]);
  });

  test('the webhook verification function accepts a real delivery of the server', () => {
    const ping = answers.get(find(file, blocks, 'js', 'function verify'));
    assert.equal(ping.kind, 'PING');
    assert.deepEqual(ping.data, { webhook: 'readme-verify' });
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

  test('the lifecycle block renames a version, deletes it, is refused a held stage and restores', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'update_model_version'))!;
    assert.equal(out, [
      '2 small-forest ARCHIVED',
      '[2]',
      'model "fraud_detector" version 3 holds PRODUCTION; pass force=True to delete it anyway',
      'small-forest',
    ].join('\n') + '\n');
  });

  test('the metadata block lists the trained models above 0.93 best first, and versions by f1', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'metadata={"accuracy": {"gt": 0.93}}'))!;
    assert.equal(out, '4 0.97\n1 0.95\n3 0.94\n4 0.93\n1 0.89\n');
  });

  test('the change-log block reads the seeded stage changes and watches a promotion made meanwhile', () => {
    const [out] = outputs.get(find(file, blocks, 'python', 'mag.watch('))!;
    assert.equal(out, [
      'ModelVersion NONE → STAGING | accuracy 0.95 on the 2023 hold-out set',
      'ModelVersion STAGING → PRODUCTION | approved by the risk team',
      'ModelVersion NONE → STAGING | smaller forest, cheaper to serve; under evaluation',
      'ModelVersion STAGING → ARCHIVED | replaced in STAGING by version 3',
      'STAGE_CHANGED True NONE → STAGING anonymous',
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

  test('the lifecycle snippet filters by metadata and or/not, renames, deletes and restores version 2', () => {
    const [out] = outputs.get(find(file, blocks, 'ts', 'DeleteDocument'))!;
    assert.equal(out, "[ '1: 0.95', '3: 0.94' ]\n[ '1 ARCHIVED', '2 ARCHIVED' ]\nsmall-forest 1 [ 2 ]\nrestored 2 ARCHIVED null\n");
  });

  test('the subscription snippet starts where the change log stood before it read version 2, and receives its promotion and nothing older', () => {
    const [out] = outputs.get(find(file, blocks, 'ts', 'LiveEventsDocument'))!;
    assert.equal(out, 'STAGE_CHANGED fraud_detector v2: ARCHIVED → STAGING (second look)\n');
  });
});

for (const file of READMES.filter((f) => f.startsWith('examples/'))) {
  describe(file, () => { runReadme(file); });
}
