// DateTime as graphql-scalars defines it, except that a UTC timestamp given as text keeps its
// digits: PostgreSQL keeps microseconds, a JavaScript Date only milliseconds. Fields read as
// text (stage changes) print "2026-11-30T12:00:00.123456Z"; Date fields print as before.
// Parsed inputs are Dates as before, and remember the text they came from (timestampText): a
// moment read back from stageHistory, given to versionInStageAt, keeps its microseconds.
import { GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

const GIVEN = new WeakMap<Date, string>();

/** The moment as PostgreSQL should read it: the text the client gave (all its digits), else ISO with milliseconds. */
export function timestampText(date: Date): string {
  return GIVEN.get(date) ?? date.toISOString();
}

function remember(parsed: unknown, text: unknown): unknown {
  if (parsed instanceof Date && typeof text === 'string') GIVEN.set(parsed, text);
  return parsed;
}

const UTC_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize(value) {
    if (typeof value === 'string' && UTC_TEXT.test(value) && !Number.isNaN(Date.parse(value))) return value;
    return DateTimeResolver.serialize(value);
  },
  parseValue(value) {
    return remember(DateTimeResolver.parseValue(value), value);
  },
  parseLiteral(ast, variables) {
    return remember(DateTimeResolver.parseLiteral(ast, variables), ast.kind === Kind.STRING ? ast.value : undefined);
  },
});
