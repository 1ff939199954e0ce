// The lineage explorer: artifact versions and step runs around one node, upstream, downstream or
// both, to a chosen depth; the ends of a cut walk expand in place.
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { useApolloClient, useQuery } from '@apollo/client/react';
import { ConsoleLineageDocument, NodeLabelDocument, type GraphFieldsFragment, type LineageDirection } from '../generated/graphql';
import { ErrorMessage } from '../errors';
import { Link, navigate, path, useLocation, withQuery } from '../router';
import { Breadcrumbs, duration, Loading, Page, Time } from '../components/common';
import GraphView from '../components/graph';
import { emptyGraph, merge } from '../components/graph-model';

const DIRECTIONS: LineageDirection[] = ['BOTH', 'UPSTREAM', 'DOWNSTREAM'];
export const DEFAULTS = { direction: 'BOTH' as LineageDirection, depth: 3, limit: 500 };

const clampInt = (raw: string | null, fallback: number, min: number, max: number) => {
  const n = Number(raw);
  return Number.isInteger(n) && raw !== null && raw !== '' ? Math.min(max, Math.max(min, n)) : fallback;
};

export default function LineagePage({ project }: { project: string }) {
  const { query } = useLocation();
  const of = query.get('of') ?? '';
  const direction = (DIRECTIONS as string[]).includes(query.get('direction') ?? '') ? (query.get('direction') as LineageDirection) : DEFAULTS.direction;
  const depth = clampInt(query.get('depth'), DEFAULTS.depth, 1, 50);
  const limit = clampInt(query.get('limit'), DEFAULTS.limit, 1, 5000);
  const here = path('p', project, 'lineage');
  const go = (params: Record<string, string | number>) => navigate(withQuery(here, { of, direction, depth, limit, ...params }));

  const { data, error, loading } = useQuery(ConsoleLineageDocument, { variables: { of, direction, depth, limit }, skip: !of });
  const root = useQuery(NodeLabelDocument, { variables: { id: of }, skip: !of });
  const client = useApolloClient();
  const [expansions, setExpansions] = useState<{ id: string; graph: GraphFieldsFragment }[]>([]);
  const [expanding, setExpanding] = useState<string | null>(null);
  const [expandError, setExpandError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => { setExpansions([]); setSelected(null); }, [of, direction, depth, limit]);

  const graph = useMemo(() => {
    const g = emptyGraph();
    if (!data) return g;
    const expanded = new Set(expansions.map((x) => x.id));
    merge(g, data.lineage, direction, expanded);
    for (const r of data.lineage.roots) g.roots.add(r);
    for (const x of expansions) merge(g, x.graph, direction, expanded);
    return g;
  }, [data, expansions, direction]);

  const expand = useCallback(async (id: string) => {
    setExpanding(id);
    setExpandError(null);
    try {
      const r = await client.query({ query: ConsoleLineageDocument, variables: { of: id, direction, depth: 1, limit } });
      if (r.data) setExpansions((xs) => [...xs, { id, graph: r.data!.lineage }]);
    } catch (err) {
      setExpandError(err);
    } finally {
      setExpanding(null);
    }
  }, [client, direction, limit]);

  const open = (id: string) => {
    const n = graph.nodes.get(id);
    if (n?.artifact) navigate(path('p', project, 'artifacts', n.artifact));
    else if (n?.run) navigate(path('p', project, 'runs', n.run));
  };

  const r = root.data?.node;
  const rootLabel = !r ? of : r.__typename === 'ArtifactVersion' ? `${r.artifact.name}:${r.version}` : r.__typename === 'StepRun' ? `${r.run.pipeline.name}/${r.run.name}/${r.name}`
    : r.__typename === 'ModelVersion' ? `${r.model.name} v${r.number}` : r.__typename === 'PipelineRun' ? `run ${r.name}` : of;
  const sel = selected ? graph.nodes.get(selected) : undefined;

  return (
    <Page title={`Lineage · ${project}`} heading={<>Lineage {of ? <span className="muted small">of {rootLabel}</span> : null}</>}>
      <Breadcrumbs project={project} />
      {!of ? (
        <p>Pick a starting point: the <Link to={path('p', project, 'models')}>model versions</Link>, <Link to={path('p', project, 'artifacts')}>artifact versions</Link> and <Link to={path('p', project, 'runs')}>runs</Link> each link to their lineage.</p>
      ) : (
        <>
          <Controls direction={direction} depth={depth} limit={limit} onApply={go} />
          {error ? <ErrorMessage error={error} /> : null}
          {root.data && !root.data.node ? <ErrorMessage error={new Error(`no node with id "${of}"`)} title="Not found" /> : null}
          {!data ? (loading ? <Loading what="Walking the lineage" /> : null) : (
            <>
              <p role="status" className="graph-stats" data-testid="graph-stats">
                {graph.nodes.size} nodes · {graph.edges.size} edges
                {data.lineage.truncated ? ' · cut short by depth or limit: nodes marked + may have more neighbours' : ''}
                {expanding ? ' · expanding…' : ''}
              </p>
              {expandError ? <ErrorMessage error={expandError} /> : null}
              <div className="graph-wrap">
                <GraphView graph={graph} label={`Lineage of ${rootLabel}`} onSelect={setSelected} onOpen={open} onExpand={expand} />
                <aside className="panel" aria-label="Selected node">
                  {sel ? (
                    <>
                      <h3>{sel.label}</h3>
                      <p>{sel.kind === 'artifact' ? 'Artifact version' : 'Step run'}{sel.status ? ` · ${sel.status}` : ''}</p>
                {sel.kind === 'step' ? <p>Started <Time at={sel.startedAt} />, took {duration(sel.startedAt, sel.endedAt)}</p> : null}
                      <div className="buttons-col">
                        <button type="button" onClick={() => open(sel.id)}>Open {sel.kind === 'artifact' ? 'artifact' : 'run'}</button>
                        <button type="button" onClick={() => expand(sel.id)} disabled={expanding === sel.id}>Expand neighbours</button>
                        <button type="button" onClick={() => go({ of: sel.id })}>Start the lineage here</button>
                      </div>
                    </>
                  ) : <p className="muted">Select a node (click, or Tab and Enter) for its actions; double-click opens it.</p>}
                </aside>
              </div>
            </>
          )}
        </>
      )}
    </Page>
  );
}

function Controls({ direction, depth, limit, onApply }: { direction: LineageDirection; depth: number; limit: number; onApply(p: Record<string, string | number>): void }) {
  const id = useId();
  const [d, setD] = useState(direction);
  const [dep, setDep] = useState(String(depth));
  const [lim, setLim] = useState(String(limit));
  useEffect(() => { setD(direction); setDep(String(depth)); setLim(String(limit)); }, [direction, depth, limit]);
  return (
    <form className="controls" onSubmit={(e) => { e.preventDefault(); onApply({ direction: d, depth: dep, limit: lim }); }}>
      <label htmlFor={`${id}-dir`}>Direction</label>
      <select id={`${id}-dir`} value={d} onChange={(e) => setD(e.target.value as LineageDirection)}>
        {DIRECTIONS.map((x) => <option key={x} value={x}>{x.toLowerCase()}</option>)}
      </select>
      <label htmlFor={`${id}-depth`}>Depth</label>
      <input id={`${id}-depth`} type="number" min={1} max={50} value={dep} onChange={(e) => setDep(e.target.value)} />
      <label htmlFor={`${id}-limit`}>Node limit</label>
      <input id={`${id}-limit`} type="number" min={1} max={5000} value={lim} onChange={(e) => setLim(e.target.value)} />
      <button type="submit">Show</button>
    </form>
  );
}
