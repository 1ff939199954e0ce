import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { StackComponentType } from './stack-component-type';

// Stacks are server-wide reference data shared by every project: no project_id.
@Entity('stack')
@ObjectType({
  implements: Node,
  description: 'The configuration of tools and infrastructure that runs pipelines (development, staging, production, …). Stacks are shared by every project of the server.',
})
export class Stack extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  name: string;

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

@Entity('stack_component')
@ObjectType({ implements: Node, description: 'One configured tool of an execution environment, e.g. a local orchestrator or an S3 artifact store.' })
export class StackComponent extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => StackComponentType)
  @Column('text')
  type: StackComponentType;

  @Field({ description: "The implementation, e.g. 'local', 'kubernetes', 's3'." })
  @Column('text')
  flavor: string;

  @Field(() => JSONScalar, { description: 'Non-secret settings only.' })
  @Column('jsonb')
  config: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;
}

@Entity('stack_component_link')
export class StackComponentLink {
  @PrimaryColumn('uuid')
  stackId: string;

  @PrimaryColumn('text')
  type: StackComponentType;

  @Column('uuid')
  componentId: string;
}
