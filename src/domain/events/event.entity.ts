// A change in the change log, and a webhook that receives them.
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { EventKind } from './event-kind';

@Entity('event')
@ObjectType({ implements: Node, description: 'A change, recorded in the same transaction as the change itself: no change without its event, no event without its change.' })
export class Event extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field({ description: 'Increases with every event of the server (a decimal integer); pass it as `after` to resume.' })
  @Column('bigint')
  sequence: string;

  @Field(() => EventKind)
  @Column('text')
  kind: EventKind;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  at: Date;

  @Field({ description: "The api key's name, or 'anonymous'." })
  @Column('text')
  actor: string;

  @Column('uuid', { nullable: true })
  projectId: string | null;

  @Column('text')
  subjectType: string;

  @Column('uuid')
  subjectId: string;

  @Field(() => JSONScalar)
  @Column('jsonb')
  data: Record<string, unknown>;
}

@Entity('webhook')
@ObjectType({ implements: Node, description: 'An HTTP endpoint that receives events as POSTed JSON.' })
export class Webhook extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  name: string;

  @Field()
  @Column('text')
  url: string;

  @Field(() => [String], { description: 'Empty: every project.' })
  @Column('text', { array: true })
  projects: string[];

  @Field(() => [EventKind], { description: 'Empty: every kind.' })
  @Column('text', { array: true })
  kinds: EventKind[];

  /** The HMAC key of its signatures; shown once at creation. */
  @Column('text')
  secret: string;

  @Column('bigint')
  cursor: string;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;
}
