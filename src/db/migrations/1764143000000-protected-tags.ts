import { MigrationInterface, QueryRunner } from 'typeorm';

// Protected tags: only ADMIN keys may add, remove or move them, or change the tag; deleting an
// entity that holds one needs force. The flag lives on the tag alone: the checks join it.
export class ProtectedTags1764143000000 implements MigrationInterface {
  name = 'ProtectedTags1764143000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE tag ADD COLUMN is_protected boolean NOT NULL DEFAULT false');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE tag DROP COLUMN is_protected');
  }
}
