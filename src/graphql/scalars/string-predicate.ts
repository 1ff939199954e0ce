// The contract's StringPredicate: "equals:x", "startswith:x", "oneof:a,b", … or a plain value.
import { GraphQLScalarType, Kind } from 'graphql';
import { BadUserInputError } from '../errors';

export type PredicateOp = 'equals' | 'notequals' | 'startswith' | 'endswith' | 'contains' | 'oneof';

export interface Predicate {
  op: PredicateOp;
  value: string;
  values: string[];
}

const OPS = new Set<string>(['equals', 'notequals', 'startswith', 'endswith', 'contains', 'oneof']);
export const MAX_PREDICATE_LENGTH = 255;

export function parsePredicate(raw: unknown): Predicate {
  if (typeof raw !== 'string') throw new BadUserInputError(`StringPredicate must be a string, got ${raw === null ? 'null' : typeof raw}`);
  const sep = raw.indexOf(':');
  const prefix = sep >= 0 ? raw.slice(0, sep) : '';
  // A prefix that is not an operator is part of the value: tag names such as "env:prod".
  const op = (OPS.has(prefix) ? prefix : 'equals') as PredicateOp;
  const value = OPS.has(prefix) ? raw.slice(sep + 1) : raw;
  if (value.length > MAX_PREDICATE_LENGTH) {
    throw new BadUserInputError(`StringPredicate "${raw.slice(0, 40)}…" is longer than ${MAX_PREDICATE_LENGTH} characters`);
  }
  const values = op === 'oneof' ? value.split(',').map((v) => v.trim()).filter((v) => v.length > 0) : [value];
  if (op === 'oneof' && values.length === 0) throw new BadUserInputError(`StringPredicate "${raw}" has no values after "oneof:"`);
  return { op, value, values };
}

export const StringPredicateScalar = new GraphQLScalarType<Predicate, string>({
  name: 'StringPredicate',
  description:
    'A string predicate in the ZenML style: a plain value means equals; a prefix picks the operator: "equals:", "notequals:", ' +
    '"startswith:", "endswith:", "contains:", "oneof:" (comma-separated values). A value whose text before its first \':\' is not ' +
    'one of these operators is matched whole with equals, so names may contain \':\' ("env:prod"); "equals:" forces equals. ' +
    'Matching is case-sensitive. An empty "oneof:" is BAD_USER_INPUT.',
  serialize: (value) => (typeof value === 'string' ? value : `${(value as Predicate).op}:${(value as Predicate).value}`),
  parseValue: (value) => parsePredicate(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new BadUserInputError('StringPredicate must be a string');
    return parsePredicate(ast.value);
  },
});
