import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Node } from '../../graphql/node';
import { JSONScalar } from '../../graphql/scalars';

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.nodes.node(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items' })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context) {
    return ctx.services.nodes.nodes(ctx, ids);
  }

  @Mutation(() => Node, { description: 'Merges keys into the metadata of a run, step run, artifact version or model version.' })
  logMetadata(@Arg('resource', () => ID) resource: string, @Arg('metadata', () => JSONScalar) metadata: unknown, @Ctx() ctx: Context) {
    return ctx.services.nodes.logMetadata(ctx, resource, metadata);
  }
}
