// Webhooks: endpoints that receive the change log as signed POSTs, one event at a time, in order.
import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '../../graphql/errors';
import { decodeId } from '../../graphql/ids';
import type { Connection } from '../../graphql/pagination';
import { validateName } from '../../graphql/validation';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { assertRole, coversProjects, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { EventKind } from './event-kind';
import { Event, Webhook } from './event.entity';
import { emit } from './events.outbox';
import { CreatedWebhook, CreateWebhookInput, WebhookDelivery, WebhookDeliveryStatus } from './webhooks.types';

export interface WebhookSettings {
  /** Attempts per event before it is marked FAILED and the next event proceeds. */
  maxAttempts: number;
  /** Wait before the 2nd attempt; doubled for each later one (20 s → 20, 40, 80, 160, 320 s: about 10 minutes over 6 attempts). */
  backoffMs: number;
  timeoutMs: number;
  /** Host names deliveries may go to; empty: any. */
  allowedHosts: string[];
}

/** Webhooks the server keeps at most (the `webhooks` list returns them all). */
export const MAX_WEBHOOKS = 100;

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { maxAttempts: 6, backoffMs: 20_000, timeoutMs: 10_000, allowedHosts: [] };

/** The JSON body of a delivery: the event as the change log shows it. */
export function eventBody(e: Event & { project_name?: string | null }): string {
  return JSON.stringify({
    id: e.globalId, sequence: e.sequence, kind: e.kind, at: e.at.toISOString(), actor: e.actor,
    project: e.project_name ?? null, subjectId: Buffer.from(`${e.subjectType}:${e.subjectId}`).toString('base64url'), data: e.data,
  });
}

export const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

interface AttemptResult { ok: boolean; status: number | null; error: string | null }

export async function postEvent(url: string, secret: string, event: Event & { project_name?: string | null }, timeoutMs: number): Promise<AttemptResult> {
  const body = eventBody(event);
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json', 'user-agent': 'ml-asset-graph-webhooks',
        'x-signature-256': signature(secret, body), 'x-event-id': event.globalId, 'x-event-kind': event.kind,
      },
      body,
    });
    await res.arrayBuffer().catch(() => undefined);
    return { ok: res.status >= 200 && res.status < 300, status: res.status, error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message).slice(0, 200);
    return { ok: false, status: null, error };
  }
}

/** Webhooks reach only what the caller reaches: a key limited to projects manages webhooks limited to them. */
function canManage(principal: Principal, webhook: { projects: string[] }): boolean {
  return principal.projectIds === null || (webhook.projects.length > 0 && coversProjects(principal, webhook.projects));
}

export class WebhooksService {
  constructor(private readonly db: DataSource, private readonly settings: WebhookSettings) {}

  checkUrl(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new BadUserInputError(`url "${url.slice(0, 100)}" is not a URL`, 'url');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new BadUserInputError('url must be http:// or https://', 'url');
    const { allowedHosts } = this.settings;
    if (allowedHosts.length && !allowedHosts.includes(parsed.hostname)) {
      throw new BadUserInputError(`url: host "${parsed.hostname}" is not in WEBHOOK_ALLOWED_HOSTS (${allowedHosts.join(', ')})`, 'url');
    }
  }

  async create(ctx: Context, input: CreateWebhookInput): Promise<CreatedWebhook> {
    assertRole(ctx.principal, Role.ADMIN, 'creating a webhook');
    const name = validateName(input.name, 'name');
    this.checkUrl(input.url);
    const projects = input.projects ?? [];
    if (!canManage(ctx.principal, { projects })) {
      throw new ForbiddenError(`this key is limited to projects ${ctx.principal.projects.join(', ')}; its webhooks must name some of them in projects`);
    }
    const secret = randomBytes(32).toString('hex');
    return transaction(this.db, async (tx) => {
      const known: { name: string }[] = await tx.query('SELECT name FROM project WHERE name = ANY($1::text[])', [projects]);
      const missing = projects.find((p) => !known.some((k) => k.name === p));
      if (missing) throw new NotFoundError(`project "${missing}" not found`);
      // Creations queue on a transaction-level advisory lock, so the cap holds under concurrency.
      await tx.query('SELECT pg_advisory_xact_lock(7263540114)');
      const [{ n }] = await tx.query('SELECT count(*)::int AS n FROM webhook');
      if (n >= MAX_WEBHOOKS) throw new BadUserInputError(`the server keeps at most ${MAX_WEBHOOKS} webhooks; delete one first`);
      // New webhooks start at the head of the change log: they receive what commits from now on.
      const [row] = await tx.query(
        `INSERT INTO webhook (name, url, projects, kinds, secret, cursor) SELECT $1, $2, $3, $4, $5, last FROM event_counter WHERE id = 1
         ON CONFLICT (name) DO NOTHING RETURNING *`,
        [name, input.url, projects, input.kinds ?? [], secret]);
      if (!row) throw new ConflictError(`webhook "${name}" already exists`);
      return { webhook: hydrate(this.db, Webhook, row), secret };
    });
  }

  async list(ctx: Context): Promise<Webhook[]> {
    assertRole(ctx.principal, Role.ADMIN, 'listing webhooks');
    const rows: Record<string, unknown>[] = await this.db.query('SELECT * FROM webhook ORDER BY created_at, id');
    return rows.map((r) => hydrate(this.db, Webhook, r)).filter((w) => canManage(ctx.principal, w));
  }

  async delete(ctx: Context, globalId: string): Promise<string> {
    const webhook = await this.get(ctx, globalId);
    await this.db.query('DELETE FROM webhook WHERE id = $1', [webhook.id]);
    return globalId;
  }

  /** Sends a PING event now, outside the queue, and returns that delivery. */
  async ping(ctx: Context, globalId: string): Promise<WebhookDelivery> {
    const webhook = await this.get(ctx, globalId);
    this.checkUrl(webhook.url);
    const event = await transaction(this.db, async (tx) => {
      emit(tx, { kind: EventKind.PING, projectId: null, subject: 'Webhook', subjectId: webhook.id, data: { webhook: webhook.name } });
      return null;
    }).then(() => this.db.query(
      `SELECT * FROM event WHERE kind = 'PING' AND subject_id = $1 ORDER BY sequence DESC LIMIT 1`, [webhook.id]))
      .then(([row]) => hydrate(this.db, Event, row));
    const result = await postEvent(webhook.url, webhook.secret, event, this.settings.timeoutMs);
    const [row] = await this.db.query(
      `INSERT INTO webhook_delivery (webhook_id, event_sequence, status, attempts, last_attempt_at, response_status, error)
       VALUES ($1, $2, $3, 1, clock_timestamp(), $4, $5) RETURNING *`,
      [webhook.id, event.sequence, result.ok ? 'DELIVERED' : 'FAILED', result.status, result.error]);
    return deliveryOf(row, event);
  }

  async deliveries(webhook: Webhook, first: number | null | undefined, after: string | null | undefined): Promise<Connection<WebhookDelivery>> {
    const limit = first ?? 20;
    if (!Number.isInteger(limit) || limit < 0 || limit > 100) throw new BadUserInputError(`first must be between 0 and 100, got ${limit}`, 'first');
    let from: [string, string] | null = null;
    if (after) {
      try {
        const parsed = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
        if (Array.isArray(parsed) && parsed.length === 2 && /^\d{4}-/.test(parsed[0]) && /^[0-9a-f-]{36}$/.test(parsed[1])) from = parsed as [string, string];
      } catch {
        from = null;
      }
      if (!from) throw new BadUserInputError(`after: "${after.slice(0, 60)}" is not a valid cursor`, 'after');
    }
    const params: unknown[] = [webhook.id];
    let keyset = '';
    if (from) {
      params.push(from[0], from[1]);
      keyset = ' AND (d.created_at, d.id) < ($2::timestamptz, $3::uuid)';
    }
    const rows: Record<string, any>[] = await this.db.query(
      `SELECT d.*, d.created_at::text AS cursor_at, to_jsonb(e) AS event FROM webhook_delivery d
       JOIN event e ON e.sequence = d.event_sequence
       WHERE d.webhook_id = $1${keyset} ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit + 1}`, params);
    const page = rows.slice(0, limit);
    const cursor = (r: Record<string, any>) => Buffer.from(JSON.stringify([r.cursor_at, r.id])).toString('base64url');
    const nodes = page.map((r) => deliveryOf(r, hydrate(this.db, Event, { ...r.event, at: new Date(r.event.at) })));
    const db = this.db;
    let count: Promise<number> | undefined;
    return {
      nodes,
      edges: nodes.map((node, i) => ({ cursor: cursor(page[i]), node })),
      pageInfo: { hasNextPage: rows.length > limit, hasPreviousPage: Boolean(from), startCursor: page.length ? cursor(page[0]) : null, endCursor: page.length ? cursor(page[page.length - 1]) : null },
      get totalCount() {
        count ??= db.query('SELECT count(*)::int AS n FROM webhook_delivery WHERE webhook_id = $1', [webhook.id]).then((r: { n: number }[]) => r[0].n);
        return count;
      },
    };
  }

  private async get(ctx: Context, globalId: string): Promise<Webhook> {
    const { id } = decodeId('Webhook', globalId);
    const [row] = await this.db.query('SELECT * FROM webhook WHERE id = $1', [id]);
    const webhook = row ? hydrate(this.db, Webhook, row) : null;
    if (!webhook || !canManage(ctx.principal, webhook)) throw new NotFoundError(`webhook "${globalId}" not found`);
    assertRole(ctx.principal, Role.ADMIN, 'managing webhooks');
    return webhook;
  }
}

export function deliveryOf(row: Record<string, any>, event: Event): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    id: row.id, eventSequence: String(row.event_sequence), event, status: row.status as WebhookDeliveryStatus, attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at, responseStatus: row.response_status, error: row.error,
  });
}

/**
 * Delivers the change log to webhooks, each in sequence order. A webhook is worked on by one
 * process at a time (its row is locked FOR UPDATE SKIP LOCKED for the attempt), and the
 * attempt's outcome and the webhook's cursor commit together: each event is sent once when the
 * receiver answers 2xx, and again only if the process dies between sending and committing.
 */
export class WebhookDispatcher {
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly databaseUrl: string, private readonly settings: WebhookSettings, private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 500) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.drain().catch((err) => {
        this.onError(err);
        void this.client?.end().catch(() => undefined);
        this.client = null;
      }).finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  /** Works through due webhooks until none has anything to send right now. */
  async drain(): Promise<void> {
    for (let i = 0; i < 100 && !this.stopped; i++) {
      if (!(await this.step())) return;
    }
  }

  /** One attempt at one webhook's next event; false when no webhook had anything due. */
  private async step(): Promise<boolean> {
    if (!this.client) {
      const client = new Client({ connectionString: this.databaseUrl, application_name: 'ml-asset-graph-webhooks' });
      client.on('error', () => undefined);
      await client.connect();
      this.client = client;
    }
    const db = this.client;
    await db.query('BEGIN');
    try {
      // A webhook is due when its head-of-line delivery may be retried now, or when it has none
      // and an event after its cursor matches it.
      const { rows: [webhook] } = await db.query(
        `SELECT w.* FROM webhook w
         WHERE CASE WHEN EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.webhook_id = w.id AND d.status = 'PENDING')
           THEN EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.webhook_id = w.id AND d.status = 'PENDING' AND d.next_attempt_at <= clock_timestamp())
           ELSE EXISTS (SELECT 1 FROM event e WHERE e.sequence > w.cursor AND ${MATCHES}) END
         ORDER BY w.created_at, w.id LIMIT 1 FOR UPDATE OF w SKIP LOCKED`);
      if (!webhook) {
        await db.query('COMMIT');
        return false;
      }
      let { rows: [delivery] } = await db.query(
        `SELECT * FROM webhook_delivery WHERE webhook_id = $1 AND status = 'PENDING' ORDER BY event_sequence LIMIT 1`, [webhook.id]);
      if (!delivery) {
        ({ rows: [delivery] } = await db.query(
          `INSERT INTO webhook_delivery (webhook_id, event_sequence, status)
           SELECT $1, e.sequence, 'PENDING' FROM event e, webhook w WHERE w.id = $1 AND e.sequence > w.cursor AND ${MATCHES}
           ORDER BY e.sequence LIMIT 1 RETURNING *`, [webhook.id]));
      }
      const { rows: [eventRow] } = await db.query(
        'SELECT e.*, p.name AS project_name FROM event e LEFT JOIN project p ON p.id = e.project_id WHERE e.sequence = $1', [delivery.event_sequence]);
      const event = Object.assign(new Event(), {
        id: eventRow.id, sequence: String(eventRow.sequence), kind: eventRow.kind, at: eventRow.at, actor: eventRow.actor,
        projectId: eventRow.project_id, subjectType: eventRow.subject_type, subjectId: eventRow.subject_id, data: eventRow.data, project_name: eventRow.project_name,
      });
      const allowed = !this.settings.allowedHosts.length || this.settings.allowedHosts.includes(new URL(webhook.url).hostname);
      const result = allowed ? await postEvent(webhook.url, webhook.secret, event, this.settings.timeoutMs)
        : { ok: false, status: null, error: 'host not in WEBHOOK_ALLOWED_HOSTS' };
      const attempts = delivery.attempts + 1;
      const done = result.ok || attempts >= this.settings.maxAttempts;
      await db.query(
        `UPDATE webhook_delivery SET attempts = $2, last_attempt_at = clock_timestamp(), response_status = $3, error = $4, status = $5,
           next_attempt_at = CASE WHEN $5 = 'PENDING' THEN clock_timestamp() + $6 * interval '1 millisecond' END
         WHERE id = $1`,
        [delivery.id, attempts, result.status, result.error, result.ok ? 'DELIVERED' : done ? 'FAILED' : 'PENDING',
          this.settings.backoffMs * 2 ** (attempts - 1)]);
      if (done) await db.query('UPDATE webhook SET cursor = $2 WHERE id = $1', [webhook.id, delivery.event_sequence]);
      await db.query('COMMIT');
      return true;
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}

/** An event a webhook `w` wants: its projects (by name) and kinds, never another webhook's PING. */
const MATCHES = `e.kind <> 'PING'
  AND (cardinality(w.kinds) = 0 OR e.kind = ANY(w.kinds))
  AND (cardinality(w.projects) = 0 OR e.project_id IN (SELECT p.id FROM project p WHERE p.name = ANY(w.projects)))`;
