import { MigrationInterface, QueryRunner } from 'typeorm';

// Two stage changes can share a timestamp; a client replaying the history by time could then
// see two holders of one stage. Changes of one model are written under the model's row lock, so
// a sequence drawn at insert orders them as they committed. Existing rows are numbered by (at, id).
export class StageChangeSequence1764100000000 implements MigrationInterface {
  name = 'StageChangeSequence1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE SEQUENCE stage_change_sequence AS bigint;
ALTER TABLE stage_change ADD COLUMN sequence bigint;
UPDATE stage_change s SET sequence = o.n
  FROM (SELECT project_id, id, nextval('stage_change_sequence') AS n FROM (SELECT project_id, id FROM stage_change ORDER BY at, id) x) o
  WHERE s.project_id = o.project_id AND s.id = o.id;
ALTER TABLE stage_change ALTER COLUMN sequence SET DEFAULT nextval('stage_change_sequence'), ALTER COLUMN sequence SET NOT NULL;
ALTER SEQUENCE stage_change_sequence OWNED BY stage_change.sequence;
CREATE INDEX ix_stage_change_version_sequence ON stage_change (model_version_id, sequence);
DROP INDEX ix_stage_change_version;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX ix_stage_change_version ON stage_change (model_version_id, at, id);
DROP INDEX ix_stage_change_version_sequence;
ALTER TABLE stage_change DROP COLUMN sequence;
`);
  }
}
