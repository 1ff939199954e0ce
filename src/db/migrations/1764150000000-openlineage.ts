import { MigrationInterface, QueryRunner } from 'typeorm';

// OpenLineage ingestion: ABORT becomes the run status STOPPED, and two tables remember what an
// OpenLineage id already became, so repeated and reordered events land on the same rows.
export class OpenLineage1764150000000 implements MigrationInterface {
  name = 'OpenLineage1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE pipeline_run DROP CONSTRAINT pipeline_run_status_check,
  ADD CONSTRAINT pipeline_run_status_check CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED', 'STOPPED'));
ALTER TABLE step_run DROP CONSTRAINT step_run_status_check,
  ADD CONSTRAINT step_run_status_check CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED', 'STOPPED'));

-- An OpenLineage runId: the pipeline run it belongs to and, once it has one, its step (a child
-- job's run is a step of its parent's run). Outputs named before the run completed wait in
-- intended_outputs (dataset key -> dataset) until a COMPLETE turns them into versions.
CREATE TABLE openlineage_run (
  project_id uuid NOT NULL,
  run_uuid uuid NOT NULL,
  pipeline_run_id uuid NOT NULL,
  step_run_id uuid,
  job_name text NOT NULL,
  intended_outputs jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_openlineage_run PRIMARY KEY (project_id, run_uuid),
  CONSTRAINT fk_openlineage_run_run FOREIGN KEY (project_id, pipeline_run_id) REFERENCES pipeline_run (project_id, id),
  CONSTRAINT fk_openlineage_run_step FOREIGN KEY (project_id, step_run_id) REFERENCES step_run (project_id, id)
);
-- Retries of one job under one parent run are counted here to name their steps.
CREATE INDEX ix_openlineage_run_job ON openlineage_run (pipeline_run_id, job_name);
CREATE INDEX ix_openlineage_run_step ON openlineage_run (step_run_id) WHERE step_run_id IS NOT NULL;

-- A dataset's identity is (namespace, name) exactly; key is a hash of both, since the two texts
-- together can outgrow a btree entry. The row is written before its artifact (the artifact's
-- name depends on which names are free), hence the deferred foreign key.
CREATE TABLE openlineage_dataset (
  project_id uuid NOT NULL,
  key text NOT NULL,
  namespace text NOT NULL,
  name text NOT NULL,
  artifact_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_openlineage_dataset PRIMARY KEY (project_id, key),
  CONSTRAINT fk_openlineage_dataset_artifact FOREIGN KEY (project_id, artifact_id) REFERENCES artifact (project_id, id)
    DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX ix_openlineage_dataset_artifact ON openlineage_dataset (artifact_id);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE openlineage_dataset, openlineage_run;
UPDATE pipeline_run SET status = 'FAILED' WHERE status = 'STOPPED';
UPDATE step_run SET status = 'FAILED' WHERE status = 'STOPPED';
ALTER TABLE pipeline_run DROP CONSTRAINT pipeline_run_status_check,
  ADD CONSTRAINT pipeline_run_status_check CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED'));
ALTER TABLE step_run DROP CONSTRAINT step_run_status_check,
  ADD CONSTRAINT step_run_status_check CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED'));
`);
  }
}
