// Random read queries over the schema (fields, arguments, aliases, fragments, filters, pages),
// drawn from a seeded generator so a failing case can be replayed from its seed.
import {
  getNamedType, GraphQLField, GraphQLInputObjectType, GraphQLInputType, GraphQLNamedType, GraphQLObjectType, GraphQLSchema,
  isAbstractType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
} from 'graphql';

export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}
export type Rng = ReturnType<typeof rng>;

/** Values seen in the seeded data, to make arguments that hit (and miss) rows. */
export interface Pools {
  projects: string[];
  names: Record<'pipeline' | 'run' | 'artifact' | 'model' | 'tag' | 'stack' | 'flavor' | 'version' | 'link', string[]>;
  ids: Record<string, string[]>;
  cursors: string[];
  dates: string[];
}

export interface GeneratedQuery {
  query: string;
  variables: Record<string, unknown>;
}

/** Keys of the seeded metadata (numbers, strings, nested), and one no entity has. */
export const METADATA_KEYS = ['rows', 'score', 'n', 'big', 'list', 'ünïcode', 'nested.a', 'missing'];

const STRING_OPS = ['', '', 'equals:', 'notequals:', 'startswith:', 'endswith:', 'contains:', 'oneof:'];

export class QueryGenerator {
  private vars: { name: string; type: string; value: unknown }[] = [];
  private fragments: string[] = [];
  private n = 0;

  constructor(private readonly schema: GraphQLSchema, private readonly pools: Pools, private readonly r: Rng) {}

  query(): GeneratedQuery {
    this.vars = [];
    this.fragments = [];
    const query = this.schema.getQueryType()!;
    const roots = Object.values(query.getFields());
    const count = this.r.int(1, 3);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.field(this.r.pick(roots), 0));
    const defs = this.vars.length ? `(${this.vars.map((v) => `$${v.name}: ${v.type}`).join(', ')})` : '';
    const text = `query Q${defs} {\n  ${parts.join('\n  ')}\n}\n${this.fragments.join('\n')}`;
    return { query: text, variables: Object.fromEntries(this.vars.map((v) => [v.name, v.value])) };
  }

  private field(f: GraphQLField<unknown, unknown>, depth: number): string {
    const alias = this.r.chance(0.15) ? `a${++this.n}: ` : '';
    const args = this.args(f);
    const named = getNamedType(f.type);
    const head = `${alias}${f.name}${args.length ? `(${args.join(', ')})` : ''}${this.directive()}`;
    if (isScalarType(named) || isEnumType(named)) return head;
    return `${head} { ${this.selection(named, depth + 1)} }`;
  }

  private directive(): string {
    if (!this.r.chance(0.05)) return '';
    return this.r.pick([' @include(if: true)', ' @skip(if: false)', ' @skip(if: true)', ' @include(if: false)']);
  }

  selection(type: GraphQLNamedType, depth: number): string {
    if (isAbstractType(type)) {
      const parts = ['__typename'];
      if (type.name !== 'LineageNode' && this.r.chance(0.7)) parts.push('id');
      if (type.name === 'Node' && this.r.chance(0.3)) parts.push(`... on Taggable { tags { name } }`);
      for (const t of this.schema.getPossibleTypes(type)) {
        if (this.r.chance(0.4)) parts.push(`... on ${t.name} { ${this.selection(t, depth)} }`);
      }
      return parts.join(' ');
    }
    const object = type as GraphQLObjectType;
    // A key's lastUsedAt moves when its own requests pass a minute apart, possibly between the two
    // paths' answers: the api-key test of compiled-differential reads it where it cannot move.
    const fields = Object.values(object.getFields()).filter((f) => !(object.name === 'ApiKey' && f.name === 'lastUsedAt'));
    const leaves = fields.filter((f) => { const t = getNamedType(f.type); return isScalarType(t) || isEnumType(t); });
    const branches = depth < 5 ? fields.filter((f) => !leaves.includes(f)) : [];
    const parts: string[] = [];
    for (const f of leaves) if (this.r.chance(0.35)) parts.push(this.field(f, depth));
    for (const f of branches) if (this.r.chance(depth < 2 ? 0.35 : 0.2)) parts.push(this.field(f, depth));
    if (!parts.length) parts.push(leaves.length ? this.field(this.r.pick(leaves), depth) : '__typename');
    if (this.r.chance(0.1)) parts.push('__typename');
    if (this.r.chance(0.1)) {
      const name = `F${++this.n}`;
      this.fragments.push(`fragment ${name} on ${object.name} { ${parts.join(' ')} }`);
      return `...${name}`;
    }
    if (this.r.chance(0.08)) return `... on ${object.name} { ${parts.join(' ')} }`;
    return parts.join(' ');
  }

  private args(f: GraphQLField<unknown, unknown>): string[] {
    const out: string[] = [];
    for (const arg of f.args) {
      const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
      if (!required && !this.r.chance(0.45)) continue;
      const value = this.argValue(f.name, arg.name, arg.type);
      if (value === undefined) continue;
      if (this.r.chance(0.4)) {
        const name = `v${++this.n}`;
        this.vars.push({ name, type: String(arg.type), value });
        out.push(`${arg.name}: $${name}`);
      } else {
        out.push(`${arg.name}: ${literal(value, arg.type)}`);
      }
    }
    return out;
  }

  private predicate(pool: string[]): string {
    const op = this.r.pick(STRING_OPS);
    const value = this.r.chance(0.85) && pool.length ? this.r.pick(pool) : 'zzz';
    if (op === 'oneof:') return `oneof:${value},${this.r.chance(0.5) && pool.length ? this.r.pick(pool) : 'x'}`;
    if (op === 'startswith:') return `startswith:${value.slice(0, this.r.int(0, 4))}`;
    if (op === 'endswith:' || op === 'contains:') return `${op}${value.slice(this.r.int(0, Math.max(0, value.length - 2)))}`;
    return `${op}${value}`;
  }

  private argValue(field: string, arg: string, type: GraphQLInputType): unknown {
    const p = this.pools;
    const named = getNamedType(type);
    switch (arg) {
      case 'first': return this.r.chance(0.04) ? this.r.pick([-1, 101]) : this.r.pick([0, 1, 2, 3, 5, 20]);
      case 'after':
        if (this.r.chance(0.5)) return undefined;
        return this.r.chance(0.9) && p.cursors.length ? this.r.pick(p.cursors) : this.r.pick(['bogus', 'WyJjIiwieCIsInkiXQ']);
      case 'orderBy':
        if (this.r.chance(0.2)) return { field: 'METADATA', direction: this.r.pick(['ASC', 'DESC']), metadataKey: this.r.pick(METADATA_KEYS) };
        return { field: this.r.pick(['CREATED_AT', 'NAME', 'UPDATED_AT']), direction: this.r.pick(['ASC', 'DESC']) };
      case 'filter': return this.filter(named as GraphQLInputObjectType);
      case 'project': return this.r.chance(0.9) ? this.r.pick(p.projects) : 'nope';
      case 'id': case 'of': return this.id(field === 'lineage' ? ['ArtifactVersion', 'StepRun', 'PipelineRun', 'ModelVersion'] : undefined);
      case 'ids': return Array.from({ length: this.r.int(0, 5) }, () => this.id());
      case 'stage': return this.r.pick(['NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED']);
      // Moments of stage changes (microseconds), of creations, and far from any.
      case 'at': return this.r.pick([...p.dates, '2000-01-01T00:00:00Z', '2999-12-31T23:59:59.999999Z']);
      case 'kind': return this.r.pick(['DATA', 'MODEL', 'DEPLOYMENT']);
      case 'direction': return this.r.pick(['UPSTREAM', 'DOWNSTREAM', 'BOTH']);
      case 'depth': return this.r.pick([1, 2, 3, 10, 0]);
      case 'limit': return this.r.pick([1, 3, 10, 1000]);
      case 'artifact': return this.r.pick([...p.names.artifact, 'nope']);
      case 'model': return this.r.pick([...p.names.model, 'nope']);
      // Exclusive tags (aliases such as "champion") and plain ones, which name no version.
      case 'version': return field === 'modelVersion'
        ? this.r.pick(['latest', '1', '2', '3', '99', 'production', 'Staging', 'ARCHIVED', 'none', '0002', 'champion', 'gold', ...p.names.version])
        : this.r.pick(['latest', '1', '2', 'nope', 'gold', 'champion', 'nightly', ...p.names.version]);
      case 'name': {
        const pool = { pipeline: p.names.pipeline, pipelineRun: p.names.run, artifact: field === 'artifact' && this.r.chance(0.5) ? p.names.link : p.names.artifact,
          model: p.names.model, tag: p.names.tag, stack: p.names.stack, project: p.projects }[field] ?? p.names.link;
        return this.r.chance(0.9) ? this.r.pick(pool) : 'nope';
      }
    }
    if (isEnumType(named)) return this.r.pick(named.getValues()).name;
    return undefined;
  }

  private id(types?: string[]): string {
    const p = this.pools;
    if (this.r.chance(0.05)) return this.r.pick(['bogus', Buffer.from('Nope:1').toString('base64url')]);
    const type = this.r.pick(types ?? Object.keys(p.ids));
    return this.r.pick(p.ids[type]?.length ? p.ids[type] : ['bogus']);
  }

  private filter(type: GraphQLInputObjectType): Record<string, unknown> {
    const p = this.pools;
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (!this.r.chance(0.3)) continue;
      const named = getNamedType(f.type);
      switch (f.name) {
        case 'name': out.name = this.predicate(type.name === 'ArtifactVersionFilter' ? p.names.version : [...p.names.pipeline, ...p.names.run, ...p.names.model, ...p.projects, ...p.names.tag]); break;
        case 'tags': out.tags = Array.from({ length: this.r.int(1, 2) }, () => this.predicate(p.names.tag)); break;
        case 'withoutTags': out.withoutTags = Array.from({ length: this.r.int(1, 2) }, () => this.predicate(p.names.tag)); break;
        case 'createdAfter': case 'createdBefore': out[f.name] = this.r.pick(p.dates); break;
        case 'pipeline': out.pipeline = this.predicate(p.names.pipeline); break;
        case 'model': out.model = this.predicate(p.names.model); break;
        case 'artifact': out.artifact = this.predicate(p.names.artifact); break;
        case 'stack': out.stack = this.predicate(p.names.stack); break;
        case 'flavor': out.flavor = this.predicate(p.names.flavor); break;
        default: if (isEnumType(named)) out[f.name] = this.r.pick(named.getValues()).name;
      }
    }
    return out;
  }
}

/** A value as a GraphQL literal of `type` (enums bare, everything else as JSON). */
function literal(value: unknown, type: GraphQLInputType): string {
  const named = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const item = isNonNullType(type) ? type.ofType : type;
    return `[${value.map((v) => literal(v, isListType(item) ? item.ofType : item)).join(', ')}]`;
  }
  if (isEnumType(named)) return String(value);
  if (isInputObjectType(named) && typeof value === 'object') {
    const fields = named.getFields();
    return `{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${literal(v, fields[k].type)}`).join(', ')} }`;
  }
  if (isObjectType(named)) return JSON.stringify(value);
  return JSON.stringify(value);
}
