// GraphQL subscriptions over the graphql-ws protocol, on the HTTP server's own port and /graphql.
// The api key travels in connection_init ({"Authorization": "Bearer …"}); only subscription
// operations run here (queries and mutations go over HTTP, with their limits and metrics).
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { App } from '../app';
import type { Principal } from '../domain/auth/principal';
import { EventFeed } from '../domain/events/event-feed';
import { hostAllowed } from '../server';
import type { Context } from './context';
import { limitRules } from './limits';
import { createLoaders } from './loaders';

type ConnectionExtra = {
  principal?: Principal;
  authorization?: string;
};

export interface Subscriptions {
  close(): Promise<void>;
}

/** Unsent bytes on a subscriber's socket beyond which it is closed as too slow. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export function attachSubscriptions(server: http.Server, app: App, maxBufferedBytes = MAX_BUFFERED_BYTES): Subscriptions {
  const feed = new EventFeed(app.databaseUrl, app.services.events, app.log);
  // With AUTH=off every caller is ADMIN, and browsers let any page open a WebSocket: the same
  // Host rule as HTTP (DNS rebinding), and the page's Origin must be one of ours too.
  const wss = new WebSocketServer({
    server, path: '/graphql',
    verifyClient: ({ req, origin }: { req: http.IncomingMessage; origin?: string }) => {
      if (!hostAllowed(app.config, req.headers.host)) return false;
      if (app.config.auth !== 'off' || !origin) return true;
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        return false;
      }
      return hostAllowed(app.config, host) || Boolean(app.config.corsOrigins?.includes(origin));
    },
  });
  const rules = [...specifiedRules, ...limitRules(app.config)];
  useServer<Record<string, unknown> | undefined, ConnectionExtra>({
    schema: app.schema,
    onConnect: async (ctx) => {
      const raw = ctx.connectionParams?.Authorization ?? ctx.connectionParams?.authorization;
      const authorization = typeof raw === 'string' ? raw : undefined;
      try {
        ctx.extra.principal = await app.services.auth.authenticate(authorization);
        ctx.extra.authorization = authorization;
        return true;
      } catch {
        return false; // graphql-ws closes with 4403 Forbidden
      }
    },
    onSubscribe: (ctx, _id, payload) => {
      let document;
      try {
        document = parse(payload.query);
      } catch (err) {
        return [err as GraphQLError];
      }
      const errors = validate(app.schema, document, rules);
      if (errors.length) return errors;
      const operation = getOperationAST(document, payload.operationName);
      if (operation?.operation !== 'subscription') {
        return [new GraphQLError('only subscriptions run over WebSocket; send queries and mutations as HTTP POST to /graphql', { extensions: { code: 'BAD_USER_INPUT' } })];
      }
      const { socket } = ctx.extra;
      const principal = ctx.extra.principal!;
      const context: Context = {
        principal,
        loaders: createLoaders(app.db),
        services: app.services,
        requestId: randomUUID(),
        live: {
          feed,
          recheck: () => app.services.auth.authenticate(ctx.extra.authorization),
          tooSlow: () => socket.bufferedAmount > maxBufferedBytes,
          sendTimeoutMs: app.config.subscriptionSendTimeoutMs,
          end: (code, reason) => socket.close(code, reason),
        },
      };
      return { schema: app.schema, document, operationName: payload.operationName, variableValues: payload.variables ?? undefined, contextValue: context };
    },
  }, wss);
  return {
    close: async () => {
      await feed.close();
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
