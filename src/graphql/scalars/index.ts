import { JSONResolver } from 'graphql-scalars';

export { StringPredicateScalar } from './string-predicate';
export { DateTimeScalar } from './date-time';
export const JSONScalar = JSONResolver;
