import { MigrationInterface, QueryRunner } from 'typeorm';

// Metadata filters: eq conditions are written as containment (metadata @> '{"k": v}'), which a
// GIN index with jsonb_path_ops answers for any key, nested ones included (measured on 100k
// model versions: see the README's "Lifecycle and filters" section). Range conditions and the
// METADATA order cannot use it; they filter and sort the rows the list reads.
export class MetadataIndexes1764142000000 implements MigrationInterface {
  name = 'MetadataIndexes1764142000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX ix_model_version_metadata ON model_version USING gin (metadata jsonb_path_ops);
CREATE INDEX ix_artifact_version_metadata ON artifact_version USING gin (metadata jsonb_path_ops);
CREATE INDEX ix_pipeline_run_metadata ON pipeline_run USING gin (metadata jsonb_path_ops);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX ix_model_version_metadata, ix_artifact_version_metadata, ix_pipeline_run_metadata');
  }
}
