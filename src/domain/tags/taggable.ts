import { Field, ID, InterfaceType } from 'type-graphql';
import { Tag } from './tag.entity';

/** The kinds of rows that carry tags, as stored in tag_assignment.resource_type. */
export type ResourceType = 'PIPELINE' | 'PIPELINE_RUN' | 'ARTIFACT' | 'ARTIFACT_VERSION' | 'MODEL' | 'MODEL_VERSION';

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
