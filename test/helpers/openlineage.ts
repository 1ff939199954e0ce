// OpenLineage events as Airflow, Spark and dbt send them, and a client for POST /api/v1/lineage.
import { randomUUID } from 'node:crypto';
import type { TestApp } from './app';

export const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.26.0/integration/airflow';
const SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

export interface DatasetSpec {
  namespace: string;
  name: string;
  version?: string;
  facets?: Record<string, unknown>;
  inputFacets?: Record<string, unknown>;
  outputFacets?: Record<string, unknown>;
}

export interface RunEventSpec {
  eventType?: string;
  eventTime: string;
  runId: string;
  namespace: string;
  job: string;
  parent?: { namespace: string; job: string; runId: string };
  inputs?: DatasetSpec[];
  outputs?: DatasetSpec[];
  runFacets?: Record<string, unknown>;
  jobFacets?: Record<string, unknown>;
}

const facet = (body: Record<string, unknown>) => ({ _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/Facet.json', ...body });

function dataset(d: DatasetSpec, io: 'inputFacets' | 'outputFacets') {
  const facets = { ...d.facets, ...(d.version ? { version: facet({ datasetVersion: d.version }) } : {}) };
  return { namespace: d.namespace, name: d.name, facets, ...(d[io] ? { [io]: d[io] } : {}) };
}

export function runEvent(s: RunEventSpec): Record<string, unknown> {
  const runFacets: Record<string, unknown> = { ...s.runFacets };
  if (s.parent) {
    runFacets.parent = facet({ job: { namespace: s.parent.namespace, name: s.parent.job }, run: { runId: s.parent.runId } });
  }
  return {
    ...(s.eventType === undefined ? {} : { eventType: s.eventType }),
    eventTime: s.eventTime,
    producer: PRODUCER,
    schemaURL: SCHEMA_URL,
    run: { runId: s.runId, facets: runFacets },
    job: { namespace: s.namespace, name: s.job, facets: s.jobFacets ?? {} },
    inputs: (s.inputs ?? []).map((d) => dataset(d, 'inputFacets')),
    outputs: (s.outputs ?? []).map((d) => dataset(d, 'outputFacets')),
  };
}

export const newRunId = () => randomUUID();

export interface LineageReply {
  status: number;
  body: any;
  sqlStatements: number;
}

export async function postLineage(app: TestApp, body: unknown, options: { token?: string; raw?: boolean } = {}): Promise<LineageReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(app.url.replace(/\/graphql$/, '/api/v1/lineage'), {
    method: 'POST', headers, body: options.raw ? String(body) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed, sqlStatements: Number(res.headers.get('x-sql-statements')) };
}

/** Posts and fails the test unless the event was stored (201). */
export async function ingest(app: TestApp, body: unknown, options: { token?: string } = {}): Promise<any> {
  const r = await postLineage(app, body, options);
  if (r.status !== 201) throw new Error(`POST /api/v1/lineage: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
