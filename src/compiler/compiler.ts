// The operation compiler: a validated query operation becomes one SQL statement whose single
// text column is the whole `data` object. See README.md in this folder.
import {
  DocumentNode, FieldNode, FragmentDefinitionNode, getArgumentValues, getDirectiveValues, getVariableValues, GraphQLField,
  GraphQLIncludeDirective, GraphQLObjectType, GraphQLSchema, GraphQLSkipDirective, isAbstractType, Kind, OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { Sql } from '../db/sql';
import type { Principal } from '../domain/auth/principal';
import { DeletedMode, KindName, visibleConditions } from '../domain/kinds';
import { FIELDS, RESOLVER_ONLY } from './fields';

/** Thrown while planning: this operation (or this request's arguments) goes to the resolvers. */
export class Fallback extends Error {
  /** true: the operation itself can't compile, whatever its variables; false: only this request. */
  constructor(message: string, readonly wholeOperation: boolean) {
    super(message);
  }
}

export interface FieldRef {
  /** Every node of the merged field (same response key), in document order. */
  nodes: FieldNode[];
  def: GraphQLField<unknown, unknown>;
}

export type FieldCompiler = (g: Gen, row: string, f: FieldRef) => string;

/** One request's statement being written: its parameters, the caller's scope, unique aliases. */
export class Gen {
  readonly sql = new Sql();
  /** Conditions that must all hold, else the statement returns no data and the resolvers answer (their NOT_FOUND). */
  readonly guards: string[] = [];
  /** The parameter holding the caller's project ids, or null when the caller sees every project. */
  readonly scope: string | null;
  private aliases = 0;

  constructor(
    readonly schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    readonly variables: Record<string, unknown>,
    readonly principal: Principal,
  ) {
    this.scope = principal.projectIds === null ? null : this.sql.p(principal.projectIds);
  }

  alias(prefix = 'r'): string {
    return `${prefix}${++this.aliases}`;
  }

  /**
   * The conditions under which a row of `kind` exists for this caller (kinds.ts decides).
   * `deleted` as the mirrored loader reads: EXCLUDE for lists and lookups by name, INCLUDE for
   * rows reached by id (node(id), foreign keys, links, lineage).
   */
  visible(kind: KindName, alias: string, deleted: DeletedMode): string[] {
    return visibleConditions(kind, alias, this.scope, deleted);
  }

  args(f: FieldRef): Record<string, any> {
    try {
      return getArgumentValues(f.def, f.nodes[0], this.variables);
    } catch (err) {
      throw new Fallback(`arguments of ${f.def.name}: ${(err as Error).message}`, false);
    }
  }

  /** json_build_object of the selection of `nodes` on the object type `typeName`, over row alias `row`. */
  object(typeName: string, row: string, nodes: readonly FieldNode[]): string {
    const type = this.schema.getType(typeName) as GraphQLObjectType;
    const fields = this.collect(type, nodes.map((n) => n.selectionSet!).filter(Boolean));
    if (fields.size > 50) throw new Fallback(`more than 50 fields selected on ${typeName}`, true);
    const parts: string[] = [];
    for (const [key, fieldNodes] of fields) parts.push(`'${key}'`, this.field(type, row, fieldNodes));
    return `json_build_object(${parts.join(', ')})`;
  }

  /** The fields of a selection for one concrete type, merged by response key, in first-seen order (as graphql-js). */
  collect(type: GraphQLObjectType, sets: readonly SelectionSetNode[], into = new Map<string, FieldNode[]>(), seen = new Set<string>()) {
    for (const set of sets) {
      for (const s of set.selections) {
        if (!this.included(s)) continue;
        if (s.kind === Kind.FIELD) {
          const key = s.alias?.value ?? s.name.value;
          const list = into.get(key);
          if (list) list.push(s);
          else into.set(key, [s]);
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          if (!s.typeCondition || this.applies(s.typeCondition.name.value, type)) this.collect(type, [s.selectionSet], into, seen);
        } else {
          const name = s.name.value;
          if (seen.has(name)) continue;
          seen.add(name);
          const fragment = this.fragments.get(name);
          if (fragment && this.applies(fragment.typeCondition.name.value, type)) this.collect(type, [fragment.selectionSet], into, seen);
        }
      }
    }
    return into;
  }

  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const abstract = this.schema.getType(condition);
    return !!abstract && isAbstractType(abstract) && this.schema.isSubType(abstract, type);
  }

  private included(node: { directives?: readonly { name: { value: string } }[] }): boolean {
    if (!node.directives?.length) return true;
    for (const d of node.directives) {
      if (d.name.value !== 'skip' && d.name.value !== 'include') throw new Fallback(`directive @${d.name.value}`, true);
    }
    const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, this.variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, this.variables);
    return include?.if !== false;
  }

  private field(type: GraphQLObjectType, row: string, nodes: FieldNode[]): string {
    const name = nodes[0].name.value;
    if (name === '__typename') return `'${type.name}'`;
    const compile = FIELDS[type.name]?.[name];
    if (!compile) throw new Fallback(RESOLVER_ONLY[`${type.name}.${name}`] ?? `${type.name}.${name} does not compile`, true);
    return compile(this, row, { nodes, def: type.getFields()[name] });
  }
}

/**
 * Drops parameters the text ended up not using (a page query left out when only totalCount is
 * selected): PostgreSQL can't type an unused parameter, and equal texts must take equal values.
 */
function renumber(text: string, params: unknown[]): Statement {
  const used = new Map<number, number>();
  const values: unknown[] = [];
  const out = text.replace(/\$(\d+)/g, (_, n: string) => {
    const old = Number(n);
    let now = used.get(old);
    if (now === undefined) {
      values.push(params[old - 1]);
      used.set(old, (now = values.length));
    }
    return `$${now}`;
  });
  return { text: out, values };
}

interface Plan {
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Set once the operation is known not to compile: why. */
  resolvers?: string;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Plans per parsed document (Apollo keeps one DocumentNode per query text) and operation name. */
export class OperationCompiler {
  private readonly plans = new WeakMap<DocumentNode, Map<string, Plan>>();

  constructor(private readonly schema: GraphQLSchema) {}

  plan(document: DocumentNode, operation: OperationDefinitionNode): Plan {
    let byName = this.plans.get(document);
    if (!byName) this.plans.set(document, (byName = new Map()));
    const key = operation.name?.value ?? '';
    let plan = byName.get(key);
    if (!plan) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      plan = { operation, fragments };
      if (operation.operation !== 'query') plan.resolvers = `a ${operation.operation}`;
      byName.set(key, plan);
    }
    return plan;
  }

  /** The statement for this request, or the reason it runs on the resolvers. */
  statement(plan: Plan, rawVariables: Record<string, unknown> | undefined, principal: Principal): Statement | string {
    if (plan.resolvers) return plan.resolvers;
    const coerced = getVariableValues(this.schema, plan.operation.variableDefinitions ?? [], rawVariables ?? {});
    if (coerced.errors) return 'variables do not fit their types';
    const g = new Gen(this.schema, plan.fragments, coerced.coerced, principal);
    try {
      const data = g.object(this.schema.getQueryType()!.name, '', [plan.operation as unknown as FieldNode]);
      const text = g.guards.length ? `SELECT CASE WHEN ${g.guards.join(' AND ')} THEN (${data})::text END AS data` : `SELECT ${data}::text AS data`;
      return renumber(text, g.sql.params);
    } catch (err) {
      // Arguments the resolvers refuse (a malformed id, a forged cursor, `first` over the maximum)
      // land here too: the resolver path then reports them exactly as it always does.
      if (err instanceof Fallback && err.wholeOperation) plan.resolvers = err.message;
      return (err as Error).message;
    }
  }
}
