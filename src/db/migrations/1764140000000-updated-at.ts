import { MigrationInterface, QueryRunner } from 'typeorm';

// updated_at on every entity of the contract, kept by triggers so that every write path
// (services, ingestion, bulk tools) sets it without having to remember to:
// - a row update that changes anything but a counter (version_counter) or updated_at itself
//   stamps clock_timestamp(); a no-op update does not;
// - a new row starts with updated_at = created_at;
// - adding or removing a tag touches the tagged row (one statement-level trigger per change,
//   so a bulk tag change costs one UPDATE per kind of row, not one per assignment).
// Bulk loads with session_replication_role = replica skip the triggers; the column default
// then applies.
const TABLES = ['project', 'stack', 'tag', 'pipeline', 'pipeline_run', 'artifact', 'artifact_version', 'model', 'model_version'];

export class UpdatedAt1764140000000 implements MigrationInterface {
  name = 'UpdatedAt1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.updated_at := NEW.created_at;
  ELSIF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    AND (to_jsonb(NEW) - 'version_counter') IS DISTINCT FROM (to_jsonb(OLD) - 'version_counter') THEN
    NEW.updated_at := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;

-- resource_type in lower case is the table's name (PIPELINE_RUN -> pipeline_run).
CREATE FUNCTION touch_resources(types text[], projects uuid[], ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE kind text;
BEGIN
  FOR kind IN SELECT DISTINCT k FROM unnest(types) AS k ORDER BY 1 LOOP
    EXECUTE format('UPDATE %I t SET updated_at = clock_timestamp() FROM unnest($1::text[], $2::uuid[], $3::uuid[]) AS r(kind, project_id, id)
      WHERE r.kind = $4 AND t.project_id = r.project_id AND t.id = r.id', lower(kind))
      USING types, projects, ids, kind;
  END LOOP;
END $$;

CREATE FUNCTION tag_assignment_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM touch_resources(array_agg(resource_type), array_agg(project_id), array_agg(resource_id)) FROM changed HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE FUNCTION tag_assignment_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM touch_resources(array_agg(resource_type), array_agg(project_id), array_agg(resource_id)) FROM changed HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_tag_assignment_added AFTER INSERT ON tag_assignment
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tag_assignment_added();
CREATE TRIGGER trg_tag_assignment_removed AFTER DELETE ON tag_assignment
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tag_assignment_removed();
`);
    for (const table of TABLES) {
      await q.query(`
ALTER TABLE ${table} ADD COLUMN updated_at timestamptz;
UPDATE ${table} SET updated_at = created_at;
ALTER TABLE ${table} ALTER COLUMN updated_at SET DEFAULT clock_timestamp(), ALTER COLUMN updated_at SET NOT NULL;
CREATE TRIGGER trg_${table}_updated_at BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION set_updated_at();
`);
    }
    // Sorting and filtering the big lists by updatedAt, within a project.
    await q.query(`
CREATE INDEX ix_pipeline_run_updated ON pipeline_run (project_id, updated_at, id);
CREATE INDEX ix_artifact_version_updated ON artifact_version (project_id, updated_at, id);
CREATE INDEX ix_model_version_updated ON model_version (project_id, updated_at, id);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TRIGGER trg_tag_assignment_added ON tag_assignment;
DROP TRIGGER trg_tag_assignment_removed ON tag_assignment;
`);
    for (const table of TABLES) {
      await q.query(`DROP TRIGGER trg_${table}_updated_at ON ${table}; ALTER TABLE ${table} DROP COLUMN updated_at;`);
    }
    await q.query(`
DROP FUNCTION tag_assignment_added(); DROP FUNCTION tag_assignment_removed();
DROP FUNCTION touch_resources(text[], uuid[], uuid[]); DROP FUNCTION set_updated_at();
`);
  }
}
