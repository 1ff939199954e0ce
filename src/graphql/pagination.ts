// Relay connections: shared GraphQL shapes, argument validation and opaque keyset cursors.
import { ArgsType, ClassType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BadUserInputError } from './errors';
import { UUID } from './ids';
import { DateTimeScalar, JSONScalar, StringPredicateScalar } from './scalars';
import { metadataPath } from '../db/metadata';
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
  METADATA = 'METADATA',
}
registerEnumType(ListOrderField, {
  name: 'ListOrderField',
  valuesConfig: { METADATA: { description: 'Requires ListOrder.metadataKey; for kinds that carry metadata (runs, artifact versions, model versions).' } },
});

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

  @Field(() => String, {
    nullable: true,
    description: 'With field METADATA: the key or dotted path to sort by. Numbers sort as numbers; entities without the key come last.',
  })
  metadataKey?: string | null;
}

@InputType({
  description: 'A condition on one metadata value. `key` is a top-level key or a dotted path into nested objects ("metrics.accuracy"). ' +
    'Set exactly one operator (BAD_USER_INPUT otherwise). gt/gte/lt/lte compare numbers (a value that is not a JSON number, ' +
    'a numeric string included, does not match); eq/ne compare JSON values (ne needs the key to be present).',
})
export class MetadataCondition {
  @Field() key: string;
  @Field(() => JSONScalar, { nullable: true }) eq?: unknown;
  @Field(() => JSONScalar, { nullable: true }) ne?: unknown;
  @Field(() => Number, { nullable: true }) gt?: number | null;
  @Field(() => Number, { nullable: true }) gte?: number | null;
  @Field(() => Number, { nullable: true }) lt?: number | null;
  @Field(() => Number, { nullable: true }) lte?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'true: the key is present and not null; false: absent or null.' }) exists?: boolean | null;
  @Field(() => StringPredicateScalar, { nullable: true, description: 'A StringPredicate on a string value.' }) matches?: Predicate | null;
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

  @Field(() => [ListFilter], { nullable: true, description: 'Entities that match at least one of these filters (and the rest of this filter).' })
  or?: ListFilter[];

  @Field(() => ListFilter, { nullable: true, description: 'Entities that do not match this filter.' })
  not?: ListFilter;
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
  /** The sort value as PostgreSQL prints it; null for a METADATA cursor on a row without the key. */
  sort: string | null;
  id: string;
}

/** The first element of a cursor: which order it belongs to. */
export const CURSOR_FIELD: Record<ListOrderField, string> = { CREATED_AT: 'c', NAME: 'n', UPDATED_AT: 'u', METADATA: 'm' };
const FIELD_OF_CURSOR = new Map(Object.entries(CURSOR_FIELD).map(([f, c]) => [c, f as ListOrderField]));
const TIMESTAMP_FIELDS = new Set([ListOrderField.CREATED_AT, ListOrderField.UPDATED_AT]);

/** A METADATA cursor also carries its key, so it cannot page a list sorted by another key. */
export function encodeCursor(field: ListOrderField, sort: string | null, id: string, metadataKey?: string): string {
  const parts = field === ListOrderField.METADATA ? [CURSOR_FIELD[field], sort, id, metadataKey] : [CURSOR_FIELD[field], sort, id];
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** created_at or updated_at as PostgreSQL prints timestamptz::text, e.g. "2026-11-25 04:07:49.020123+00". */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export function decodeCursor(cursor: string, field: ListOrderField, metadataKey?: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const invalid = () => new BadUserInputError(`after: "${cursor.slice(0, 60)}" is not a valid cursor`, 'after');
  if (!Array.isArray(parsed) || parsed.length < 3 || parsed.length > 4) throw invalid();
  const [f, sort, id, key] = parsed as unknown[];
  const cursorField = typeof f === 'string' ? FIELD_OF_CURSOR.get(f) : undefined;
  if (!cursorField || typeof id !== 'string') throw invalid();
  if (cursorField === ListOrderField.METADATA) {
    // The sort value is JSON text (or null: the row had no such key); it reaches SQL as ::jsonb.
    if (parsed.length !== 4 || typeof key !== 'string' || !(sort === null || (typeof sort === 'string' && sort.length <= 4000 && isJson(sort)))) throw invalid();
  } else if (parsed.length !== 3 || typeof sort !== 'string' || sort.length > 1000 || (TIMESTAMP_FIELDS.has(cursorField) && !TIMESTAMP.test(sort))) {
    throw invalid();
  }
  // Cursors are opaque but not signed: check what reaches SQL so a forged one is bad input, not a 500.
  if (!UUID.test(id) || (typeof sort === 'string' && sort.includes('\0'))) throw invalid();
  if (cursorField !== field || (field === ListOrderField.METADATA && key !== metadataKey)) {
    throw new BadUserInputError('after: the cursor belongs to a list in another order', 'after');
  }
  return { field, sort: sort as string | null, id };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export interface PageRequest {
  first: number;
  after?: Cursor;
  field: ListOrderField;
  direction: SortDirection;
  /** With METADATA: the key as given, and as a path. */
  metadataKey?: string;
  metadataPath?: string[];
}

export function pageRequest(args: PageArgs): PageRequest {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
  }
  const field = args.orderBy?.field ?? ListOrderField.CREATED_AT;
  const direction = args.orderBy?.direction ?? SortDirection.DESC;
  const metadataKey = args.orderBy?.metadataKey ?? undefined;
  if ((field === ListOrderField.METADATA) !== (metadataKey !== undefined)) {
    throw new BadUserInputError('orderBy: metadataKey goes with field METADATA, and METADATA needs a metadataKey', 'orderBy');
  }
  const metadataPathParts = metadataKey === undefined ? undefined : metadataPath(metadataKey, 'orderBy.metadataKey');
  return {
    first, field, direction, metadataKey, metadataPath: metadataPathParts,
    after: args.after ? decodeCursor(args.after, field, metadataKey) : undefined,
  };
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
