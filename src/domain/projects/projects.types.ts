import { Field, ID, InputType } from 'type-graphql';
import { connectionType } from '../../graphql/pagination';
import { Project } from './project.entity';

@InputType()
export class CreateProjectInput {
  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class UpdateProjectInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) displayName?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

export const ProjectConnection = connectionType('Project', Project);
