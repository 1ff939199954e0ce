// Per request: who is calling, a fresh set of loaders, the shared services, a request id.
import type { Principal } from '../domain/auth/principal';
import type { Services } from '../domain/services';
import type { EventFeed } from '../domain/events/event-feed';
import type { Loaders } from './loaders';

export interface Context {
  principal: Principal;
  loaders: Loaders;
  services: Services;
  requestId: string;
  /** Subscriptions only: the event feed, and the subscriber's socket as far as the feed needs it. */
  live?: {
    feed: EventFeed;
    recheck: () => Promise<Principal>;
    tooSlow: () => boolean;
    /** How long one event may wait for the client to take it. */
    sendTimeoutMs: number;
    end: (code: number, reason: string) => void;
  };
  /** The request's Idempotency-Key header, checked by the creating mutations that honour it. */
  idempotencyKey?: string | null;
}
