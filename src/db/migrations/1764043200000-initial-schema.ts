import { MigrationInterface, QueryRunner } from 'typeorm';

// The whole first schema. Every project-owned table carries project_id, and every primary,
// unique and foreign key among project-owned rows includes it, so the schema can be
// distributed by project (Citus) without redesign and no row can reference another project.
// Stacks and api keys are server-wide reference tables without project_id.
export class InitialSchema1764043200000 implements MigrationInterface {
  name = 'InitialSchema1764043200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE project (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  display_name text,
  description text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_project PRIMARY KEY (id),
  CONSTRAINT uq_project_name UNIQUE (name)
);
CREATE INDEX ix_project_created ON project (created_at, id);

CREATE TABLE stack (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_stack PRIMARY KEY (id),
  CONSTRAINT uq_stack_name UNIQUE (name)
);
CREATE INDEX ix_stack_created ON stack (created_at, id);

CREATE TABLE stack_component (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  type text NOT NULL,
  name text NOT NULL,
  flavor text NOT NULL,
  config jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_stack_component PRIMARY KEY (id),
  CONSTRAINT uq_stack_component_type_name UNIQUE (type, name)
);
CREATE INDEX ix_stack_component_flavor ON stack_component (flavor);

-- One component per type in a stack: the type is copied here so a unique key can say it.
CREATE TABLE stack_component_link (
  stack_id uuid NOT NULL REFERENCES stack (id),
  component_id uuid NOT NULL REFERENCES stack_component (id),
  type text NOT NULL,
  CONSTRAINT pk_stack_component_link PRIMARY KEY (stack_id, type),
  CONSTRAINT uq_stack_component_link UNIQUE (stack_id, component_id)
);
CREATE INDEX ix_stack_component_link_component ON stack_component_link (component_id);

CREATE TABLE pipeline (
  project_id uuid NOT NULL REFERENCES project (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_pipeline PRIMARY KEY (project_id, id),
  CONSTRAINT uq_pipeline_name UNIQUE (project_id, name)
);
CREATE INDEX ix_pipeline_id ON pipeline (id);
CREATE INDEX ix_pipeline_created ON pipeline (project_id, created_at, id);
CREATE INDEX ix_pipeline_name_pattern ON pipeline (project_id, name text_pattern_ops);

CREATE TABLE artifact (
  project_id uuid NOT NULL REFERENCES project (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  -- Last number handed to an unnamed version; bumped with UPDATE … RETURNING inside the
  -- registering transaction, so numbers are gap-free and concurrent registrations queue.
  version_counter integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_artifact PRIMARY KEY (project_id, id),
  CONSTRAINT uq_artifact_name UNIQUE (project_id, name)
);
CREATE INDEX ix_artifact_id ON artifact (id);
CREATE INDEX ix_artifact_created ON artifact (project_id, created_at, id);
CREATE INDEX ix_artifact_name_pattern ON artifact (project_id, name text_pattern_ops);

CREATE TABLE model (
  project_id uuid NOT NULL REFERENCES project (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  description text,
  license text,
  version_counter integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_model PRIMARY KEY (project_id, id),
  CONSTRAINT uq_model_name UNIQUE (project_id, name)
);
CREATE INDEX ix_model_id ON model (id);
CREATE INDEX ix_model_created ON model (project_id, created_at, id);
CREATE INDEX ix_model_name_pattern ON model (project_id, name text_pattern_ops);

CREATE TABLE model_version (
  project_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  model_id uuid NOT NULL,
  number integer NOT NULL,
  -- The given name, or the number as text: one unique key covers both.
  name text NOT NULL,
  description text,
  stage text NOT NULL DEFAULT 'NONE' CHECK (stage IN ('NONE', 'STAGING', 'PRODUCTION', 'ARCHIVED')),
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_model_version PRIMARY KEY (project_id, id),
  CONSTRAINT fk_model_version_model FOREIGN KEY (project_id, model_id) REFERENCES model (project_id, id),
  CONSTRAINT uq_model_version_number UNIQUE (project_id, model_id, number),
  CONSTRAINT uq_model_version_name UNIQUE (project_id, model_id, name)
);
CREATE INDEX ix_model_version_id ON model_version (id);
CREATE INDEX ix_model_version_model_created ON model_version (model_id, created_at, id);
CREATE INDEX ix_model_version_created ON model_version (project_id, created_at, id);
-- The last line of defence for "one holder of STAGING and of PRODUCTION per model".
CREATE UNIQUE INDEX uq_model_version_stage_holder ON model_version (project_id, model_id, stage)
  WHERE stage IN ('STAGING', 'PRODUCTION');

CREATE TABLE stage_change (
  project_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  model_version_id uuid NOT NULL,
  from_stage text NOT NULL,
  to_stage text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  reason text,
  actor text NOT NULL,
  CONSTRAINT pk_stage_change PRIMARY KEY (project_id, id),
  CONSTRAINT fk_stage_change_version FOREIGN KEY (project_id, model_version_id) REFERENCES model_version (project_id, id)
);
CREATE INDEX ix_stage_change_version ON stage_change (model_version_id, at, id);

CREATE TABLE pipeline_run (
  project_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  pipeline_id uuid NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED')),
  config jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  stack_id uuid REFERENCES stack (id),
  model_version_id uuid,
  started_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_pipeline_run PRIMARY KEY (project_id, id),
  CONSTRAINT fk_pipeline_run_pipeline FOREIGN KEY (project_id, pipeline_id) REFERENCES pipeline (project_id, id),
  CONSTRAINT fk_pipeline_run_model_version FOREIGN KEY (project_id, model_version_id) REFERENCES model_version (project_id, id),
  CONSTRAINT uq_pipeline_run_name UNIQUE (project_id, name)
);
CREATE INDEX ix_pipeline_run_id ON pipeline_run (id);
CREATE INDEX ix_pipeline_run_pipeline_created ON pipeline_run (pipeline_id, created_at, id);
CREATE INDEX ix_pipeline_run_created ON pipeline_run (project_id, created_at, id);
CREATE INDEX ix_pipeline_run_stack ON pipeline_run (stack_id, created_at, id) WHERE stack_id IS NOT NULL;
CREATE INDEX ix_pipeline_run_model_version ON pipeline_run (model_version_id) WHERE model_version_id IS NOT NULL;

CREATE TABLE step_run (
  project_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  run_id uuid NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('INITIALIZING', 'RUNNING', 'COMPLETED', 'FAILED', 'CACHED')),
  metadata jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_step_run PRIMARY KEY (project_id, id),
  CONSTRAINT fk_step_run_run FOREIGN KEY (project_id, run_id) REFERENCES pipeline_run (project_id, id),
  CONSTRAINT uq_step_run_name UNIQUE (project_id, run_id, name)
);
CREATE INDEX ix_step_run_id ON step_run (id);
CREATE INDEX ix_step_run_run ON step_run (run_id, created_at, id);

CREATE TABLE artifact_version (
  project_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  artifact_id uuid NOT NULL,
  version text NOT NULL,
  type text NOT NULL DEFAULT 'DATA' CHECK (type IN ('DATA', 'MODEL', 'SCHEMA', 'SERVICE', 'STATISTICS', 'DATA_ANALYSIS', 'BASE')),
  uri text,
  data_type text,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- The OUTPUT edge of lineage: the step that produced this version, under its output name.
  producer_step_id uuid,
  producer_run_id uuid,
  output_name text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_artifact_version PRIMARY KEY (project_id, id),
  CONSTRAINT fk_artifact_version_artifact FOREIGN KEY (project_id, artifact_id) REFERENCES artifact (project_id, id),
  CONSTRAINT fk_artifact_version_step FOREIGN KEY (project_id, producer_step_id) REFERENCES step_run (project_id, id),
  CONSTRAINT fk_artifact_version_run FOREIGN KEY (project_id, producer_run_id) REFERENCES pipeline_run (project_id, id),
  CONSTRAINT uq_artifact_version UNIQUE (project_id, artifact_id, version),
  CONSTRAINT uq_artifact_version_output UNIQUE (project_id, producer_step_id, output_name)
);
CREATE INDEX ix_artifact_version_id ON artifact_version (id);
CREATE INDEX ix_artifact_version_artifact_created ON artifact_version (artifact_id, created_at, id);
CREATE INDEX ix_artifact_version_created ON artifact_version (project_id, created_at, id);
CREATE INDEX ix_artifact_version_producer ON artifact_version (producer_step_id) WHERE producer_step_id IS NOT NULL;
CREATE INDEX ix_artifact_version_run ON artifact_version (producer_run_id) WHERE producer_run_id IS NOT NULL;

-- The INPUT edge of lineage: a step consumed an artifact version under its own input name.
CREATE TABLE step_input (
  project_id uuid NOT NULL,
  step_run_id uuid NOT NULL,
  name text NOT NULL,
  artifact_version_id uuid NOT NULL,
  CONSTRAINT pk_step_input PRIMARY KEY (project_id, step_run_id, name),
  CONSTRAINT fk_step_input_step FOREIGN KEY (project_id, step_run_id) REFERENCES step_run (project_id, id),
  CONSTRAINT fk_step_input_version FOREIGN KEY (project_id, artifact_version_id) REFERENCES artifact_version (project_id, id)
);
CREATE INDEX ix_step_input_step ON step_input (step_run_id);
CREATE INDEX ix_step_input_version ON step_input (artifact_version_id);

CREATE TABLE model_artifact_link (
  project_id uuid NOT NULL,
  model_version_id uuid NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('DATA', 'MODEL', 'DEPLOYMENT')),
  artifact_version_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_model_artifact_link PRIMARY KEY (project_id, model_version_id, name),
  CONSTRAINT fk_model_artifact_link_version FOREIGN KEY (project_id, model_version_id) REFERENCES model_version (project_id, id),
  CONSTRAINT fk_model_artifact_link_artifact FOREIGN KEY (project_id, artifact_version_id) REFERENCES artifact_version (project_id, id)
);
CREATE INDEX ix_model_artifact_link_version ON model_artifact_link (model_version_id);
CREATE INDEX ix_model_artifact_link_artifact ON model_artifact_link (artifact_version_id);

CREATE TABLE tag (
  project_id uuid NOT NULL REFERENCES project (id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  color text,
  exclusive boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_tag PRIMARY KEY (project_id, id),
  CONSTRAINT uq_tag_name UNIQUE (project_id, name)
);
CREATE INDEX ix_tag_id ON tag (id);
CREATE INDEX ix_tag_created ON tag (project_id, created_at, id);
-- startswith: predicates become LIKE 'x%' and use this index.
CREATE INDEX ix_tag_name_pattern ON tag (project_id, name text_pattern_ops);

-- One table for every taggable kind. scope_id is the row within which an exclusive tag
-- has one holder (the project, pipeline, artifact or model); is_exclusive mirrors the
-- tag's flag so a partial unique index can enforce that invariant under concurrency.
CREATE TABLE tag_assignment (
  project_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  resource_type text NOT NULL CHECK (resource_type IN ('PIPELINE', 'PIPELINE_RUN', 'ARTIFACT', 'ARTIFACT_VERSION', 'MODEL', 'MODEL_VERSION')),
  resource_id uuid NOT NULL,
  scope_id uuid NOT NULL,
  is_exclusive boolean NOT NULL DEFAULT false,
  cascade boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_tag_assignment PRIMARY KEY (project_id, resource_id, tag_id),
  CONSTRAINT fk_tag_assignment_tag FOREIGN KEY (project_id, tag_id) REFERENCES tag (project_id, id)
);
CREATE INDEX ix_tag_assignment_tag ON tag_assignment (tag_id, resource_type, resource_id);
CREATE INDEX ix_tag_assignment_resource ON tag_assignment (resource_id);
CREATE UNIQUE INDEX uq_tag_assignment_exclusive ON tag_assignment (project_id, tag_id, resource_type, scope_id)
  WHERE is_exclusive;

CREATE TABLE api_key (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('VIEWER', 'EDITOR', 'ADMIN')),
  projects text[] NOT NULL DEFAULT '{}',
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  CONSTRAINT pk_api_key PRIMARY KEY (id),
  CONSTRAINT uq_api_key_hash UNIQUE (secret_hash)
);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE api_key, tag_assignment, tag, model_artifact_link, step_input, artifact_version,
  step_run, pipeline_run, stage_change, model_version, model, artifact, pipeline,
  stack_component_link, stack_component, stack, project;
`);
  }
}
