// The change log: events in sequence order, seen through the caller's project scope.
import { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError } from '../../graphql/errors';
import { encodeId, parseId } from '../../graphql/ids';
import type { Connection } from '../../graphql/pagination';
import { hydrate } from '../../db/data-source';
import { Sql } from '../../db/sql';
import type { Principal } from '../auth/principal';
import { Event } from './event.entity';
import { EventFilter } from './events.types';

export const DEFAULT_EVENT_PAGE = 20;
export const MAX_EVENT_PAGE = 1000;

/** An event cursor is base64url("seq:<n>"); a bare decimal sequence is accepted too. */
export function encodeEventCursor(sequence: string): string {
  return Buffer.from(`seq:${sequence}`).toString('base64url');
}

export function decodeAfter(after: string | null | undefined): string {
  if (after === undefined || after === null || after === '') return '0';
  if (/^\d{1,18}$/.test(after)) return after;
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(after) ? Buffer.from(after, 'base64url').toString('utf8') : '';
  const m = /^seq:(\d{1,18})$/.exec(text);
  if (!m) throw new BadUserInputError(`after: "${after.slice(0, 60)}" is neither an event cursor nor a sequence`, 'after');
  return m[1];
}

/** The WHERE conditions of a filter for this caller, sequence bound excluded. */
export function eventConditions(sql: Sql, principal: Principal, filter: EventFilter | null | undefined, e = 'e'): string[] {
  const conds: string[] = [];
  // Server-wide events (project_id NULL) are for keys limited to no project.
  if (principal.projectIds !== null) conds.push(`${e}.project_id = ANY(${sql.p(principal.projectIds)}::uuid[])`);
  if (filter?.projects) conds.push(`${e}.project_id IN (SELECT id FROM project WHERE name = ANY(${sql.p(filter.projects)}::text[]))`);
  if (filter?.kinds) conds.push(`${e}.kind = ANY(${sql.p(filter.kinds)}::text[])`);
  if (filter?.subject != null) {
    const { id } = parseId(filter.subject, 'filter.subject');
    const p = sql.p(id);
    conds.push(`(${e}.subject_id = ${p}::uuid OR ${e}.containers @> ARRAY[${p}::uuid])`);
  }
  return conds;
}

/**
 * The newest event a reader sees, by the primary key (one index entry read backwards). Sequences
 * are taken from the counter row at commit and in commit order, so what any snapshot sees is every
 * sequence up to this one (less what retention removed): a reader starting `after` it misses
 * nothing committed later. Not the counter row: after retention removed every event that would
 * name an event nobody can read, where readers see none ("0").
 */
export const HEAD_SQL = `(SELECT COALESCE(max(h.sequence), 0)::text FROM event h)`;

export class EventsService {
  constructor(readonly db: DataSource) {}

  async list(ctx: Context, filter: EventFilter | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Event>> {
    const limit = first ?? DEFAULT_EVENT_PAGE;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_EVENT_PAGE) {
      throw new BadUserInputError(`first must be between 0 and ${MAX_EVENT_PAGE}, got ${limit}`, 'first');
    }
    const from = decodeAfter(after);
    const sql = new Sql();
    const conds = eventConditions(sql, ctx.principal, filter);
    const countText = `SELECT count(*)::int AS n FROM event e${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
    const countParams = [...sql.params];
    const pageConds = [...conds, `e.sequence > ${sql.p(from)}::bigint`];
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT e.* FROM event e WHERE ${pageConds.join(' AND ')} ORDER BY e.sequence LIMIT ${limit + 1}`, sql.params);
    const events = rows.slice(0, limit).map((r) => hydrate(this.db, Event, r));
    const db = this.db;
    let count: Promise<number> | undefined;
    return {
      nodes: events,
      edges: events.map((e) => ({ cursor: encodeEventCursor(e.sequence), node: e })),
      pageInfo: {
        hasNextPage: rows.length > limit,
        hasPreviousPage: from !== '0',
        startCursor: events.length ? encodeEventCursor(events[0].sequence) : null,
        endCursor: events.length ? encodeEventCursor(events[events.length - 1].sequence) : null,
      },
      get totalCount() {
        count ??= db.query(countText, countParams).then((r: { n: number }[]) => r[0].n);
        return count;
      },
    };
  }

  /** Events after `after` that the caller may see, oldest first, at most `limit` (the subscription feed). */
  async after(principal: Principal, filter: EventFilter | null | undefined, after: string, limit: number): Promise<Event[]> {
    const sql = new Sql();
    const conds = [...eventConditions(sql, principal, filter), `e.sequence > ${sql.p(after)}::bigint`];
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT e.* FROM event e WHERE ${conds.join(' AND ')} ORDER BY e.sequence LIMIT ${limit}`, sql.params);
    return rows.map((r) => hydrate(this.db, Event, r));
  }

  /** The newest sequence readers can see now ("0" when there is none): Query.latestEventSequence, and where a subscription without `after` starts. */
  async head(): Promise<string> {
    const [row] = await this.db.query(`SELECT ${HEAD_SQL} AS last`);
    return row.last;
  }
}

export const subjectGlobalId = (e: Event) => encodeId(e.subjectType as Parameters<typeof encodeId>[0], e.subjectId);
