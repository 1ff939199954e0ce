import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class TagInput {
  @Field()
  name: string;

  @Field(() => Boolean, { nullable: true, description: 'Creates the tag as exclusive when it does not exist yet; an existing tag keeps its flag unless changed with updateTag.' })
  exclusive?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'On a pipeline run: also put this tag on every artifact version that the run produces.' })
  cascade?: boolean | null;
}

@InputType()
export class CreateTagInput {
  @Field()
  project: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  color?: string | null;

  @Field(() => Boolean, { nullable: true })
  exclusive?: boolean | null;
}

@InputType()
export class UpdateTagInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  color?: string | null;

  @Field(() => Boolean, { nullable: true })
  exclusive?: boolean | null;
}
