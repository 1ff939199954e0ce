// Lineage graphs as the console draws them: readable labels instead of ids, and the ends where a
// walk cut by depth or limit may go on.
import type { GraphFieldsFragment, LineageDirection } from '../generated/graphql';
import { duration } from './time';

export type GNode = {
  id: string;
  kind: 'artifact' | 'step';
  /** The whole readable name: artifact:version or pipeline/run/step. */
  label: string;
  /** Drawn as short lines: artifact:version over its type; the step over its pipeline and run. */
  title: string;
  lines: string[];
  status?: string;
  /** Where "open" goes: the artifact's name or the run's name. */
  artifact?: string;
  run?: string;
  startedAt?: string | null;
  endedAt?: string | null;
};

export interface GEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

export interface Graph {
  nodes: Map<string, GNode>;
  edges: Map<string, GEdge>;
  roots: Set<string>;
  ends: Set<string>;
}

export const emptyGraph = (): Graph => ({ nodes: new Map(), edges: new Map(), roots: new Set(), ends: new Set() });

type FragNode = GraphFieldsFragment['nodes'][number];

export function toNode(n: FragNode): GNode {
  if (n.__typename === 'ArtifactVersion') {
    const label = `${n.artifact.name}:${n.version}`;
    return { id: n.id, kind: 'artifact', label, title: label, lines: [`artifact · ${n.type.toLowerCase()}`], artifact: n.artifact.name };
  }
  return {
    id: n.id, kind: 'step', label: `${n.run.pipeline.name}/${n.run.name}/${n.name}`, title: n.name,
    lines: [`${n.run.pipeline.name}/`, `${n.run.name}/`, `${n.status.toLowerCase()} · ${duration(n.startedAt, n.endedAt)}`],
    status: n.status, run: n.run.name, startedAt: n.startedAt, endedAt: n.endedAt,
  };
}

/**
 * The nodes farthest from the roots of a truncated walk: the API says only that the walk was cut,
 * not where, so these are the places where more may follow.
 */
function farthest(g: GraphFieldsFragment, direction: LineageDirection): string[] {
  const next = new Map<string, string[]>();
  const link = (a: string, b: string) => (next.get(a) ?? next.set(a, []).get(a)!).push(b);
  for (const e of g.edges) {
    if (direction !== 'UPSTREAM') link(e.source, e.target);
    if (direction !== 'DOWNSTREAM') link(e.target, e.source);
  }
  const dist = new Map<string, number>(g.roots.map((r) => [r, 0]));
  const queue = [...g.roots];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const n of next.get(at) ?? []) {
      if (dist.has(n)) continue;
      dist.set(n, dist.get(at)! + 1);
      queue.push(n);
    }
  }
  const max = Math.max(0, ...dist.values());
  return [...dist].filter(([, d]) => d === max).map(([id]) => id);
}

/** Adds a walk's result to the graph; `expanded` nodes are never ends again. */
export function merge(into: Graph, g: GraphFieldsFragment, direction: LineageDirection, expanded: Set<string>) {
  for (const n of g.nodes) if (!into.nodes.has(n.id)) into.nodes.set(n.id, toNode(n));
  for (const e of g.edges) {
    const id = `${e.source}>${e.target}>${e.kind}>${e.name}`;
    if (!into.edges.has(id)) into.edges.set(id, { id, source: e.source, target: e.target, label: e.name });
  }
  if (g.truncated) for (const id of farthest(g, direction)) into.ends.add(id);
  for (const id of expanded) into.ends.delete(id);
}
