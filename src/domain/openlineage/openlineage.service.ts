// OpenLineage events into the asset graph: a job namespace is a project, a job a pipeline, a run a
// pipeline run (a child job's run a step of its parent's run), a dataset an artifact whose
// versions a completed run produces and later runs read. One transaction per event; every list
// (datasets, versions, links) is written with one statement, whatever its length.
import { DataSource, EntityManager } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, ConflictError, NotFoundError } from '../../graphql/errors';
import { hydrate } from '../../db/data-source';
import { transaction } from '../../db/transaction';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { artifactVersionCreated } from '../artifacts/artifacts.service';
import { assertRole, canSeeProject, coversProjects } from '../auth/principal';
import { Role, roleAtLeast } from '../auth/role';
import { emit, NewEvent } from '../events/events.outbox';
import { entityUpdated } from '../lifecycle/edits';
import { metadataLogged } from '../nodes/nodes.service';
import type { Pipeline } from '../pipelines/pipeline.entity';
import type { PipelinesService } from '../pipelines/pipelines.service';
import type { ProjectsService } from '../projects/projects.service';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { isTerminal, RunStatus, TERMINAL_STATUSES } from '../runs/run-status';
import { runFinished, runStarted, stepRecorded } from '../runs/runs.service';
import { StepRun } from '../runs/step-run.entity';
import type { TagsService } from '../tags/tags.service';
import {
  datasetUri, EventType, Facets, OlDataset, OlJobEvent, OlRunEvent, parseEvent, projectNameFor,
} from './openlineage.event';

const STATUS_OF: Record<EventType, RunStatus | null> = {
  START: RunStatus.RUNNING,
  COMPLETE: RunStatus.COMPLETED,
  FAIL: RunStatus.FAILED,
  ABORT: RunStatus.STOPPED,
  RUNNING: null,
  OTHER: null,
};

interface ProjectRef { id: string; name: string }
interface OlRunRow {
  project_id: string;
  run_uuid: string;
  pipeline_run_id: string;
  step_run_id: string | null;
  job_name: string;
  intended_outputs: Record<string, OlDataset>;
}
interface DatasetRef { artifactId: string; artifactName: string }

export interface IngestResult {
  run: PipelineRun;
  step: StepRun | null;
  inputs: ArtifactVersion[];
  outputs: ArtifactVersion[];
  /** Artifact names by artifact id, for the versions above. */
  artifactNames: Map<string, string>;
}

export type IngestOutcome =
  | { kind: 'run'; result: IngestResult }
  | { kind: 'job'; project: ProjectRef; pipeline: Pipeline; datasets: number };

// The same update applies to a pipeline run and a step run: status by STATUS_OF unless finished (TERMINAL_STATUSES),
// times from eventTime, facets merged under metadata.openlineage (a facet named again replaces
// the earlier one). $1 project, $2 row, $3 status or null, $4 eventType, $5 eventTime,
// $6 identity fields, $7 run facets, $8 job facets, $9 input facets, $10 terminal statuses.
const APPLY_EVENT = `
  status = CASE WHEN $3::text IS NULL OR status = ANY($10::text[]) THEN status ELSE $3::text END,
  started_at = CASE WHEN $4::text = 'START' THEN LEAST(started_at, $5::timestamptz) ELSE started_at END,
  ended_at = CASE WHEN $4::text IN ('COMPLETE', 'FAIL', 'ABORT') AND NOT status = ANY($10::text[]) THEN $5::timestamptz ELSE ended_at END,
  metadata = metadata || jsonb_build_object('openlineage', COALESCE(metadata->'openlineage', '{}') || $6::jsonb || jsonb_build_object(
    'runFacets', COALESCE(metadata#>'{openlineage,runFacets}', '{}') || $7::jsonb,
    'jobFacets', COALESCE(metadata#>'{openlineage,jobFacets}', '{}') || $8::jsonb,
    'inputFacets', COALESCE(metadata#>'{openlineage,inputFacets}', '{}') || $9::jsonb))`;

// The row as it was before APPLY_EVENT (locked, so it is the newest), and what the update changed:
// the change log records a change only where there is one.
const WAS = `SELECT id AS was_id, status AS was_status, started_at AS was_started_at, ended_at AS was_ended_at, metadata AS was_metadata`;
const CHANGED = `was_status AS "__from", started_at IS DISTINCT FROM was_started_at AS "__startedAt",
  ended_at IS DISTINCT FROM was_ended_at AS "__endedAt", metadata IS DISTINCT FROM was_metadata AS "__metadata"`;
interface Changed { __from: RunStatus; __startedAt: boolean; __endedAt: boolean; __metadata: boolean }
const changedTimes = (c: Changed) => [...(c.__startedAt ? ['startedAt'] : []), ...(c.__endedAt ? ['endedAt'] : [])];

// Versions to read, per artifact: the named one; else the newest that existed at $3 and that the
// reading step ($4) did not produce itself (a run reading and writing one table reads the version
// before its own); else the first external version, which stands for the data as it was before
// any producer we know of, whenever a reader saw it first (events arrive out of order). At one
// instant a produced version is newer than an external one: a run reads before it writes.
// PostgreSQL's Append runs the branches in order and LIMIT stops it at the first row found, so
// the last branch (a scan of the artifact's versions) runs only when the others found nothing.
const FIND_INPUT_VERSIONS = `
  SELECT v.* FROM unnest($2::uuid[], $5::text[]) AS x(artifact_id, version)
  CROSS JOIN LATERAL (SELECT c.* FROM (
    (SELECT v.*, 0 AS pick FROM artifact_version v
      WHERE x.version IS NOT NULL AND v.project_id = $1 AND v.artifact_id = x.artifact_id AND v.version = x.version)
    UNION ALL
    (SELECT v.*, 1 FROM artifact_version v WHERE x.version IS NULL AND v.project_id = $1 AND v.artifact_id = x.artifact_id
       AND v.created_at <= $3::timestamptz AND v.producer_step_id IS DISTINCT FROM $4::uuid
     ORDER BY v.created_at DESC, v.producer_step_id IS NULL, v.id DESC LIMIT 1)
    UNION ALL
    (SELECT v.*, 2 FROM artifact_version v WHERE x.version IS NULL AND v.project_id = $1 AND v.artifact_id = x.artifact_id
       AND v.producer_step_id IS NULL ORDER BY v.created_at, v.id LIMIT 1)
  ) c LIMIT 1) v`;

function datasetMetadata(d: OlDataset, io: 'inputFacets' | 'outputFacets', extra: Facets = {}): Facets {
  return { openlineage: { namespace: d.namespace, name: d.name, facets: d.facets, [io]: d.ioFacets, ...extra } };
}

export class OpenLineageService {
  constructor(private readonly db: DataSource, private readonly projects: ProjectsService, private readonly pipelines: PipelinesService,
    private readonly tags: TagsService) {}

  /** The GraphQL door: its payload is a run, so only RunEvents. */
  async ingestRunEvent(ctx: Context, raw: unknown): Promise<IngestResult> {
    const outcome = await this.ingest(ctx, raw, true);
    return (outcome as { kind: 'run'; result: IngestResult }).result;
  }

  /** The REST door: a RunEvent or a JobEvent. */
  async ingest(ctx: Context, raw: unknown, runOnly = false): Promise<IngestOutcome> {
    const event = parseEvent(raw);
    if (event.kind === 'dataset') {
      throw new BadUserInputError('dataset: a DatasetEvent names no job namespace, so there is no project to put the dataset in; send it as an input or output of a RunEvent or JobEvent', 'dataset');
    }
    if (event.kind === 'job' && runOnly) {
      throw new BadUserInputError('run: a JobEvent has no run; send JobEvents to POST /api/v1/lineage', 'run');
    }
    assertRole(ctx.principal, Role.EDITOR, 'writing');
    return transaction(this.db, async (tx) => (event.kind === 'job'
      ? this.ingestJob(ctx, tx, event)
      : { kind: 'run' as const, result: await this.ingestRun(ctx, tx, event) }));
  }

  private async ingestJob(ctx: Context, tx: EntityManager, e: OlJobEvent): Promise<IngestOutcome> {
    const project = await this.project(ctx, tx, e.job.namespace);
    const pipeline = await this.pipelines.ensure(tx, project.id, e.job.name);
    const datasets = await this.ensureDatasets(tx, project.id, e.datasets);
    return { kind: 'job', project, pipeline, datasets: datasets.size };
  }

  /**
   * The change log gets what the same changes would record through the mutations: a run made here
   * RUN_STARTED (with the status it starts in), a status it moves to RUN_FINISHED (as finishRun), a
   * step made here STEP_RECORDED, each new version ARTIFACT_VERSION_CREATED, new facets
   * METADATA_LOGGED (as logMetadata), cascade tags TAG_ADDED; changes no mutation makes (a step's
   * status and times, a late START's startedAt, a producer taking over a version) ENTITY_UPDATED
   * naming the fields. An event that changes nothing records nothing.
   */
  private async ingestRun(ctx: Context, tx: EntityManager, e: OlRunEvent): Promise<IngestResult> {
    // A child job's run lives in its parent's project, as a step of the parent's run.
    const home = e.parent ?? { ...e.job, runId: e.runId };
    const project = await this.project(ctx, tx, home.namespace);
    let found = await this.findRun(tx, project.id, e.runId);
    let mapping: OlRunRow;
    let run: PipelineRun;
    let createdIn: string | null = null;
    if (found) {
      ({ mapping, run } = found);
    } else {
      const pipeline = await this.pipelines.ensure(tx, project.id, home.name);
      const ensured = await this.ensureRun(tx, project.id, pipeline.id, home.runId);
      run = ensured.run;
      if (ensured.created) createdIn = pipeline.name;
      // First events of a runId queue here; for a child, with those of its siblings of the same
      // job (retries), so the numbering of their steps is exact. Other children go on in parallel.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`openlineage:${run.id}:${e.parent ? e.job.name : ''}`]);
      found = await this.findRun(tx, project.id, e.runId);
      mapping = found?.mapping ?? await this.mapRun(tx, run, e);
    }
    // A step made by this event has no links or versions yet: no need to look for them.
    const newStep = !found;

    const status = e.eventType ? STATUS_OF[e.eventType] : null;
    const identity = { runId: e.runId, job: e.job, ...(e.parent ? { parent: e.parent } : {}), ...(e.producer ? { producer: e.producer } : {}) };
    const inputFacets: Facets = {};
    for (const d of e.inputs) if (Object.keys(d.ioFacets).length) inputFacets[datasetUri(d.namespace, d.name)] = d.ioFacets;
    // A finished run stays finished (the runs' state machine): later events leave its status and end time alone.
    const params = [status, e.eventType, e.eventTime, identity, e.runFacets, e.jobFacets, inputFacets, TERMINAL_STATUSES];
    // The run named by this runId: the run itself, or (for a child that is a parent too) its own run.
    const [runRows]: [(Record<string, unknown> & Changed)[]] = await tx.query(
      `WITH was AS (${WAS} FROM pipeline_run WHERE project_id = $1 AND name = $2 AND deleted_at IS NULL FOR NO KEY UPDATE)
       UPDATE pipeline_run SET ${APPLY_EVENT} FROM was WHERE project_id = $1 AND id = was_id RETURNING pipeline_run.*, ${CHANGED}`,
      [project.id, e.runId, ...params]);
    const finished: NewEvent[] = [];
    const runEvents: NewEvent[] = [];
    for (const row of runRows) {
      const updated = hydrate(this.db, PipelineRun, row);
      if (updated.id === run.id) run = updated;
      if (updated.id === run.id && createdIn !== null) continue;
      if (row.__metadata) runEvents.push(metadataLogged('PipelineRun', project.id, updated.id, ['openlineage']));
      if (row.__from !== updated.status) finished.push(runFinished(updated, row.__from));
      else if (changedTimes(row).length) runEvents.push(entityUpdated('PipelineRun', project.id, updated.id, changedTimes(row)));
    }
    if (createdIn !== null) {
      // Made by this event: it starts as what the event makes it, or INITIALIZING if the event finishes it too.
      const startedAs = isTerminal(run.status) ? RunStatus.INITIALIZING : run.status;
      runEvents.unshift(runStarted({ ...run, status: startedAs }, createdIn));
      if (startedAs !== run.status) finished.push(runFinished(run, startedAs));
    }
    emit(tx, ...runEvents);
    let step: StepRun | null = null;
    let stepChanged: Changed | null = null;
    if (mapping.step_run_id) {
      const [[row]] = await tx.query(
        `WITH was AS (${WAS} FROM step_run WHERE project_id = $1 AND id = $2 FOR NO KEY UPDATE)
         UPDATE step_run SET ${APPLY_EVENT} FROM was WHERE project_id = $1 AND id = was_id RETURNING step_run.*, ${CHANGED}`,
        [project.id, mapping.step_run_id, ...params]);
      step = hydrate(this.db, StepRun, row);
      if (!newStep) stepChanged = row;
    }

    // Outputs are intentions until the run completes: remembered, and made into versions by a
    // COMPLETE (those of every event of the run) or by the FAIL/ABORT that names them itself.
    let intended = mapping.intended_outputs;
    if (e.outputs.length) {
      const [[row]] = await tx.query(
        'UPDATE openlineage_run SET intended_outputs = intended_outputs || $3::jsonb WHERE project_id = $1 AND run_uuid = $2 RETURNING intended_outputs',
        [project.id, e.runId, Object.fromEntries(e.outputs.map((d) => [d.key, d]))]);
      intended = row.intended_outputs;
    }
    const finalStatus = step?.status ?? run.status;
    const produce = finalStatus === RunStatus.COMPLETED ? Object.values(intended)
      : status && status === finalStatus && (status === RunStatus.FAILED || status === RunStatus.STOPPED) ? e.outputs : [];

    if (!step && (e.inputs.length || produce.length)) step = await this.ownStep(tx, run, e);
    const datasets = await this.ensureDatasets(tx, project.id, [...e.inputs, ...produce]);
    const artifactNames = new Map([...datasets.values()].map((d) => [d.artifactId, d.artifactName]));
    if (!step) {
      emit(tx, ...finished);
      return { run, step, inputs: [], outputs: [], artifactNames };
    }

    const fresh = newStep || !mapping.step_run_id;
    const read = await this.readInputs(tx, project.id, step, e, datasets, fresh);
    const made = await this.produceOutputs(tx, project.id, run, step, produce, e, datasets, fresh);
    const nameOf = (v: ArtifactVersion) => artifactNames.get(v.artifactId)!;
    emit(tx, ...read.created.map((v) => artifactVersionCreated(v, nameOf(v))));
    if (fresh) {
      emit(tx, stepRecorded(step, run.name, { inputs: read.linked, outputs: made.created.length + made.claimed.length }));
    } else if (stepChanged) {
      if (stepChanged.__metadata) emit(tx, metadataLogged('StepRun', project.id, step.id, ['openlineage']));
      const fields = [...(stepChanged.__from !== step.status ? ['status'] : []), ...changedTimes(stepChanged), ...(read.linked ? ['inputs'] : [])];
      if (fields.length) emit(tx, entityUpdated('StepRun', project.id, step.id, fields));
    }
    emit(tx, ...made.created.map((v) => artifactVersionCreated(v, nameOf(v))));
    emit(tx, ...made.claimed.flatMap((v) => [entityUpdated('ArtifactVersion', project.id, v.id, ['producedBy']),
      metadataLogged('ArtifactVersion', project.id, v.id, ['openlineage'])]));
    const madeHere = [...made.created, ...made.claimed];
    if (madeHere.length) {
      // Cascade tags of the run reach what it produces, as for versions recorded through recordStep.
      const cascade = await this.tags.cascadeTagsOf(tx, project.id, run.id);
      await this.tags.applyMany(tx, ctx.principal, project.id, cascade.length ? madeHere.map((v) => ({
        target: { type: 'ARTIFACT_VERSION' as const, id: v.id, projectId: project.id, scopeId: v.artifactId }, tags: [], inherited: cascade,
      })) : []);
    }
    emit(tx, ...finished);
    const named = new Set(e.outputs.map((d) => datasets.get(d.key)?.artifactId));
    return { run, step, inputs: read.versions, outputs: made.produced.filter((v) => named.has(v.artifactId)), artifactNames };
  }

  /** The project of a namespace; created on first use when the caller may create projects. */
  private async project(ctx: Context, tx: EntityManager, namespace: string): Promise<ProjectRef> {
    const name = projectNameFor(namespace);
    const p = ctx.principal;
    const [row] = await tx.query('SELECT id, name FROM project WHERE name = $1', [name]);
    if (row && (canSeeProject(p, row.id) || coversProjects(p, [name]))) return row;
    if (!row && roleAtLeast(p.role, Role.ADMIN) && coversProjects(p, [name])) {
      const created = await this.projects.insert(tx, {
        name, displayName: [...namespace].slice(0, 255).join(''), description: `Created for the OpenLineage namespace ${JSON.stringify(namespace)}.`,
      });
      return created ?? (await tx.query('SELECT id, name FROM project WHERE name = $1', [name]))[0];
    }
    // The same words whether the project is missing or hidden from this key.
    throw new NotFoundError(`project "${name}" (OpenLineage namespace ${JSON.stringify(namespace)}) not found`);
  }

  /**
   * What a runId became, if anything yet, and its pipeline run. The mapping row is locked: events
   * of one runId queue here, so parallel deliveries make one step and one version per output.
   */
  private async findRun(tx: EntityManager, projectId: string, runUuid: string): Promise<{ mapping: OlRunRow; run: PipelineRun } | null> {
    const [row] = await tx.query(
      `SELECT r.*, m.run_uuid AS __run_uuid, m.step_run_id AS __step_run_id, m.job_name AS __job_name, m.intended_outputs AS __intended_outputs
       FROM openlineage_run m JOIN pipeline_run r ON r.project_id = m.project_id AND r.id = m.pipeline_run_id
       WHERE m.project_id = $1 AND m.run_uuid = $2 FOR UPDATE OF m`, [projectId, runUuid]);
    if (!row) return null;
    return {
      mapping: { project_id: row.project_id, run_uuid: row.__run_uuid, pipeline_run_id: row.id, step_run_id: row.__step_run_id,
        job_name: row.__job_name, intended_outputs: row.__intended_outputs },
      run: hydrate(this.db, PipelineRun, row),
    };
  }

  /** The pipeline run named by a runId, created on first use (by its own event or a child's). */
  private async ensureRun(tx: EntityManager, projectId: string, pipelineId: string, runUuid: string): Promise<{ run: PipelineRun; created: boolean }> {
    const [created] = await tx.query(
      `INSERT INTO pipeline_run (project_id, pipeline_id, name, status) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING *`,
      [projectId, pipelineId, runUuid, RunStatus.INITIALIZING]);
    const row = created ?? (await tx.query('SELECT * FROM pipeline_run WHERE project_id = $1 AND name = $2 AND deleted_at IS NULL', [projectId, runUuid]))[0];
    return { run: hydrate(this.db, PipelineRun, row), created: Boolean(created) };
  }

  /**
   * Records what a runId became. A child run gets its step now, named as its job; the n-th run of
   * the same job under one parent (a retry) is named "<job>#<n>" (the caller's advisory lock makes n exact).
   */
  private async mapRun(tx: EntityManager, run: PipelineRun, e: OlRunEvent): Promise<OlRunRow> {
    if (!e.parent) {
      const [row] = await tx.query(
        'INSERT INTO openlineage_run (project_id, run_uuid, pipeline_run_id, job_name) VALUES ($1, $2, $3, $4) RETURNING *',
        [run.projectId, e.runId, run.id, e.job.name]);
      return row;
    }
    const [row] = await tx.query(
      `WITH n AS (SELECT count(*)::int AS c FROM openlineage_run WHERE pipeline_run_id = $2 AND job_name = $3 AND step_run_id IS NOT NULL),
       s AS (INSERT INTO step_run (project_id, run_id, name, status)
             SELECT $1, $2, CASE WHEN n.c = 0 THEN $3 ELSE $3 || '#' || (n.c + 1) END, $5 FROM n RETURNING id)
       INSERT INTO openlineage_run (project_id, run_uuid, pipeline_run_id, step_run_id, job_name)
       SELECT $1, $4, $2, s.id, $3 FROM s RETURNING *`,
      [run.projectId, run.id, e.job.name, e.runId, RunStatus.INITIALIZING]);
    return row;
  }

  /** A top-level run's datasets hang off a step of its own, named as its job and mirroring the run. */
  private async ownStep(tx: EntityManager, run: PipelineRun, e: OlRunEvent): Promise<StepRun> {
    const [row] = await tx.query(
      `WITH s AS (INSERT INTO step_run (project_id, run_id, name, status, metadata, started_at, ended_at)
                  SELECT project_id, id, $3, status, metadata, started_at, ended_at FROM pipeline_run WHERE project_id = $1 AND id = $2
                  RETURNING *),
       m AS (UPDATE openlineage_run o SET step_run_id = s.id FROM s WHERE o.project_id = $1 AND o.run_uuid = $4)
       SELECT * FROM s`,
      [run.projectId, run.id, e.job.name, e.runId]);
    return hydrate(this.db, StepRun, row);
  }

  /**
   * Artifacts for datasets, by dataset key, created on first use. An artifact is named as its
   * dataset; when another artifact of the project has that name already, as namespace/name; when
   * that is taken too, as namespace/name plus " #" and 8 hex digits of the dataset key.
   */
  private async ensureDatasets(tx: EntityManager, projectId: string, list: OlDataset[]): Promise<Map<string, DatasetRef>> {
    const byKey = new Map(list.map((d) => [d.key, d]));
    const found = new Map<string, DatasetRef>();
    if (!byKey.size) return found;
    const select = async (keys: string[]) => {
      const rows: { key: string; artifact_id: string; name: string }[] = await tx.query(
        `SELECT d.key, d.artifact_id, a.name FROM openlineage_dataset d JOIN artifact a ON a.project_id = d.project_id AND a.id = d.artifact_id
         WHERE d.project_id = $1 AND d.key = ANY($2::text[])`, [projectId, keys]);
      for (const r of rows) found.set(r.key, { artifactId: r.artifact_id, artifactName: r.name });
    };
    await select([...byKey.keys()]);
    const missing = [...byKey.values()].filter((d) => !found.has(d.key)).sort((a, b) => (a.key < b.key ? -1 : 1));
    if (!missing.length) return found;
    // Sorted keys: concurrent first sightings of several datasets take their row locks in one order.
    const won: { key: string; artifact_id: string }[] = await tx.query(
      `INSERT INTO openlineage_dataset (project_id, key, namespace, name, artifact_id)
       SELECT $1, k, ns, n, gen_random_uuid() FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(k, ns, n, o) ORDER BY o
       ON CONFLICT (project_id, key) DO NOTHING RETURNING key, artifact_id`,
      [projectId, missing.map((d) => d.key), missing.map((d) => d.namespace), missing.map((d) => d.name)]);
    const namings = [
      (d: OlDataset) => d.name,
      (d: OlDataset) => datasetUri(d.namespace, d.name),
      (d: OlDataset) => `${datasetUri(d.namespace, d.name)} #${d.key.slice(0, 8)}`,
    ];
    let pending = won.map((w) => ({ id: w.artifact_id, dataset: byKey.get(w.key)! }));
    for (const naming of namings) {
      if (!pending.length) break;
      const names = pending.map((p) => naming(p.dataset));
      const made: { id: string; name: string }[] = await tx.query(
        `INSERT INTO artifact (project_id, id, name) SELECT $1, id, n FROM unnest($2::uuid[], $3::text[]) AS x(id, n)
         ON CONFLICT (project_id, name) WHERE deleted_at IS NULL DO NOTHING RETURNING id, name`, [projectId, pending.map((p) => p.id), names]);
      const madeById = new Map(made.map((m) => [m.id, m.name]));
      for (const p of pending) {
        const name = madeById.get(p.id);
        if (name !== undefined) found.set(p.dataset.key, { artifactId: p.id, artifactName: name });
      }
      pending = pending.filter((p) => !madeById.has(p.id));
    }
    if (pending.length) throw new ConflictError(`no free artifact name for dataset ${JSON.stringify(datasetUri(pending[0].dataset.namespace, pending[0].dataset.name))}`);
    // Datasets another transaction saw first: theirs is committed now.
    const lost = missing.filter((d) => !found.has(d.key)).map((d) => d.key);
    if (lost.length) await select(lost);
    return found;
  }

  /**
   * Links the step to the version of each input it read; an input nobody produced yet gets an
   * external version. Returns the versions read, in input order, the external versions made and the number of new links.
   */
  private async readInputs(tx: EntityManager, projectId: string, step: StepRun, e: OlRunEvent,
    datasets: Map<string, DatasetRef>, newStep: boolean): Promise<{ versions: ArtifactVersion[]; created: ArtifactVersion[]; linked: number }> {
    if (!e.inputs.length) return { versions: [], created: [], linked: 0 };
    const wanted = e.inputs.map((d) => ({ d, ref: datasets.get(d.key)! }));
    const linked = new Map<string, ArtifactVersion>();
    // An input read again by a later event of the run keeps the version it was first linked to.
    const links: Record<string, unknown>[] = newStep ? [] : await tx.query(
      `SELECT v.* FROM step_input si JOIN artifact_version v ON v.project_id = si.project_id AND v.id = si.artifact_version_id
       WHERE si.project_id = $1 AND si.step_run_id = $2 AND si.name = ANY($3::text[])`,
      [projectId, step.id, wanted.map((w) => w.ref.artifactName)]);
    for (const r of links) linked.set(r.artifact_id as string, hydrate(this.db, ArtifactVersion, r));
    const toLink = new Map<string, ArtifactVersion>();
    const find = async (items: typeof wanted) => {
      const rows: Record<string, unknown>[] = await tx.query(FIND_INPUT_VERSIONS,
        [projectId, items.map((w) => w.ref.artifactId), e.eventTime, step.id, items.map((w) => w.d.version)]);
      for (const r of rows) toLink.set(r.artifact_id as string, hydrate(this.db, ArtifactVersion, r));
    };
    let open = wanted.filter((w) => !linked.has(w.ref.artifactId));
    let created: ArtifactVersion[] = [];
    if (open.length) await find(open);
    open = open.filter((w) => !toLink.has(w.ref.artifactId));
    if (open.length) {
      // Two runs reading a dataset nobody produced yet must agree on one external version.
      await this.lockArtifacts(tx, projectId, open.map((w) => w.ref.artifactId));
      await find(open);
      open = open.filter((w) => !toLink.has(w.ref.artifactId));
      created = await this.createVersions(tx, projectId, open.map((w) => ({
        artifactId: w.ref.artifactId, version: w.d.version, uri: datasetUri(w.d.namespace, w.d.name),
        metadata: datasetMetadata(w.d, 'inputFacets', { external: true }),
      })), e.eventTime, null);
      for (const v of created) toLink.set(v.artifactId, v);
    }
    if (toLink.size) {
      const rows = [...toLink.values()];
      const nameOf = new Map(wanted.map((w) => [w.ref.artifactId, w.ref.artifactName]));
      await tx.query(
        `INSERT INTO step_input (project_id, step_run_id, name, artifact_version_id)
         SELECT $1, $2, n, v FROM unnest($3::text[], $4::uuid[]) AS x(n, v) ON CONFLICT DO NOTHING`,
        [projectId, step.id, rows.map((v) => nameOf.get(v.artifactId)!), rows.map((v) => v.id)]);
    }
    return { versions: wanted.map((w) => linked.get(w.ref.artifactId) ?? toLink.get(w.ref.artifactId)!), created, linked: toLink.size };
  }

  /**
   * Versions produced by the step: one per dataset however many events name it. Returns them all,
   * and apart those this event made and those it claimed (external versions a reader saw first).
   */
  private async produceOutputs(tx: EntityManager, projectId: string, run: PipelineRun, step: StepRun, produce: OlDataset[],
    e: OlRunEvent, datasets: Map<string, DatasetRef>, newStep: boolean): Promise<{ produced: ArtifactVersion[]; created: ArtifactVersion[]; claimed: ArtifactVersion[] }> {
    if (!produce.length) return { produced: [], created: [], claimed: [] };
    const existing: Record<string, unknown>[] = newStep ? [] : await tx.query(
      'SELECT * FROM artifact_version WHERE project_id = $1 AND producer_step_id = $2', [projectId, step.id]);
    const produced = new Map(existing.map((r) => [r.artifact_id as string, hydrate(this.db, ArtifactVersion, r)]));
    const todo = produce.map((d) => ({ d, ref: datasets.get(d.key)! })).filter((w) => !produced.has(w.ref.artifactId));
    if (!todo.length) return { produced: [...produced.values()], created: [], claimed: [] };
    await this.lockArtifacts(tx, projectId, todo.map((w) => w.ref.artifactId));
    // A named version may exist already as the external version a reader saw first: this run produced it.
    const named = todo.filter((w) => w.d.version !== null);
    const claimed = new Set<string>();
    if (named.length) {
      const taken: { id: string; artifact_id: string; version: string; producer_step_id: string | null }[] = await tx.query(
        `SELECT v.id, v.artifact_id, v.version, v.producer_step_id FROM unnest($2::uuid[], $3::text[]) AS x(artifact_id, version)
         JOIN artifact_version v ON v.project_id = $1 AND v.artifact_id = x.artifact_id AND v.version = x.version AND v.deleted_at IS NULL`,
        [projectId, named.map((w) => w.ref.artifactId), named.map((w) => w.d.version)]);
      const other = taken.find((t) => t.producer_step_id !== null);
      if (other) {
        const w = named.find((n) => n.ref.artifactId === other.artifact_id)!;
        throw new ConflictError(`dataset ${JSON.stringify(datasetUri(w.d.namespace, w.d.name))} already has version "${other.version}", produced by another run`);
      }
      if (taken.length) {
        const byArtifact = new Map(named.map((w) => [w.ref.artifactId, w]));
        const [rows]: [Record<string, unknown>[]] = await tx.query(
          `UPDATE artifact_version v SET producer_step_id = $2, producer_run_id = $3, output_name = x.n, metadata = v.metadata || x.m::jsonb
           FROM unnest($4::uuid[], $5::text[], $6::text[]) AS x(id, n, m) WHERE v.project_id = $1 AND v.id = x.id RETURNING v.*`,
          [projectId, step.id, run.id, taken.map((t) => t.id), taken.map((t) => byArtifact.get(t.artifact_id)!.ref.artifactName),
            taken.map((t) => JSON.stringify(datasetMetadata(byArtifact.get(t.artifact_id)!.d, 'outputFacets')))]);
        for (const r of rows) {
          claimed.add(r.artifact_id as string);
          produced.set(r.artifact_id as string, hydrate(this.db, ArtifactVersion, r));
        }
      }
    }
    const fresh = todo.filter((w) => !claimed.has(w.ref.artifactId));
    const created = await this.createVersions(tx, projectId, fresh.map((w) => ({
      artifactId: w.ref.artifactId, version: w.d.version, uri: datasetUri(w.d.namespace, w.d.name),
      metadata: datasetMetadata(w.d, 'outputFacets'), outputName: w.ref.artifactName,
    })), e.eventTime, { stepId: step.id, runId: run.id });
    for (const v of created) produced.set(v.artifactId, v);
    return { produced: [...produced.values()], created, claimed: [...claimed].map((id) => produced.get(id)!) };
  }

  /** Artifact rows locked in id order, so transactions that share datasets queue instead of deadlocking. */
  private async lockArtifacts(tx: EntityManager, projectId: string, ids: string[]): Promise<void> {
    await tx.query('SELECT 1 FROM artifact WHERE project_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE', [projectId, ids]);
  }

  /**
   * New versions in one statement: a named one as given, an unnamed one numbered from its
   * artifact's counter (bumped in the same statement, under the caller's artifact locks).
   * Their creation time is the event's time: "the newest version at eventTime" must see them so.
   */
  private async createVersions(tx: EntityManager, projectId: string,
    specs: { artifactId: string; version: string | null; uri: string; metadata: Facets; outputName?: string }[],
    createdAt: string, producer: { stepId: string; runId: string } | null): Promise<ArtifactVersion[]> {
    if (!specs.length) return [];
    const rows: Record<string, unknown>[] = await tx.query(
      `WITH x AS (SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(artifact_id, version, uri, metadata, output_name)),
       bumped AS (UPDATE artifact a SET version_counter = a.version_counter + 1 FROM x
                  WHERE a.project_id = $1 AND a.id = x.artifact_id AND x.version IS NULL RETURNING a.id, a.version_counter)
       INSERT INTO artifact_version (project_id, artifact_id, version, type, uri, metadata, created_at, producer_step_id, producer_run_id, output_name)
       SELECT $1, x.artifact_id, COALESCE(x.version, b.version_counter::text), 'DATA', x.uri, x.metadata::jsonb, $7::timestamptz, $8::uuid, $9::uuid, x.output_name
       FROM x LEFT JOIN bumped b ON b.id = x.artifact_id RETURNING *`,
      [projectId, specs.map((s) => s.artifactId), specs.map((s) => s.version), specs.map((s) => s.uri),
        specs.map((s) => JSON.stringify(s.metadata)), specs.map((s) => s.outputName ?? null), createdAt,
        producer?.stepId ?? null, producer?.runId ?? null]);
    return rows.map((r) => hydrate(this.db, ArtifactVersion, r));
  }
}
