import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar } from '../../graphql/scalars';

// TypeORM is told the primary key is `id` alone (uuids are unique); the table's real key is
// (project_id, id), which is what distribution by project needs.
@Entity('tag')
@ObjectType({ implements: Node })
export class Tag extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => String, { nullable: true, description: 'As given, lowercased: "#rrggbb" or a color name such as "purple"; names are not turned into hex.' })
  @Column('text', { nullable: true })
  color: string | null;

  @Field({ description: 'At most one entity per scope holds an exclusive tag; applying it elsewhere moves it.' })
  @Column('boolean')
  exclusive: boolean;

  @Field({ name: 'protected', description: 'Only ADMIN keys may add, remove or move a protected tag, or change the tag itself.' })
  @Column('boolean')
  isProtected: boolean;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;

  @Field(() => DateTimeScalar, { description: 'When it last changed.' })
  @Column('timestamptz')
  updatedAt: Date;
}

@Entity('tag_assignment')
export class TagAssignment {
  @PrimaryColumn('uuid')
  projectId: string;

  @PrimaryColumn('uuid')
  resourceId: string;

  @PrimaryColumn('uuid')
  tagId: string;

  @Column('text')
  resourceType: string;

  @Column('uuid')
  scopeId: string;

  @Column('boolean')
  isExclusive: boolean;

  @Column('boolean')
  cascade: boolean;

  @Column('timestamptz')
  createdAt: Date;
}
