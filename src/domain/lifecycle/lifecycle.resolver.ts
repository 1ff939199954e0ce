import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Node } from '../../graphql/node';
import { DeleteInput, DeletePayload, PurgeInput, PurgePayload } from './lifecycle.types';

@Resolver()
export class LifecycleResolver {
  @Mutation(() => DeletePayload, {
    description: 'Soft delete: the entity and what it owns leave lists and lookups by name; node(id:) and filters with `deleted` still find them.',
  })
  delete(@Arg('input') input: DeleteInput, @Ctx() ctx: Context) {
    return ctx.services.lifecycle.delete(ctx, input);
  }

  @Mutation(() => Node, { description: 'Brings back a deleted entity with what was deleted with it.' })
  restore(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.lifecycle.restore(ctx, id);
  }

  @Mutation(() => PurgePayload, { description: 'Permanent removal from the trash, and retention. ADMIN only.' })
  purge(@Arg('input') input: PurgeInput, @Ctx() ctx: Context) {
    return ctx.services.purge.purge(ctx, input);
  }
}
