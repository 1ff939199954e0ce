// GraphQL Code Generator: typed document nodes for the TypeScript client, from the emitted schema.
// Paths are relative to the repository root (`npm run codegen` runs there; the drift test passes cwd).
import type { CodegenConfig } from '@graphql-codegen/cli';

export const GENERATED_FILE = 'clients/ts/generated/graphql.ts';

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  schema: 'schema.graphql',
  documents: 'clients/ts/operations/**/*.graphql',
  generates: {
    [GENERATED_FILE]: {
      // typescript-operations 6 emits the enums and inputs the operations use, so the
      // schema-wide `typescript` plugin is not needed.
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        enumType: 'string-literal',
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          StringPredicate: 'string',
        },
      },
    },
  },
};

export default config;
