import { Field, ID, InputType } from 'type-graphql';

/**
 * ZenML's tag colors. Stored and returned as the lowercase name (not mapped to hex): a ZenML
 * client reads back the name it gave, and each is also a CSS color name the console can paint.
 */
export const COLOR_NAMES = ['grey', 'purple', 'red', 'green', 'yellow', 'orange', 'lime', 'teal', 'turquoise', 'magenta', 'blue'] as const;

const COLOR_HELP = `#rrggbb, or one of ZenML's color names: ${COLOR_NAMES.join(', ')} (any case; kept lowercase).`;

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

  @Field(() => String, { nullable: true, description: COLOR_HELP })
  color?: string | null;

  @Field(() => Boolean, { nullable: true })
  exclusive?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Only ADMIN keys may set it, or change a protected tag.' })
  protected?: boolean | null;
}

@InputType()
export class UpdateTagInput {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: COLOR_HELP })
  color?: string | null;

  @Field(() => Boolean, { nullable: true })
  exclusive?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Only ADMIN keys may set it, or change a protected tag.' })
  protected?: boolean | null;
}
