import { MigrationInterface, QueryRunner } from 'typeorm';

// The change log (a transactional outbox). Sequences come from one counter row that each writing
// transaction bumps as its last statement and holds locked until it commits: sequence order is
// commit order and numbers have no holes, so a reader that has seen n never sees a smaller one
// appear later. `containers` lists the rows the subject lives in (project, pipeline, run,
// artifact, model) for "this entity and what it contains" filters.
export class Events1764160000000 implements MigrationInterface {
  name = 'Events1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE event_counter (
  id integer NOT NULL CHECK (id = 1),
  last bigint NOT NULL,
  CONSTRAINT pk_event_counter PRIMARY KEY (id)
);
INSERT INTO event_counter (id, last) VALUES (1, 0);

CREATE TABLE event (
  sequence bigint NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor text NOT NULL,
  project_id uuid,
  subject_type text NOT NULL,
  subject_id uuid NOT NULL,
  containers uuid[] NOT NULL DEFAULT '{}',
  data jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT pk_event PRIMARY KEY (sequence),
  CONSTRAINT uq_event_id UNIQUE (id)
);
CREATE INDEX ix_event_project ON event (project_id, sequence);
CREATE INDEX ix_event_subject ON event (subject_id, sequence);
CREATE INDEX ix_event_containers ON event USING gin (containers);
CREATE INDEX ix_event_at ON event (at);

CREATE TABLE webhook (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  url text NOT NULL,
  projects text[] NOT NULL DEFAULT '{}',
  kinds text[] NOT NULL DEFAULT '{}',
  secret text NOT NULL,
  -- The last event this webhook has dealt with (delivered or given up on): deliveries go in order.
  cursor bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_webhook PRIMARY KEY (id),
  CONSTRAINT uq_webhook_name UNIQUE (name)
);

CREATE TABLE webhook_delivery (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  webhook_id uuid NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
  event_sequence bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
  attempts integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz,
  next_attempt_at timestamptz,
  response_status integer,
  error text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT pk_webhook_delivery PRIMARY KEY (id),
  CONSTRAINT uq_webhook_delivery UNIQUE (webhook_id, event_sequence)
);
CREATE INDEX ix_webhook_delivery_webhook ON webhook_delivery (webhook_id, created_at DESC, id DESC);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_delivery, webhook, event, event_counter');
  }
}
