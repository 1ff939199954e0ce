import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Webhook } from './event.entity';
import { CreatedWebhook, CreateWebhookInput, WebhookDelivery, WebhookDeliveryConnection } from './webhooks.types';

@Resolver(() => Webhook)
export class WebhookResolver {
  @Query(() => [Webhook], { description: 'ADMIN only.' })
  webhooks(@Ctx() ctx: Context) {
    return ctx.services.webhooks.list(ctx);
  }

  @Mutation(() => CreatedWebhook, { description: 'ADMIN only.' })
  createWebhook(@Arg('input') input: CreateWebhookInput, @Ctx() ctx: Context) {
    return ctx.services.webhooks.create(ctx, input);
  }

  @Mutation(() => ID, { description: 'ADMIN only.' })
  deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.delete(ctx, id);
  }

  @Mutation(() => WebhookDelivery, { description: 'Sends a PING event to the webhook now and returns its delivery. ADMIN only.' })
  pingWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.webhooks.ping(ctx, id);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Newest first.' })
  deliveries(
    @Root() webhook: Webhook,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.webhooks.deliveries(webhook, first, after);
  }
}
