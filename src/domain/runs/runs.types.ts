import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { connectionType, ListFilter, MetadataCondition, PageArgs } from '../../graphql/pagination';
import { DateTimeScalar, JSONScalar, StringPredicateScalar } from '../../graphql/scalars';
import type { Predicate } from '../../graphql/scalars/string-predicate';
import { ArtifactType } from '../artifacts/artifact-type';
import { ModelArtifactKind } from '../models/model-enums';
import { ModelRefInput } from '../models/models.types';
import { TagInput } from '../tags/tags.types';
import { PipelineRun } from './pipeline-run.entity';
import { RunStatus } from './run-status';

@InputType()
export class RunFilter extends ListFilter {
  @Field(() => RunStatus, { nullable: true })
  status?: RunStatus;

  @Field(() => StringPredicateScalar, { nullable: true })
  pipeline?: Predicate;

  @Field(() => StringPredicateScalar, { nullable: true, description: "filters on the stack's name" })
  stack?: Predicate;

  @Field(() => [MetadataCondition], { nullable: true, description: 'Every condition must hold (AND), e.g. [{key: "accuracy", gt: 0.9}].' })
  metadata?: MetadataCondition[];

  @Field(() => [RunFilter], { nullable: true, description: 'Entities that match at least one of these filters (and the rest of this filter).' })
  declare or?: RunFilter[];

  @Field(() => RunFilter, { nullable: true, description: 'Entities that do not match this filter.' })
  declare not?: RunFilter;
}

@InputType()
export class StartRunInput {
  @Field() project: string;
  @Field({ description: 'Created on first use.' }) pipeline: string;
  @Field(() => String, { nullable: true, description: 'Generated when left out (unique within the project).' }) name?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => JSONScalar, { nullable: true }) config?: unknown;
  @Field(() => String, { nullable: true, description: 'The name of a registered stack to run on.' }) stack?: string | null;

  @Field(() => ModelRefInput, {
    nullable: true,
    description: "Attach the run to a model version: by model name and version (number, name, stage, 'latest' or an exclusive tag); createVersion makes a new version instead.",
  })
  model?: ModelRefInput | null;
}

@InputType()
export class StepInputRef {
  @Field() name: string;
  @Field(() => ID) artifactVersion: string;
}

@InputType()
export class StepOutputInput {
  @Field({ description: "The step's own name for the output." }) name: string;
  @Field({ description: 'The artifact it becomes a version of; created on first use.' }) artifact: string;
  @Field(() => String, { nullable: true, description: 'Left out: the next number.' }) version?: string | null;
  @Field(() => ArtifactType, { nullable: true }) type?: ArtifactType | null;
  @Field(() => String, { nullable: true }) uri?: string | null;
  @Field(() => String, { nullable: true }) dataType?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => JSONScalar, { nullable: true }) metadata?: unknown;

  @Field(() => ModelArtifactKind, { nullable: true, description: "Also link the new version to the run's model version under this kind, named by `name`." })
  linkToModelAs?: ModelArtifactKind | null;
}

@InputType()
export class RecordStepInput {
  @Field(() => ID) run: string;
  @Field() name: string;
  @Field(() => RunStatus) status: RunStatus;
  @Field(() => DateTimeScalar, { nullable: true }) startedAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) endedAt?: Date | null;
  @Field(() => [StepInputRef], { nullable: true, description: 'At most 1,000 (BAD_USER_INPUT beyond).' }) inputs?: StepInputRef[] | null;
  @Field(() => [StepOutputInput], { nullable: true, description: 'At most 1,000 (BAD_USER_INPUT beyond).' }) outputs?: StepOutputInput[] | null;
  @Field(() => JSONScalar, { nullable: true }) metadata?: unknown;
}

export const PipelineRunConnection = connectionType('PipelineRun', PipelineRun);

@ArgsType()
export class RunListArgs extends PageArgs {
  @Field(() => RunFilter, { nullable: true })
  filter?: RunFilter;
}
