import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { Deletable } from '../lifecycle/deletable';
import { DateTimeScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';

@Entity('model')
@ObjectType({ implements: [Node, Taggable] })
export class Model extends Deletable {
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
}
