// Relay connections: shared GraphQL shapes, argument validation and opaque keyset cursors.
import { ArgsType, ClassType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BadUserInputError } from './errors';
import { UUID } from './ids';
import { DateTimeScalar, StringPredicateScalar } from './scalars';
import type { Predicate } from './scalars/string-predicate';

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

export enum ListOrderField {
  CREATED_AT = 'CREATED_AT',
  NAME = 'NAME',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(ListOrderField, { name: 'ListOrderField' });

export enum DeletedFilter {
  EXCLUDE = 'EXCLUDE',
  INCLUDE = 'INCLUDE',
  ONLY = 'ONLY',
}
registerEnumType(DeletedFilter, {
  name: 'DeletedFilter',
  description: 'Which entities a list shows, by deletion state.',
  valuesConfig: {
    EXCLUDE: { description: 'Only entities that are not deleted (the default).' },
    INCLUDE: { description: 'Deleted ones too.' },
    ONLY: { description: 'Only deleted ones: the trash.' },
  },
});

@InputType()
export class ListOrder {
  @Field(() => ListOrderField, { defaultValue: ListOrderField.CREATED_AT })
  field: ListOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction: SortDirection;
}

const WITHOUT_TAGS_DESCRIPTION = 'Entities none of whose tags matches any entry, e.g. ["startswith:environment-"] finds the ones with no environment tag.';

@InputType({ description: 'Filter for lists of entities that carry no tags (projects, tags, stacks).' })
export class NameFilter {
  @Field(() => StringPredicateScalar, { nullable: true })
  name?: Predicate;

  @Field(() => DateTimeScalar, { nullable: true })
  createdAfter?: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  createdBefore?: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  updatedAfter?: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  updatedBefore?: Date;
}

@InputType({
  description: 'Filter shared by every list. `tags`: each entry is a StringPredicate on tag names and ALL entries must be matched by some tag of the entity (AND), e.g. ["random-forest", "startswith:accuracy-9"].',
})
export class ListFilter extends NameFilter {
  @Field(() => [StringPredicateScalar], { nullable: true })
  tags?: Predicate[];

  @Field(() => [StringPredicateScalar], { nullable: true, description: WITHOUT_TAGS_DESCRIPTION })
  withoutTags?: Predicate[];

  @Field(() => DeletedFilter, { nullable: true, defaultValue: DeletedFilter.EXCLUDE, description: 'Read from the outermost filter only.' })
  deleted?: DeletedFilter;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string;

  @Field(() => ListOrder, { nullable: true })
  orderBy?: ListOrder;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Cursor {
  field: ListOrderField;
  sort: string;
  id: string;
}

/** The first element of a cursor: which order it belongs to. */
export const CURSOR_FIELD: Record<ListOrderField, string> = { CREATED_AT: 'c', NAME: 'n', UPDATED_AT: 'u' };
const FIELD_OF_CURSOR = new Map(Object.entries(CURSOR_FIELD).map(([f, c]) => [c, f as ListOrderField]));
const TIMESTAMP_FIELDS = new Set([ListOrderField.CREATED_AT, ListOrderField.UPDATED_AT]);

export function encodeCursor(field: ListOrderField, sort: string, id: string): string {
  return Buffer.from(JSON.stringify([CURSOR_FIELD[field], sort, id])).toString('base64url');
}

/** created_at or updated_at as PostgreSQL prints timestamptz::text, e.g. "2026-11-25 04:07:49.020123+00". */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function decodeCursor(cursor: string, field: ListOrderField): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const invalid = () => new BadUserInputError(`after: "${cursor.slice(0, 60)}" is not a valid cursor`, 'after');
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p) => typeof p === 'string')) throw invalid();
  const [f, sort, id] = parsed as string[];
  const cursorField = FIELD_OF_CURSOR.get(f);
  // Cursors are opaque but not signed: check what reaches SQL so a forged one is bad input, not a 500.
  if (!cursorField || !UUID.test(id) || (TIMESTAMP_FIELDS.has(cursorField) && !TIMESTAMP.test(sort)) || sort.length > 1000 || sort.includes('\0')) {
    throw invalid();
  }
  if (cursorField !== field) throw new BadUserInputError('after: the cursor belongs to a list in another order', 'after');
  return { field, sort, id };
}

export interface PageRequest {
  first: number;
  after?: Cursor;
  field: ListOrderField;
  direction: SortDirection;
}

export function pageRequest(args: PageArgs): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
  }
  const field = args.orderBy?.field ?? ListOrderField.CREATED_AT;
  const direction = args.orderBy?.direction ?? SortDirection.DESC;
  return { first, field, direction, after: args.after ? decodeCursor(args.after, field) : undefined };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number> | number;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T extends object>(name: string, nodeType: ClassType<T>, description?: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => nodeType)
    node: T;
  }

  @ObjectType(`${name}Connection`, { description })
  class ConnectionType {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => [nodeType])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    // Computed only when a client selects it: the connection carries a getter that counts.
    @Field(() => Int)
    totalCount: number;
  }
  return ConnectionType as ClassType<Connection<T>>;
}

@ArgsType()
export class ListArgs extends PageArgs {
  @Field(() => ListFilter, { nullable: true })
  filter?: ListFilter;
}

@ArgsType()
export class NameListArgs extends PageArgs {
  @Field(() => NameFilter, { nullable: true })
  filter?: NameFilter;
}

/** A connection field's arguments as a list query: the filter, and a validated page request. */
export function listQuery<F>(args: PageArgs & { filter?: F }): { filter?: F; page: PageRequest } {
  return { filter: args.filter, page: pageRequest(args) };
}
