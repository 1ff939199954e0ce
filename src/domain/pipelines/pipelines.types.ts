import { Field, ID, InputType } from 'type-graphql';
import { connectionType } from '../../graphql/pagination';
import { TagInput } from '../tags/tags.types';
import { Pipeline } from './pipeline.entity';

@InputType()
export class CreatePipelineInput {
  @Field()
  project: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [TagInput], { nullable: true })
  tags?: TagInput[] | null;
}

@InputType()
export class UpdatePipelineInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

export const PipelineConnection = connectionType('Pipeline', Pipeline);
