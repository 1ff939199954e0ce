// The console (ui/, built by Vite into dist/ui) served at /ui: hashed assets cached for good,
// every other path answered with index.html so that deep links open the single-page app.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { sendAsset, StaticAsset } from '../http/static-asset';

export const CONSOLE_PREFIX = '/ui';

// dist/src/console/console.js → dist/ui
const BUILD_DIR = path.resolve(__dirname, '../../ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Everything the console needs comes from this origin: scripts and styles are files of the build
// (no inline code), and the only place it talks to is this server's /graphql, over HTTP and, for
// live updates, over a WebSocket. CSP Level 3 lets 'self' match ws: and wss: on the page's own host
// and port, but not every browser in use does: those sources are named too, for that host only.
const CSP = (sockets: string) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'${sockets}; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

// A host name or IP literal with an optional port, and nothing else: the value goes into the
// policy, where a space or a semicolon would add sources or directives.
const PLAIN_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

export function consoleSecurityHeaders(host: string | undefined): Record<string, string> {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return {
    'content-security-policy': CSP(sockets),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

type Asset = StaticAsset;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== '.vite') out.push(...(await walk(path.join(dir, entry.name), rel)));
    } else out.push(rel);
  }
  return out;
}

// The build does not change while the process runs: read and compress it once, on first use.
let loaded: Promise<Map<string, Asset> | null> | undefined;

function load() {
  loaded ??= (async () => {
    let files: string[];
    try {
      files = await walk(BUILD_DIR);
    } catch {
      return null;
    }
    const assets = new Map<string, Asset>();
    for (const file of files) {
      const body = await readFile(path.join(BUILD_DIR, file));
      const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      const compressible = /^(text\/|application\/json|image\/svg)/.test(type);
      assets.set(file, {
        type,
        body,
        gzipped: compressible ? await promisify(gzip)(body) : body,
        etag: createHash('sha256').update(body).digest('base64url').slice(0, 16),
      });
    }
    return assets.has('index.html') ? assets : null;
  })();
  loaded.catch(() => { loaded = undefined; });
  return loaded;
}

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const isConsolePath = (pathname: string) => pathname === CONSOLE_PREFIX || pathname.startsWith(`${CONSOLE_PREFIX}/`);

export async function serveConsole(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
  if (url.pathname === CONSOLE_PREFIX) {
    res.writeHead(308, { location: `${CONSOLE_PREFIX}/${url.search}` });
    return void res.end();
  }
  const assets = await load();
  if (!assets) return plain(res, 503, 'the console is not built: run `npm run build`');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname.slice(CONSOLE_PREFIX.length + 1));
  } catch {
    return plain(res, 400, 'malformed path');
  }
  const asset = assets.get(rel);
  if (asset && rel !== 'index.html') {
    // Vite names files under assets/ by their content hash: such a URL never changes meaning.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return sendAsset(req, res, asset, { 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  }
  // A missing file is a 404; any other path is a page of the app (a shared link).
  if (rel.startsWith('assets/') || /\.[a-z0-9]{1,5}$/i.test(rel)) return plain(res, 404, `no file ${url.pathname}`);
  sendAsset(req, res, assets.get('index.html')!, { 'cache-control': 'no-cache', ...consoleSecurityHeaders(req.headers.host) });
}
