// Live events for subscribers in this process. A commit's NOTIFY wakes every server process; each
// subscriber then reads the rows after its own cursor, so replay and live are one loop over
// sequences (commit ordered, gap-free): nothing is missed or repeated at the seam, and an event
// committed through another replica arrives the same way.
import { Client } from 'pg';
import type { Logger } from '../../logger';
import type { Principal } from '../auth/principal';
import { Event } from './event.entity';
import { EVENTS_CHANNEL } from './events.outbox';
import type { EventsService } from './events.service';
import { EventFilter } from './events.types';

/** How often a subscriber looks for new rows without a notification, and re-checks its key. */
const POLL_MS = 1000;
const RECHECK_KEY_MS = 2000;
const BATCH = 200;

export class SubscriptionEnded extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface StreamOptions {
  filter: EventFilter | null | undefined;
  /** A sequence to replay from; absent: only what commits from now on. */
  after: string | null | undefined;
  principal: Principal;
  /** Authenticates the caller again; throws once the key is revoked. */
  recheck: () => Promise<Principal>;
  /** True when the client reads too slowly (its socket's unsent bytes are over the bound). */
  tooSlow: () => boolean;
}

export class EventFeed {
  private listener: Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly databaseUrl: string, private readonly events: EventsService, private readonly log: Logger) {}

  async *stream(options: StreamOptions): AsyncGenerator<Event> {
    this.listen();
    let cursor = options.after ?? (await this.events.head());
    let principal = options.principal;
    let checked = Date.now();
    while (!this.closed) {
      const batch = await this.events.after(principal, options.filter, cursor, BATCH);
      for (const event of batch) {
        if (options.tooSlow()) throw new SubscriptionEnded(1008, 'subscriber too slow: its unread events exceed the bound');
        cursor = event.sequence;
        yield event;
      }
      if (Date.now() - checked >= RECHECK_KEY_MS) {
        try {
          principal = await options.recheck();
        } catch {
          throw new SubscriptionEnded(4403, 'the api key was revoked');
        }
        checked = Date.now();
      }
      if (batch.length < BATCH) await this.nextWake(POLL_MS);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private nextWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** One LISTEN connection per process, opened with the first subscriber and reopened if lost. */
  private listen(): void {
    if (this.listener || this.connecting || this.closed) return;
    this.connecting = (async () => {
      const client = new Client({ connectionString: this.databaseUrl, application_name: 'ml-asset-graph-events' });
      client.on('notification', () => this.wakeAll());
      client.on('error', (err) => {
        this.log.warn({ err }, 'event listener connection lost; subscribers poll until it is back');
        if (this.listener === client) this.listener = null;
        setTimeout(() => this.listen(), POLL_MS).unref();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${EVENTS_CHANNEL}`);
        if (this.closed) await client.end();
        else this.listener = client;
      } catch (err) {
        this.log.warn({ err }, 'could not LISTEN for events; subscribers poll');
        await client.end().catch(() => undefined);
        setTimeout(() => this.listen(), POLL_MS * 5).unref();
      }
    })().finally(() => {
      this.connecting = null;
    });
  }
}
