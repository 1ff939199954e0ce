import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { Deletable } from '../lifecycle/deletable';
import { DateTimeScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';

@Entity('artifact')
@ObjectType({ implements: [Node, Taggable] })
export class Artifact extends Deletable {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Field()
  @Column('text')
  name: string;

  @Column('int')
  versionCounter: number;
}
