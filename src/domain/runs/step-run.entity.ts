import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { RunStatus } from './run-status';

@Entity('step_run')
@ObjectType({ implements: Node })
export class StepRun extends Node {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  runId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => RunStatus)
  @Column('text')
  status: RunStatus;

  @Field(() => JSONScalar)
  @Column('jsonb')
  metadata: Record<string, unknown>;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  startedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  endedAt: Date | null;

  @Field(() => DateTimeScalar)
  @Column('timestamptz')
  createdAt: Date;
}

/** An INPUT edge of lineage: the step consumed the artifact version under `name`. */
@Entity('step_input')
export class StepInput {
  @PrimaryColumn('uuid')
  projectId: string;

  @PrimaryColumn('uuid')
  stepRunId: string;

  @PrimaryColumn('text')
  name: string;

  @Column('uuid')
  artifactVersionId: string;
}
