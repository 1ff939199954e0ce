// DateTime as graphql-scalars defines it, except that a UTC timestamp given as text keeps its
// digits: PostgreSQL keeps microseconds, a JavaScript Date only milliseconds. Fields read as
// text (stage changes) print "2026-11-30T12:00:00.123456Z"; Date fields print as before.
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

const UTC_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize(value) {
    if (typeof value === 'string' && UTC_TEXT.test(value) && !Number.isNaN(Date.parse(value))) return value;
    return DateTimeResolver.serialize(value);
  },
});
