import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar, StringPredicateScalar } from '../../graphql/scalars';
import type { Predicate } from '../../graphql/scalars/string-predicate';

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

@InputType()
export class RetentionRule {
  @Field(() => StringPredicateScalar, { description: 'Which artifacts the rule covers.' })
  artifact: Predicate;

  @Field(() => Int, { description: 'Keep this many newest versions of each covered artifact.' })
  keepLatest: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Only versions created before this moment are candidates.' })
  olderThan?: Date | null;
}

@InputType()
export class PurgeInput {
  @Field(() => String)
  project: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Permanently remove entities deleted before this moment (default: now).' })
  deletedBefore?: Date | null;

  @Field(() => RetentionRule, { nullable: true, description: 'Also remove the versions this rule no longer keeps, unless something protects them.' })
  retention?: RetentionRule | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Report what would be removed and change nothing (the default).' })
  dryRun?: boolean | null;
}

@ObjectType()
export class PurgePayload {
  @Field(() => Boolean)
  dryRun: boolean;

  @Field(() => [ID], { description: 'What was removed, or would be with dryRun.' })
  removed: string[];

  @Field(() => Int)
  count: number;
}
