import { Field, ID, InputType, ObjectType } from 'type-graphql';

@InputType()
export class DeleteInput {
  @Field(() => ID, { description: 'A pipeline, run, artifact, artifact version, model or model version.' })
  id: string;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Also delete when the entity (or something it owns) holds STAGING/PRODUCTION or a protected tag.',
  })
  force?: boolean | null;

  @Field(() => String, { nullable: true })
  reason?: string | null;
}

@ObjectType()
export class DeletePayload {
  @Field(() => [ID], {
    description: 'Every entity this call deleted: the given one first, then what it owned (a pipeline\'s runs, an artifact\'s versions, a model\'s versions).',
  })
  deleted: string[];
}
