// Lineage walks: one recursive CTE per direction over the two edge kinds, then node rows
// loaded in two batched statements.
import { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import { decodeId, encodeId } from '../../graphql/ids';
import { canSeeProject } from '../auth/principal';
import { KINDS } from '../kinds';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { StepRun } from '../runs/step-run.entity';
import { LineageDirection, LineageEdge, LineageEdgeKind, LineageGraph } from './lineage.types';

type Kind = 'A' | 'S';
interface WalkRow { kind: Kind; id: string; depth: number; src_kind: Kind | null; src_id: string | null; name: string | null }

// Edges leaving a node in each direction. A: artifact version, S: step run.
const DOWNSTREAM_STEP = `
  SELECT 'S'::text AS kind, si.step_run_id AS id, si.name FROM step_input si
   WHERE w.kind = 'A' AND si.project_id = $3 AND si.artifact_version_id = w.id
  UNION ALL
  SELECT 'A'::text, av.id, av.output_name FROM artifact_version av
   WHERE w.kind = 'S' AND av.project_id = $3 AND av.producer_step_id = w.id`;
const UPSTREAM_STEP = `
  SELECT 'S'::text AS kind, av.producer_step_id AS id, av.output_name AS name FROM artifact_version av
   WHERE w.kind = 'A' AND av.project_id = $3 AND av.id = w.id AND av.producer_step_id IS NOT NULL
  UNION ALL
  SELECT 'A'::text, si.artifact_version_id, si.name FROM step_input si
   WHERE w.kind = 'S' AND si.project_id = $3 AND si.step_run_id = w.id`;

/**
 * The walk ($1 kinds and $2 ids of the roots, $3 project, $4 depth, $5 work cap) goes one level past `depth` so we can tell whether depth cut it. UNION (not
 * UNION ALL) drops repeated (node, depth, edge) rows, and the depth bound ends the walk even
 * if bad data held a cycle. The outer LIMIT stops the recursion early on huge graphs.
 */
export function walkSql(upstream: boolean): string {
  const step = upstream ? UPSTREAM_STEP : DOWNSTREAM_STEP;
  return `WITH RECURSIVE walk(kind, id, depth, src_kind, src_id, name) AS (
    SELECT r.kind, r.id, 0, NULL::text, NULL::uuid, NULL::text FROM unnest($1::text[], $2::uuid[]) AS r(kind, id)
    UNION
    SELECT n.kind, n.id, w.depth + 1, w.kind, w.id, n.name FROM walk w CROSS JOIN LATERAL (${step}) n
    WHERE w.depth <= $4
  ) SELECT * FROM walk LIMIT $5`;
}

export const MAX_DEPTH = 50;
export const MAX_LIMIT = 10_000;

export class LineageService {
  constructor(private readonly db: DataSource) {}

  async lineage(ctx: Context, of: string, direction: LineageDirection, depth: number, limit: number): Promise<LineageGraph> {
    if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) throw new BadUserInputError(`depth must be between 1 and ${MAX_DEPTH}, got ${depth}`, 'depth');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new BadUserInputError(`limit must be between 1 and ${MAX_LIMIT}, got ${limit}`, 'limit');
    const { projectId, roots } = await this.roots(ctx, of);
    const rootKinds = roots.map((r) => r.kind);
    const rootIds = roots.map((r) => r.id);
    // Work cap for the recursion: enough rows for `limit` nodes reached over several edges each.
    const cap = Math.max(limit * 20, 20_000);
    const walks: { rows: WalkRow[]; upstream: boolean }[] = [];
    for (const upstream of direction === LineageDirection.BOTH ? [true, false] : [direction === LineageDirection.UPSTREAM]) {
      const rows: WalkRow[] = await this.db.query(walkSql(upstream), [rootKinds, rootIds, projectId, depth, cap]);
      walks.push({ rows, upstream });
    }
    let truncated = walks.some((w) => w.rows.length >= cap);
    const nodeDepth = new Map<string, { kind: Kind; id: string; depth: number }>();
    for (const root of roots) nodeDepth.set(root.id, { ...root, depth: 0 });
    for (const { rows } of walks) {
      for (const r of rows) {
        if (r.depth > depth) continue;
        const seen = nodeDepth.get(r.id);
        if (!seen || seen.depth > r.depth) nodeDepth.set(r.id, { kind: r.kind, id: r.id, depth: r.depth });
      }
    }
    // depth cut the walk when a node one level further exists that is not already in the graph.
    if (walks.some((w) => w.rows.some((r) => r.depth > depth && !nodeDepth.has(r.id)))) truncated = true;
    const ordered = [...nodeDepth.values()].sort((a, b) => a.depth - b.depth || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
    if (ordered.length > limit) truncated = true;
    const kept = ordered.slice(0, limit);
    const keptIds = new Set(kept.map((n) => n.id));
    const edges = new Map<string, LineageEdge>();
    for (const { rows, upstream } of walks) {
      for (const r of rows) {
        if (r.depth > depth || !r.src_id || !keptIds.has(r.id) || !keptIds.has(r.src_id)) continue;
        // Walking downstream we arrive at the edge's target; upstream, at its source.
        const [from, to] = upstream ? [{ kind: r.kind, id: r.id }, { kind: r.src_kind!, id: r.src_id }] : [{ kind: r.src_kind!, id: r.src_id }, { kind: r.kind, id: r.id }];
        const edge = this.edge(from, to, r.name ?? '');
        edges.set(`${edge.source}|${edge.target}|${edge.name}`, edge);
      }
    }
    return {
      roots: roots.map((r) => this.globalId(r.kind, r.id)),
      nodes: await this.loadNodes(ctx, kept),
      edges: [...edges.values()],
      truncated,
    };
  }

  /**
   * A run's own DAG: its steps (oldest first), and what they consumed and produced, up to `limit`
   * nodes. The edges come from one statement that stops after 2 × limit of them; `truncated`
   * says when steps, nodes or edges were cut.
   */
  async dag(ctx: Context, runId: string, limit: number): Promise<LineageGraph> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new BadUserInputError(`limit must be between 1 and ${MAX_LIMIT}, got ${limit}`, 'limit');
    const found = await ctx.loaders.stepsByRunId.load(runId, limit + 1);
    const edgeCap = 2 * limit;
    const rows: { step_id: string; kind: 'I' | 'O'; name: string | null; version_id: string }[] = await this.db.query(
      `SELECT e.step_id, e.kind, e.name, e.version_id FROM (
         SELECT s.created_at, s.id AS step_id, 'I' AS kind, si.name, si.artifact_version_id AS version_id
           FROM step_run s JOIN step_input si ON si.project_id = s.project_id AND si.step_run_id = s.id WHERE s.run_id = $1
         UNION ALL
         SELECT s.created_at, s.id, 'O', av.output_name, av.id
           FROM step_run s JOIN artifact_version av ON av.project_id = s.project_id AND av.producer_step_id = s.id WHERE s.run_id = $1
       ) e ORDER BY e.created_at, e.step_id, e.kind, e.name LIMIT $2`, [runId, edgeCap + 1]);
    let truncated = found.length > limit || rows.length > edgeCap;
    const edgesOf = new Map<string, typeof rows>();
    for (const r of rows.slice(0, edgeCap)) {
      let list = edgesOf.get(r.step_id);
      if (!list) edgesOf.set(r.step_id, (list = []));
      list.push(r);
    }
    // Nodes in walk order (a step, then the versions it touched) until `limit`: a cut DAG stays connected.
    const kept = new Set<string>();
    const steps: StepRun[] = [];
    const versionIds: string[] = [];
    const edges: LineageEdge[] = [];
    for (const step of found.slice(0, limit)) {
      if (kept.size >= limit) break;
      kept.add(step.id);
      steps.push(step);
      for (const r of edgesOf.get(step.id) ?? []) {
        if (!kept.has(r.version_id)) {
          if (kept.size >= limit) {
            truncated = true;
            continue;
          }
          kept.add(r.version_id);
          versionIds.push(r.version_id);
        }
        edges.push(r.kind === 'I'
          ? this.edge({ kind: 'A', id: r.version_id }, { kind: 'S', id: r.step_id }, r.name ?? '')
          : this.edge({ kind: 'S', id: r.step_id }, { kind: 'A', id: r.version_id }, r.name ?? ''));
      }
    }
    if (steps.length < Math.min(found.length, limit)) truncated = true;
    const versions = await ctx.loaders.artifactVersionById.loadMany(versionIds);
    return {
      roots: steps.map((s) => this.globalId('S', s.id)),
      nodes: [...steps, ...(versions.filter((v) => v && !(v instanceof Error)) as ArtifactVersion[])],
      edges,
      truncated,
    };
  }

  private edge(from: { kind: Kind; id: string }, to: { kind: Kind; id: string }, name: string): LineageEdge {
    return Object.assign(new LineageEdge(), {
      source: this.globalId(from.kind, from.id),
      target: this.globalId(to.kind, to.id),
      kind: from.kind === 'A' ? LineageEdgeKind.INPUT : LineageEdgeKind.OUTPUT,
      name,
    });
  }

  private globalId(kind: Kind, id: string): string {
    return encodeId(kind === 'A' ? 'ArtifactVersion' : 'StepRun', id);
  }

  private async loadNodes(ctx: Context, nodes: { kind: Kind; id: string }[]): Promise<(ArtifactVersion | StepRun)[]> {
    const versions = await ctx.loaders.artifactVersionById.loadMany(nodes.filter((n) => n.kind === 'A').map((n) => n.id));
    const steps = await ctx.loaders.stepById.loadMany(nodes.filter((n) => n.kind === 'S').map((n) => n.id));
    const byId = new Map<string, ArtifactVersion | StepRun>();
    for (const v of [...versions, ...steps]) if (v && !(v instanceof Error)) byId.set(v.id, v);
    return nodes.map((n) => byId.get(n.id)).filter((n): n is ArtifactVersion | StepRun => n !== undefined);
  }

  /** The walk's starting nodes: a run starts from its steps, a model version from its linked artifact versions. */
  private async roots(ctx: Context, of: string): Promise<{ projectId: string; roots: { kind: Kind; id: string }[] }> {
    const { type, id } = decodeId(['ArtifactVersion', 'StepRun', 'PipelineRun', 'ModelVersion'], of, 'of');
    const [row] = await this.db.query(`SELECT project_id FROM ${KINDS[type].table} WHERE id = $1`, [id]);
    if (!row || !canSeeProject(ctx.principal, row.project_id)) throw new NotFoundError(`"${of}" not found`);
    const projectId: string = row.project_id;
    switch (type) {
      case 'ArtifactVersion':
        return { projectId, roots: [{ kind: 'A', id }] };
      case 'StepRun':
        return { projectId, roots: [{ kind: 'S', id }] };
      case 'PipelineRun': {
        const steps: { id: string }[] = await this.db.query('SELECT id FROM step_run WHERE project_id = $1 AND run_id = $2 ORDER BY created_at, id', [projectId, id]);
        return { projectId, roots: steps.map((s) => ({ kind: 'S' as Kind, id: s.id })) };
      }
      case 'ModelVersion': {
        const links: { id: string }[] = await this.db.query(
          'SELECT DISTINCT artifact_version_id AS id FROM model_artifact_link WHERE project_id = $1 AND model_version_id = $2 ORDER BY 1', [projectId, id]);
        return { projectId, roots: links.map((l) => ({ kind: 'A' as Kind, id: l.id })) };
      }
    }
  }
}
