import { MigrationInterface, QueryRunner } from 'typeorm';

// Soft delete. A delete writes one `deletion` row (who, why, when, on what) and marks the
// entity and what it owns with deleted_at and deletion_id; restore clears exactly the rows
// that point at that deletion. Names are unique among live rows only, so the unique
// constraints on names become partial unique indexes: an INSERT … ON CONFLICT on a name must
// now say `ON CONFLICT (project_id, name) WHERE deleted_at IS NULL` to infer them.
// tag_assignment.resource_deleted mirrors the mark so usageCount counts live holders with
// the assignment row alone.
const DELETABLE = ['pipeline', 'pipeline_run', 'artifact', 'artifact_version', 'model', 'model_version'];

export class SoftDelete1764141000000 implements MigrationInterface {
  name = 'SoftDelete1764141000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE deletion (
  project_id uuid NOT NULL REFERENCES project (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- The entity the delete was called on (a GraphQL type name and its row id).
  root_type text NOT NULL,
  root_id uuid NOT NULL,
  actor text NOT NULL,
  reason text,
  forced boolean NOT NULL DEFAULT false,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  restored_at timestamptz,
  restored_by text,
  CONSTRAINT pk_deletion PRIMARY KEY (project_id, id)
);
CREATE INDEX ix_deletion_at ON deletion (project_id, at) WHERE restored_at IS NULL;
ALTER TABLE tag_assignment ADD COLUMN resource_deleted boolean NOT NULL DEFAULT false;
`);
    for (const table of DELETABLE) {
      await q.query(`
ALTER TABLE ${table} ADD COLUMN deleted_at timestamptz, ADD COLUMN deletion_id uuid,
  ADD CONSTRAINT fk_${table}_deletion FOREIGN KEY (project_id, deletion_id) REFERENCES deletion (project_id, id);
CREATE INDEX ix_${table}_deletion ON ${table} (deletion_id) WHERE deletion_id IS NOT NULL;
`);
    }
    await q.query(`
ALTER TABLE pipeline DROP CONSTRAINT uq_pipeline_name;
CREATE UNIQUE INDEX uq_pipeline_name ON pipeline (project_id, name) WHERE deleted_at IS NULL;
ALTER TABLE artifact DROP CONSTRAINT uq_artifact_name;
CREATE UNIQUE INDEX uq_artifact_name ON artifact (project_id, name) WHERE deleted_at IS NULL;
ALTER TABLE model DROP CONSTRAINT uq_model_name;
CREATE UNIQUE INDEX uq_model_name ON model (project_id, name) WHERE deleted_at IS NULL;
ALTER TABLE pipeline_run DROP CONSTRAINT uq_pipeline_run_name;
CREATE UNIQUE INDEX uq_pipeline_run_name ON pipeline_run (project_id, name) WHERE deleted_at IS NULL;
ALTER TABLE artifact_version DROP CONSTRAINT uq_artifact_version;
CREATE UNIQUE INDEX uq_artifact_version ON artifact_version (project_id, artifact_id, version) WHERE deleted_at IS NULL;
ALTER TABLE model_version DROP CONSTRAINT uq_model_version_name;
CREATE UNIQUE INDEX uq_model_version_name ON model_version (project_id, model_id, name) WHERE deleted_at IS NULL;
-- A deleted version keeps its stage (restore brings it back as it was); only live ones hold it.
DROP INDEX uq_model_version_stage_holder;
CREATE UNIQUE INDEX uq_model_version_stage_holder ON model_version (project_id, model_id, stage)
  WHERE stage IN ('STAGING', 'PRODUCTION') AND deleted_at IS NULL;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP INDEX uq_model_version_stage_holder;
CREATE UNIQUE INDEX uq_model_version_stage_holder ON model_version (project_id, model_id, stage) WHERE stage IN ('STAGING', 'PRODUCTION');
DROP INDEX uq_pipeline_name; ALTER TABLE pipeline ADD CONSTRAINT uq_pipeline_name UNIQUE (project_id, name);
DROP INDEX uq_artifact_name; ALTER TABLE artifact ADD CONSTRAINT uq_artifact_name UNIQUE (project_id, name);
DROP INDEX uq_model_name; ALTER TABLE model ADD CONSTRAINT uq_model_name UNIQUE (project_id, name);
DROP INDEX uq_pipeline_run_name; ALTER TABLE pipeline_run ADD CONSTRAINT uq_pipeline_run_name UNIQUE (project_id, name);
DROP INDEX uq_artifact_version; ALTER TABLE artifact_version ADD CONSTRAINT uq_artifact_version UNIQUE (project_id, artifact_id, version);
DROP INDEX uq_model_version_name; ALTER TABLE model_version ADD CONSTRAINT uq_model_version_name UNIQUE (project_id, model_id, name);
`);
    for (const table of DELETABLE) await q.query(`ALTER TABLE ${table} DROP COLUMN deleted_at, DROP COLUMN deletion_id`);
    await q.query('ALTER TABLE tag_assignment DROP COLUMN resource_deleted; DROP TABLE deletion;');
  }
}
