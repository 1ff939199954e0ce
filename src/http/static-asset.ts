// One file served from memory, gzipped when the client accepts it, revalidated by its etag:
// how the playground and the console send what they serve.
import type http from 'node:http';

export interface StaticAsset {
  type: string;
  body: Buffer;
  /** The gzipped body; the body itself when compressing does not pay. */
  gzipped: Buffer;
  /** A hash of the body. */
  etag: string;
}

export function sendAsset(req: http.IncomingMessage, res: http.ServerResponse, asset: StaticAsset, headers: Record<string, string>) {
  const useGzip = asset.gzipped !== asset.body && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const etag = `"${asset.etag}${useGzip ? '-gz' : ''}"`;
  const common = { ...headers, etag, vary: 'accept-encoding' };
  if (req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const body = useGzip ? asset.gzipped : asset.body;
  res.writeHead(200, { ...common, 'content-type': asset.type, 'content-length': body.length, ...(useGzip ? { 'content-encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
