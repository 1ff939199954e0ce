import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { BoundedListLoader } from '../../db/loaders';
import { LIST_BOUNDS } from '../../graphql/list-bounds';
import { childConnectionLoader, ListSource } from '../../db/lists';
import { NameFilter } from '../../graphql/pagination';
import { Tag } from './tag.entity';

export const TAGS: ListSource<NameFilter> = { entity: Tag, table: 'tag' };

export function tagLoaders(db: DataSource) {
  return {
    tagsByResourceId: new BoundedListLoader(db,
      `SELECT tg.* FROM tag_assignment ta JOIN tag tg ON tg.project_id = ta.project_id AND tg.id = ta.tag_id
       WHERE ta.resource_id = k.id ORDER BY tg.name LIMIT k.lim`,
      (r) => hydrate(db, Tag, r), LIST_BOUNDS['Taggable.tags'].default),
    usageCountByTagId: new DataLoader<string, number>(async (ids) => {
      const rows: { tag_id: string; n: number }[] = await db.query(
        'SELECT tag_id, count(*)::int AS n FROM tag_assignment WHERE tag_id = ANY($1::uuid[]) AND NOT resource_deleted GROUP BY tag_id', [ids]);
      const byId = new Map(rows.map((r) => [r.tag_id, r.n]));
      return ids.map((id) => byId.get(id) ?? 0);
    }),
    tagsByProjectId: childConnectionLoader<Tag, NameFilter>(db, TAGS, 'project_id'),
  };
}
