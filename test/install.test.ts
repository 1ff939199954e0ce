// `npm install` on any Node that package.json's engines allows prints no warnings of ours: every
// locked package supports all of those versions, and every install script is decided in allowScripts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import semver from 'semver';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const locked = Object.entries(lock.packages as Record<string, { version?: string; engines?: { node?: string }; hasInstallScript?: boolean; optional?: boolean }>)
  .filter(([where]) => where !== '')
  .map(([where, p]) => ({ name: where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length), ...p }));

test('every locked package supports every Node version that engines declares (no EBADENGINE)', () => {
  const unsupported = locked.filter((p) => p.engines?.node && !semver.subset(pkg.engines.node, p.engines.node))
    .map((p) => `${p.name}@${p.version} wants node ${p.engines!.node}`);
  assert.deepEqual(unsupported, [], `engines says node ${pkg.engines.node}`);
  assert.ok(semver.satisfies(process.version, pkg.engines.node), `this Node (${process.version}) is one engines allows`);
});

test('every package with an install script is allowed or denied in allowScripts (no install-scripts note)', () => {
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@[^@]*$/, '$1')));
  const undecided = [...new Set(locked.filter((p) => p.hasInstallScript).map((p) => p.name))].filter((n) => !decided.has(n));
  assert.deepEqual(undecided, []);
});
