import { Field, InputType, ObjectType } from 'type-graphql';
import { ApiKey } from './api-key.entity';
import { Role } from './role';

@InputType()
export class CreateApiKeyInput {
  @Field() name: string;
  @Field(() => Role) role: Role;
  @Field(() => [String], { nullable: true }) projects?: string[] | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey) apiKey: ApiKey;
  @Field({ description: "Shown once; send it as 'Authorization: Bearer <secret>'." }) secret: string;
}

@ObjectType()
export class Viewer {
  @Field({ description: "The api key's name, or 'anonymous' when authentication is off." }) name: string;
  @Field(() => Role) role: Role;
  @Field(() => [String]) projects: string[];
}
