import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ObjectType } from 'type-graphql';
import { Node } from '../../graphql/node';
import { Deletable } from '../lifecycle/deletable';
import { DateTimeScalar, JSONScalar } from '../../graphql/scalars';
import { Taggable } from '../tags/taggable';
import { ArtifactType } from './artifact-type';

@Entity('artifact_version')
@ObjectType({ implements: [Node, Taggable] })
export class ArtifactVersion extends Deletable {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  projectId: string;

  @Column('uuid')
  artifactId: string;

  @Field({ description: "'1', '2', … when not given explicitly; otherwise the given name, e.g. 'raw_2023'." })
  @Column('text')
  version: string;

  @Field(() => ArtifactType)
  @Column('text')
  type: ArtifactType;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  uri: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  dataType: string | null;

  @Field(() => JSONScalar)
  @Column('jsonb')
  metadata: Record<string, unknown>;

  @Column('uuid', { nullable: true })
  producerStepId: string | null;

  @Column('uuid', { nullable: true })
  producerRunId: string | null;

  @Column('text', { nullable: true })
  outputName: string | null;
}
