import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { connectionType, ListFilter, MetadataCondition, PageArgs } from '../../graphql/pagination';
import { JSONScalar, StringPredicateScalar } from '../../graphql/scalars';
import type { Predicate } from '../../graphql/scalars/string-predicate';
import { TagInput } from '../tags/tags.types';
import { Artifact } from './artifact.entity';
import { ArtifactType } from './artifact-type';
import { ArtifactVersion } from './artifact-version.entity';

@InputType()
export class ArtifactVersionFilter extends ListFilter {
  @Field(() => StringPredicateScalar, { nullable: true, description: "filters on the artifact's name" })
  artifact?: Predicate;

  @Field(() => ArtifactType, { nullable: true })
  type?: ArtifactType;

  @Field(() => [MetadataCondition], { nullable: true, description: 'Every condition must hold (AND), e.g. [{key: "accuracy", gt: 0.9}].' })
  metadata?: MetadataCondition[];

  @Field(() => [ArtifactVersionFilter], { nullable: true, description: 'Entities that match at least one of these filters (and the rest of this filter).' })
  declare or?: ArtifactVersionFilter[];

  @Field(() => ArtifactVersionFilter, { nullable: true, description: 'Entities that do not match this filter.' })
  declare not?: ArtifactVersionFilter;
}

@InputType()
export class RegisterArtifactVersionInput {
  @Field()
  project: string;

  @Field()
  artifact: string;

  @Field(() => String, { nullable: true })
  version?: string | null;

  @Field(() => ArtifactType, { nullable: true })
  type?: ArtifactType | null;

  @Field(() => String, { nullable: true })
  uri?: string | null;

  @Field(() => String, { nullable: true })
  dataType?: string | null;

  @Field(() => [TagInput], { nullable: true })
  tags?: TagInput[] | null;

  @Field(() => JSONScalar, { nullable: true })
  metadata?: unknown;
}

@ObjectType({ description: "An artifact version that a step consumed (inputs) or produced (outputs), under the step's own name for it." })
export class StepArtifact {
  @Field()
  name: string;

  artifactVersionId: string;
}

@InputType()
export class UpdateArtifactInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) name?: string | null;
}

export const ArtifactConnection = connectionType('Artifact', Artifact);
export const ArtifactVersionConnection = connectionType('ArtifactVersion', ArtifactVersion);

@ArgsType()
export class ArtifactVersionListArgs extends PageArgs {
  @Field(() => ArtifactVersionFilter, { nullable: true })
  filter?: ArtifactVersionFilter;
}
