import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar } from '../../graphql/scalars';

@Entity('project')
@ObjectType({ implements: Node })
export class Project extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  displayName: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  description: string | null;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;

  @Field(() => DateTimeScalar, { description: 'When it last changed.' })
  @Column('timestamptz')
  updatedAt: Date;
}
