// How many items each list field of the schema may return: the one place that resolvers (the
// `first` argument), loaders (LIMIT) and the cost estimate (the multiplier) read it from.
import { ArgOptions } from 'type-graphql';
import { BadUserInputError } from './errors';

export interface ListBound {
  /** The argument that sets the size (a list argument: its length); none for lists bounded by the schema itself. */
  arg?: 'first' | 'limit' | 'ids';
  default: number;
  max: number;
}

/**
 * Plain lists that grow with data keep the contract's shape and take `first`: a default that
 * covers what clients usually hold, and a hard maximum. Lists that sit inside other lists
 * (a step's inputs, any entity's tags) default lower, so that the client's own nested queries
 * (a run with its steps, their inputs and outputs, and their tags) fit the default cost limit.
 */
const FIRST: ListBound = { arg: 'first', default: 100, max: 1000 };
const NESTED: ListBound = { arg: 'first', default: 50, max: 1000 };
const TAGS: ListBound = { arg: 'first', default: 20, max: 200 };

export const LIST_BOUNDS = {
  'Artifact.tags': TAGS,
  'ArtifactVersion.tags': TAGS,
  'ArtifactVersion.consumedBy': FIRST,
  'ArtifactVersion.modelVersions': FIRST,
  'Model.tags': TAGS,
  'Model.pipelines': FIRST,
  'ModelVersion.tags': TAGS,
  'ModelVersion.artifacts': FIRST,
  'ModelVersion.runs': FIRST,
  'ModelVersion.stageHistory': FIRST,
  'Pipeline.tags': TAGS,
  'PipelineRun.tags': TAGS,
  'PipelineRun.steps': FIRST,
  'PipelineRun.producedArtifactVersions': FIRST,
  'StepRun.inputs': NESTED,
  'StepRun.outputs': NESTED,
  'StackComponent.stacks': FIRST,
  'Query.apiKeys': FIRST,
  // Reached through the interface, the implementing type's default applies.
  'Taggable.tags': { default: 20, max: 20 },
  'Query.lineage': { arg: 'limit', default: 1000, max: 10_000 },
  'PipelineRun.dag': { arg: 'limit', default: 1000, max: 10_000 },
  'Query.nodes': { arg: 'ids', default: 100, max: 100 },
  // One component per component type.
  'Stack.components': { default: 12, max: 12 },
  // What one ingested event named (MAX_DATASETS inputs and outputs per event).
  'OpenLineageIngestResult.inputs': { default: 1000, max: 1000 },
  'OpenLineageIngestResult.outputs': { default: 1000, max: 1000 },
  // createWebhook refuses more than MAX_WEBHOOKS.
  'Query.webhooks': { default: 100, max: 100 },
  // At most one version holds a stage; a promotion demotes it.
  'PromoteModelVersionPayload.demoted': { default: 1, max: 1 },
} satisfies Record<string, ListBound>;

export type BoundedList = keyof typeof LIST_BOUNDS;

/**
 * A list of objects missing above (a test lists them) is priced as this many items rather than
 * refused: the largest maximum any list here allows.
 */
export const UNDECLARED_LIST_SIZE = 1000;

/** `first` of a bounded list: its documented default, or a BAD_USER_INPUT beyond the maximum. */
export function listLimit(field: BoundedList, value: number | null | undefined): number {
  const bound: ListBound = LIST_BOUNDS[field];
  const n = value ?? bound.default;
  const arg = bound.arg ?? 'first';
  if (!Number.isInteger(n) || n < 0 || n > bound.max) throw new BadUserInputError(`${arg} must be between 0 and ${bound.max}, got ${n}`, arg);
  return n;
}

/** Options of the `first` argument of a bounded list: its default and the maximum, in the schema. */
export function firstArg(field: BoundedList): ArgOptions {
  const bound: ListBound = LIST_BOUNDS[field];
  return { defaultValue: bound.default, description: `At most this many items (default ${bound.default}, at most ${bound.max}).` };
}
