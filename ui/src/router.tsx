// A small history router: the console's pages are plain paths under /ui/, so every page is a
// link that can be shared and opened directly (the server answers deep paths with index.html).
import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

interface Location {
  path: string;
  query: URLSearchParams;
}

const current = (): Location => ({
  path: location.pathname.slice(BASE.length) || '/',
  query: new URLSearchParams(location.search),
});

const LocationContext = createContext<Location>(current());

export function navigate(to: string, options: { replace?: boolean } = {}) {
  const url = BASE + to;
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('mag:navigate'));
}

export function RouterProvider({ children }: { children: React.ReactNode }) {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener('mag:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('mag:navigate', update);
    };
  }, []);
  return <LocationContext.Provider value={loc}>{children}</LocationContext.Provider>;
}

export const useLocation = () => useContext(LocationContext);

/** Path segments are encoded one by one: names may hold characters that URLs reserve. */
export const path = (...segments: string[]) => '/' + segments.map(encodeURIComponent).join('/');

export function withQuery(to: string, params: Record<string, string | number | undefined | null>) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${to}?${s}` : to;
}

export function Link({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    window.scrollTo(0, 0);
  };
  return <a href={BASE + to} {...rest} onClick={onClick}>{children}</a>;
}

/** The project a page belongs to, with its section and item: /p/:project[/:section[/:item]]. */
export const projectPage = (pathname: string) =>
  match('/p/:project', pathname) ?? match('/p/:project/:section', pathname) ?? match('/p/:project/:section/:item', pathname);

export function match(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = pathname.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}
