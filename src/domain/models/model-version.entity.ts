import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { Deletable } from '../lifecycle/deletable';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';
import { ModelArtifactKind, ModelStage } from './model-enums';

@Entity('model_version')
@ObjectType({ implements: [Node, Taggable] })
export class ModelVersion extends Deletable {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  modelId: string;

  @Field(() => Int, { description: '1, 2, … in order of creation within the model.' })
  @Column('int')
  number: number;

  @Field({ description: 'The given name, or the number as a string.' })
  @Column('text')
  name: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  @Field(() => ModelStage)
  @Column('text')
  stage: ModelStage;

  @Field(() => JSONScalar)
  @Column('jsonb')
  metadata: Record<string, unknown>;
}

@Entity('model_artifact_link')
@ObjectType()
export class ModelArtifactLink {
  @PrimaryColumn('uuid')
  projectId: string;

  @PrimaryColumn('uuid')
  modelVersionId: string;

  @Field({ description: "The name under which the model version knows it, e.g. 'trained_model'." })
  @PrimaryColumn('text')
  name: string;

  @Field(() => ModelArtifactKind)
  @Column('text')
  kind: ModelArtifactKind;

  @Column('uuid')
  artifactVersionId: string;

  @Column('timestamptz')
  createdAt: Date;
}

@Entity('stage_change')
@ObjectType()
export class StageChange {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  modelVersionId: string;

  @Field(() => ModelStage, { name: 'from' })
  @Column('text')
  fromStage: ModelStage;

  @Field(() => ModelStage, { name: 'to' })
  @Column('text')
  toStage: ModelStage;

  /** Read as text with microseconds (stageHistoryByModelVersionId): a Date would keep milliseconds. */
  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  at: string;

  @Field({ description: 'The changes of one model in the order they committed (a server-wide counter: compare as integers). Never tied, unlike `at`.' })
  @Column('bigint')
  sequence: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  reason: string | null;

  @Field({ description: "The principal (api key name or 'anonymous') that made the change." })
  @Column('text')
  actor: string;
}
