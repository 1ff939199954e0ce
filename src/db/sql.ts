// A tiny builder for parameterised SQL: values go into params, text gets "$n" placeholders.
import { Predicate } from '../graphql/scalars/string-predicate';

export class Sql {
  readonly params: unknown[] = [];

  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A predicate on a text column; LIKE 'x%' lets text_pattern_ops indexes serve startswith. */
export function predicateSql(sql: Sql, column: string, predicate: Predicate): string {
  switch (predicate.op) {
    case 'equals':
      return `${column} = ${sql.p(predicate.value)}`;
    case 'notequals':
      return `${column} <> ${sql.p(predicate.value)}`;
    case 'startswith':
      return `${column} LIKE ${sql.p(`${escapeLike(predicate.value)}%`)}`;
    case 'endswith':
      return `${column} LIKE ${sql.p(`%${escapeLike(predicate.value)}`)}`;
    case 'contains':
      return `${column} LIKE ${sql.p(`%${escapeLike(predicate.value)}%`)}`;
    case 'oneof':
      return `${column} = ANY(${sql.p(predicate.values)}::text[])`;
  }
}
