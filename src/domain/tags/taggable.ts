import { Field, ID, InterfaceType } from 'type-graphql';
import { Tag } from './tag.entity';

export type { ResourceType } from '../kinds';

@InterfaceType('Taggable', {
  description: 'An entity that carries tags.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Taggable {
  @Field(() => ID, { name: 'id' })
  globalId: string;

  @Field(() => [Tag])
  tags: Tag[];
}
