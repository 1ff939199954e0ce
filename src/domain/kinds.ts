// The kinds of node in the graph, declared once: GraphQL type ↔ table ↔ global-id prefix ↔
// project column ↔ parent ↔ tag scope. Global ids, node(id), the by-id loaders, tag and
// metadata targets and the operation compiler all derive from this table.

/** tag_assignment.resource_type of a taggable kind. */
export type ResourceType = 'PIPELINE' | 'PIPELINE_RUN' | 'ARTIFACT' | 'ARTIFACT_VERSION' | 'MODEL' | 'MODEL_VERSION';

export interface Kind {
  /** The table holding its rows (primary key `id`, a uuid). */
  table: string;
  /** The type name inside its global id: base64url("<idPrefix>:<uuid>"); equals the GraphQL type. */
  idPrefix: string;
  /** The column holding the row's project id (`id` for projects); null for server-wide kinds. */
  project: string | null;
  /** The row this one belongs to (a run to its pipeline, a version to its artifact, …). */
  parent: { kind: string; column: string } | null;
  /** Taggable kinds: the resource type in tag_assignment and the column whose value scopes exclusive tags. */
  tags: { resourceType: ResourceType; scope: string } | null;
  /** Whether logMetadata may merge keys into its `metadata` column. */
  metadata: boolean;
  /** Soft-deletable: rows carry deleted_at and deletion_id; a delete also marks its deletable children. */
  deletable: boolean;
}

export const KINDS = {
  Project: { table: 'project', idPrefix: 'Project', project: 'id', parent: null, tags: null, metadata: false, deletable: false },
  Pipeline: {
    table: 'pipeline', idPrefix: 'Pipeline', project: 'project_id', parent: { kind: 'Project', column: 'project_id' },
    tags: { resourceType: 'PIPELINE', scope: 'project_id' }, metadata: false, deletable: true,
  },
  PipelineRun: {
    table: 'pipeline_run', idPrefix: 'PipelineRun', project: 'project_id', parent: { kind: 'Pipeline', column: 'pipeline_id' },
    tags: { resourceType: 'PIPELINE_RUN', scope: 'pipeline_id' }, metadata: true, deletable: true,
  },
  StepRun: {
    table: 'step_run', idPrefix: 'StepRun', project: 'project_id', parent: { kind: 'PipelineRun', column: 'run_id' },
    tags: null, metadata: true, deletable: false,
  },
  Artifact: {
    table: 'artifact', idPrefix: 'Artifact', project: 'project_id', parent: { kind: 'Project', column: 'project_id' },
    tags: { resourceType: 'ARTIFACT', scope: 'project_id' }, metadata: false, deletable: true,
  },
  ArtifactVersion: {
    table: 'artifact_version', idPrefix: 'ArtifactVersion', project: 'project_id', parent: { kind: 'Artifact', column: 'artifact_id' },
    tags: { resourceType: 'ARTIFACT_VERSION', scope: 'artifact_id' }, metadata: true, deletable: true,
  },
  Model: {
    table: 'model', idPrefix: 'Model', project: 'project_id', parent: { kind: 'Project', column: 'project_id' },
    tags: { resourceType: 'MODEL', scope: 'project_id' }, metadata: false, deletable: true,
  },
  ModelVersion: {
    table: 'model_version', idPrefix: 'ModelVersion', project: 'project_id', parent: { kind: 'Model', column: 'model_id' },
    tags: { resourceType: 'MODEL_VERSION', scope: 'model_id' }, metadata: true, deletable: true,
  },
  Tag: {
    table: 'tag', idPrefix: 'Tag', project: 'project_id', parent: { kind: 'Project', column: 'project_id' }, tags: null, metadata: false, deletable: false,
  },
  ApiKey: { table: 'api_key', idPrefix: 'ApiKey', project: null, parent: null, tags: null, metadata: false, deletable: false },
  Stack: { table: 'stack', idPrefix: 'Stack', project: null, parent: null, tags: null, metadata: false, deletable: false },
  StackComponent: { table: 'stack_component', idPrefix: 'StackComponent', project: null, parent: null, tags: null, metadata: false, deletable: false },
  Event: { table: 'event', idPrefix: 'Event', project: 'project_id', parent: null, tags: null, metadata: false, deletable: false },
  Webhook: { table: 'webhook', idPrefix: 'Webhook', project: null, parent: null, tags: null, metadata: false, deletable: false },
} as const satisfies Record<string, Kind>;

export type KindName = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

export function kindOf(name: KindName): Kind {
  return KINDS[name];
}

export const TAGGABLE_KINDS = KIND_NAMES.filter((k) => kindOf(k).tags !== null);
export const METADATA_KINDS = KIND_NAMES.filter((k) => kindOf(k).metadata);
export const DELETABLE_KINDS = KIND_NAMES.filter((k) => kindOf(k).deletable);

/** What a delete of `kind` marks along with it: its deletable children (a pipeline's runs, …). */
export function ownedKinds(kind: KindName): KindName[] {
  return DELETABLE_KINDS.filter((k) => kindOf(k).parent?.kind === kind);
}

/** Which rows of a deletable kind a read shows: live ones (lists, lookups by name), all (node(id), lineage), or the trash. */
export type DeletedMode = 'EXCLUDE' | 'INCLUDE' | 'ONLY';

export function deletedConditions(kind: KindName, alias: string, mode: DeletedMode): string[] {
  if (!kindOf(kind).deletable || mode === 'INCLUDE') return [];
  return [mode === 'ONLY' ? `${alias}.deleted_at IS NOT NULL` : `${alias}.deleted_at IS NULL`];
}

/** The kind whose rows carry this tag_assignment.resource_type. */
export function kindOfResourceType(type: ResourceType): KindName {
  return TAGGABLE_KINDS.find((k) => kindOf(k).tags!.resourceType === type)!;
}

/**
 * Every condition that decides whether a row of `kind` (under `alias`) exists for the caller:
 * the caller's project scope, given as the SQL of a uuid[] bind parameter (null: the caller
 * sees every project), and deletion: lists, counts and lookups by name show live rows
 * (EXCLUDE, or the list filter's `deleted`); node(id) and lineage pass INCLUDE.
 * Lists, counts, name lookups and node(id) on the compiled path all take their visibility
 * from here, so a new rule goes in this one place.
 */
export function visibleConditions(kind: KindName, alias: string, projectIdsParam: string | null, deleted: DeletedMode = 'EXCLUDE'): string[] {
  const conds: string[] = deletedConditions(kind, alias, deleted);
  const column = kindOf(kind).project;
  if (column && projectIdsParam) conds.push(`${alias}.${column} = ANY(${projectIdsParam}::uuid[])`);
  return conds;
}
