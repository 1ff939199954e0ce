// The graph view of lineage and run DAGs: React Flow, laid out left to right in layers by dagre.
import { memo, useEffect, useMemo } from 'react';
import { Background, Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, useNodesState, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { Graph as Layout, layout } from '@dagrejs/dagre';
import '@xyflow/react/dist/style.css';
import type { Graph, GNode } from './graph-model';

type FlowData = GNode & { root: boolean; end: boolean; onExpand?: (id: string) => void };
type FlowNode = Node<FlowData, 'lineage'>;

const NODE_HEIGHT = 70;
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

export function layoutGraph(graph: Graph) {
  const w = (n: GNode) => widthOf(n) + (graph.ends.has(n.id) ? 28 : 0);
  const g = new Layout();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes.values()) g.setNode(n.id, { width: w(n), height: NODE_HEIGHT });
  for (const e of graph.edges.values()) if (graph.nodes.has(e.source) && graph.nodes.has(e.target)) g.setEdge(e.source, e.target);
  layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of graph.nodes.values()) {
    const p = g.node(n.id) as { x: number; y: number };
    positions.set(n.id, { x: p.x - w(n) / 2, y: p.y - NODE_HEIGHT / 2 });
  }
  return positions;
}

export default function GraphView({ graph, onSelect, onOpen, onExpand, label }: {
  graph: Graph; label: string;
  onSelect?(id: string | null): void; onOpen?(id: string): void; onExpand?(id: string): void;
}) {
  const laidOut = useMemo(() => {
    const positions = layoutGraph(graph);
    const nodes: FlowNode[] = [...graph.nodes.values()].map((n) => ({
      id: n.id,
      type: 'lineage',
      position: positions.get(n.id)!,
      data: { ...n, root: graph.roots.has(n.id), end: graph.ends.has(n.id), onExpand },
      width: widthOf(n) + (graph.ends.has(n.id) ? 28 : 0),
      height: NODE_HEIGHT,
      ariaLabel: `${n.kind === 'artifact' ? 'Artifact version' : 'Step run'} ${n.label}`,
    }));
    const edges: Edge[] = [...graph.edges.values()]
      .filter((e) => graph.nodes.has(e.source) && graph.nodes.has(e.target))
      .map((e) => ({ id: e.id, source: e.source, target: e.target, markerEnd: { type: MarkerType.ArrowClosed }, ariaLabel: `${graph.nodes.get(e.source)!.label} to ${graph.nodes.get(e.target)!.label}` }));
    return { nodes, edges };
  }, [graph, onExpand]);
  // Node state lives here so that selection (click, or Tab then Enter) and dragging work; a new
  // graph (an expansion) replaces it.
  const [nodes, setNodes, onNodesChange] = useNodesState<FlowNode>(laidOut.nodes);
  useEffect(() => setNodes(laidOut.nodes), [laidOut, setNodes]);
  const edges = laidOut.edges;
  const big = nodes.length > 250;
  return (
    <div className="graph" role="region" aria-label={label} data-testid="graph" data-nodes={nodes.length} data-edges={edges.length}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodesChange={onNodesChange}
        nodeTypes={nodeTypes}
        colorMode="system"
        fitView
        fitViewOptions={{ maxZoom: 1.2, padding: 0.1 }}
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
