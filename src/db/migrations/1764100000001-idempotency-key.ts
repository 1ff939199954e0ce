import { MigrationInterface, QueryRunner } from 'typeorm';

// Idempotency-Key of creating mutations: written in the transaction of the write it names, so a
// key exists exactly when its write committed; a repeat with the key returns that row.
export class IdempotencyKey1764100000001 implements MigrationInterface {
  name = 'IdempotencyKey1764100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE idempotency_key (
  -- The api key's id, or 'anonymous' when authentication is off.
  principal text NOT NULL,
  key text NOT NULL,
  operation text NOT NULL,
  request_hash text NOT NULL,
  result_id uuid,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT pk_idempotency_key PRIMARY KEY (principal, key)
);
CREATE INDEX ix_idempotency_key_expires ON idempotency_key (expires_at);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_key');
  }
}
