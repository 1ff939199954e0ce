// Small building blocks shared by the pages.
import { createContext, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import { navigate, useLocation, withQuery, Link, path } from '../router';

export { duration } from './time';

export interface ViewerInfo {
  name: string;
  role: 'ADMIN' | 'EDITOR' | 'VIEWER';
  projects: string[];
}

export const ViewerContext = createContext<ViewerInfo>({ name: 'anonymous', role: 'VIEWER', projects: [] });
export const useCanWrite = () => useContext(ViewerContext).role !== 'VIEWER';

export function Page({ title, heading, children, actions }: { title: string; heading?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · ml-asset-graph console`;
  }, [title]);
  return (
    <>
      <div className="page-head">
        <h1>{heading ?? title}</h1>
        {actions}
      </div>
      {children}
    </>
  );
}

export function Breadcrumbs({ project, children }: { project: string; children?: ReactNode }) {
  return (
    <nav aria-label="Breadcrumbs" className="crumbs">
      <Link to="/">Projects</Link> / <Link to={path('p', project)}>{project}</Link>
      {children ? <> / {children}</> : null}
    </nav>
  );
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const d = new Date(at);
  return <time dateTime={at} title={d.toISOString()}>{timeFormat.format(d)}</time>;
}

export function StageBadge({ stage }: { stage: string }) {
  return <span className={`badge stage-${stage.toLowerCase()}`} data-stage={stage}>{stage}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`} data-status={status}>{status}</span>;
}

export interface TagLike {
  id: string;
  name: string;
  exclusive: boolean;
}

export function Tags({ tags, project }: { tags: readonly TagLike[]; project?: string }) {
  if (!tags.length) return <span className="muted">—</span>;
  return (
    <ul className="tags" aria-label="Tags">
      {tags.map((t) => (
        <li key={t.id} className={t.exclusive ? 'tag exclusive' : 'tag'} title={t.exclusive ? 'exclusive: one holder at a time' : undefined}>
          {project ? <Link to={withQuery(path('p', project, 'models'), { q: t.name })}>{t.name}</Link> : t.name}
        </li>
      ))}
    </ul>
  );
}

/** The filter box: its text lives in the URL (?q=), so a filtered list is a link too. */
export function FilterBox({ help, label = 'Filter' }: { help: string; label?: string }) {
  const { path: here, query } = useLocation();
  const [text, setText] = useState(query.get('q') ?? '');
  const id = useId();
  useEffect(() => setText(query.get('q') ?? ''), [query]);
  return (
    <form
      role="search"
      className="filter"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(withQuery(here, { q: text.trim() }));
      }}
    >
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="startswith:accuracy-9" aria-describedby={`${id}-help`} spellCheck={false} />
      <button type="submit">Apply</button>
      <small id={`${id}-help`} className="muted">{help}</small>
    </form>
  );
}

export function LoadMore({ pageInfo, shown, total, onMore, loading }: { pageInfo: { hasNextPage: boolean; endCursor?: string | null }; shown: number; total: number; onMore: (after: string) => void; loading?: boolean }) {
  return (
    <div className="paging" aria-live="polite">
      <span>{shown} of {total}</span>
      {pageInfo.hasNextPage && pageInfo.endCursor ? (
        <button type="button" disabled={loading} onClick={() => onMore(pageInfo.endCursor!)}>Show more</button>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p className="muted" role="status">{what}…</p>;
}

export const PAGE_SIZE = 25;

/** Rows per page: ?first=N in the URL (1 to 100), else PAGE_SIZE. */
export function usePageSize(): number {
  const n = Number(useLocation().query.get('first'));
  return Number.isInteger(n) && n >= 1 ? Math.min(100, n) : PAGE_SIZE;
}
