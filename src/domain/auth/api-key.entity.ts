import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar } from '../../graphql/scalars';
import { Role } from './role';

@Entity('api_key')
@ObjectType({ implements: Node })
export class ApiKey extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => Role)
  @Column('text')
  role: Role;

  @Field(() => [String], { description: 'Project names the key may touch; empty means every project.' })
  @Column('text', { array: true })
  projects: string[];

  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  @Column('text')
  secretHash: string;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;
}
