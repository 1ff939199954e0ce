import { useQuery } from '@apollo/client/react';
import { ConsoleProjectsDocument } from '../generated/graphql';
import { ErrorMessage } from '../errors';
import { Link, path, useLocation } from '../router';
import { FilterBox, Loading, LoadMore, Page, usePageSize, Time } from '../components/common';
import { useLive } from '../live';

export function ProjectsPage() {
  const pageSize = usePageSize();
  const q = useLocation().query.get('q')?.trim();
  const filter = q ? { name: q } : undefined;
  const { data, error, fetchMore, loading, refetch } = useQuery(ConsoleProjectsDocument, { variables: { first: pageSize, filter } });
  useLive((e) => e.kind === 'PROJECT_CREATED' || (e.kind === 'ENTITY_UPDATED' && e.subject?.__typename === 'Project'), () => refetch());
  return (
    <Page title="Projects">
      <FilterBox help="A name predicate, e.g. startswith:fraud or contains:detect." />
      {error ? <ErrorMessage error={error} /> : null}
      {!data ? (loading ? <Loading /> : null) : (
        <>
          <table>
            <caption className="sr-only">Projects</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {data.projects.edges.map(({ node: p }) => (
                <tr key={p.id}>
                  <td><Link to={path('p', p.name)}>{p.name}</Link></td>
                  <td>{p.displayName ?? ''}</td>
                  <td>{p.description ?? ''}</td>
                  <td><Time at={p.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.projects.edges.length === 0 ? <p className="muted">No projects{q ? ' match the filter' : ' yet: seed the example with `npm start -- --seed-example`'}.</p> : null}
          <LoadMore pageInfo={data.projects.pageInfo} shown={data.projects.edges.length} total={data.projects.totalCount} loading={loading}
            onMore={(after) => fetchMore({ variables: { after } })} />
        </>
      )}
    </Page>
  );
}
