import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { ApiKey } from './api-key.entity';
import { CreateApiKeyInput, CreatedApiKey, Viewer } from './auth.types';

@Resolver(() => ApiKey)
export class AuthResolver {
  @Query(() => Viewer)
  viewer(@Ctx() ctx: Context): Viewer {
    const { name, role, projects } = ctx.principal;
    return { name, role, projects };
  }

  @Query(() => [ApiKey])
  apiKeys(@Arg('first', () => Int, firstArg('Query.apiKeys')) first: number, @Ctx() ctx: Context) {
    return ctx.services.auth.list(ctx, listLimit('Query.apiKeys', first));
  }

  @Mutation(() => CreatedApiKey)
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: Context) {
    return ctx.services.auth.create(ctx, input);
  }

  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.auth.revoke(ctx, id);
  }
}
