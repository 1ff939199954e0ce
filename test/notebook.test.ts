// The example notebook (examples/notebooks/fraud-detection.ipynb), executed with Jupyter's
// nbconvert against a fresh server holding the example data, its outputs checked cell by cell.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { seedExample } from '../scripts/seed-example';
import { startTestApp, TestApp } from './helpers/app';
import { ROOT, run } from './helpers/readme';

const NOTEBOOK = path.join(ROOT, 'examples', 'notebooks', 'fraud-detection.ipynb');
let app: TestApp;
let outDir: string;

before(async () => {
  app = await startTestApp();
  await seedExample(app.url);
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mag-notebook-'));
});
after(async () => {
  await app.close();
  fs.rmSync(outDir, { recursive: true, force: true });
});

interface Cell { cell_type: string; id: string; outputs?: { output_type: string; text?: string[]; data?: Record<string, string[]>; ename?: string }[] }

test('the fraud-detection notebook runs in Jupyter and shows the production model, its training data and lineage', { timeout: 240_000 }, async () => {
  // CI installs Debian's jupyter-nbconvert and python3-ipykernel (.ci/run): a missing Jupyter fails here, never skips.
  const version = await run('jupyter', ['nbconvert', '--version']).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  assert.equal(version.code, 0, `jupyter nbconvert is not installed (apt-get install jupyter-nbconvert python3-ipykernel): ${version.stderr}`);

  const r = await run('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=120',
    '--output-dir', outDir, '--output', 'executed', NOTEBOOK], {
    env: { ...process.env, MAG_URL: app.url, MAG_API_KEY: '', PYDEVD_DISABLE_FILE_VALIDATION: '1', PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs: 220_000,
  });
  assert.equal(r.code, 0, `nbconvert failed:\n${r.stderr.slice(-4000)}`);
  const executed: { cells: Cell[] } = JSON.parse(fs.readFileSync(path.join(outDir, 'executed.ipynb'), 'utf8'));
  const output = (id: string) => {
    const cell = executed.cells.find((c) => c.id === id);
    assert.ok(cell, `cell ${id}`);
    assert.deepEqual(cell.outputs!.filter((o) => o.output_type === 'error').map((o) => o.ename), [], `cell ${id} raised`);
    return cell.outputs!.map((o) => (o.text ?? o.data?.['text/plain'] ?? []).join('')).join('');
  };

  assert.equal(output('connect'), "{'name': 'anonymous', 'role': 'ADMIN', 'projects': []}");
  assert.equal(output('prod'), "1 PRODUCTION {'f1': 0.89, 'recall': 0.87, 'precision': 0.91}\n");
  assert.equal(output('data'), 'training_data: processed_features:1 made by feature_engineering/feature_engineering_run_1 on development\n');
  assert.equal(output('table'), [
    '1 PRODUCTION 0.95 accuracy-95,random-forest',
    '2 ARCHIVED 0.92 accuracy-92,random-forest',
    '3 STAGING 0.94 random-forest',
  ].join('\n') + '\n');
  assert.equal(output('lineage'), [
    '6 nodes, 5 edges',
    'feature_engineering/feature_engineering_run_1/engineer_features -[OUTPUT processed_features]-> processed_features:1',
    'feature_engineering/feature_engineering_run_1/load_data -[OUTPUT transaction_dataset]-> transaction_dataset:raw_2023',
    'fraud_detection_training/training_run_1/train_model -[OUTPUT trained_model]-> trained_model:1',
    'processed_features:1 -[INPUT features]-> fraud_detection_training/training_run_1/train_model',
    'transaction_dataset:raw_2023 -[INPUT dataset]-> feature_engineering/feature_engineering_run_1/engineer_features',
  ].join('\n') + '\n');
  // pandas is optional: either the frame or the hint to install it.
  assert.match(output('optional'), /^(5 edges in a DataFrame|Lineage\.to_dataframe\(\) needs pandas: pip install pandas)\n$/);
  assert.equal(output('errors'), 'model "fraud_detector" has no version "7" in project "fraud-detection" (versions: 1, 2, 3); production → 1, staging → 3\n');
});
