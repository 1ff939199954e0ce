// The transactional outbox: services record events on their transaction; the transaction helper
// writes them as its last statement, so an event exists exactly when its change committed.
import { EntityManager } from 'typeorm';
import { requestScope } from '../../db/request-scope';
import type { KindName } from '../kinds';
import type { EventKind } from './event-kind';

export interface NewEvent {
  kind: EventKind;
  /** Null for server-wide events. */
  projectId: string | null;
  subject: KindName | 'Webhook';
  subjectId: string;
  data?: Record<string, unknown>;
  /** The rows the subject lived in, for an event whose subject is gone by commit time (see containersOf). */
  containers?: string[];
}

/** The channel a commit notifies with its last sequence; every server process listens on it. */
export const EVENTS_CHANNEL = 'mag_events';

const pending = new WeakMap<EntityManager, NewEvent[]>();

export function emit(tx: EntityManager, ...events: NewEvent[]): void {
  if (!events.length) return;
  const list = pending.get(tx);
  if (list) list.push(...events);
  else pending.set(tx, [...events]);
}

// The rows an event's subject lives in, read once at write time so that filtering by a container
// (a project, pipeline, run, artifact or model) is one index lookup later.
const CONTAINERS = `array_remove(ARRAY[x.project_id] || CASE x.subject_type
    WHEN 'PipelineRun' THEN ARRAY(SELECT r.pipeline_id FROM pipeline_run r WHERE r.id = x.subject_id)
    WHEN 'StepRun' THEN ARRAY(SELECT unnest(ARRAY[r.id, r.pipeline_id]) FROM step_run s
      JOIN pipeline_run r ON r.project_id = s.project_id AND r.id = s.run_id WHERE s.id = x.subject_id)
    WHEN 'ArtifactVersion' THEN ARRAY(SELECT unnest(ARRAY[v.artifact_id, v.producer_run_id, r.pipeline_id]) FROM artifact_version v
      LEFT JOIN pipeline_run r ON r.project_id = v.project_id AND r.id = v.producer_run_id WHERE v.id = x.subject_id)
    WHEN 'ModelVersion' THEN ARRAY(SELECT v.model_id FROM model_version v WHERE v.id = x.subject_id)
    ELSE '{}'::uuid[] END, NULL)`;

/**
 * The containers of subjects as they are now, for events whose subjects the same transaction
 * removes before its events are written (a purge): keyed by subject id.
 */
export async function containersOf(tx: EntityManager, subjects: { projectId: string; subject: KindName; subjectId: string }[]): Promise<Map<string, string[]>> {
  if (!subjects.length) return new Map();
  const rows: { id: string; containers: string[] }[] = await tx.query(
    `SELECT x.subject_id AS id, ${CONTAINERS} AS containers
     FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS x(project_id, subject_type, subject_id)`,
    [subjects.map((s) => s.projectId), subjects.map((s) => s.subject), subjects.map((s) => s.subjectId)]);
  return new Map(rows.map((r) => [r.id, r.containers]));
}

/**
 * Writes the transaction's events in one statement. Bumping the counter row locks it until commit:
 * concurrent writers queue here, at the very end of their transactions, so sequences are handed
 * out in commit order with no holes (a rolled-back transaction rolls its numbers back too).
 */
export async function flushEvents(tx: EntityManager): Promise<void> {
  const events = pending.get(tx);
  if (!events?.length) return;
  pending.delete(tx);
  const actor = requestScope.getStore()?.actor ?? 'system';
  const rows = events.map((e) => ({
    kind: e.kind, project_id: e.projectId, subject_type: e.subject, subject_id: e.subjectId, data: e.data ?? {}, containers: e.containers ?? null,
  }));
  await tx.query(
    `WITH c AS (UPDATE event_counter SET last = last + $1 WHERE id = 1 RETURNING last),
     ins AS (
       INSERT INTO event (sequence, kind, actor, project_id, subject_type, subject_id, containers, data)
       SELECT c.last - $1 + x.ord, x.kind, $3, x.project_id, x.subject_type, x.subject_id, COALESCE(x.given, ${CONTAINERS}), x.data
       FROM c, ROWS FROM (jsonb_to_recordset($2::jsonb) AS (kind text, project_id uuid, subject_type text, subject_id uuid, data jsonb, containers uuid[]))
         WITH ORDINALITY AS x(kind, project_id, subject_type, subject_id, data, given, ord)
       RETURNING sequence)
     SELECT pg_notify('${EVENTS_CHANNEL}', (SELECT last FROM c)::text)`,
    [rows.length, JSON.stringify(rows), actor]);
}
