// POST /api/v1/lineage: what OpenLineage's HTTP transport sends (one event per request, JSON),
// handled by the same service as the mutation; error codes become HTTP statuses.
import type { DataSource } from 'typeorm';
import type { Context } from '../../graphql/context';
import { BadUserInputError, translateDatabaseError } from '../../graphql/errors';
import { encodeId } from '../../graphql/ids';
import { createLoaders } from '../../graphql/loaders';
import type { Services } from '../services';
import type { IngestOutcome } from './openlineage.service';

export interface HttpReply {
  status: number;
  body: unknown;
}

const STATUS_BY_CODE: Record<string, number> = {
  BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, SERVICE_UNAVAILABLE: 503,
};

function describe(outcome: IngestOutcome): unknown {
  if (outcome.kind === 'job') {
    return { project: outcome.project.name, pipeline: { id: encodeId('Pipeline', outcome.pipeline.id), name: outcome.pipeline.name }, datasets: outcome.datasets };
  }
  const { run, step, inputs, outputs, artifactNames } = outcome.result;
  const version = (v: { id: string; artifactId: string; version: string }) =>
    ({ id: encodeId('ArtifactVersion', v.id), artifact: artifactNames.get(v.artifactId), version: v.version });
  return {
    run: { id: encodeId('PipelineRun', run.id), name: run.name, status: run.status },
    step: step && { id: encodeId('StepRun', step.id), name: step.name, status: step.status },
    inputs: inputs.map(version),
    outputs: outputs.map(version),
  };
}

/** Anything that is not one of our errors (or a translatable database error) is thrown on, for the server to log as a 500. */
export async function ingestOverHttp(db: DataSource, services: Services, authorization: string | undefined, text: string,
  requestId: string): Promise<HttpReply> {
  try {
    const principal = await services.auth.authenticate(authorization);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw new BadUserInputError('event: the request body is not valid JSON', 'event');
    }
    const ctx: Context = { principal, loaders: createLoaders(db), services, requestId };
    return { status: 201, body: describe(await services.openlineage.ingest(ctx, event)) };
  } catch (err) {
    const appError = translateDatabaseError(err);
    if (!appError) throw err;
    const { http: _http, ...extensions } = appError.extensions;
    return { status: STATUS_BY_CODE[String(extensions.code)] ?? 400, body: { errors: [{ message: appError.message, extensions }] } };
  }
}
