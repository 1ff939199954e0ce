import { ArgsType, Field, InputType } from 'type-graphql';
import { connectionType, NameFilter, PageArgs } from '../../graphql/pagination';
import { JSONScalar, StringPredicateScalar } from '../../graphql/scalars';
import type { Predicate } from '../../graphql/scalars/string-predicate';
import { Stack } from './stack.entity';
import { StackComponentType } from './stack-component-type';

@InputType()
export class StackFilter extends NameFilter {
  @Field(() => StringPredicateScalar, { nullable: true, description: "stacks with a component whose flavor matches, e.g. 'kubernetes'" })
  flavor?: Predicate;
}

@InputType()
export class StackComponentInput {
  @Field(() => StackComponentType) type: StackComponentType;

  @Field({ description: 'Reuses the component of this name and type when it exists; creates it otherwise (then flavor is required).' })
  name: string;

  @Field(() => String, { nullable: true }) flavor?: string | null;
  @Field(() => JSONScalar, { nullable: true }) config?: unknown;
}

@InputType()
export class RegisterStackInput {
  @Field() name: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [StackComponentInput]) components: StackComponentInput[];
}

export const StackConnection = connectionType('Stack', Stack);

@ArgsType()
export class StackListArgs extends PageArgs {
  @Field(() => StackFilter, { nullable: true })
  filter?: StackFilter;
}
