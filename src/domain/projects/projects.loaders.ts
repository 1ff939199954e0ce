import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { Project } from './project.entity';

export function projectLoaders(db: DataSource) {
  return {
    projectByName: new DataLoader<string, Project | null>(async (names) => {
      const rows: Record<string, unknown>[] = await db.query('SELECT * FROM project WHERE name = ANY($1::text[])', [names]);
      const byName = new Map(rows.map((r) => [r.name as string, hydrate(db, Project, r)]));
      return names.map((n) => byName.get(n) ?? null);
    }),
  };
}
