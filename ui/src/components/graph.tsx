// The graph view of lineage and run DAGs: React Flow, laid out left to right in layers by dagre.
import { memo, useEffect, useMemo, useState } from 'react';
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, useNodesState, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { computeLayout, type LayoutInput, type Positions } from './layout';
import '@xyflow/react/dist/style.css';
import type { Graph, GNode } from './graph-model';

type FlowData = GNode & { root: boolean; end: boolean; onExpand?: (id: string) => void };
type FlowNode = Node<FlowData, 'lineage'>;

const NODE_HEIGHT = 86;
const widthOf = (n: GNode) => Math.min(300, Math.max(130, n.title.length * 8.6 + 30, ...n.lines.map((l) => l.length * 7.2 + 30)));

const LineageNode = memo(function LineageNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className={`gnode ${data.kind}${data.root ? ' root' : ''}${data.end ? ' end' : ''}${data.status ? ` status-${data.status.toLowerCase()}` : ''}`} data-node-label={data.label}>
      <Handle type="target" position={Position.Left} />
      <div className="glabel" title={data.label}>{data.title}</div>
      {data.lines.map((l, i) => <div className="gsub" key={i}>{l}</div>)}
      {data.end && data.onExpand ? (
        <button type="button" className="expand nodrag" aria-label={`Expand the neighbours of ${data.label}`} title="More may follow: expand"
          onClick={(e) => { e.stopPropagation(); data.onExpand!(data.id); }}>+</button>
      ) : null}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const nodeTypes = { lineage: LineageNode };

const widthIn = (graph: Graph, n: GNode) => widthOf(n) + (graph.ends.has(n.id) ? 28 : 0);

function layoutInput(graph: Graph): LayoutInput {
  return {
    nodes: [...graph.nodes.values()].map((n) => ({ id: n.id, width: widthIn(graph, n), height: NODE_HEIGHT })),
    edges: [...graph.edges.values()].filter((e) => graph.nodes.has(e.source) && graph.nodes.has(e.target)),
  };
}

// Above this many nodes the layout runs in a worker: dagre takes long enough to be felt.
const WORKER_ABOVE = 120;
let worker: Worker | undefined;
let nextRequest = 0;

function layoutInWorker(input: LayoutInput): Promise<Positions> {
  worker ??= new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  const id = ++nextRequest;
  return new Promise((resolve, reject) => {
    const w = worker!;
    const onMessage = (e: MessageEvent<{ id: number; positions: Positions }>) => {
      if (e.data.id !== id) return;
      w.removeEventListener('message', onMessage);
      resolve(e.data.positions);
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', reject, { once: true });
    w.postMessage({ id, input });
  });
}

/**
 * Positions for the graph: computed at once for small graphs, in a worker for large ones. Until a
 * worker answers, the last graph laid out stays on screen (null before the first).
 */
function useLayout(graph: Graph): { graph: Graph; positions: Positions } | null {
  const small = graph.nodes.size <= WORKER_ABOVE;
  const sync = useMemo(() => (small ? { graph, positions: computeLayout(layoutInput(graph)) } : null), [graph, small]);
  const [async, setAsync] = useState<{ graph: Graph; positions: Positions } | null>(null);
  useEffect(() => {
    if (small) return;
    let current = true;
    layoutInWorker(layoutInput(graph)).then(
      (positions) => { if (current) setAsync({ graph, positions }); },
      // No worker (a blocked script): lay out here after all.
      () => { if (current) setAsync({ graph, positions: computeLayout(layoutInput(graph)) }); },
    );
    return () => { current = false; };
  }, [graph, small]);
  return sync ?? async;
}

export default function GraphView({ graph, onSelect, onOpen, onExpand, label }: {
  graph: Graph; label: string;
  onSelect?(id: string | null): void; onOpen?(id: string): void; onExpand?(id: string): void;
}) {
  const layout = useLayout(graph);
  const laidOut = useMemo(() => {
    if (!layout) return { nodes: [] as FlowNode[], edges: [] as Edge[] };
    const { graph, positions } = layout;
    const nodes: FlowNode[] = [...graph.nodes.values()].map((n) => ({
      id: n.id,
      type: 'lineage',
      position: positions[n.id],
      data: { ...n, root: graph.roots.has(n.id), end: graph.ends.has(n.id), onExpand },
      width: widthIn(graph, n),
      height: NODE_HEIGHT,
      ariaLabel: `${n.kind === 'artifact' ? 'Artifact version' : 'Step run'} ${n.label}`,
    }));
    const edges: Edge[] = [...graph.edges.values()]
      .filter((e) => graph.nodes.has(e.source) && graph.nodes.has(e.target))
      .map((e) => ({ id: e.id, source: e.source, target: e.target, markerEnd: { type: MarkerType.ArrowClosed }, ariaLabel: `${graph.nodes.get(e.source)!.label} to ${graph.nodes.get(e.target)!.label}` }));
    return { nodes, edges };
  }, [layout, onExpand]);
  if (!layout) {
    return <div className="graph pending" role="status" aria-label={label}>Laying out {graph.nodes.size} nodes…</div>;
  }
  return <Flow graph={layout.graph} laidOut={laidOut} label={label} onSelect={onSelect} onOpen={onOpen} />;
}

function Flow({ graph, laidOut, label, onSelect, onOpen }: {
  graph: Graph; laidOut: { nodes: FlowNode[]; edges: Edge[] }; label: string;
  onSelect?(id: string | null): void; onOpen?(id: string): void;
}) {
  // Node state lives here so that selection (click, or Tab then Enter) and dragging work; a new
  // layout (an expansion) replaces it.
  const [nodes, setNodes, onNodesChange] = useNodesState<FlowNode>(laidOut.nodes);
  useEffect(() => setNodes(laidOut.nodes), [laidOut, setNodes]);
  const edges = laidOut.edges;
  const big = nodes.length > 250;
  // A large graph fitted whole is unreadable and draws every node: open it on the roots at a
  // readable zoom; panning reveals the rest, drawn as it comes into view.
  const fitViewOptions = useMemo(() => {
    if (graph.nodes.size <= 60) return { maxZoom: 1.2, padding: 0.1 };
    return { maxZoom: 0.9, minZoom: 0.35, padding: 0.2, nodes: [...graph.roots].slice(0, 12).map((id) => ({ id })) };
  }, [graph]);
  return (
    <div className="graph" role="region" aria-label={label} data-testid="graph" data-nodes={nodes.length} data-edges={edges.length}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodesChange={onNodesChange}
        nodeTypes={nodeTypes}
        colorMode="system"
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.05}
        nodesDraggable={!big}
        nodesConnectable={false}
        edgesFocusable={false}
        onlyRenderVisibleElements={big}
        onNodeClick={(_, n) => onSelect?.(n.id)}
        onNodeDoubleClick={(_, n) => onOpen?.(n.id)}
        onSelectionChange={({ nodes: sel }) => { if (sel.length === 1) onSelect?.(sel[0].id); }}
        onPaneClick={() => onSelect?.(null)}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
        {!big ? <MiniMap pannable zoomable ariaLabel="Overview of the graph" style={{ width: 160, height: 100 }} /> : null}
      </ReactFlow>
    </div>
  );
}
