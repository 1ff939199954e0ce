// An artifact: its versions, the step run that produced each and the step runs that consumed it.
import { useQuery } from '@apollo/client/react';
import { ArtifactPageDocument, type StepLabelFragment } from '../generated/graphql';
import { ErrorMessage, NotFound } from '../errors';
import { parseFilter } from '../filter';
import { Link, path, useLocation, withQuery } from '../router';
import { Breadcrumbs, FilterBox, Loading, LoadMore, Page, usePageSize, StageBadge, Tags, Time } from '../components/common';
import { idsOf, inProject, isLifecycle, useLive } from '../live';

function StepLink({ project, step }: { project: string; step: StepLabelFragment }) {
  return <Link to={path('p', project, 'runs', step.run.name)}>{step.run.pipeline.name}/<wbr />{step.run.name}/<wbr />{step.name}</Link>;
}

export function ArtifactPage({ project, artifact }: { project: string; artifact: string }) {
  const pageSize = usePageSize();
  const filter = parseFilter(useLocation().query.get('q') ?? '');
  const { data, error, loading, fetchMore, refetch } = useQuery(ArtifactPageDocument, { variables: { project, artifact, first: pageSize, filter } });
  // New versions are new rows; a step that reads one adds a consumer (which version it read is not
  // in the event, so any step with inputs reads the page again).
  const artifactId = data?.artifact?.id;
  useLive(
    (e) => inProject(e, project) && ((e.kind === 'ARTIFACT_VERSION_CREATED' && idsOf(e).includes(artifactId ?? ''))
      || (e.kind === 'STEP_RECORDED' && Number((e.data as { inputs?: number }).inputs) > 0) || isLifecycle(e)),
    () => refetch(),
  );
  if (error && !data) return <Page title={artifact}><Breadcrumbs project={project} /><ErrorMessage error={error} /></Page>;
  if (!data) return <Loading />;
  const a = data.artifact;
  if (!a) return <Page title={artifact}><Breadcrumbs project={project} /><NotFound what={`Artifact "${artifact}" in project "${project}"`} /></Page>;
  const versions = a.versions.edges.map((e) => e.node);
  return (
    <Page title={`${a.name} · ${project}`} heading={<>{a.name} <span className="muted small">artifact</span></>}>
      <Breadcrumbs project={project}><Link to={path('p', project, 'artifacts')}>Artifacts</Link></Breadcrumbs>
      <dl className="facts">
        <div><dt>Versions</dt><dd>{a.versions.totalCount}</dd></div>
        <div><dt>Created</dt><dd><Time at={a.createdAt} /></dd></div>
        <div><dt>Tags</dt><dd><Tags tags={a.tags} /></dd></div>
      </dl>
      <FilterBox label="Filter versions" help="Tag predicates (startswith:env-), -tag to exclude, name:… for the version." />
      <div className="table-scroll">
        <table data-testid="artifact-versions">
          <thead>
            <tr><th scope="col">Version</th><th scope="col">Type</th><th scope="col">Tags</th><th scope="col">Produced by</th><th scope="col">Consumed by</th><th scope="col">Model versions</th><th scope="col">Created</th></tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id}>
                <td>
                  {a.name}:{v.version} <Link className="small" to={withQuery(path('p', project, 'lineage'), { of: v.id })} aria-label={`Lineage of ${a.name}:${v.version}`}>lineage</Link>
                  {v.uri ? <div className="uri">{v.uri}</div> : null}
                </td>
                <td>{v.type}{v.dataType ? <div className="muted small">{v.dataType}</div> : null}</td>
                <td><Tags tags={v.tags} /></td>
                <td>{v.producedBy ? <StepLink project={project} step={v.producedBy} /> : <span className="muted">registered</span>}</td>
                <td>
                  {v.consumedBy.length ? (
                    <ul className="plain">{v.consumedBy.map((s) => <li key={s.id}><StepLink project={project} step={s} /></li>)}</ul>
                  ) : <span className="muted">—</span>}
                </td>
                <td>
                  {v.modelVersions.length ? (
                    <ul className="plain">{v.modelVersions.map((mv) => (
                      <li key={mv.id}><Link to={path('p', project, 'models', mv.model.name)}>{mv.model.name} v{mv.number}</Link> <StageBadge stage={mv.stage} /></li>
                    ))}</ul>
                  ) : <span className="muted">—</span>}
                </td>
                <td><Time at={v.createdAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore pageInfo={a.versions.pageInfo} shown={versions.length} total={a.versions.totalCount} loading={loading} onMore={(after) => fetchMore({ variables: { after } })} />
    </Page>
  );
}
