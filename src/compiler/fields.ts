// How each field of the read schema becomes SQL: one entry per (type, field). The SQL mirrors
// what the field's resolver and loader do (same rows, same order); the differential test
// holds the two equal.
import { FieldNode, getNamedType, GraphQLInterfaceType, GraphQLObjectType } from 'graphql';
import { filterConditions, ListSource, orderParts } from '../db/lists';
import { ARTIFACT_VERSIONS, ARTIFACTS } from '../domain/artifacts/artifacts.loaders';
import { DeletedMode, KindName, KINDS } from '../domain/kinds';
import { MODEL_VERSIONS, MODELS, stageHolderAtSql } from '../domain/models/models.loaders';
import { timestampText } from '../graphql/scalars/date-time';
import { PIPELINES } from '../domain/pipelines/pipelines.loaders';
import { PROJECTS } from '../domain/projects/projects.service';
import { RUNS } from '../domain/runs/runs.loaders';
import { STACKS } from '../domain/stacks/stacks.loaders';
import { TAGS } from '../domain/tags/tags.loaders';
import { coversProjectsSql } from '../domain/auth/principal';
import { Role } from '../domain/auth/role';
import { decodeId, parseId } from '../graphql/ids';
import { MAX_DEPTH, MAX_LIMIT, walkSql } from '../domain/lineage/lineage.service';
import { decodeAfter, DEFAULT_EVENT_PAGE, eventConditions, HEAD_SQL, MAX_EVENT_PAGE } from '../domain/events/events.service';
import { BoundedList, listLimit } from '../graphql/list-bounds';
import { ListOrderField, pageRequest } from '../graphql/pagination';
import type { FieldCompiler, FieldRef, Gen } from './compiler';
import { Fallback } from './compiler';
import { base64url, cursorSql, dateTimeSql, globalIdSql } from './json-sql';
import { artifactVersionRefSql, modelVersionRefSql } from '../domain/version-refs';

type Fields = Record<string, FieldCompiler>;
type Where = (c: string, row: string, g: Gen, f: FieldRef) => string[];

const col = (column: string): FieldCompiler => (_g, row) => `${row}.${column}`;
const time = (column: string): FieldCompiler => (_g, row) => dateTimeSql(`${row}.${column}`);
const node = (kind: KindName): Fields => ({
  id: (_g, row) => globalIdSql(kind, `${row}.id`), createdAt: time('created_at'), updatedAt: time('updated_at'),
  ...(KINDS[kind].deletable ? { deletedAt: time('deleted_at') } : {}),
});
const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');
/** More conditions after a WHERE that has some. */
const and = (conds: string[]) => conds.map((c) => ` AND ${c}`).join('');

/** A row of `kind` (or null): `tail` may order and limit when several match. */
function one(kind: KindName, deleted: DeletedMode, on: Where, tail?: (c: string) => string): FieldCompiler {
  return (g, row, f) => {
    const c = g.alias();
    const conds = [...on(c, row, g, f), ...g.visible(kind, c, deleted)];
    return `(SELECT ${g.object(kind, c, f.nodes)} FROM ${KINDS[kind].table} ${c}${where(conds)}${tail ? ` ${tail(c)}` : ''})`;
  };
}

/** The row a foreign key of the parent points at, by its full primary key when the kind has a project. */
function parent(kind: KindName, column: string): FieldCompiler {
  return one(kind, 'INCLUDE', (c, row) => (KINDS[kind].project === 'project_id'
    ? [`${c}.project_id = ${row}.project_id`, `${c}.id = ${row}.${column}`] : [`${c}.id = ${row}.${column}`]));
}

const newest = (kind: KindName, column: string) => one(kind, 'EXCLUDE', (c, row) => [`${c}.${column} = ${row}.id`],
  (c) => `ORDER BY ${c}.created_at DESC, ${c}.id DESC LIMIT 1`);

/** The LIMIT of a bounded plain list, as its resolver reads `first`; out of range, the resolver answers with its error. */
function limitOf(g: Gen, f: FieldRef, field: BoundedList): number {
  try {
    return listLimit(field, g.args(f).first);
  } catch (err) {
    throw new Fallback(`${field}: ${(err as Error).message}`, false);
  }
}

/**
 * A plain list of rows of `kind`, its first `first` in `order` (`bound` names it in LIST_BOUNDS);
 * `from` replaces the table when the rows come through a join.
 */
function list(kind: KindName, deleted: DeletedMode, on: Where, order: (c: string) => string, bound: BoundedList, from?: (c: string) => string): FieldCompiler {
  return (g, row, f) => {
    const c = g.alias();
    const conds = [...on(c, row, g, f), ...g.visible(kind, c, deleted)];
    return `(SELECT COALESCE(json_agg(${g.object(kind, c, f.nodes)} ORDER BY ${order(c)}), '[]'::json)
      FROM (SELECT ${c}.* FROM ${from ? from(c) : `${KINDS[kind].table} ${c}`}${where(conds)} ORDER BY ${order(c)} LIMIT ${limitOf(g, f, bound)}) ${c})`;
  };
}

/** The columns of `alias` an expression reads, so subqueries select only those. */
function columnsOf(sql: string, alias: string, always: string[] = []): string[] {
  const used = new Set(always);
  for (const m of sql.matchAll(new RegExp(`\\b${alias}\\.([a-z_]+)`, 'g'))) if (!m[1].startsWith('__')) used.add(m[1]);
  return [...used];
}

/**
 * A resource's tags by id, from the array of its assignments' tag ids: one index lookup per
 * resource. Joined per assignment, a tag table of a few hundred rows is priced below one random
 * page read, and the planner scans all of it once per assignment (or hashes it once per
 * resource). Every taggable type's `tags` shares one bound.
 */
const tags = list('Tag', 'INCLUDE', (c, row) => [`${c}.project_id = ${row}.project_id`,
  `${c}.id = ANY(ARRAY(SELECT ${c}a.tag_id FROM tag_assignment ${c}a WHERE ${c}a.resource_id = ${row}.id))`], (c) => `${c}.name`, 'Artifact.tags');

/** An object of a type that is not a kind (links, stage changes, the viewer): `value` gives each field. */
export function objectOf(g: Gen, typeName: string, nodes: readonly FieldNode[], value: (name: string, nodes: FieldNode[]) => string): string {
  const type = g.schema.getType(typeName) as GraphQLObjectType;
  const parts: string[] = [];
  for (const [key, fieldNodes] of g.collect(type, nodes.map((n) => n.selectionSet!).filter(Boolean))) {
    const name = fieldNodes[0].name.value;
    parts.push(`'${key}'`, name === '__typename' ? `'${typeName}'` : value(name, fieldNodes));
  }
  if (parts.length > 100) throw new Fallback(`more than 50 fields selected on ${typeName}`, true);
  return `json_build_object(${parts.join(', ')})`;
}

const refOf = (g: Gen, f: FieldRef, nodes: FieldNode[]): FieldRef => ({ nodes, def: (getNamedType(f.def.type) as GraphQLObjectType).getFields()[nodes[0].name.value] });

/** One page of a Relay connection, for connectionJson. */
interface Page {
  first: number;
  /** Whether the page starts after a cursor (hasPreviousPage). */
  after: boolean;
  /** totalCount: every row of the list, not only this page's. */
  count: () => string;
  /** A node's JSON over the page row alias `c`. */
  node: (c: string, nodes: readonly FieldNode[]) => string;
  /** A row's cursor over the page row alias `c`. */
  cursor: (c: string) => string;
  /** The page's rows with the columns the JSON reads: first + 1 of them (the extra one answers hasNextPage), numbered __i in order. */
  rows: (columns: string[]) => string;
}

/**
 * A Relay connection's JSON as lists.ts's toConnection assembles it, the page aggregated once;
 * totalCount, cursors and pageInfo only when selected, and no page read when nothing needs its rows.
 */
function connectionJson(g: Gen, f: FieldRef, page: Page): string {
  const c = g.alias('c');
  const { first } = page;
  const inPage = `FILTER (WHERE ${c}.__i <= ${first})`;
  const connectionType = getNamedType(f.def.type).name;
  const edgeType = connectionType.replace(/Connection$/, 'Edge');
  let countsRows = false;
  const json = objectOf(g, connectionType, f.nodes, (name, nodes) => {
    switch (name) {
      case 'totalCount':
        return page.count();
      case 'nodes':
        return `COALESCE(json_agg(${page.node(c, nodes)} ORDER BY ${c}.__i) ${inPage}, '[]'::json)`;
      case 'edges': {
        const edge = objectOf(g, edgeType, nodes, (n, en) => (n === 'cursor' ? page.cursor(c) : page.node(c, en)));
        return `COALESCE(json_agg(${edge} ORDER BY ${c}.__i) ${inPage}, '[]'::json)`;
      }
      case 'pageInfo':
        return objectOf(g, 'PageInfo', nodes, (n) => {
          switch (n) {
            case 'hasNextPage': countsRows = true; return `(count(*) > ${first})`;
            case 'hasPreviousPage': return page.after ? 'true' : 'false';
            case 'startCursor': return `min(${page.cursor(c)}) FILTER (WHERE ${c}.__i = 1 AND ${c}.__i <= ${first})`;
            default: return `(array_agg(${page.cursor(c)} ORDER BY ${c}.__i DESC) ${inPage})[1]`;
          }
        });
      default:
        throw new Fallback(`${connectionType}.${name} does not compile`, true);
    }
  });
  if (!json.includes(`${c}.`) && !countsRows) return `(SELECT ${json})`;
  return `(SELECT ${json} FROM (${page.rows(columnsOf(json, c, ['id']))}) ${c})`;
}

/** A connection of rows of `kind` as lists.ts pages it: keyset on (sort value, id) in the requested direction. */
function connection<F>(kind: KindName, source: ListSource<F>, parentColumn?: string): FieldCompiler {
  return (g, row, f) => {
    const args = g.args(f);
    const page = pageRequest(args);
    const table = KINDS[kind].table;
    const { column, orderBy: order, after } = orderParts(g.sql, source as ListSource<unknown>, page);
    // A METADATA order sorts by an expression: the page carries its value as __sort, for the cursors.
    const metadata = page.field === ListOrderField.METADATA;
    const sort = metadata ? '__sort' : column.slice('t.'.length);
    const keyJson = metadata ? `${g.sql.p(JSON.stringify(page.metadataKey))}::text` : undefined;
    const conds = [
      ...(parentColumn ? [`t.${parentColumn} = ${row}.id`] : []),
      ...g.visible(kind, 't', args.filter?.deleted ?? 'EXCLUDE'),
      ...filterConditions(g.sql, source as ListSource<any>, args.filter),
    ];
    const countWhere = where(conds);
    if (page.after) conds.push(after(page.after));
    return connectionJson(g, f, {
      first: page.first,
      after: !!page.after,
      count: () => `(SELECT count(*)::int FROM ${table} t${countWhere})`,
      node: (c, nodes) => g.object(kind, c, nodes),
      cursor: (c) => cursorSql(page.field, `${c}.${sort}`, `${c}.id`, keyJson),
      rows: (columns) => `SELECT ${columns.map((u) => `t.${u}`).join(', ')}${metadata ? `, ${column} AS __sort` : ''}, row_number() OVER (ORDER BY ${order}) AS __i
        FROM ${table} t${where(conds)} ORDER BY ${order} LIMIT ${page.first + 1}`,
    });
  };
}

/**
 * A webhook's deliveries as webhooks.service deliveries() pages them: newest first, keyset on
 * (created_at, id), the cursor being JSON [created_at as text, id]; each with its event.
 */
const deliveries: FieldCompiler = (g, row, f) => {
  const args = g.args(f);
  const first: number = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > 100) throw new Fallback('deliveries: first out of range', false);
  const conds = [`d.webhook_id = ${row}.id`];
  const countWhere = where(conds);
  if (args.after) {
    let from: unknown;
    try {
      from = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
    } catch {
      from = null;
    }
    if (!Array.isArray(from) || from.length !== 2 || !/^\d{4}-/.test(from[0]) || !/^[0-9a-f-]{36}$/.test(from[1])) {
      throw new Fallback('deliveries: a cursor the resolver refuses', false);
    }
    conds.push(`(d.created_at, d.id) < (${g.sql.p(from[0])}::timestamptz, ${g.sql.p(from[1])}::uuid)`);
  }
  return connectionJson(g, f, {
    first,
    after: !!args.after,
    count: () => `(SELECT count(*)::int FROM webhook_delivery d${countWhere})`,
    node: (c, nodes) => objectOf(g, 'WebhookDelivery', nodes, (n, nn) => {
      switch (n) {
        case 'event': {
          const e = g.alias();
          return `(SELECT ${g.object('Event', e, nn)} FROM event ${e} WHERE ${e}.sequence = ${c}.event_sequence)`;
        }
        case 'lastAttemptAt': return dateTimeSql(`${c}.last_attempt_at`);
        case 'responseStatus': return `${c}.response_status`;
        default: return `${c}.${n}`;
      }
    }),
    cursor: (c) => base64url(`'[' || to_json(${c}.created_at::text)::text || ',"' || ${c}.id::text || '"]'`),
    rows: (columns) => `SELECT ${[...new Set([...columns, 'created_at'])].map((u) => `d.${u}`).join(', ')},
        row_number() OVER (ORDER BY d.created_at DESC, d.id DESC) AS __i
      FROM webhook_delivery d${where(conds)} ORDER BY d.created_at DESC, d.id DESC LIMIT ${first + 1}`,
  });
};

/** A row of `kind` by name inside a project named by the caller: the project by name, then the row. */
const inProjectByName = (g: Gen, c: string, project: string, name: string) =>
  [`${c}.project_id = (SELECT p.id FROM project p WHERE p.name = ${g.sql.p(project)})`, `${c}.name = ${g.sql.p(name)}`];

/** Lookups by name inside a project (pipeline, run, artifact, model, tag). */
function byProjectAndName(kind: KindName): FieldCompiler {
  return one(kind, 'EXCLUDE', (c, _row, g, f) => inProjectByName(g, c, g.args(f).project, g.args(f).name));
}

/** The (project_id, id) of a live `kind` row (an artifact, a model) found by project and name, for the versions below it. */
function parentKey(g: Gen, kind: KindName, project: string, name: string): string {
  const p = g.alias('p');
  return `(SELECT ${p}.project_id, ${p}.id FROM ${KINDS[kind].table} ${p}${where([...inProjectByName(g, p, project, name), ...g.visible(kind, p, 'EXCLUDE')])})`;
}


const Query: Fields = {
  projects: connection('Project', PROJECTS),
  project: one('Project', 'INCLUDE', (c, _row, g, f) => [`${c}.name = ${g.sql.p(g.args(f).name)}`]),
  pipeline: byProjectAndName('Pipeline'),
  pipelineRun: byProjectAndName('PipelineRun'),
  artifact: byProjectAndName('Artifact'),
  model: byProjectAndName('Model'),
  tag: byProjectAndName('Tag'),
  stack: one('Stack', 'INCLUDE', (c, _row, g, f) => [`${c}.name = ${g.sql.p(g.args(f).name)}`]),
  stacks: connection('Stack', STACKS),
  // artifacts.service findVersion and models.service resolveVersion share their SQL (domain/version-refs.ts).
  artifactVersion: (g, _row, f) => {
    const args = g.args(f);
    const c = g.alias();
    return `(SELECT ${g.object('ArtifactVersion', c, f.nodes)} FROM (${artifactVersionRefSql(g.sql, parentKey(g, 'Artifact', args.project, args.artifact), args.version)}) ${c}${
      where(g.visible('ArtifactVersion', c, 'EXCLUDE'))})`;
  },
  modelVersion: (g, _row, f) => {
    const args = g.args(f);
    const c = g.alias();
    return `(SELECT ${g.object('ModelVersion', c, f.nodes)} FROM (${modelVersionRefSql(g.sql, parentKey(g, 'Model', args.project, args.model), args.version)}) ${c}${
      where(g.visible('ModelVersion', c, 'EXCLUDE'))})`;
  },
  node: (g, _row, f) => nodeById(g, f.nodes, g.args(f).id, 'id'),
  nodes: (g, _row, f) => {
    const ids: string[] = g.args(f).ids;
    if (ids.length > 100) throw new Fallback('more than 100 ids', false);
    ids.forEach((id, i) => parseId(id, `ids[${i}]`));
    return ids.length ? `json_build_array(${ids.map((id, i) => nodeById(g, f.nodes, id, `ids[${i}]`)).join(', ')})` : `'[]'::json`;
  },
  lineage,
  // events.service list(): oldest first after a sequence, the caller's scope and the filter.
  events: (g, _row, f) => {
    const args = g.args(f);
    const first: number = args.first ?? DEFAULT_EVENT_PAGE;
    if (!Number.isInteger(first) || first < 0 || first > MAX_EVENT_PAGE) throw new Fallback('events: first out of range', false);
    let from: string;
    let conds: string[];
    try {
      from = decodeAfter(args.after);
      conds = eventConditions(g.sql, g.principal, args.filter, 'e');
    } catch {
      throw new Fallback('events: arguments the resolver refuses', false);
    }
    const countWhere = where(conds);
    const page = [...conds, `e.sequence > ${g.sql.p(from)}::bigint`];
    return connectionJson(g, f, {
      first,
      after: from !== '0',
      count: () => `(SELECT count(*)::int FROM event e${countWhere})`,
      node: (c, nodes) => g.object('Event', c, nodes),
      cursor: (c) => base64url(`'seq:' || ${c}.sequence::text`),
      rows: (columns) => `SELECT ${[...new Set([...columns, 'sequence'])].map((u) => `e.${u}`).join(', ')}, row_number() OVER (ORDER BY e.sequence) AS __i
        FROM event e${where(page)} ORDER BY e.sequence LIMIT ${first + 1}`,
    });
  },
  // events.service head(): server-wide, the same SQL.
  latestEventSequence: () => HEAD_SQL,
  apiKeys: (g, row, f) => {
    adminOnly(g, 'listing api keys');
    return list('ApiKey', 'INCLUDE', (c) => keyVisibility(g, c)!, (c) => `${c}.created_at, ${c}.id`, 'Query.apiKeys')(g, row, f);
  },
  // webhooks.service list(): canManage's rule, which for webhooks is the keys' rule.
  webhooks: (g, row, f) => {
    adminOnly(g, 'listing webhooks');
    return list('Webhook', 'INCLUDE', (c) => keyVisibility(g, c)!, (c) => `${c}.created_at, ${c}.id`, 'Query.webhooks')(g, row, f);
  },
  viewer: (g, _row, f) => objectOf(g, 'Viewer', f.nodes, (name) => {
    const { principal } = g;
    if (name === 'projects') return `${g.sql.p(principal.projects)}::text[]`;
    return `${g.sql.p(name === 'name' ? principal.name : principal.role)}::text`;
  }),
};

const LINEAGE_ROOTS = ['ArtifactVersion', 'StepRun', 'PipelineRun', 'ModelVersion'] as const;

/**
 * lineage(of:) as lineage.service computes it, inside the statement: the service's own recursive
 * walk (walkSql) per direction, then nodes at their least depth ordered by (depth, kind, id) and cut
 * at `limit`, edges between kept nodes in the order the walks first reached them, and `truncated`.
 * A root the caller can't see is NOT_FOUND on the resolver path: the statement then returns no data
 * (a guard) and the request is answered there.
 */
function lineage(g: Gen, _row: string, f: FieldRef): string {
  const args = g.args(f);
  const { depth, limit, direction } = args as { depth: number; limit: number; direction: string };
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new Fallback('lineage depth or limit out of range', false);
  }
  const { type, id } = decodeId(LINEAGE_ROOTS, args.of, 'of');
  const l = g.alias('l');
  const cte = (name: string) => `${l}_${name}`;
  const idParam = `${g.sql.p(id)}::uuid`;
  const depthParam = `${g.sql.p(depth)}::int`;
  const vis = and(g.visible(type, 't', 'INCLUDE'));
  const rootsSql = {
    ArtifactVersion: `SELECT 'A'::text AS kind, ${idParam} AS id, 1::bigint AS ord`,
    StepRun: `SELECT 'S'::text AS kind, ${idParam} AS id, 1::bigint AS ord`,
    PipelineRun: `SELECT 'S'::text AS kind, s.id, row_number() OVER (ORDER BY s.created_at, s.id) AS ord FROM step_run s, ${cte('root')} r
      WHERE s.project_id = r.project_id AND s.run_id = ${idParam}`,
    ModelVersion: `SELECT 'A'::text AS kind, x.id, row_number() OVER (ORDER BY x.id) AS ord FROM (SELECT DISTINCT m.artifact_version_id AS id
      FROM model_artifact_link m, ${cte('root')} r WHERE m.project_id = r.project_id AND m.model_version_id = ${idParam}) x`,
  }[type];
  const cap = Math.max(limit * 20, 20_000);
  const walks = direction === 'BOTH' ? [true, false] : [direction === 'UPSTREAM'];
  const walkParams: Record<string, string> = {
    $1: `(SELECT array_agg(kind ORDER BY ord) FROM ${cte('roots')})`,
    $2: `(SELECT array_agg(id ORDER BY ord) FROM ${cte('roots')})`,
    $3: `(SELECT project_id FROM ${cte('root')})`,
    $4: depthParam,
    $5: String(cap),
  };
  const walkCtes = walks.map((upstream, i) => `${cte(`w${i}`)} AS (SELECT ${i} AS wi, ${upstream} AS up, w.*, row_number() OVER () AS rn
    FROM (${walkSql(upstream).replace(/\$[1-5]\b/g, (p) => walkParams[p])}) w)`);
  g.guards.push(`EXISTS (SELECT 1 FROM ${table(type)} t WHERE t.id = ${idParam}${vis})`);
  const gidOf = (kind: string, column: string) => `CASE WHEN ${kind} = 'A' THEN ${globalIdSql('ArtifactVersion', column)} ELSE ${globalIdSql('StepRun', column)} END`;
  const json = objectOf(g, 'LineageGraph', f.nodes, (name, nodes) => {
    switch (name) {
      case 'roots':
        return `(SELECT COALESCE(json_agg(${gidOf('r.kind', 'r.id')} ORDER BY r.ord), '[]'::json) FROM ${cte('roots')} r)`;
      case 'truncated':
        return `(EXISTS (SELECT 1 FROM ${cte('all')} a GROUP BY a.wi HAVING count(*) >= ${cap})
          OR EXISTS (SELECT 1 FROM ${cte('all')} a WHERE a.depth > ${depthParam} AND NOT EXISTS (SELECT 1 FROM ${cte('nodes')} n WHERE n.id = a.id))
          OR (SELECT count(*) FROM ${cte('nodes')}) > ${limit})`;
      case 'nodes': {
        const [av, st] = [g.alias(), g.alias()];
        return `(SELECT COALESCE(json_agg(CASE WHEN k.kind = 'A'
            THEN (SELECT ${g.object('ArtifactVersion', av, nodes)} FROM artifact_version ${av} WHERE ${av}.id = k.id)
            ELSE (SELECT ${g.object('StepRun', st, nodes)} FROM step_run ${st} WHERE ${st}.id = k.id) END ORDER BY k.pos), '[]'::json) FROM ${cte('kept')} k)`;
      }
      default: {
        const edge = objectOf(g, 'LineageEdge', nodes, (n) => {
          switch (n) {
            case 'source': return gidOf('e.from_kind', 'e.from_id');
            case 'target': return gidOf('e.to_kind', 'e.to_id');
            case 'kind': return `CASE WHEN e.from_kind = 'A' THEN 'INPUT' ELSE 'OUTPUT' END`;
            default: return 'e.name';
          }
        });
        return `(SELECT COALESCE(json_agg(${edge} ORDER BY e.wi, e.rn), '[]'::json) FROM (
          SELECT DISTINCT ON (x.from_id, x.to_id, x.name) x.* FROM (
            SELECT a.wi, a.rn, COALESCE(a.name, '') AS name,
              CASE WHEN a.up THEN a.kind ELSE a.src_kind END AS from_kind, CASE WHEN a.up THEN a.id ELSE a.src_id END AS from_id,
              CASE WHEN a.up THEN a.src_kind ELSE a.kind END AS to_kind, CASE WHEN a.up THEN a.src_id ELSE a.id END AS to_id
            FROM ${cte('all')} a WHERE a.depth <= ${depthParam} AND a.src_id IS NOT NULL
              AND a.id IN (SELECT id FROM ${cte('kept')}) AND a.src_id IN (SELECT id FROM ${cte('kept')})) x
          ORDER BY x.from_id, x.to_id, x.name, x.wi, x.rn) e)`;
      }
    }
  });
  return `(WITH RECURSIVE ${cte('root')} AS (SELECT t.project_id FROM ${table(type)} t WHERE t.id = ${idParam}${vis}),
    ${cte('roots')} AS (${rootsSql}),
    ${walkCtes.join(',\n    ')},
    ${cte('all')} AS (${walks.map((_, i) => `SELECT * FROM ${cte(`w${i}`)}`).join(' UNION ALL ')}),
    ${cte('nodes')} AS (SELECT a.kind, a.id, min(a.depth) AS depth FROM ${cte('all')} a WHERE a.depth <= ${depthParam} GROUP BY a.kind, a.id),
    ${cte('kept')} AS (SELECT n.*, row_number() OVER (ORDER BY n.depth, n.kind, n.id) AS pos FROM ${cte('nodes')} n ORDER BY n.depth, n.kind, n.id LIMIT ${limit})
    SELECT ${json})`;
}

const table = (kind: KindName) => KINDS[kind].table;

/** node(id): the kind is in the id, so the statement selects from that kind's table only. */
function nodeById(g: Gen, nodes: FieldNode[], globalId: string, field: string): string {
  const { type, id } = parseId(globalId, field);
  return nodeOf(g, nodes, type, `${g.sql.p(id)}::uuid`);
}

/**
 * The row of `kind` with id `id` as nodes.service node() shows it: null when the caller may not
 * see it. Api keys and webhooks have their own rules (admins only; see the rules below).
 */
function nodeOf(g: Gen, nodes: readonly FieldNode[], kind: KindName, id: string): string {
  const c = g.alias();
  const rule = kind === 'ApiKey' ? keyVisibility(g, c) : kind === 'Webhook' ? webhookNodeVisibility(g) : g.visible(kind, c, 'INCLUDE');
  if (rule === null) return 'NULL::json';
  return `(SELECT ${g.object(kind, c, nodes)} FROM ${KINDS[kind].table} ${c}${where([`${c}.id = ${id}`, ...rule])})`;
}

/** auth.service canSee: admins see the keys limited to projects they all reach (every key, unlimited). null: none. */
function keyVisibility(g: Gen, c: string): string[] | null {
  if (g.principal.role !== Role.ADMIN) return null;
  return g.principal.projectIds === null ? [] : [coversProjectsSql(`${c}.projects`, g.sql.p(g.principal.projects))];
}

/** Webhooks name their targets: node(id) shows them to unlimited admins only (nodes.service). */
function webhookNodeVisibility(g: Gen): string[] | null {
  return g.principal.role === Role.ADMIN && g.principal.projectIds === null ? [] : null;
}

/** Lists only admins may read: anyone else gets the resolver's FORBIDDEN. */
function adminOnly(g: Gen, what: string): void {
  if (g.principal.role !== Role.ADMIN) throw new Fallback(`${what} needs the ADMIN role`, false);
}

/** Event.subject: nodes.service node() of the event's subject, whose kind is a column of the event row. */
function subject(g: Gen, row: string, f: FieldRef): string {
  const kinds = g.schema.getPossibleTypes(getNamedType(f.def.type) as GraphQLInterfaceType).map((t) => t.name as KindName);
  return `CASE ${row}.subject_type ${kinds.map((k) => `WHEN '${k}' THEN ${nodeOf(g, f.nodes, k, `${row}.subject_id`)}`).join(' ')} END`;
}

/**
 * A run's DAG as lineage.service dag(limit) builds it. The service reads the run's first
 * limit + 1 steps (by creation) and its first 2 × limit + 1 edges (by step, inputs before
 * outputs, then name), then walks them in order: each step, then the artifact versions its edges
 * reach, a version counting as a node at its first appearance. The walk keeps nodes until it holds
 * `limit`: a step met at the limit stops it, an edge to a version not kept by then is left out;
 * `truncated` says that steps, edges or nodes were cut. Here `cnt` is the number of nodes the walk
 * holds after each item, which decides the same things without a loop.
 */
function dag(g: Gen, row: string, f: FieldRef): string {
  const limit: number = g.args(f).limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new Fallback('dag: limit out of range', false);
  const edgeCap = 2 * limit;
  const d = g.alias('d');
  const [steps, edges, walk] = [`${d}_steps`, `${d}_edges`, `${d}_walk`];
  const [st, av] = [g.alias(), g.alias()];
  const stepId = (column: string) => globalIdSql('StepRun', column);
  const versionId = (column: string) => globalIdSql('ArtifactVersion', column);
  const keptSteps = `${walk} w WHERE w.k = 'S' AND w.cnt <= ${limit}`;
  const keptEdges = `${walk} w WHERE w.k = 'A' AND w.step_cnt <= ${limit} AND w.first_cnt <= ${limit}`;
  const json = objectOf(g, 'LineageGraph', f.nodes, (name, nodes) => {
    switch (name) {
      case 'roots':
        return `(SELECT COALESCE(json_agg(${stepId('w.id')} ORDER BY w.seq), '[]'::json) FROM ${keptSteps})`;
      case 'truncated':
        return `((SELECT count(*) FROM ${steps}) > ${limit} OR (SELECT count(*) FROM ${edges}) > ${edgeCap}
          OR EXISTS (SELECT 1 FROM ${walk} w WHERE w.k = 'S' AND w.cnt > ${limit})
          OR EXISTS (SELECT 1 FROM ${walk} w WHERE w.k = 'A' AND w.step_cnt <= ${limit} AND w.first_cnt > ${limit}))`;
      case 'nodes':
        return `(SELECT COALESCE(json_agg(n.j ORDER BY n.k1, n.k2), '[]'::json) FROM (
          SELECT 0 AS k1, w.seq AS k2, ${g.object('StepRun', st, nodes)} AS j FROM ${walk} w JOIN step_run ${st} ON ${st}.id = w.id
            WHERE w.k = 'S' AND w.cnt <= ${limit}
          UNION ALL
          SELECT 1, w.seq, ${g.object('ArtifactVersion', av, nodes)} FROM ${walk} w JOIN artifact_version ${av} ON ${av}.id = w.id${and(g.visible('ArtifactVersion', av, 'INCLUDE'))}
            WHERE w.k = 'A' AND w.is_new AND w.cnt <= ${limit}) n)`;
      default: {
        const edge = objectOf(g, 'LineageEdge', nodes, (n) => {
          switch (n) {
            case 'source': return `CASE WHEN w.kind = 'I' THEN ${versionId('w.id')} ELSE ${stepId('w.step')} END`;
            case 'target': return `CASE WHEN w.kind = 'I' THEN ${stepId('w.step')} ELSE ${versionId('w.id')} END`;
            case 'kind': return `CASE WHEN w.kind = 'I' THEN 'INPUT' ELSE 'OUTPUT' END`;
            default: return `COALESCE(w.nm, '')`;
          }
        });
        return `(SELECT COALESCE(json_agg(${edge} ORDER BY w.seq), '[]'::json) FROM ${keptEdges})`;
      }
    }
  });
  const vis = (alias: string) => and(g.visible('StepRun', alias, 'INCLUDE'));
  // The items of the walk in its order: each step (of the first `limit`), then its edges among the first 2 × limit.
  return `(WITH ${steps} AS (SELECT s.id, row_number() OVER (ORDER BY s.created_at, s.id) AS n FROM step_run s
      WHERE s.run_id = ${row}.id${vis('s')} ORDER BY s.created_at, s.id LIMIT ${limit + 1}),
    ${edges} AS (SELECT e.*, row_number() OVER (ORDER BY e.created_at, e.step_id, e.kind, e.nm) AS o FROM (
        SELECT s.created_at, s.id AS step_id, 'I' AS kind, x.name AS nm, x.artifact_version_id AS av
          FROM step_run s JOIN step_input x ON x.project_id = s.project_id AND x.step_run_id = s.id WHERE s.run_id = ${row}.id${vis('s')}
        UNION ALL
        SELECT s.created_at, s.id, 'O', a.output_name, a.id
          FROM step_run s JOIN artifact_version a ON a.project_id = s.project_id AND a.producer_step_id = s.id WHERE s.run_id = ${row}.id${vis('s')}
      ) e ORDER BY e.created_at, e.step_id, e.kind, e.nm LIMIT ${edgeCap + 1}),
    ${d}_items AS (
      SELECT s.n, 0 AS part, 0::bigint AS o, 'S' AS k, s.id, NULL::uuid AS step, NULL::text AS kind, NULL::text AS nm FROM ${steps} s WHERE s.n <= ${limit}
      UNION ALL
      SELECT s.n, 1, e.o, 'A', e.av, e.step_id, e.kind, e.nm FROM ${edges} e JOIN ${steps} s ON s.id = e.step_id WHERE s.n <= ${limit} AND e.o <= ${edgeCap}),
    ${d}_seq AS (SELECT i.*, row_number() OVER (ORDER BY i.n, i.part, i.o) AS seq FROM ${d}_items i),
    ${d}_new AS (SELECT q.*, q.seq = min(q.seq) OVER (PARTITION BY q.k, q.id) AS is_new FROM ${d}_seq q),
    ${d}_cnt AS (SELECT q.*, count(*) FILTER (WHERE q.is_new) OVER (ORDER BY q.seq) AS cnt FROM ${d}_new q),
    ${walk} AS (SELECT q.*, max(q.cnt) FILTER (WHERE q.k = 'S') OVER (PARTITION BY q.n) AS step_cnt,
        min(q.cnt) FILTER (WHERE q.is_new) OVER (PARTITION BY q.k, q.id) AS first_cnt FROM ${d}_cnt q)
    SELECT ${json})`;
}

const stepArtifacts = (g: Gen, f: FieldRef, name: string, version: (nodes: FieldNode[]) => string) =>
  objectOf(g, 'StepArtifact', f.nodes, (n, nodes) => (n === 'name' ? name : version(nodes)));

/**
 * Read fields left to the resolvers on purpose, each with the reason; test/compiled-coverage.test.ts
 * fails for a read field that neither compiles nor appears here. Empty: every read field compiles.
 */
export const RESOLVER_ONLY: Record<string, string> = {};

export const FIELDS: Record<string, Fields> = {
  Query,
  Event: {
    id: (_g, row) => globalIdSql('Event', `${row}.id`),
    sequence: (_g, row) => `${row}.sequence::text`,
    kind: col('kind'),
    at: time('at'),
    actor: col('actor'),
    data: col('data'),
    subjectId: (_g, row) => base64url(`${row}.subject_type || ':' || ${row}.subject_id::text`),
    subject,
    project: parent('Project', 'project_id'),
  },
  Project: {
    ...node('Project'),
    name: col('name'),
    displayName: col('display_name'),
    description: col('description'),
    pipelines: connection('Pipeline', PIPELINES, 'project_id'),
    runs: connection('PipelineRun', RUNS, 'project_id'),
    artifacts: connection('Artifact', ARTIFACTS, 'project_id'),
    artifactVersions: connection('ArtifactVersion', ARTIFACT_VERSIONS, 'project_id'),
    models: connection('Model', MODELS, 'project_id'),
    modelVersions: connection('ModelVersion', MODEL_VERSIONS, 'project_id'),
    tags: connection('Tag', TAGS, 'project_id'),
  },
  Pipeline: {
    ...node('Pipeline'),
    name: col('name'),
    description: col('description'),
    project: parent('Project', 'project_id'),
    tags,
    runs: connection('PipelineRun', RUNS, 'pipeline_id'),
    latestRun: newest('PipelineRun', 'pipeline_id'),
  },
  PipelineRun: {
    ...node('PipelineRun'),
    name: col('name'),
    status: col('status'),
    config: col('config'),
    metadata: col('metadata'),
    startedAt: time('started_at'),
    endedAt: time('ended_at'),
    pipeline: parent('Pipeline', 'pipeline_id'),
    project: parent('Project', 'project_id'),
    tags,
    steps: list('StepRun', 'INCLUDE', (c, row) => [`${c}.run_id = ${row}.id`], (c) => `${c}.created_at, ${c}.id`, 'PipelineRun.steps'),
    stack: parent('Stack', 'stack_id'),
    modelVersion: parent('ModelVersion', 'model_version_id'),
    producedArtifactVersions: list('ArtifactVersion', 'INCLUDE', (c, row) => [`${c}.producer_run_id = ${row}.id`], (c) => `${c}.created_at, ${c}.id`,
      'PipelineRun.producedArtifactVersions'),
    dag,
  },
  StepRun: {
    ...node('StepRun'),
    name: col('name'),
    status: col('status'),
    metadata: col('metadata'),
    startedAt: time('started_at'),
    endedAt: time('ended_at'),
    run: parent('PipelineRun', 'run_id'),
    inputs: (g, row, f) => {
      const x = g.alias('x');
      const json = stepArtifacts(g, f, `${x}.name`, (nodes) => parent('ArtifactVersion', 'artifact_version_id')(g, x, refOf(g, f, nodes)));
      return `(SELECT COALESCE(json_agg(${json} ORDER BY ${x}.name), '[]'::json)
        FROM (SELECT * FROM step_input ${x} WHERE ${x}.step_run_id = ${row}.id ORDER BY ${x}.name LIMIT ${limitOf(g, f, 'StepRun.inputs')}) ${x})`;
    },
    outputs: (g, row, f) => {
      const c = g.alias();
      const json = stepArtifacts(g, f, `COALESCE(${c}.output_name, '')`, (nodes) => g.object('ArtifactVersion', c, nodes));
      const conds = [`${c}.producer_step_id = ${row}.id`, ...g.visible('ArtifactVersion', c, 'INCLUDE')];
      return `(SELECT COALESCE(json_agg(${json} ORDER BY ${c}.output_name), '[]'::json)
        FROM (SELECT * FROM artifact_version ${c}${where(conds)} ORDER BY ${c}.output_name LIMIT ${limitOf(g, f, 'StepRun.outputs')}) ${c})`;
    },
  },
  Artifact: {
    ...node('Artifact'),
    name: col('name'),
    project: parent('Project', 'project_id'),
    tags,
    versions: connection('ArtifactVersion', ARTIFACT_VERSIONS, 'artifact_id'),
    latestVersion: newest('ArtifactVersion', 'artifact_id'),
  },
  ArtifactVersion: {
    ...node('ArtifactVersion'),
    version: col('version'),
    type: col('type'),
    uri: col('uri'),
    dataType: col('data_type'),
    metadata: col('metadata'),
    artifact: parent('Artifact', 'artifact_id'),
    tags,
    producedBy: parent('StepRun', 'producer_step_id'),
    // A step that read the version under two input names appears twice, as in the loader.
    consumedBy: list('StepRun', 'INCLUDE', (c, row) => [`${c}i.artifact_version_id = ${row}.id`], (c) => `${c}.created_at, ${c}.id`, 'ArtifactVersion.consumedBy',
      (c) => `step_input ${c}i JOIN step_run ${c} ON ${c}.project_id = ${c}i.project_id AND ${c}.id = ${c}i.step_run_id`),
    modelVersions: list('ModelVersion', 'INCLUDE',
      (c, row) => [`${c}.id IN (SELECT l.model_version_id FROM model_artifact_link l WHERE l.artifact_version_id = ${row}.id)`], (c) => `${c}.id`,
      'ArtifactVersion.modelVersions'),
  },
  Model: {
    ...node('Model'),
    name: col('name'),
    description: col('description'),
    license: col('license'),
    project: parent('Project', 'project_id'),
    tags,
    versions: connection('ModelVersion', MODEL_VERSIONS, 'model_id'),
    latestVersion: newest('ModelVersion', 'model_id'),
    versionInStage: one('ModelVersion', 'EXCLUDE', (c, row, g, f) => [`${c}.model_id = ${row}.id`, `${c}.stage = ${g.sql.p(g.args(f).stage)}`],
      (c) => `ORDER BY ${c}.number DESC LIMIT 1`),
    // Deleted versions are the history's business (stageHolderAtSql), not the visibility rule's.
    versionInStageAt: (g, row, f) => {
      const args = g.args(f);
      const c = g.alias();
      const holder = stageHolderAtSql(`${row}.project_id`, `${row}.id`, `${g.sql.p(args.stage)}::text`, `${g.sql.p(timestampText(args.at))}::timestamptz`);
      return `(SELECT ${g.object('ModelVersion', c, f.nodes)} FROM (${holder}) ${c}${where(g.visible('ModelVersion', c, 'INCLUDE'))})`;
    },
    pipelines: list('Pipeline', 'EXCLUDE', (c, row) => [`(${c}.project_id, ${c}.id) IN (SELECT r.project_id, r.pipeline_id FROM model_version v
      JOIN pipeline_run r ON r.project_id = v.project_id AND r.model_version_id = v.id
      WHERE v.model_id = ${row}.id AND v.deleted_at IS NULL AND r.deleted_at IS NULL)`], (c) => `${c}.name, ${c}.id`, 'Model.pipelines'),
  },
  ModelVersion: {
    ...node('ModelVersion'),
    number: col('number'),
    name: col('name'),
    description: col('description'),
    stage: col('stage'),
    metadata: col('metadata'),
    model: parent('Model', 'model_id'),
    tags,
    artifacts: (g, row, f) => {
      const x = g.alias('x');
      const kind = g.args(f).kind;
      const json = objectOf(g, 'ModelArtifactLink', f.nodes, (n, nodes) => (n === 'artifactVersion'
        ? parent('ArtifactVersion', 'artifact_version_id')(g, x, refOf(g, f, nodes)) : `${x}.${n}`));
      const conds = [`${x}.model_version_id = ${row}.id`, ...(kind ? [`${x}.kind = ${g.sql.p(kind)}`] : [])];
      return `(SELECT COALESCE(json_agg(${json} ORDER BY ${x}.name), '[]'::json)
        FROM (SELECT * FROM model_artifact_link ${x}${where(conds)} ORDER BY ${x}.name LIMIT ${limitOf(g, f, 'ModelVersion.artifacts')}) ${x})`;
    },
    artifact: one('ArtifactVersion', 'INCLUDE', (c, row, g, f) => [`(${c}.project_id, ${c}.id) = (SELECT l.project_id, l.artifact_version_id
      FROM model_artifact_link l WHERE l.model_version_id = ${row}.id AND l.name = ${g.sql.p(g.args(f).name)})`]),
    runs: list('PipelineRun', 'EXCLUDE', (c, row) => [`${c}.model_version_id = ${row}.id`], (c) => `${c}.created_at, ${c}.id`, 'ModelVersion.runs'),
    stageHistory: (g, row, f) => {
      const x = g.alias('x');
      const json = objectOf(g, 'StageChange', f.nodes, (n) => {
        switch (n) {
          case 'from': return `${x}.from_stage`;
          case 'to': return `${x}.to_stage`;
          // Stage changes keep microseconds, as stageHistoryByModelVersionId reads them.
          case 'at': return `to_char(${x}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
          case 'sequence': return `${x}.sequence::text`;
          default: return `${x}.${n}`;
        }
      });
      return `(SELECT COALESCE(json_agg(${json} ORDER BY ${x}.sequence), '[]'::json)
        FROM (SELECT * FROM stage_change ${x} WHERE ${x}.model_version_id = ${row}.id ORDER BY ${x}.sequence LIMIT ${limitOf(g, f, 'ModelVersion.stageHistory')}) ${x})`;
    },
  },
  Tag: {
    ...node('Tag'),
    name: col('name'),
    color: col('color'),
    exclusive: col('exclusive'),
    protected: col('is_protected'),
    project: parent('Project', 'project_id'),
    usageCount: (_g, row) => `(SELECT count(*)::int FROM tag_assignment u WHERE u.tag_id = ${row}.id AND NOT u.resource_deleted)`,
  },
  ApiKey: {
    ...node('ApiKey'),
    name: col('name'),
    role: col('role'),
    projects: col('projects'),
    lastUsedAt: time('last_used_at'),
    revokedAt: time('revoked_at'),
  },
  Webhook: {
    ...node('Webhook'),
    name: col('name'),
    url: col('url'),
    projects: col('projects'),
    kinds: col('kinds'),
    deliveries,
  },
  Stack: {
    ...node('Stack'),
    name: col('name'),
    description: col('description'),
    components: list('StackComponent', 'INCLUDE', (c, row) => [`${c}.id IN (SELECT l.component_id FROM stack_component_link l WHERE l.stack_id = ${row}.id)`],
      (c) => `${c}.type, ${c}.name`, 'Stack.components'),
    runs: connection('PipelineRun', RUNS, 'stack_id'),
  },
  StackComponent: {
    ...node('StackComponent'),
    name: col('name'),
    type: col('type'),
    flavor: col('flavor'),
    config: col('config'),
    stacks: list('Stack', 'INCLUDE', (c, row) => [`${c}.id IN (SELECT l.stack_id FROM stack_component_link l WHERE l.component_id = ${row}.id)`], (c) => `${c}.name`,
      'StackComponent.stacks'),
  },
};
