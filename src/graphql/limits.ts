// Query limits checked before any resolver runs: the document's size in tokens (while parsing),
// depth, aliases and root fields as validation rules (cached with the document), and cost per
// request (it depends on `first` in variables). Every walk measures a fragment once, however
// often it is spread: a document that spreads each fragment twice into the next costs linear
// time here, not 2^n.
import {
  ASTVisitor, DocumentNode, FieldNode, FragmentDefinitionNode, getArgumentValues, getNamedType, getNullableType, getVariableValues,
  GraphQLNamedType, GraphQLSchema, isInterfaceType, isLeafType, isListType, isObjectType, Kind, OperationDefinitionNode,
  ParseOptions, SelectionSetNode, ValidationContext, ValidationRule,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { BadUserInputError } from './errors';
import { BoundedList, LIST_BOUNDS, ListBound, UNDECLARED_LIST_SIZE } from './list-bounds';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
}

/** A refusal before execution: a 400 like a validation error, not Apollo's default 500. */
function refusal(message: string): BadUserInputError {
  const error = new BadUserInputError(message);
  error.extensions.http = { status: 400 };
  return error;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * A value per selection set, with each named fragment's value computed once per document.
 * A fragment met again while it is being measured is a cycle, which graphql-js's own rules
 * report; it counts as `onCycle` here so the walk always ends.
 */
function memoisedWalk(fragments: Map<string, FragmentDefinitionNode>, measure: (set: SelectionSetNode, walk: Walk) => number, onCycle: () => number): Walk {
  const memo = new Map<string, number>();
  const walk: Walk = {
    selectionSet: (set) => measure(set, walk),
    fragment: (name) => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      const fragment = fragments.get(name);
      if (!fragment) return 0;
      memo.set(name, onCycle());
      const value = measure(fragment.selectionSet, walk);
      memo.set(name, value);
      return value;
    },
  };
  return walk;
}

interface Walk {
  selectionSet(set: SelectionSetNode): number;
  fragment(name: string): number;
}

function depthOf(fragments: Map<string, FragmentDefinitionNode>): Walk {
  return memoisedWalk(fragments, (set, walk) => {
    let max = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        // Introspection (__schema, __type) is bounded by the schema itself; tools such as GraphiQL
        // send it 15 levels deep, and it must keep working under the default depth limit.
        if (selection.name.value === '__schema' || selection.name.value === '__type') continue;
        max = Math.max(max, selection.selectionSet ? 1 + walk.selectionSet(selection.selectionSet) : 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, walk.selectionSet(selection.selectionSet));
      } else {
        max = Math.max(max, walk.fragment(selection.name.value));
      }
    }
    return max;
  }, () => 0);
}

function rootFieldsOf(fragments: Map<string, FragmentDefinitionNode>): Walk {
  return memoisedWalk(fragments, (set, walk) => {
    let n = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) n++;
      else if (selection.kind === Kind.INLINE_FRAGMENT) n += walk.selectionSet(selection.selectionSet);
      else n += walk.fragment(selection.name.value);
    }
    return n;
  }, () => 0);
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  const rule = (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    const depth = depthOf(fragments);
    const roots = rootFieldsOf(fragments);
    let aliases = 0;
    return {
      Field(node: FieldNode) {
        if (node.alias) aliases++;
      },
      Document: {
        leave() {
          if (aliases > limits.maxAliases) {
            context.reportError(new BadUserInputError(`the query uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`));
          }
        },
      },
      OperationDefinition(node) {
        const d = depth.selectionSet(node.selectionSet);
        if (d > limits.maxDepth) context.reportError(new BadUserInputError(`the query is ${d} levels deep; at most ${limits.maxDepth} are allowed`));
        const n = roots.selectionSet(node.selectionSet);
        if (n > limits.maxRootFields) context.reportError(new BadUserInputError(`the query asks for ${n} root fields; at most ${limits.maxRootFields} are allowed`));
      },
    };
  };
  return [rule];
}

class CostUnknown extends Error {}

function clamp(value: unknown, fallback: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  // Beyond the maximum the resolver refuses the value itself, with a message naming it.
  return Math.min(Math.max(n, 1), max);
}

/**
 * The estimated cost of one operation: 1 per field, and a list multiplies what is selected
 * inside it by its real bound: a connection by `first`, a bounded list by its `first`,
 * `lineage` and `dag` by their `limit`. Selections that graphql-js would merge are counted
 * each time, so the estimate never falls below the work: a fragment spread twice costs twice.
 */
export function estimateCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  const fragments = fragmentsOf(document);
  const costs = new Map<string, number>();
  const typeOf = (name: string): GraphQLNamedType => {
    const type = schema.getType(name);
    if (!type) throw new CostUnknown(`unknown type ${name}`);
    return type;
  };

  const selectionSet = (set: SelectionSetNode, type: GraphQLNamedType): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += field(selection, type);
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += selectionSet(selection.selectionSet, selection.typeCondition ? typeOf(selection.typeCondition.name.value) : type);
      else total += fragment(selection.name.value);
    }
    return total;
  };

  const fragment = (name: string): number => {
    const known = costs.get(name);
    if (known !== undefined) return known;
    const definition = fragments.get(name);
    if (!definition) throw new CostUnknown(`unknown fragment ${name}`);
    costs.set(name, Infinity);
    const cost = selectionSet(definition.selectionSet, typeOf(definition.typeCondition.name.value));
    costs.set(name, cost);
    return cost;
  };

  const field = (node: FieldNode, parent: GraphQLNamedType): number => {
    const name = node.name.value;
    // Introspection is bounded by the schema's size, not by data: it costs nothing here.
    if (name === '__schema' || name === '__type') return 0;
    if (name === '__typename') return 1;
    if (!isObjectType(parent) && !isInterfaceType(parent)) throw new CostUnknown(`${parent.name} has no fields`);
    const definition = parent.getFields()[name];
    if (!definition) throw new CostUnknown(`unknown field ${parent.name}.${name}`);
    const named = getNamedType(definition.type);
    if (!node.selectionSet) return 1;
    const inner = selectionSet(node.selectionSet, named);
    const args = () => getArgumentValues(definition, node, variables);
    let items = 1;
    if (named.name.endsWith('Connection')) {
      items = clamp(args().first, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    } else if (parent.name.endsWith('Connection') || parent.name === 'LineageGraph') {
      // nodes, edges: the items that the connection's `first` (the graph's `limit`) counted.
      items = 1;
    } else if (`${parent.name}.${name}` in LIST_BOUNDS) {
      const bound: ListBound = LIST_BOUNDS[`${parent.name}.${name}` as BoundedList];
      const value = bound.arg ? args()[bound.arg] : undefined;
      items = clamp(Array.isArray(value) ? value.length : value, bound.default, bound.max);
    } else if (isListType(getNullableType(definition.type)) && !isLeafType(named)) {
      items = UNDECLARED_LIST_SIZE;
    }
    return 1 + items * inner;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) throw new CostUnknown(`no ${operation.operation} type`);
  return selectionSet(operation.selectionSet, root);
}

/**
 * Options for graphql-js's parser: it stops at `maxTokens` tokens, before building any of the
 * document, and Apollo answers 400 GRAPHQL_PARSE_FAILED ("Document contains more than … tokens").
 */
export function parseOptions(limits: Pick<QueryLimits, 'maxTokens'>): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/** Refuses, before execution, operations whose cost is over `maxCost` or cannot be estimated. */
export function costPlugin(schema: GraphQLSchema, limits: Pick<QueryLimits, 'maxCost'>): ApolloServerPlugin {
  const { maxCost } = limits;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          // Variables that don't fit their types: graphql-js refuses the operation (BAD_USER_INPUT)
          // before any resolver runs, with a message naming the variable.
          if (coerced.errors) return;
          let cost: number;
          try {
            cost = estimateCost(schema, document, operation, coerced.coerced);
          } catch (err) {
            throw refusal(`the query's cost cannot be estimated (${(err as Error).message}), so it is not run`);
          }
          if (!Number.isFinite(cost)) throw refusal(`the query's estimated cost is beyond any limit; at most ${maxCost} is allowed (spread fragments less often, lower \`first\` or select less)`);
          if (cost > maxCost) {
            throw refusal(`the query's estimated cost is ${cost}; at most ${maxCost} is allowed (lower \`first\` or select less)`);
          }
        },
      };
    },
  };
}
