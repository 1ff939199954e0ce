// Layout, the api-key gate and the routes.
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { useApolloClient, useQuery } from '@apollo/client/react';
import { ConsoleViewerDocument } from './generated/graphql';
import { getApiKey, setApiKey } from './auth';
import { ErrorMessage, hasCode } from './errors';
import { Link, match, path, projectPage, useLocation } from './router';
import { Loading, ViewerContext, type ViewerInfo } from './components/common';
import { ProjectsPage } from './pages/projects';
import { ProjectPage } from './pages/project';
import { ModelListPage, ArtifactListPage, RunListPage } from './pages/lists';
import { ModelPage } from './pages/model';
import { ArtifactPage } from './pages/artifact';
import { LiveIndicator, LiveProvider } from './live';

// The graph pages carry React Flow and the layout engine: loaded when first opened.
const RunPage = lazy(() => import('./pages/run'));
const LineagePage = lazy(() => import('./pages/lineage'));

const ROUTES: [string, (p: Record<string, string>) => ReactNode][] = [
  ['/', () => <ProjectsPage />],
  ['/p/:project', (p) => <ProjectPage project={p.project} />],
  ['/p/:project/models', (p) => <ModelListPage project={p.project} />],
  ['/p/:project/models/:model', (p) => <ModelPage project={p.project} model={p.model} />],
  ['/p/:project/artifacts', (p) => <ArtifactListPage project={p.project} />],
  ['/p/:project/artifacts/:artifact', (p) => <ArtifactPage project={p.project} artifact={p.artifact} />],
  ['/p/:project/runs', (p) => <RunListPage project={p.project} />],
  ['/p/:project/runs/:run', (p) => <RunPage project={p.project} run={p.run} />],
  ['/p/:project/lineage', (p) => <LineagePage project={p.project} />],
];

function Routes() {
  const { path: here } = useLocation();
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, here);
    if (params) return <>{render(params)}</>;
  }
  return (
    <div role="alert" className="problem" data-code="NOT_FOUND">
      <strong>Not found</strong>
      <p>The console has no page at {here}. <Link to="/">Go to the projects</Link>.</p>
    </div>
  );
}

function ProjectNav() {
  const { path: here } = useLocation();
  const params = projectPage(here);
  if (!params?.project) return null;
  const p = params.project;
  const item = (section: string | null, label: string) => {
    const to = section ? path('p', p, section) : path('p', p);
    const current = (params.section ?? null) === section;
    return <li><Link to={to} aria-current={current ? 'page' : undefined}>{label}</Link></li>;
  };
  return (
    <nav aria-label="Project" className="project-nav">
      <ul>
        {item(null, 'Overview')}
        {item('models', 'Models')}
        {item('artifacts', 'Artifacts')}
        {item('runs', 'Runs')}
        {item('lineage', 'Lineage')}
      </ul>
    </nav>
  );
}

function KeyForm({ refused }: { refused: boolean }) {
  const client = useApolloClient();
  const [key, setKey] = useState('');
  return (
    <main id="main" className="key-form">
      <h1>Sign in with an API key</h1>
      <p>This server requires an API key. It is kept for this browser tab only (session storage).</p>
      {refused ? <p role="alert" className="problem" data-code="UNAUTHENTICATED">The key was not accepted: it is unknown or revoked.</p> : null}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setApiKey(key.trim());
          await client.resetStore().catch(() => undefined);
        }}
      >
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        <button type="submit">Continue</button>
      </form>
    </main>
  );
}

export function App() {
  const client = useApolloClient();
  const { data, error, loading } = useQuery(ConsoleViewerDocument, { fetchPolicy: 'network-only', notifyOnNetworkStatusChange: true });
  if (hasCode(error, 'UNAUTHENTICATED')) return <KeyForm refused={!!getApiKey()} />;
  if (!data) {
    return <main id="main">{loading ? <Loading what="Connecting" /> : <ErrorMessage error={error} />}</main>;
  }
  const viewer: ViewerInfo = { ...data.viewer, projects: [...data.viewer.projects] };
  const signOut = async () => {
    setApiKey(null);
    await client.resetStore().catch(() => undefined);
  };
  return (
    <ViewerContext.Provider value={viewer}>
      {/* One live connection per key: signing in with another key opens a new one. */}
      <LiveProvider key={getApiKey() ?? ''}>
        <a className="skip" href="#main">Skip to content</a>
        <header className="top">
          <Link to="/" className="brand">ml-asset-graph</Link>
          <ProjectNav />
          <div className="who">
            <LiveIndicator />
            <span data-testid="viewer">{viewer.name} · {viewer.role}</span>
            {getApiKey() ? <button type="button" onClick={signOut}>Forget key</button> : null}
            <a href="/graphql">Playground</a>
          </div>
        </header>
        <main id="main">
          <Suspense fallback={<Loading />}>
            <Routes />
          </Suspense>
        </main>
      </LiveProvider>
    </ViewerContext.Provider>
  );
}
