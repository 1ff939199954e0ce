import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { Deletable } from '../lifecycle/deletable';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';
import { RunStatus } from './run-status';

@Entity('pipeline_run')
@ObjectType({ implements: [Node, Taggable] })
export class PipelineRun extends Deletable {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  pipelineId: string;

  @Column('uuid', { nullable: true })
  stackId: string | null;

  @Column('uuid', { nullable: true })
  modelVersionId: string | null;

  @Field()
  @Column('text')
  name: string;

  @Field(() => RunStatus)
  @Column('text')
  status: RunStatus;

  @Field(() => JSONScalar, { nullable: true })
  @Column('jsonb', { nullable: true })
  config: unknown;

  @Field(() => JSONScalar)
  @Column('jsonb')
  metadata: Record<string, unknown>;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  startedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column('timestamptz', { nullable: true })
  endedAt: Date | null;
}
