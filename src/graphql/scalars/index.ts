import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

export { StringPredicateScalar } from './string-predicate';
export const DateTimeScalar = DateTimeResolver;
export const JSONScalar = JSONResolver;
