// The project's lists: models, artifacts, runs; each with the filter box and cursor paging.
import { useQuery } from '@apollo/client/react';
import { ArtifactListDocument, ModelListDocument, RunListDocument, type RunRowFragment } from '../generated/graphql';
import { ErrorMessage, NotFound } from '../errors';
import { parseFilter } from '../filter';
import { Link, path, useLocation } from '../router';
import { Breadcrumbs, duration, FilterBox, Loading, LoadMore, Page, usePageSize, StageBadge, StatusBadge, Tags, Time } from '../components/common';
import { inProject, isLifecycle, useLive, type LiveEvent } from '../live';

/** A list reads itself again when an event of its project adds to it (or deletes, restores, renames). */
const useLiveList = (project: string, adds: LiveEvent['kind'], refetch: () => unknown) =>
  useLive((e) => inProject(e, project) && (e.kind === adds || isLifecycle(e)), refetch);

const TAG_HELP = 'Tag predicates, all must match: accuracy-95 startswith:accuracy-9; -startswith:env- excludes; name:startswith:fraud filters names.';

export function ModelListPage({ project }: { project: string }) {
  const pageSize = usePageSize();
  const filter = parseFilter(useLocation().query.get('q') ?? '');
  const { data, error, loading, fetchMore, refetch } = useQuery(ModelListDocument, { variables: { project, first: pageSize, filter } });
  useLiveList(project, 'MODEL_VERSION_CREATED', () => refetch());
  const models = data?.project?.models;
  return (
    <Page title={`Models · ${project}`} heading="Models">
      <Breadcrumbs project={project} />
      <FilterBox help={TAG_HELP} />
      {error ? <ErrorMessage error={error} /> : null}
      {data && !data.project ? <NotFound what={`Project "${project}"`} /> : null}
      {!models ? (loading ? <Loading /> : null) : (
        <>
          <table data-testid="model-list">
            <thead><tr><th scope="col">Model</th><th scope="col">Production</th><th scope="col">Staging</th><th scope="col">Latest</th><th scope="col">Tags</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {models.edges.map(({ node: m }) => (
                <tr key={m.id}>
                  <td><Link to={path('p', project, 'models', m.name)}>{m.name}</Link></td>
                  <td>{m.production ? <>v{m.production.number} <StageBadge stage="PRODUCTION" /></> : '—'}</td>
                  <td>{m.staging ? <>v{m.staging.number} <StageBadge stage="STAGING" /></> : '—'}</td>
                  <td>{m.latestVersion ? `v${m.latestVersion.number}` : '—'}</td>
                  <td><Tags tags={m.tags} project={project} /></td>
                  <td><Time at={m.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {models.edges.length === 0 ? <p className="muted">No model matches.</p> : null}
          <LoadMore pageInfo={models.pageInfo} shown={models.edges.length} total={models.totalCount} loading={loading} onMore={(after) => fetchMore({ variables: { after } })} />
        </>
      )}
    </Page>
  );
}

export function ArtifactListPage({ project }: { project: string }) {
  const pageSize = usePageSize();
  const filter = parseFilter(useLocation().query.get('q') ?? '');
  const { data, error, loading, fetchMore, refetch } = useQuery(ArtifactListDocument, { variables: { project, first: pageSize, filter } });
  useLiveList(project, 'ARTIFACT_VERSION_CREATED', () => refetch());
  const artifacts = data?.project?.artifacts;
  return (
    <Page title={`Artifacts · ${project}`} heading="Artifacts">
      <Breadcrumbs project={project} />
      <FilterBox help={TAG_HELP} />
      {error ? <ErrorMessage error={error} /> : null}
      {data && !data.project ? <NotFound what={`Project "${project}"`} /> : null}
      {!artifacts ? (loading ? <Loading /> : null) : (
        <>
          <table>
            <thead><tr><th scope="col">Artifact</th><th scope="col">Latest version</th><th scope="col">Type</th><th scope="col">Tags</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {artifacts.edges.map(({ node: a }) => (
                <tr key={a.id}>
                  <td><Link to={path('p', project, 'artifacts', a.name)}>{a.name}</Link></td>
                  <td>{a.latestVersion ? a.latestVersion.version : '—'}</td>
                  <td>{a.latestVersion?.type ?? '—'}</td>
                  <td><Tags tags={a.tags} /></td>
                  <td><Time at={a.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {artifacts.edges.length === 0 ? <p className="muted">No artifact matches.</p> : null}
          <LoadMore pageInfo={artifacts.pageInfo} shown={artifacts.edges.length} total={artifacts.totalCount} loading={loading} onMore={(after) => fetchMore({ variables: { after } })} />
        </>
      )}
    </Page>
  );
}

export function RunTable({ project, runs }: { project: string; runs: readonly RunRowFragment[] }) {
  return (
    <table>
      <thead><tr><th scope="col">Run</th><th scope="col">Pipeline</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col">Tags</th></tr></thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-run={r.name}>
            <td><Link to={path('p', project, 'runs', r.name)}>{r.name}</Link></td>
            <td>{r.pipeline.name}</td>
            <td><StatusBadge status={r.status} /></td>
            <td><Time at={r.startedAt ?? r.createdAt} /></td>
            <td>{duration(r.startedAt, r.endedAt)}</td>
            <td><Tags tags={r.tags} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunListPage({ project }: { project: string }) {
  const pageSize = usePageSize();
  const filter = parseFilter(useLocation().query.get('q') ?? '', ['name', 'pipeline', 'status']);
  const variables = { project, first: pageSize, filter: filter ? { ...filter, status: filter.status as never } : undefined };
  const { data, error, loading, fetchMore, refetch } = useQuery(RunListDocument, { variables });
  useLiveList(project, 'RUN_STARTED', () => refetch());
  const runs = data?.project?.runs;
  return (
    <Page title={`Runs · ${project}`} heading="Runs">
      <Breadcrumbs project={project} />
      <FilterBox help={`${TAG_HELP} pipeline:training and status:FAILED filter runs.`} />
      {error ? <ErrorMessage error={error} /> : null}
      {data && !data.project ? <NotFound what={`Project "${project}"`} /> : null}
      {!runs ? (loading ? <Loading /> : null) : (
        <>
          <RunTable project={project} runs={runs.edges.map((e) => e.node)} />
          {runs.edges.length === 0 ? <p className="muted">No run matches.</p> : null}
          <LoadMore pageInfo={runs.pageInfo} shown={runs.edges.length} total={runs.totalCount} loading={loading} onMore={(after) => fetchMore({ variables: { after } })} />
        </>
      )}
    </Page>
  );
}
