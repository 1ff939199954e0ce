import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildSchema, findBreakingChanges } from 'graphql';
import { buildAppSchema, printAppSchema } from '../src/graphql/schema';

const root = path.resolve(__dirname, '..', '..');

test('the committed schema.graphql is what the code emits', () => {
  const committed = fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8');
  assert.equal(committed, printAppSchema(buildAppSchema()), 'run `npm run schema` and commit schema.graphql');
});

test('schema.graphql keeps the public API contract', (t) => {
  const contractPath = path.join(root, '..', 'shared', 'api-contract.graphql');
  if (!fs.existsSync(contractPath)) {
    t.skip(`no contract at ${contractPath}`);
    return;
  }
  // The contract plus the additions this server already implements (../shared/contract-next).
  const additions = ['openlineage.graphql', 'events.graphql', 'lifecycle.graphql'].map((f) => path.join(root, '..', 'shared', 'contract-next', f));
  const contract = buildSchema([contractPath, ...additions].map((p) => fs.readFileSync(p, 'utf8')).join('\n'));
  const ours = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  assert.deepEqual(findBreakingChanges(contract, ours).map((b) => `${b.type}: ${b.description}`), []);
});
