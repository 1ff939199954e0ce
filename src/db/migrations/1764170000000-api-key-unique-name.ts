import { MigrationInterface, QueryRunner } from 'typeorm';

// Keys are managed by name (`npm run apikey -- revoke --name ci`), so two live keys may not share
// one; revoked keys keep their names for the record. Existing duplicates keep the oldest key's
// name and get their id's first characters appended, rather than being revoked behind anyone's back.
export class ApiKeyUniqueName1764170000000 implements MigrationInterface {
  name = 'ApiKeyUniqueName1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
UPDATE api_key k SET name = k.name || '-' || left(k.id::text, 8)
FROM (SELECT id, row_number() OVER (PARTITION BY name ORDER BY created_at, id) AS n FROM api_key WHERE revoked_at IS NULL) d
WHERE d.id = k.id AND d.n > 1;
CREATE UNIQUE INDEX uq_api_key_active_name ON api_key (name) WHERE revoked_at IS NULL;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX uq_api_key_active_name');
  }
}
