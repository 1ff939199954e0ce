import { DataSource } from 'typeorm';
import { hydrate } from '../../db/data-source';
import { BoundedListLoader, groupLoader } from '../../db/loaders';
import { LIST_BOUNDS } from '../../graphql/list-bounds';
import { ListSource } from '../../db/lists';
import { predicateSql } from '../../db/sql';
import { Stack, StackComponent } from './stack.entity';
import { StackFilter } from './stacks.types';

export const STACKS: ListSource<StackFilter> = {
  entity: Stack,
  table: 'stack',
  extra: (sql, f) => (f.flavor ? [`EXISTS (SELECT 1 FROM stack_component_link l JOIN stack_component c ON c.id = l.component_id
    WHERE l.stack_id = t.id AND ${predicateSql(sql, 'c.flavor', f.flavor)})`] : []),
};

export function stackLoaders(db: DataSource) {
  return {
    componentsByStackId: groupLoader(db, StackComponent,
      `SELECT l.stack_id AS __key, c.* FROM stack_component_link l JOIN stack_component c ON c.id = l.component_id
       WHERE l.stack_id = ANY($1::uuid[]) ORDER BY c.type, c.name`),
    stacksByComponentId: new BoundedListLoader(db,
      `SELECT s.* FROM stack_component_link l JOIN stack s ON s.id = l.stack_id
       WHERE l.component_id = k.id ORDER BY s.name LIMIT k.lim`,
      (r) => hydrate(db, Stack, r), LIST_BOUNDS['StackComponent.stacks'].default),
  };
}
