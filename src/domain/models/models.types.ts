import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { connectionType, ListFilter, MetadataCondition, PageArgs } from '../../graphql/pagination';
import { JSONScalar, StringPredicateScalar } from '../../graphql/scalars';
import type { Predicate } from '../../graphql/scalars/string-predicate';
import { TagInput } from '../tags/tags.types';
import { Model } from './model.entity';
import { ModelArtifactKind, ModelStage } from './model-enums';
import { ModelVersion } from './model-version.entity';

@InputType()
export class ModelVersionFilter extends ListFilter {
  @Field(() => StringPredicateScalar, { nullable: true, description: "filters on the model's name" })
  model?: Predicate;

  @Field(() => ModelStage, { nullable: true })
  stage?: ModelStage;

  @Field(() => [MetadataCondition], { nullable: true, description: 'Every condition must hold (AND), e.g. [{key: "accuracy", gt: 0.9}].' })
  metadata?: MetadataCondition[];

  @Field(() => [ModelVersionFilter], { nullable: true, description: 'Entities that match at least one of these filters (and the rest of this filter).' })
  declare or?: ModelVersionFilter[];

  @Field(() => ModelVersionFilter, { nullable: true, description: 'Entities that do not match this filter.' })
  declare not?: ModelVersionFilter;
}

@InputType()
export class CreateModelInput {
  @Field() project: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) license?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
}

@InputType()
export class CreateModelVersionInput {
  @Field() project: string;
  @Field() model: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => [TagInput], { nullable: true }) tags?: TagInput[] | null;
  @Field(() => JSONScalar, { nullable: true }) metadata?: unknown;
}

@InputType()
export class ModelRefInput {
  @Field() name: string;
  @Field(() => String, { nullable: true }) version?: string | null;
  @Field(() => Boolean, { nullable: true }) createVersion?: boolean | null;
}

@InputType()
export class LinkArtifactInput {
  @Field(() => ID) modelVersion: string;
  @Field(() => ID) artifactVersion: string;
  @Field(() => ModelArtifactKind) kind: ModelArtifactKind;
  @Field() name: string;
}

@InputType()
export class PromoteModelVersionInput {
  @Field(() => ID) modelVersion: string;
  @Field(() => ModelStage) stage: ModelStage;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'When another version of the model holds STAGING or PRODUCTION: false fails with code CONFLICT, true archives it.',
  })
  force?: boolean | null;

  @Field(() => String, { nullable: true }) reason?: string | null;
}

@ObjectType()
export class PromoteModelVersionPayload {
  @Field(() => ModelVersion) modelVersion: ModelVersion;

  @Field(() => [ModelVersion], { description: 'Versions that this promotion moved to ARCHIVED.' })
  demoted: ModelVersion[];
}

@InputType()
export class UpdateModelInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) license?: string | null;
}

@InputType()
export class UpdateModelVersionInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

export const ModelConnection = connectionType('Model', Model);
export const ModelVersionConnection = connectionType('ModelVersion', ModelVersion);

@ArgsType()
export class ModelVersionListArgs extends PageArgs {
  @Field(() => ModelVersionFilter, { nullable: true })
  filter?: ModelVersionFilter;
}
