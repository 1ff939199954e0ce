import { useApolloClient, useQuery } from '@apollo/client/react';
import type { TypedDocumentNode } from '@apollo/client';
import {
  LiveProjectModelsDocument, LiveProjectPipelinesDocument, LiveProjectRunsDocument, LiveProjectTagsDocument, ProjectOverviewDocument,
} from '../generated/graphql';
import { inProject, isLifecycle, useLive, type LiveEvent } from '../live';
import { ErrorMessage, NotFound } from '../errors';
import { Link, path, withQuery } from '../router';
import { Breadcrumbs, Loading, Page, StageBadge, StatusBadge, Tags, Time } from '../components/common';
import { RunTable } from './lists';

type Section = TypedDocumentNode<unknown, { project: string }>;

/** Reads one section of the overview again when an event adds to or removes from what it lists. */
function useLiveSection(project: string, kinds: LiveEvent['kind'][], query: Section) {
  const client = useApolloClient();
  useLive((e) => inProject(e, project) && kinds.includes(e.kind), () => client.query({ query, variables: { project }, fetchPolicy: 'network-only' }));
}

export function ProjectPage({ project }: { project: string }) {
  const { data, error, loading, refetch } = useQuery(ProjectOverviewDocument, { variables: { project } });
  // A run's status, a version's stage, a pipeline's latest run and the tags of shown rows come
  // with the events themselves; new members of a list come with its section's query.
  useLiveSection(project, ['RUN_STARTED'], LiveProjectRunsDocument);
  useLiveSection(project, ['PIPELINE_CREATED'], LiveProjectPipelinesDocument);
  useLiveSection(project, ['MODEL_VERSION_CREATED'], LiveProjectModelsDocument);
  useLiveSection(project, ['TAG_ADDED', 'TAG_REMOVED'], LiveProjectTagsDocument);
  useLive((e) => inProject(e, project) && isLifecycle(e), () => refetch());
  if (error && !data) return <Page title={project}><ErrorMessage error={error} /></Page>;
  if (!data) return <Loading />;
  const p = data.project;
  if (!p) return <Page title={project}><NotFound what={`Project "${project}"`} /></Page>;
  const tags = p.tags.edges.map((e) => e.node);
  const maxUse = Math.max(1, ...tags.map((t) => t.usageCount));
  return (
    <Page title={p.displayName ?? p.name} heading={<>{p.displayName ?? p.name} <span className="muted small">project</span></>}>
      <Breadcrumbs project={p.name} />
      {p.description ? <p>{p.description}</p> : null}
      {loading ? <span className="sr-only" role="status">Refreshing</span> : null}
      <div className="grid2">
        <section aria-labelledby="pipelines-h">
          <h2 id="pipelines-h">Pipelines <span className="count">{p.pipelines.totalCount}</span></h2>
          <table>
            <thead><tr><th scope="col">Pipeline</th><th scope="col">Latest run</th><th scope="col">Status</th><th scope="col">When</th></tr></thead>
            <tbody>
              {p.pipelines.edges.map(({ node: pl }) => (
                <tr key={pl.id} data-pipeline={pl.name}>
                  <td><Link to={withQuery(path('p', p.name, 'runs'), { q: `pipeline:${pl.name}` })}>{pl.name}</Link> <Tags tags={pl.tags} /></td>
                  <td>{pl.latestRun ? <Link to={path('p', p.name, 'runs', pl.latestRun.name)}>{pl.latestRun.name}</Link> : <span className="muted">no runs</span>}</td>
                  <td>{pl.latestRun ? <StatusBadge status={pl.latestRun.status} /> : null}</td>
                  <td><Time at={pl.latestRun?.endedAt ?? pl.latestRun?.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="models-h">
          <h2 id="models-h">Models <span className="count">{p.models.totalCount}</span></h2>
          <table>
            <thead><tr><th scope="col">Model</th><th scope="col">Production</th><th scope="col">Staging</th><th scope="col">Latest</th></tr></thead>
            <tbody>
              {p.models.edges.map(({ node: m }) => (
                <tr key={m.id}>
                  <td><Link to={path('p', p.name, 'models', m.name)}>{m.name}</Link></td>
                  <td>{m.production ? <>v{m.production.number} <StageBadge stage="PRODUCTION" /></> : <span className="muted">—</span>}</td>
                  <td>{m.staging ? <>v{m.staging.number} <StageBadge stage="STAGING" /></> : <span className="muted">—</span>}</td>
                  <td>{m.latestVersion ? `v${m.latestVersion.number}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section aria-labelledby="runs-h">
        <h2 id="runs-h">Recent runs <span className="count">{p.runs.totalCount}</span></h2>
        <RunTable project={p.name} runs={p.runs.edges.map((e) => e.node)} />
        <p><Link to={path('p', p.name, 'runs')}>All runs</Link></p>
      </section>
      <section aria-labelledby="tags-h">
        <h2 id="tags-h">Tags <span className="count">{p.tags.totalCount}</span></h2>
        <ul className="tag-cloud" aria-label="Tag cloud">
          {tags.map((t) => (
            <li key={t.id} style={{ fontSize: `${0.85 + (t.usageCount / maxUse) * 0.8}rem` }}>
              <Link to={withQuery(path('p', p.name, 'models'), { q: t.name })} title={`${t.usageCount} uses${t.exclusive ? ', exclusive' : ''}`}>
                {t.name}
              </Link>
              <span className="muted small"> {t.usageCount}</span>
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
