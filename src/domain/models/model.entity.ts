import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';

@Entity('model')
@ObjectType({ implements: [Node, Taggable] })
export class Model extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  license: string | null;

  @Column('int')
  versionCounter: number;

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
