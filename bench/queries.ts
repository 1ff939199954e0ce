// The representative GraphQL queries and, for each, hand-written SQL returning the same JSON
// (one statement, json_agg per level, global ids computed in SQL).

/** The global id of a row, as src/graphql/ids.ts encodes it: base64url("<Type>:<uuid>"). */
const gid = (type: string, column: string) => `translate(encode(convert_to('${type}:' || ${column}::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

// The tags by their ids' index (a plain join lets the planner scan the small tag table once per row).
const tagsOf = (column: string) => `(SELECT coalesce(json_agg(json_build_object('name', tg.name) ORDER BY tg.name), '[]')
  FROM tag tg WHERE tg.id = ANY(ARRAY(SELECT ta.tag_id FROM tag_assignment ta WHERE ta.resource_id = ${column})))`;

export interface BenchQuery {
  name: string;
  graphql: string;
  /** SQL with $n parameters returning one row with column `data` equal to the GraphQL data. */
  sql: string;
}

export const CATALOG_LIST: BenchQuery = {
  name: 'projects>pipelines>latestRun>steps>outputs>artifact>tags',
  graphql: `query Catalog($prefix: StringPredicate!) {
  projects(first: 2, filter: {name: $prefix}) { nodes { id name
    pipelines(first: 20) { nodes { id name
      latestRun { id name status
        steps { id name status
          outputs { name artifactVersion { id version type uri artifact { id name tags { name } } } } } } } } } } }`,
  sql: `SELECT json_build_object('projects', json_build_object('nodes', coalesce(json_agg(json_build_object(
  'id', ${gid('Project', 'p.id')}, 'name', p.name,
  'pipelines', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object('id', ${gid('Pipeline', 'pl.id')}, 'name', pl.name,
      'latestRun', (
        SELECT json_build_object('id', ${gid('PipelineRun', 'r.id')}, 'name', r.name, 'status', r.status,
          'steps', (
            SELECT coalesce(json_agg(json_build_object('id', ${gid('StepRun', 's.id')}, 'name', s.name, 'status', s.status,
              'outputs', (
                SELECT coalesce(json_agg(json_build_object('name', av.output_name, 'artifactVersion', json_build_object(
                  'id', ${gid('ArtifactVersion', 'av.id')}, 'version', av.version, 'type', av.type, 'uri', av.uri,
                  'artifact', json_build_object('id', ${gid('Artifact', 'a.id')}, 'name', a.name, 'tags', ${tagsOf('a.id')})))
                  ORDER BY av.output_name), '[]')
                FROM artifact_version av JOIN artifact a ON a.project_id = av.project_id AND a.id = av.artifact_id
                WHERE av.project_id = s.project_id AND av.producer_step_id = s.id))
              ORDER BY s.created_at, s.id), '[]')
            FROM step_run s WHERE s.project_id = r.project_id AND s.run_id = r.id))
        FROM pipeline_run r WHERE r.project_id = pl.project_id AND r.pipeline_id = pl.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1))
      ORDER BY pl.created_at DESC, pl.id DESC), '[]')
    FROM (SELECT * FROM pipeline WHERE project_id = p.id ORDER BY created_at DESC, id DESC LIMIT 20) pl)))
  ORDER BY p.created_at DESC, p.id DESC), '[]'))) AS data
FROM (SELECT * FROM project WHERE name LIKE $1 ORDER BY created_at DESC, id DESC LIMIT 2) p`,
};

/** The issue's 3-level list: project → 20 pipelines with totalCount → 10 runs each → their tags. */
export const THREE_LEVEL: BenchQuery = {
  name: 'project>pipelines(20,totalCount)>runs(10)>tags',
  graphql: `query ThreeLevel($project: String!) {
  project(name: $project) { id name
    pipelines(first: 20) { totalCount nodes { id name
      runs(first: 10) { nodes { id name status tags { name } } } } } } }`,
  sql: `SELECT json_build_object('project', (SELECT json_build_object('id', ${gid('Project', 'p.id')}, 'name', p.name,
  'pipelines', json_build_object('totalCount', (SELECT count(*)::int FROM pipeline WHERE project_id = p.id), 'nodes', (
    SELECT coalesce(json_agg(json_build_object('id', ${gid('Pipeline', 'pl.id')}, 'name', pl.name, 'runs', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object('id', ${gid('PipelineRun', 'r.id')}, 'name', r.name, 'status', r.status, 'tags', ${tagsOf('r.id')})
        ORDER BY r.created_at DESC, r.id DESC), '[]')
      FROM (SELECT * FROM pipeline_run WHERE pipeline_id = pl.id ORDER BY created_at DESC, id DESC LIMIT 10) r)))
      ORDER BY pl.created_at DESC, pl.id DESC), '[]')
    FROM (SELECT * FROM pipeline WHERE project_id = p.id ORDER BY created_at DESC, id DESC LIMIT 20) pl)))
  FROM project p WHERE p.name = $1)) AS data`,
};

export const MODEL_VERSIONS: BenchQuery = {
  name: 'model>versions>artifacts>producedBy>run>pipeline',
  graphql: `query ModelVersions($project: String!, $model: String!) {
  model(project: $project, name: $model) { id name
    versions(first: 20) { nodes { id number name stage
      artifacts { name kind artifactVersion { id version
        producedBy { id name run { id name status pipeline { id name } } } } } } } } }`,
  sql: `SELECT json_build_object('model', (
  SELECT json_build_object('id', ${gid('Model', 'm.id')}, 'name', m.name, 'versions', json_build_object('nodes', (
    SELECT coalesce(json_agg(json_build_object('id', ${gid('ModelVersion', 'v.id')}, 'number', v.number, 'name', v.name, 'stage', v.stage,
      'artifacts', (
        SELECT coalesce(json_agg(json_build_object('name', l.name, 'kind', l.kind, 'artifactVersion', json_build_object(
          'id', ${gid('ArtifactVersion', 'av.id')}, 'version', av.version,
          'producedBy', CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('id', ${gid('StepRun', 's.id')}, 'name', s.name,
            'run', json_build_object('id', ${gid('PipelineRun', 'r.id')}, 'name', r.name, 'status', r.status,
              'pipeline', json_build_object('id', ${gid('Pipeline', 'pl.id')}, 'name', pl.name))) END))
          ORDER BY l.name), '[]')
        FROM model_artifact_link l
        JOIN artifact_version av ON av.project_id = l.project_id AND av.id = l.artifact_version_id
        LEFT JOIN step_run s ON s.project_id = av.project_id AND s.id = av.producer_step_id
        LEFT JOIN pipeline_run r ON r.project_id = s.project_id AND r.id = s.run_id
        LEFT JOIN pipeline pl ON pl.project_id = r.project_id AND pl.id = r.pipeline_id
        WHERE l.project_id = v.project_id AND l.model_version_id = v.id))
      ORDER BY v.created_at DESC, v.id DESC), '[]')
    FROM (SELECT * FROM model_version WHERE project_id = m.project_id AND model_id = m.id ORDER BY created_at DESC, id DESC LIMIT 20) v)))
  FROM model m JOIN project p ON p.id = m.project_id WHERE p.name = $1 AND m.name = $2)) AS data`,
};

/** A StringPredicate ("startswith:x", "contains:x", "x") as SQL on tg.name, the way src/db/sql.ts writes it. */
export function predicateSql(predicate: string, param: string): { sql: string; value: string } {
  const escape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);
  const [op, ...rest] = predicate.split(':');
  const value = rest.join(':');
  if (op === 'startswith') return { sql: `tg.name LIKE ${param}`, value: `${escape(value)}%` };
  if (op === 'contains') return { sql: `tg.name LIKE ${param}`, value: `%${escape(value)}%` };
  return { sql: `tg.name = ${param}`, value: predicate.startsWith('equals:') ? value : predicate };
}

/** ListFilter.tags: every entry must be matched by some tag of the version. Parameters from $2. */
export function tagConditions(tags: string[], alias = 't'): { sql: string; values: string[] } {
  const parts = tags.map((t, i) => predicateSql(t, `$${i + 2}`));
  return {
    sql: parts.map((p) => `EXISTS (SELECT 1 FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
      WHERE ta.project_id = ${alias}.project_id AND ta.resource_id = ${alias}.id AND ta.resource_type = 'ARTIFACT_VERSION' AND ${p.sql})`).join(' AND '),
    values: parts.map((p) => p.value),
  };
}

export function taggedVersions(tags: string[], withCount = false): BenchQuery {
  const cond = tagConditions(tags);
  return {
    name: `project.artifactVersions(tags:${JSON.stringify(tags)})${withCount ? '+totalCount' : ''}`,
    graphql: `query Tagged($project: String!, $tags: [StringPredicate!]) {
  project(name: $project) { artifactVersions(first: 20, filter: {tags: $tags}) { ${withCount ? 'totalCount ' : ''}nodes { id version artifact { name } tags { name } } } } }`,
    sql: `SELECT json_build_object('project', json_build_object('artifactVersions', json_build_object(${withCount ? `'totalCount', (
  SELECT count(*)::int FROM artifact_version t WHERE t.project_id = p.id AND ${cond.sql}), ` : ''}'nodes', (
  SELECT coalesce(json_agg(json_build_object('id', ${gid('ArtifactVersion', 'av.id')}, 'version', av.version,
    'artifact', json_build_object('name', a.name), 'tags', ${tagsOf('av.id')}) ORDER BY av.created_at DESC, av.id DESC), '[]')
  FROM (SELECT * FROM artifact_version t WHERE t.project_id = p.id AND ${cond.sql} ORDER BY t.created_at DESC, t.id DESC LIMIT 20) av
  JOIN artifact a ON a.project_id = av.project_id AND a.id = av.artifact_id)))) AS data
FROM project p WHERE p.name = $1`,
  };
}

const NODE_FIELDS: Record<string, { table: string; fields: [string, string][] }> = {
  Project: { table: 'project', fields: [['name', 'name']] },
  Pipeline: { table: 'pipeline', fields: [['name', 'name']] },
  PipelineRun: { table: 'pipeline_run', fields: [['name', 'name'], ['status', 'status']] },
  StepRun: { table: 'step_run', fields: [['name', 'name'], ['status', 'status']] },
  Artifact: { table: 'artifact', fields: [['name', 'name']] },
  ArtifactVersion: { table: 'artifact_version', fields: [['version', 'version'], ['type', 'type']] },
  Model: { table: 'model', fields: [['name', 'name']] },
  ModelVersion: { table: 'model_version', fields: [['number', 'number'], ['stage', 'stage']] },
  Tag: { table: 'tag', fields: [['name', 'name']] },
};
export const NODE_TYPES = Object.keys(NODE_FIELDS);
export const NODE_TABLES = Object.fromEntries(Object.entries(NODE_FIELDS).map(([t, f]) => [t, f.table]));

export const NODES: BenchQuery = {
  name: 'nodes(ids: 27 ids of 9 types)',
  graphql: `query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ${Object.entries(NODE_FIELDS).map(([type, f]) => `... on ${type} { ${f.fields.map(([g]) => g).join(' ')} }`).join('\n  ')} } }`,
  // $1: type names, $2: uuids, in the order of the ids.
  sql: `SELECT json_build_object('nodes', json_agg(x.obj ORDER BY k.ord)) AS data
FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS k(typ, id, ord)
LEFT JOIN LATERAL (
  ${Object.entries(NODE_FIELDS).map(([type, f]) => `SELECT json_build_object('__typename', '${type}', 'id', ${gid(type, 'id')}, ${f.fields.map(([g, c]) => `'${g}', ${c}`).join(', ')}) AS obj
    FROM ${f.table} WHERE k.typ = '${type}' AND id = k.id`).join('\n  UNION ALL ')}
) x ON true`,
};

export const LINEAGE_GRAPHQL = `query Lineage($of: ID!, $direction: LineageDirection!, $depth: Int!) {
  lineage(of: $of, direction: $direction, depth: $depth, limit: 1000) { truncated roots
    nodes { __typename ... on ArtifactVersion { id version } ... on StepRun { id name } }
    edges { source target kind name } } }`;

// The raw-SQL side of the lineage comparison runs the server's own walk statement.
export { walkSql } from '../src/domain/lineage/lineage.service';
