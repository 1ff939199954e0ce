// The TypeScript client: the fetch-based MagClient plus every generated operation and its types.
export * from './client';
export * from './generated/graphql';
