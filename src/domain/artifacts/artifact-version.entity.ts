import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';
import { ArtifactType } from './artifact-type';

@Entity('artifact_version')
@ObjectType({ implements: [Node, Taggable] })
export class ArtifactVersion extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  artifactId: string;

  @Field({ description: "'1', '2', … when not given explicitly; otherwise the given name, e.g. 'raw_2023'." })
  @Column('text')
  version: string;

  @Field(() => ArtifactType)
  @Column('text')
  type: ArtifactType;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  uri: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  dataType: string | null;

  @Field(() => JSONScalar)
  @Column('jsonb')
  metadata: Record<string, unknown>;

  @Column('uuid', { nullable: true })
  producerStepId: string | null;

  @Column('uuid', { nullable: true })
  producerRunId: string | null;

  @Column('text', { nullable: true })
  outputName: string | null;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;

  @Field(() => DateTimeScalar, { description: 'When it last changed: an edit, a tag added or removed, metadata, a stage, a deletion or restore.' })
  @Column('timestamptz')
  updatedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Set while it is deleted (soft delete); restore clears it.' })
  @Column('timestamptz', { nullable: true })
  deletedAt: Date | null;

  /** The deletion that marked it: restore clears every row pointing at the same deletion. */
  @Column('uuid', { nullable: true })
  deletionId: string | null;
}
