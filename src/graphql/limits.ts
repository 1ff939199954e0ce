// Query limits checked before any resolver runs: depth, aliases and root fields as validation
// rules (cached with the document), cost per request (it depends on `first` in variables).
import {
  ASTVisitor, FieldNode, FragmentDefinitionNode, getNamedType, GraphQLNonNull, GraphQLSchema, isListType, Kind,
  SelectionSetNode, ValidationContext, ValidationRule,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { BadUserInputError } from './errors';
import { DEFAULT_PAGE_SIZE } from './pagination';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
}

/** A plain list field without `first` (tags, steps, …): assumed to hold this many items. */
export const ASSUMED_LIST_SIZE = 5;

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!selectionSet) return 0;
  let max = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      // Introspection (__schema, __type) is bounded by the schema itself; tools such as GraphiQL
      // send it 15 levels deep, and it must keep working under the default depth limit.
      if (selection.name.value === '__schema' || selection.name.value === '__type') continue;
      max = Math.max(max, selection.selectionSet ? 1 + depthOf(selection.selectionSet, fragments, seen) : 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const fragment = fragments.get(selection.name.value);
      // A fragment cycle is reported by graphql-js's own rules; don't loop on it here.
      if (fragment && !seen.has(fragment.name.value)) {
        max = Math.max(max, depthOf(fragment.selectionSet, fragments, new Set([...seen, fragment.name.value])));
      }
    }
  }
  return max;
}

function rootFieldCount(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  let n = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) n++;
    else if (selection.kind === Kind.INLINE_FRAGMENT) n += rootFieldCount(selection.selectionSet, fragments, seen);
    else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) n += rootFieldCount(fragment.selectionSet, fragments, new Set([...seen, fragment.name.value]));
    }
  }
  return n;
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  const rule = (context: ValidationContext): ASTVisitor => {
    const document = context.getDocument();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
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
        const depth = depthOf(node.selectionSet, fragments, new Set());
        if (depth > limits.maxDepth) context.reportError(new BadUserInputError(`the query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`));
        const roots = rootFieldCount(node.selectionSet, fragments);
        if (roots > limits.maxRootFields) context.reportError(new BadUserInputError(`the query asks for ${roots} root fields; at most ${limits.maxRootFields} are allowed`));
      },
    };
  };
  return [rule];
}

/** Connections cost `first` × their children; plain lists an assumed size × their children. */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  // Introspection is bounded by the schema's size, not by data: it costs nothing here.
  if (field.name === '__schema' || field.name === '__type') return 0;
  const named = getNamedType(field.type);
  if (named.name.endsWith('Connection')) {
    const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + Math.max(first, 1) * childComplexity;
  }
  // A connection's `nodes` and `edges` hold the `first` items its own cost already counted.
  if (type.name.endsWith('Connection')) return 1 + childComplexity;
  const inner = field.type instanceof GraphQLNonNull ? field.type.ofType : field.type;
  if (isListType(inner)) return 1 + ASSUMED_LIST_SIZE * childComplexity;
  return 1 + childComplexity;
};

export function costPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          let cost: number;
          try {
            cost = getComplexity({ schema, query: document, variables: request.variables, operationName: request.operationName, estimators: [estimator] });
          } catch {
            // Variables that don't fit their types: execution refuses them with BAD_USER_INPUT before any resolver runs.
            return;
          }
          if (cost > maxCost) {
            const error = new BadUserInputError(`the query's estimated cost is ${cost}; at most ${maxCost} is allowed (lower \`first\` or select less)`);
            // Refused before execution, like a validation error: a 400, not Apollo's default 500.
            error.extensions.http = { status: 400 };
            throw error;
          }
        },
      };
    },
  };
}
