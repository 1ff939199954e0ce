// `npm run codegen` (TypeScript client) and `node dist/scripts/codegen.js ui` (the console, from
// `npm run build:ui`): typed document nodes from schema.graphql and the .graphql operations, with
// @graphql-codegen/core and its plugins. Not the codegen CLI: its loaders (URLs, GitHub, git,
// Apollo Engine) pull packages that need Node 22, and engines promises Node 20.
import fs from 'node:fs';
import path from 'node:path';
import { codegen } from '@graphql-codegen/core';
import type { CodegenPlugin, Types } from '@graphql-codegen/plugin-helpers';
import * as fragmentMatcher from '@graphql-codegen/fragment-matcher';
import * as typedDocumentNode from '@graphql-codegen/typed-document-node';
import * as typescriptOperations from '@graphql-codegen/typescript-operations';
import { buildSchema, parse } from 'graphql';

export const SCHEMA_FILE = 'schema.graphql';
export const GENERATED_FILE = 'clients/ts/generated/graphql.ts';

const OPERATIONS_CONFIG = {
  enumType: 'string-literal',
  useTypeImports: true,
  strictScalars: true,
  scalars: { DateTime: 'string', JSON: 'unknown', StringPredicate: 'string' },
};

interface Output {
  file: string;
  plugins: string[];
  config: Record<string, unknown>;
}

interface Target {
  /** Where the operations are, searched recursively for .graphql files. */
  documents: string;
  outputs: Output[];
}

export const TARGETS: Record<string, Target> = {
  // typescript-operations emits the enums and inputs the operations use, so the schema-wide
  // `typescript` plugin is not needed.
  client: {
    documents: 'clients/ts/operations',
    outputs: [{ file: GENERATED_FILE, plugins: ['typescript-operations', 'typed-document-node'], config: OPERATIONS_CONFIG }],
  },
  ui: {
    documents: 'ui/src/graphql',
    outputs: [
      { file: 'ui/src/generated/graphql.ts', plugins: ['typescript-operations', 'typed-document-node'], config: OPERATIONS_CONFIG },
      { file: 'ui/src/generated/possible-types.ts', plugins: ['fragment-matcher', './ui/codegen/connections.cjs'], config: { apolloClientVersion: 3, useExplicitTyping: true } },
    ],
  },
};

function graphqlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? graphqlFiles(path.join(dir, e.name)) : e.name.endsWith('.graphql') ? [path.join(dir, e.name)] : []));
}

function plugin(root: string, name: string): CodegenPlugin {
  if (name === 'typescript-operations') return typescriptOperations;
  if (name === 'typed-document-node') return typedDocumentNode;
  if (name === 'fragment-matcher') return fragmentMatcher;
  // A local plugin module, relative to the repository root.
  return require(path.join(root, name));
}

/** Every output of a target as [repository-relative file, content]; `root` is the repository root. */
export async function generate(root: string, target: keyof typeof TARGETS = 'client'): Promise<[string, string][]> {
  const { documents: dir, outputs } = TARGETS[target];
  const sdl = fs.readFileSync(path.join(root, SCHEMA_FILE), 'utf8');
  const documents: Types.DocumentFile[] = graphqlFiles(path.join(root, dir)).map((location) => {
    const rawSDL = fs.readFileSync(location, 'utf8');
    return { location, document: parse(rawSDL), rawSDL };
  });
  const schema = parse(sdl);
  const schemaAst = buildSchema(sdl);
  return Promise.all(outputs.map(async (o): Promise<[string, string]> => [o.file, await codegen({
    filename: o.file,
    schema,
    schemaAst,
    documents,
    plugins: o.plugins.map((name) => ({ [name]: {} })),
    pluginMap: Object.fromEntries(o.plugins.map((name) => [name, plugin(root, name)])),
    config: o.config,
    emitLegacyCommonJSImports: true,
  })]));
}

/** The generated TypeScript client as text. */
export async function generateClient(root: string): Promise<string> {
  return (await generate(root, 'client'))[0][1];
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..');
  const target = process.argv[2] ?? 'client';
  if (!(target in TARGETS)) {
    console.error(`codegen: unknown target "${target}"; one of ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
  generate(root, target).then((outputs) => {
    for (const [file, content] of outputs) {
      const full = path.join(root, file);
      // Unchanged output is not rewritten: readers of the file (a running test, an editor) never see it half-written.
      if (fs.existsSync(full) && fs.readFileSync(full, 'utf8') === content) continue;
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
      if (target === 'client') console.log(`wrote ${file}`);
    }
  }).catch((err: unknown) => {
    console.error(`codegen failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
