// Live updates: one subscription to the change log, for the project in view. Events write their
// subject's current fields into the normalized cache (see graphql/live.graphql), which updates a
// stage, a status or a tag wherever it is shown; pages add, with useLive, what an event changes in
// the lists they hold. Before a page's first query the layer reads where the change log stands
// (latestEventSequence) and subscribes after it, so a change committed between the page's read and
// the subscription's start is replayed (one the page already shows is a harmless cache write).
// After a disconnect the subscription resumes with `after` = the last sequence seen, so the server
// replays what was missed before going live again.
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { ConsoleEventsDocument, LiveHeadDocument, type ConsoleEventsSubscription, type EventFilter } from './generated/graphql';
import { holdQueriesUntil, liveSocket } from './apollo';
import { projectPage, useLocation } from './router';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';
export type LiveEvent = ConsoleEventsSubscription['events'];
type Listener = (event: LiveEvent) => void;

const StatusContext = createContext<LiveStatus>('off');
const ListenContext = createContext<(listener: Listener) => () => void>(() => () => undefined);

// The server closes with these when the key is refused or revoked: trying again cannot help.
const REFUSED = new Set([4401, 4403]);
const MAX_BACKOFF_MS = 30_000;

// Outside a project only the list of projects is on screen.
const PROJECTS_PAGE: EventFilter = { kinds: ['PROJECT_CREATED', 'ENTITY_UPDATED', 'ENTITY_DELETED', 'ENTITY_RESTORED'] };

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useApolloClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<Listener>());
  // Only what the page in view can show: the server reads and resolves no other project's events
  // for this tab. Another project starts a new subscription, as opening a page does.
  const project = projectPage(useLocation().path)?.project ?? null;

  // Read during render, before the pages below render and send their queries, which wait for it:
  // whatever those queries miss has a greater sequence, and the subscription replays it.
  const head = useRef<{ project: string | null; sequence: Promise<string | null> } | null>(null);
  if (!head.current || head.current.project !== project) {
    const sequence = client.query({ query: LiveHeadDocument, fetchPolicy: 'network-only' })
      .then((r) => r.data?.latestEventSequence ?? null, () => null);
    holdQueriesUntil(sequence);
    head.current = { project, sequence };
  }

  useEffect(() => {
    const filter: EventFilter = project ? { projects: [project] } : PROJECTS_PAGE;
    let first: Promise<string | null> | null = head.current!.sequence;
    let last: string | null = null;
    let failures = 0;
    let closeCode: number | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let subscription: { unsubscribe(): void } | undefined;
    const offs = [
      liveSocket.on('connected', () => {
        if (!stopped) setStatus('live');
      }),
      liveSocket.on('closed', (event) => {
        closeCode = (event as { code?: number } | undefined)?.code;
      }),
    ];

    const start = async () => {
      closeCode = undefined;
      let ended = false;
      const end = (fatal: boolean) => {
        if (ended || stopped) return;
        ended = true;
        subscription?.unsubscribe();
        if (fatal || (closeCode !== undefined && REFUSED.has(closeCode))) return setStatus('off');
        setStatus('reconnecting');
        // Exponential backoff with jitter: many consoles do not come back in step after a restart.
        const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures) * (0.5 + Math.random() / 2);
        failures += 1;
        timer = setTimeout(() => void start(), wait);
      };
      if (last === null) {
        // No position yet: the one read before the page loaded or, when that read failed, a new
        // one, read before the pages read themselves again.
        const reread = !first;
        const sequence = first ?? client.query({ query: LiveHeadDocument, fetchPolicy: 'network-only' })
          .then((r) => r.data?.latestEventSequence ?? null, () => null);
        first = null;
        last = await sequence;
        if (stopped) return;
        if (last === null) return end(false);
        if (reread) await client.refetchQueries({ include: 'active' }).catch(() => undefined);
        if (stopped) return;
      }
      subscription = client.subscribe({ query: ConsoleEventsDocument, variables: { after: last, filter } }).subscribe({
        next: (result) => {
          if (result.error) return end(CombinedGraphQLErrors.is(result.error));
          const event = result.data?.events;
          if (!event) return;
          failures = 0;
          last = event.sequence;
          for (const listener of listeners.current) listener(event);
        },
        error: () => end(false),
        complete: () => end(false),
      });
    };
    void start();
    return () => {
      stopped = true;
      clearTimeout(timer);
      subscription?.unsubscribe();
      for (const off of offs) off();
    };
  }, [client, project]);

  // The next sign-in connects afresh with its own key.
  useEffect(() => () => liveSocket.terminate(), []);

  const listen = useMemo(() => (listener: Listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);

  return (
    <ListenContext.Provider value={listen}>
      <StatusContext.Provider value={status}>{children}</StatusContext.Provider>
    </ListenContext.Provider>
  );
}

export const useLiveStatus = () => useContext(StatusContext);

/** A burst (one transaction's events, a pipeline's steps) waits this long for its end… */
const QUIET_MS = 250;
/** …but a steady stream still refreshes this often. */
const MAX_WAIT_MS = 2000;

/**
 * Runs `refresh` after events that `matches` accepts, debounced: once per burst, never two at
 * a time (events arriving during a refresh lead to one more afterwards).
 */
export function useLive(matches: (event: LiveEvent) => boolean, refresh: () => unknown) {
  const listen = useContext(ListenContext);
  const latest = useRef({ matches, refresh });
  latest.current = { matches, refresh };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let firstAt = 0;
    let running = false;
    let again = false;
    let gone = false;
    const run = async () => {
      timer = undefined;
      firstAt = 0;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        await latest.current.refresh();
      } catch {
        // a failed refresh shows no error: the page keeps what it has, the next event tries again
      } finally {
        running = false;
      }
      if (again && !gone) {
        again = false;
        void run();
      }
    };
    const off = listen((event) => {
      if (!latest.current.matches(event)) return;
      const now = Date.now();
      firstAt ||= now;
      clearTimeout(timer);
      timer = setTimeout(run, now - firstAt >= MAX_WAIT_MS ? 0 : QUIET_MS);
    });
    return () => {
      gone = true;
      off();
      clearTimeout(timer);
    };
  }, [listen]);
}

/** The ids an event is about: its subject and the containers the page may show it in. */
export function idsOf(event: LiveEvent): string[] {
  const ids = [event.subjectId];
  const s = event.subject;
  if (!s) return ids;
  if (s.__typename === 'ModelVersion') ids.push(s.model.id);
  if (s.__typename === 'PipelineRun') ids.push(s.pipeline.id);
  if (s.__typename === 'StepRun') ids.push(s.run.id);
  if (s.__typename === 'ArtifactVersion') ids.push(s.artifact.id);
  return ids;
}

export const inProject = (event: LiveEvent, project: string) => event.project?.name === project;

/** Deletions, restores and edits change names and lists: pages read themselves again. */
export const isLifecycle = (event: LiveEvent) => event.kind === 'ENTITY_DELETED' || event.kind === 'ENTITY_RESTORED' || event.kind === 'ENTITY_UPDATED';

const LABELS: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  off: 'Not live',
};
const TITLES: Record<LiveStatus, string> = {
  connecting: 'Opening the live connection',
  live: 'Pages update as changes are committed',
  reconnecting: 'The live connection was lost; changes made meanwhile arrive once it is back',
  off: 'Live updates are off: the server refused the connection; reload to try again',
};

export function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <span role="status" className={`live live-${status}`} data-testid="live" data-status={status} title={TITLES[status]}>
      <span className="dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
