import { Column } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar } from '../../graphql/scalars';

/**
 * What every entity that can be edited, deleted and restored carries (pipelines, runs, artifacts,
 * artifact versions, models, model versions): its times and the deletion that marked it.
 */
@ObjectType() // referenced by no field, so the schema has no type of its name; its fields land on each subclass
export abstract class Deletable extends Node {
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
