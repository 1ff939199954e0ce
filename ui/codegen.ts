// GraphQL Code Generator for the console: typed documents, possibleTypes and the list of
// connection fields, all from schema.graphql. Run from the repository root (npm run build:ui).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  schema: 'schema.graphql',
  documents: 'ui/src/graphql/**/*.graphql',
  generates: {
    'ui/src/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        enumType: 'string-literal',
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown', StringPredicate: 'string' },
      },
    },
    'ui/src/generated/possible-types.ts': {
      plugins: ['fragment-matcher', './ui/codegen/connections.cjs'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
