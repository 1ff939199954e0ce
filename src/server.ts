// HTTP: GraphQL on /graphql (and /), the playground, health endpoints, /metrics; no domain code here.
import http from 'node:http';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { App } from './app';
import { Config, isLoopback } from './config';
import { Role } from './domain/auth/role';
import type { Context } from './graphql/context';
import { createFormatError, translateDatabaseError } from './graphql/errors';
import { costPlugin, limitRules, parseOptions } from './graphql/limits';
import { createLoaders } from './graphql/loaders';
import { attachSubscriptions } from './graphql/subscriptions';
import { compilerPlugin, EXECUTION_PATH_HEADER, writeCompiledBody } from './compiler/plugin';
import { requestScope } from './db/request-scope';
import { MIGRATIONS } from './db/data-source';
import { HttpRoute, Metrics, MetricsScope } from './observability/metrics';
import { ingestOverHttp } from './domain/openlineage/openlineage.http';
import { ASSET_PREFIX, servePlaygroundAsset, servePlaygroundPage, wantsPlayground } from './playground/playground';
import { isConsolePath, serveConsole } from './console/console';

export interface HttpServer {
  server: http.Server;
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `drainMs` (then cuts
   * them), stops Apollo. Resolves with the number of requests that had to be cut.
   */
  close(drainMs?: number): Promise<number>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const errorBody = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Drop the body but read it to its end (up to a bound), so the client gets to read the 413
        // instead of a connection reset while it is still sending.
        tooLarge = true;
        chunks.length = 0;
        if (size > limit * 32) {
          req.destroy();
          reject(new BodyTooLarge());
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** The host name of a Host header ("[::1]:4000" → "::1"), lower case; undefined when absent. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '');
}

/**
 * With AUTH=off every caller is ADMIN, so a web page must not reach us through a DNS name it
 * controls (DNS rebinding): only loopback names, HOST itself and ALLOWED_HOSTS may be named.
 */
export function hostAllowed(config: Config, header: string | undefined): boolean {
  if (config.auth !== 'off') return true;
  const name = hostName(header);
  // HTTP/1.0 clients may send none; browsers always do.
  if (name === undefined) return true;
  return isLoopback(name) || name === config.host.toLowerCase() || config.allowedHosts.includes(name);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export async function startHttpServer(app: App, port: number, host: string): Promise<HttpServer> {
  const { config, log } = app;
  const metrics = config.metrics ? new Metrics(app.db, config.poolSize) : null;
  const apollo = new ApolloServer<Context>({
    schema: app.schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: parseOptions(config),
    // main.ts owns the signals: Apollo's own handlers would stop it under in-flight requests and
    // re-raise the signal while our shutdown is still draining.
    stopOnTerminationSignals: false,
    validationRules: limitRules(config),
    formatError: createFormatError((err, formatted) => {
      log.error({ err, path: formatted.path, requestId: requestScope.getStore()?.requestId }, 'unexpected error');
    }),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints here; without this plugin Apollo wraps every field resolver to track them.
      ApolloServerPluginCacheControlDisabled(),
      ...(metrics ? [metrics.plugin] : []),
      costPlugin(app.schema, config),
      compilerPlugin(app),
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operation }) {
              const scope = requestScope.getStore();
              if (scope && operation) scope.operationType = operation.operation;
            },
            async willSendResponse({ operationName, response, errors }) {
              const scope = requestScope.getStore();
              if (!scope) return;
              scope.operationName = operationName?.slice(0, 200) ?? null;
              const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
              for (const e of body?.errors ?? errors ?? []) scope.errorCodes.push(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  const corsHeaders = (req: http.IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !config.corsOrigins) return {};
    if (!config.corsOrigins.includes('*') && !config.corsOrigins.includes(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization, content-type, apollo-require-preflight, idempotency-key',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      vary: 'Origin',
    };
  };

  async function graphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    // Aborted when the client goes away before its answer: its SQL is cancelled (db/pool-gate.ts).
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const scope: MetricsScope = {
      sqlStatements: 0, errorCodes: [], requestId, signal: abort.signal, startedAt: Date.now(), caller: `address:${req.socket.remoteAddress}`,
    };
    const cors = corsHeaders(req);
    let status = 200;
    await requestScope.run(scope, async () => {
      let body: unknown;
      if (req.method === 'POST') {
        let text: string;
        try {
          text = await readBody(req, config.bodyLimitBytes);
        } catch (err) {
          status = err instanceof BodyTooLarge ? 413 : 400;
          scope.errorCodes.push('BAD_REQUEST');
          sendJson(res, status, errorBody(status === 413 ? `request body is larger than ${config.bodyLimitBytes} bytes` : 'could not read the request body', 'BAD_REQUEST'), { connection: 'close', ...cors });
          return;
        }
        const type = String(req.headers['content-type'] ?? '');
        if (type.startsWith('application/json') || type.startsWith('application/graphql-response+json')) {
          try {
            body = JSON.parse(text);
          } catch {
            status = 400;
            scope.errorCodes.push('BAD_REQUEST');
            sendJson(res, status, errorBody('request body is not valid JSON', 'BAD_REQUEST'), cors);
            return;
          }
        } else {
          body = text;
        }
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => ({
          // A database error here would reach the client as Apollo's "context creation failed" 500.
          principal: await app.services.auth.authenticate(req.headers.authorization).then((principal) => {
            // Keys are callers of their own for the pool share; without one, the address is.
            if (principal.keyId) scope.caller = `key:${principal.keyId}`;
            return principal;
          }, (err) => {
            throw translateDatabaseError(err) ?? err;
          }),
          loaders: createLoaders(app.db),
          services: app.services,
          requestId,
          idempotencyKey: headers.get('idempotency-key') ?? null,
        }),
      });
      status = result.status ?? 200;
      const out: Record<string, string> = { ...cors, 'x-request-id': requestId };
      if (config.debugHeaders) out['x-sql-statements'] = String(scope.sqlStatements);
      for (const [key, value] of result.headers) out[key] = value;
      if (config.executionPathHeader && scope.executionPath) out[EXECUTION_PATH_HEADER] = scope.fallback ? `${scope.executionPath}; ${encodeURIComponent(scope.fallback.slice(0, 200))}` : scope.executionPath;
      if (writeCompiledBody(scope, res, status, out)) return;
      if (result.body.kind === 'complete') {
        const text = result.body.string;
        res.writeHead(status, { ...out, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } else {
        res.writeHead(status, out);
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    });
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    metrics?.observeGraphql(scope, status, durationMs / 1000);
    const line = { requestId, operation: scope.operationName ?? null, status, durationMs: Math.round(durationMs * 100) / 100, sqlStatements: scope.sqlStatements, errors: scope.errorCodes, path: scope.executionPath ?? null };
    if (durationMs >= config.slowOperationMs) log.warn(line, 'slow operation');
    else log.info(line, 'request');
  }

  // OpenLineage's HTTP transport: one event per POST, handled by the same service as the mutation.
  async function lineage(req: http.IncomingMessage, res: http.ServerResponse) {
    if (req.method !== 'POST') return sendJson(res, 405, errorBody('POST an OpenLineage event here', 'BAD_REQUEST'), { allow: 'POST' });
    const requestId = randomUUID();
    const scope: MetricsScope = { sqlStatements: 0, errorCodes: [], requestId };
    await requestScope.run(scope, async () => {
      let text: string;
      try {
        text = await readBody(req, config.bodyLimitBytes);
      } catch (err) {
        const status = err instanceof BodyTooLarge ? 413 : 400;
        return sendJson(res, status, errorBody(status === 413 ? `request body is larger than ${config.bodyLimitBytes} bytes` : 'could not read the request body', 'BAD_REQUEST'), { connection: 'close' });
      }
      const reply = await ingestOverHttp(app.db, app.services, req.headers.authorization, text, requestId);
      sendJson(res, reply.status, reply.body, { 'x-request-id': requestId, ...(config.debugHeaders ? { 'x-sql-statements': String(scope.sqlStatements) } : {}) });
      log.info({ requestId, route: 'lineage', status: reply.status, sqlStatements: scope.sqlStatements }, 'request');
    });
  }

  async function ready(res: http.ServerResponse) {
    try {
      const rows: { name: string }[] = await app.db.query('SELECT name FROM migrations');
      const applied = new Set(rows.map((r) => r.name));
      const pending = MIGRATIONS.map((m) => m.name).filter((n) => !applied.has(n));
      if (pending.length) return sendJson(res, 503, { status: 'migrations pending', pending });
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendJson(res, 503, { status: 'database unavailable' });
    }
  }

  const metricsTokenHash = config.metricsToken ? sha256(config.metricsToken) : undefined;
  /** With AUTH=required, /metrics shows every caller's operations: METRICS_TOKEN or an unscoped ADMIN key. */
  async function mayReadMetrics(req: http.IncomingMessage): Promise<boolean> {
    if (config.auth === 'off') return true;
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return false;
    if (metricsTokenHash && timingSafeEqual(sha256(match[1].trim()), metricsTokenHash)) return true;
    try {
      const principal = await app.services.auth.authenticate(req.headers.authorization);
      return principal.role === Role.ADMIN && principal.projectIds === null;
    } catch {
      return false;
    }
  }

  async function serveMetrics(m: Metrics, req: http.IncomingMessage, res: http.ServerResponse) {
    if (!(await mayReadMetrics(req))) {
      return sendJson(res, 401, errorBody('/metrics needs Authorization: Bearer <METRICS_TOKEN or an ADMIN api key>', 'UNAUTHENTICATED'), { 'www-authenticate': 'Bearer' });
    }
    const text = await m.render();
    res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }

  const inFlight = new Set<http.ServerResponse>();
  let draining = false;
  let drained: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    inFlight.add(res);
    // While draining, answer what arrives on open connections, then close them.
    if (draining) res.setHeader('connection', 'close');
    res.on('close', () => {
      inFlight.delete(res);
      if (draining && inFlight.size === 0) drained?.();
    });
    const url = new URL(req.url ?? '/', 'http://localhost');
    let route: HttpRoute = 'graphql';
    const notFound = () => {
      route = 'not_found';
      sendJson(res, 404, errorBody(`no route for ${url.pathname}`, 'NOT_FOUND'));
    };
    const handle = async () => {
      if (!hostAllowed(config, req.headers.host)) {
        route = 'forbidden_host';
        return sendJson(res, 403, errorBody(`Host "${hostName(req.headers.host)}" is not accepted while AUTH=off (DNS rebinding protection): use localhost or 127.0.0.1, list the name in ALLOWED_HOSTS, or set AUTH=required`, 'FORBIDDEN'));
      }
      if (url.pathname === '/healthz') {
        route = 'healthz';
        return sendJson(res, 200, { status: 'ok' });
      }
      if (url.pathname === '/readyz') {
        route = 'readyz';
        return ready(res);
      }
      if (url.pathname === '/metrics' && metrics) {
        route = 'metrics';
        return serveMetrics(metrics, req, res);
      }
      if (url.pathname === '/api/v1/lineage') {
        route = 'lineage';
        return lineage(req, res);
      }
      if (url.pathname.startsWith(ASSET_PREFIX) && config.playground) {
        route = 'playground';
        if (!(await servePlaygroundAsset(req, res, url))) notFound();
        return;
      }
      if (isConsolePath(url.pathname)) {
        route = 'console';
        return serveConsole(req, res, url);
      }
      if (url.pathname !== '/graphql' && url.pathname !== '/') return notFound();
      if (req.method === 'OPTIONS') {
        res.writeHead(204, corsHeaders(req));
        return res.end();
      }
      if (config.playground && wantsPlayground(req, url)) {
        route = 'playground';
        return servePlaygroundPage(req, res);
      }
      return graphql(req, res, url);
    };
    handle().catch((err) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, errorBody('internal server error', 'INTERNAL_SERVER_ERROR'));
      else res.destroy();
    }).then(() => metrics?.countHttp(route, res.statusCode));
  });
  server.keepAliveTimeout = 65_000;
  const subscriptions = attachSubscriptions(server, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as import('node:net').AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${address.port}/graphql`;
  return {
    server,
    url,
    close: async (drainMs = 10_000) => {
      draining = true;
      await subscriptions.close();
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let cut = 0;
      if (inFlight.size) {
        const allDone = new Promise<void>((resolve) => (drained = resolve));
        let drainTimer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          allDone.then(() => false),
          new Promise<boolean>((resolve) => (drainTimer = setTimeout(() => resolve(true), drainMs))),
        ]);
        clearTimeout(drainTimer);
        if (timedOut) {
          cut = inFlight.size;
          log.warn({ requests: cut, drainMs }, 'requests still running after the drain time: cutting them');
          server.closeAllConnections();
        }
      }
      // Connections that turned idle during the drain; anything left after a moment is cut.
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      return cut;
    },
  };
}
