// GraphiQL in the browser at GET /graphql and GET /, every asset served from installed npm
// packages: the playground works offline and loads nothing from a CDN.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { bootPlayground, PlaygroundOptions } from './client';
import { EXAMPLE_TABS, HEADERS_PLACEHOLDER, PLACEHOLDER_MARK, PRODUCT_DESCRIPTION, PRODUCT_NAME } from './examples';
import { sendAsset, StaticAsset } from '../http/static-asset';

export const ASSET_PREFIX = '/playground/assets/';

type Asset = StaticAsset;

const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

const SOURCES: Record<string, { file: () => string; type: string }> = {
  'graphiql.min.js': { file: () => packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.min.css': { file: () => packageFile('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'react.production.min.js': { file: () => packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.production.min.js': { file: () => packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
};

const bootOptions: PlaygroundOptions = {
  endpoint: 'graphql',
  tabs: EXAMPLE_TABS.map(({ live: _live, ...t }) => ({ ...t, headers: HEADERS_PLACEHOLDER })),
  headers: HEADERS_PLACEHOLDER,
  placeholderMark: PLACEHOLDER_MARK,
};
const BOOT_SCRIPT = `'use strict';\n(${bootPlayground.toString()})(${JSON.stringify(bootOptions)});\n`;

async function makeAsset(type: string, body: Buffer): Promise<Asset> {
  return { type, body, gzipped: await promisify(gzip)(body), etag: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
}

// The files never change while the process runs: read, hash and compress them once, on first use,
// for every app in the process.
let loaded: Promise<{ assets: Map<string, Asset>; page: Asset }> | undefined;

function load() {
  loaded ??= (async () => {
    const assets = new Map<string, Asset>();
    for (const [name, source] of Object.entries(SOURCES)) assets.set(name, await makeAsset(source.type, await readFile(source.file())));
    assets.set('playground.js', await makeAsset('text/javascript; charset=utf-8', Buffer.from(BOOT_SCRIPT)));
    // Relative URLs: the page works at / and /graphql, and behind a proxy that adds a path prefix.
    const src = (name: string) => `${ASSET_PREFIX.slice(1)}${name}?v=${assets.get(name)!.etag}`;
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${PRODUCT_NAME} · GraphQL playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${src('graphiql.min.css')}">
<style>
html, body { margin: 0; height: 100%; overflow: hidden; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#product { flex: none; padding: 6px 16px; font-size: 14px; border-bottom: 1px solid #ddd; }
#product strong { margin-right: 8px; }
#graphiql { flex: 1; min-height: 0; }
.console-link { position: fixed; right: 12px; bottom: 10px; z-index: 10; font: 13px system-ui, sans-serif; padding: 4px 10px; border-radius: 6px; background: #0969da; color: #fff; text-decoration: none; }
</style>
</head>
<body>
<header id="product"><strong>${PRODUCT_NAME}</strong> <span>${PRODUCT_DESCRIPTION}</span></header>
<a class="console-link" href="ui/">Open the console</a>
<div id="graphiql">Loading the GraphQL playground…</div>
<script src="${src('react.production.min.js')}"></script>
<script src="${src('react-dom.production.min.js')}"></script>
<script src="${src('graphiql.min.js')}"></script>
<script src="${src('playground.js')}"></script>
</body>
</html>
`;
    return { assets, page: await makeAsset('text/html; charset=utf-8', Buffer.from(html)) };
  })();
  loaded.catch(() => { loaded = undefined; });
  return loaded;
}

// GraphiQL sets inline styles; everything else comes from this origin. connect-src 'self' also
// keeps the page from sending a query anywhere but this server.
const PAGE_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** A browser asking for a page, not a client sending a GraphQL GET request. */
export function wantsPlayground(req: http.IncomingMessage, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.search && url.searchParams.has('query')) return false;
  return url.pathname === '/' || (req.headers.accept?.includes('text/html') ?? false);
}

export async function servePlaygroundPage(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { page } = await load();
  sendAsset(req, res, page, { 'cache-control': 'no-cache', ...PAGE_SECURITY_HEADERS });
}

/** Returns false when there is no such asset. */
export async function servePlaygroundAsset(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
  const { assets } = await load();
  const asset = assets.get(url.pathname.slice(ASSET_PREFIX.length));
  if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  // The page links each asset with its content hash: such a URL never changes meaning.
  const cache = url.searchParams.get('v') === asset.etag ? 'public, max-age=31536000, immutable' : 'no-cache';
  sendAsset(req, res, asset, { 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  return true;
}
