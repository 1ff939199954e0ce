// A pipeline run: its steps as a DAG with statuses and times, and each step's inputs and outputs.
import { useMemo, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { RunPageDocument } from '../generated/graphql';
import { ErrorMessage, NotFound } from '../errors';
import { Link, navigate, path, withQuery } from '../router';
import { Breadcrumbs, duration, Loading, Page, StageBadge, StatusBadge, Tags, Time } from '../components/common';
import GraphView from '../components/graph';
import { emptyGraph, merge } from '../components/graph-model';
import { inProject, isLifecycle, useLive } from '../live';

export default function RunPage({ project, run }: { project: string; run: string }) {
  const { data, error, refetch } = useQuery(RunPageDocument, { variables: { project, run } });
  // The run's status and tags come with its events; a new step changes the DAG and the table.
  const runId = data?.pipelineRun?.id;
  useLive(
    (e) => inProject(e, project) && ((e.kind === 'STEP_RECORDED' && e.subject?.__typename === 'StepRun' && e.subject.run.id === runId) || isLifecycle(e)),
    () => refetch(),
  );
  const [selected, setSelected] = useState<string | null>(null);
  const r = data?.pipelineRun;
  const graph = useMemo(() => {
    const g = emptyGraph();
    if (r) merge(g, r.dag, 'BOTH', new Set());
    return g;
  }, [r]);
  if (error && !data) return <Page title={run}><Breadcrumbs project={project} /><ErrorMessage error={error} /></Page>;
  if (!data) return <Loading />;
  if (!r) return <Page title={run}><Breadcrumbs project={project} /><NotFound what={`Run "${run}" in project "${project}"`} /></Page>;
  const open = (id: string) => {
    const n = graph.nodes.get(id);
    if (n?.artifact) navigate(path('p', project, 'artifacts', n.artifact));
    else if (n) document.getElementById(`step-${id}`)?.scrollIntoView({ block: 'center' });
  };
  const sel = selected ? graph.nodes.get(selected) : undefined;
  return (
    <Page title={`${r.name} · ${project}`} heading={<>{r.name} <span className="muted small">run of {r.pipeline.name}</span></>}>
      <Breadcrumbs project={project}><Link to={path('p', project, 'runs')}>Runs</Link></Breadcrumbs>
      <dl className="facts">
        <div><dt>Status</dt><dd><StatusBadge status={r.status} /></dd></div>
        <div><dt>Started</dt><dd><Time at={r.startedAt ?? r.createdAt} /></dd></div>
        <div><dt>Ended</dt><dd><Time at={r.endedAt} /></dd></div>
        <div><dt>Duration</dt><dd>{duration(r.startedAt, r.endedAt)}</dd></div>
        <div><dt>Stack</dt><dd>{r.stack?.name ?? '—'}</dd></div>
        <div><dt>Model version</dt><dd>{r.modelVersion ? <><Link to={path('p', project, 'models', r.modelVersion.model.name)}>{r.modelVersion.model.name} v{r.modelVersion.number}</Link> <StageBadge stage={r.modelVersion.stage} /></> : '—'}</dd></div>
        <div><dt>Tags</dt><dd><Tags tags={r.tags} /></dd></div>
      </dl>
      <section aria-labelledby="dag-h">
        <h2 id="dag-h">Steps <span className="count">{r.steps.length}</span> <Link className="small" to={withQuery(path('p', project, 'lineage'), { of: r.id })}>Open in the lineage explorer</Link></h2>
        <div className="graph-wrap">
          <GraphView graph={graph} label={`DAG of run ${r.name}`} onSelect={setSelected} onOpen={open} />
          <aside className="panel" aria-label="Selected node">
            {sel ? (
              <>
                <h3>{sel.label}</h3>
                <p>{sel.kind === 'artifact' ? 'Artifact version' : 'Step run'}{sel.status ? ` · ${sel.status}` : ''}</p>
                {sel.kind === 'step' ? <p>Started <Time at={sel.startedAt} />, took {duration(sel.startedAt, sel.endedAt)}</p> : null}
                <button type="button" onClick={() => open(sel.id)}>Open</button>
              </>
            ) : <p className="muted">Select a node to see it here; double-click opens it.</p>}
          </aside>
        </div>
      </section>
      <section aria-labelledby="steps-h">
        <h2 id="steps-h">Inputs and outputs</h2>
        <table data-testid="steps">
          <thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Inputs</th><th scope="col">Outputs</th></tr></thead>
          <tbody>
            {r.steps.map((s) => (
              <tr key={s.id} id={`step-${s.id}`} className={selected === s.id ? 'selected' : undefined}>
                <td>{s.name}</td>
                <td><StatusBadge status={s.status} /></td>
                <td><Time at={s.startedAt} /></td>
                <td>{duration(s.startedAt, s.endedAt)}</td>
                <td>{s.inputs.length ? <ul className="plain">{s.inputs.map((i) => (
                  <li key={i.name}>{i.name}: <Link to={path('p', project, 'artifacts', i.artifactVersion.artifact.name)}>{i.artifactVersion.artifact.name}:{i.artifactVersion.version}</Link></li>
                ))}</ul> : '—'}</td>
                <td>{s.outputs.length ? <ul className="plain">{s.outputs.map((o) => (
                  <li key={o.name}>{o.name}: <Link to={path('p', project, 'artifacts', o.artifactVersion.artifact.name)}>{o.artifactVersion.artifact.name}:{o.artifactVersion.version}</Link></li>
                ))}</ul> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
