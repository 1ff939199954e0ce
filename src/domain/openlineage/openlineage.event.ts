// Reads an OpenLineage event (spec 2-0-x) into a checked, normalised shape before any SQL runs:
// every refusal is a BAD_USER_INPUT naming the field, so a bad event stores nothing.
import { createHash } from 'node:crypto';
import { BadUserInputError } from '../../graphql/errors';
import { isName, validateJsonDepth } from '../../graphql/validation';

export type EventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';
const EVENT_TYPES = new Set<string>(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']);

/** Names from OpenLineage are kept as sent, up to this many characters. */
export const MAX_OL_NAME_LENGTH = 1024;
/** PostgreSQL refuses btree entries over 2,704 bytes; names sit in unique indexes beside two uuids. */
export const MAX_OL_NAME_BYTES = 2600;
/** Datasets per list in one event, like recordStep's cap. */
export const MAX_DATASETS = 1000;

export type Facets = Record<string, unknown>;

export interface OlDataset {
  /** Identity of (namespace, name), as a fixed-length key. */
  key: string;
  namespace: string;
  name: string;
  /** The DatasetVersionDatasetFacet's datasetVersion, as a version name (see versionName). */
  version: string | null;
  facets: Facets;
  /** inputFacets or outputFacets. */
  ioFacets: Facets;
}

export interface OlJob {
  namespace: string;
  name: string;
}

export interface OlRunEvent {
  kind: 'run';
  eventType: EventType | null;
  /** RFC 3339 with an explicit zone (UTC when the event gave none), fractions cut to microseconds. */
  eventTime: string;
  runId: string;
  job: OlJob;
  jobFacets: Facets;
  runFacets: Facets;
  parent: (OlJob & { runId: string }) | null;
  inputs: OlDataset[];
  outputs: OlDataset[];
  producer: string | null;
}

export interface OlJobEvent {
  kind: 'job';
  eventTime: string;
  job: OlJob;
  jobFacets: Facets;
  datasets: OlDataset[];
}

export interface OlDatasetEvent {
  kind: 'dataset';
}

export type OlEvent = OlRunEvent | OlJobEvent | OlDatasetEvent;

const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
// Control characters and lone surrogates: what "printable" rules out.
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

const bad = (field: string, message: string) => new BadUserInputError(`${field} ${message}`, field);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value)) throw bad(field, value === undefined ? 'is missing' : 'must be a JSON object');
  return value;
}

function facets(value: unknown, field: string): Facets {
  if (value === undefined || value === null) return {};
  return object(value, field);
}

/** A name kept exactly as sent: any printable Unicode, 1 to 1,024 characters. */
export function olName(value: unknown, field: string): string {
  if (value === undefined || value === null) throw bad(field, 'is missing');
  if (typeof value !== 'string') throw bad(field, 'must be a string');
  if (value.length === 0) throw bad(field, 'must not be empty');
  if ([...value].length > MAX_OL_NAME_LENGTH) throw bad(field, `is longer than ${MAX_OL_NAME_LENGTH} characters`);
  if (UNPRINTABLE.test(value)) throw bad(field, 'holds a control character or an invalid surrogate');
  if (Buffer.byteLength(value) > MAX_OL_NAME_BYTES) throw bad(field, `is longer than ${MAX_OL_NAME_BYTES} bytes in UTF-8`);
  return value;
}

function runId(value: unknown, field: string): string {
  if (value === undefined || value === null) throw bad(field, 'is missing');
  if (typeof value !== 'string' || !UUID_ANY_CASE.test(value)) throw bad(field, `must be a UUID, got ${JSON.stringify(value).slice(0, 60)}`);
  return value.toLowerCase();
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** RFC 3339 date-time; no zone means UTC. PostgreSQL keeps microseconds, so nanoseconds are cut. */
export function eventTime(value: unknown, field = 'eventTime'): string {
  if (value === undefined || value === null) throw bad(field, 'is missing');
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!m) throw bad(field, `must be an RFC 3339 date-time, got ${JSON.stringify(value).slice(0, 60)}`);
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const zoneOk = !zone || /^[Zz]$/.test(zone) || (Number(zone.slice(1, 3)) <= 23 && Number(zone.replace(':', '').slice(3) || '0') <= 59);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > (month === 2 && !leap ? 28 : DAYS[month - 1]) ||
      Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || !zoneOk) {
    throw bad(field, `is not a valid date-time: ${value}`);
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ? `.${fraction.slice(0, 6)}` : ''}${!zone || /^[Zz]$/.test(zone) ? 'Z' : zone}`;
}

/**
 * A dataset version facet's value as a version name. All-digit names are the numbers handed out
 * automatically, and "latest" means the newest: those two get a "v" in front ("42" -> "v42").
 */
export function versionName(datasetVersion: string): string {
  return /^\d+$/.test(datasetVersion) || datasetVersion === 'latest' ? `v${datasetVersion}` : datasetVersion;
}

/**
 * The project a job namespace lands in: a namespace that is a valid project name is that name;
 * any other becomes its runs of other characters replaced by "-", cut to 200 characters, plus "-"
 * and the first 8 hex digits of its SHA-256, so two namespaces never share a project
 * ("airflow://prod:8080" -> "airflow:-prod:8080-e2a5d1fd").
 */
export function projectNameFor(namespace: string): string {
  if (isName(namespace)) return namespace;
  const readable = namespace.replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 200).replace(/-+$/, '');
  return `${readable || 'namespace'}-${createHash('sha256').update(namespace).digest('hex').slice(0, 8)}`;
}

export function datasetKey(namespace: string, name: string): string {
  return createHash('sha256').update(JSON.stringify([namespace, name])).digest('hex');
}

/** The dataset as one readable string: OpenLineage's naming spec joins namespace and name into a URI. */
export function datasetUri(namespace: string, name: string): string {
  return namespace.endsWith('/') || name.startsWith('/') ? `${namespace}${name}` : `${namespace}/${name}`;
}

function datasets(value: unknown, field: string, io: 'inputFacets' | 'outputFacets'): OlDataset[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad(field, 'must be an array');
  if (value.length > MAX_DATASETS) throw bad(field, `holds more than ${MAX_DATASETS} datasets`);
  // One dataset named twice in a list is one dataset; the later mention's facets win.
  const byKey = new Map<string, OlDataset>();
  value.forEach((raw, i) => {
    const at = `${field}[${i}]`;
    const d = object(raw, at);
    const namespace = olName(d.namespace, `${at}.namespace`);
    const name = olName(d.name, `${at}.name`);
    const f = facets(d.facets, `${at}.facets`);
    let version: string | null = null;
    if (f.version !== undefined && f.version !== null) {
      const v = object(f.version, `${at}.facets.version`);
      version = versionName(olName(v.datasetVersion, `${at}.facets.version.datasetVersion`));
    }
    const key = datasetKey(namespace, name);
    const seen = byKey.get(key);
    byKey.set(key, {
      key, namespace, name, version: version ?? seen?.version ?? null,
      facets: { ...seen?.facets, ...f }, ioFacets: { ...seen?.ioFacets, ...facets(d[io], `${at}.${io}`) },
    });
  });
  return [...byKey.values()];
}

function job(value: unknown, field: string): OlJob & { facets: Facets } {
  const j = object(value, field);
  return { namespace: olName(j.namespace, `${field}.namespace`), name: olName(j.name, `${field}.name`), facets: facets(j.facets, `${field}.facets`) };
}

/**
 * Which of the three events this is: a run (RunEvent), else a job (JobEvent), else a dataset
 * (DatasetEvent). Something that is none of them is read as a RunEvent, so the error names what
 * a RunEvent lacks.
 */
export function parseEvent(raw: unknown): OlEvent {
  const e = object(raw, 'event');
  validateJsonDepth(e, 'event');
  if (e.run === undefined && e.eventType === undefined) {
    if (e.job !== undefined) {
      const j = job(e.job, 'job');
      return {
        kind: 'job', eventTime: eventTime(e.eventTime), job: { namespace: j.namespace, name: j.name }, jobFacets: j.facets,
        datasets: [...datasets(e.inputs, 'inputs', 'inputFacets'), ...datasets(e.outputs, 'outputs', 'outputFacets')],
      };
    }
    if (e.dataset !== undefined) return { kind: 'dataset' };
  }
  const time = eventTime(e.eventTime);
  let type: EventType | null = null;
  if (e.eventType !== undefined && e.eventType !== null) {
    if (typeof e.eventType !== 'string' || !EVENT_TYPES.has(e.eventType)) {
      throw bad('eventType', `must be one of ${[...EVENT_TYPES].join(', ')}, got ${JSON.stringify(e.eventType).slice(0, 60)}`);
    }
    type = e.eventType as EventType;
  }
  const run = object(e.run, 'run');
  const id = runId(run.runId, 'run.runId');
  const runFacets = facets(run.facets, 'run.facets');
  const j = job(e.job, 'job');
  let parent: OlRunEvent['parent'] = null;
  if (runFacets.parent !== undefined && runFacets.parent !== null) {
    const p = object(runFacets.parent, 'run.facets.parent');
    const pj = job(p.job, 'run.facets.parent.job');
    const pr = object(p.run, 'run.facets.parent.run');
    parent = { namespace: pj.namespace, name: pj.name, runId: runId(pr.runId, 'run.facets.parent.run.runId') };
    // A run that names itself as its parent is a top-level run.
    if (parent.runId === id) parent = null;
  }
  if (e.producer !== undefined && e.producer !== null && typeof e.producer !== 'string') throw bad('producer', 'must be a string');
  return {
    kind: 'run', eventType: type, eventTime: time, runId: id, job: { namespace: j.namespace, name: j.name }, jobFacets: j.facets,
    runFacets, parent, inputs: datasets(e.inputs, 'inputs', 'inputFacets'), outputs: datasets(e.outputs, 'outputs', 'outputFacets'),
    producer: (e.producer as string | undefined) ?? null,
  };
}
