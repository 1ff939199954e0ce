import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { listQuery } from '../../graphql/pagination';
import { childKey } from '../../db/lists';
import { visibleProjects } from '../projects/projects.service';
import { PipelineRunConnection, RunListArgs } from '../runs/runs.types';
import { Stack, StackComponent } from './stack.entity';
import { RegisterStackInput, StackConnection, StackListArgs } from './stacks.types';

@Resolver(() => Stack)
export class StackResolver {
  @Query(() => StackConnection)
  stacks(@Args() args: StackListArgs, @Ctx() ctx: Context) {
    return ctx.services.stacks.list(ctx, args);
  }

  @Query(() => Stack, { nullable: true })
  stack(@Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.stacks.find(name);
  }

  @Mutation(() => Stack, { description: 'Creates the stack, or fails with CONFLICT when the name is taken. ADMIN only.' })
  registerStack(@Arg('input') input: RegisterStackInput, @Ctx() ctx: Context) {
    return ctx.services.stacks.register(ctx, input);
  }

  @FieldResolver(() => [StackComponent], { description: 'At most one component of each type.' })
  components(@Root() stack: Stack, @Ctx() ctx: Context) {
    return ctx.loaders.componentsByStackId.load(stack.id);
  }

  @FieldResolver(() => PipelineRunConnection, { description: 'Runs that ran on this stack, in the projects the caller may see.' })
  runs(@Root() stack: Stack, @Args() args: RunListArgs, @Ctx() ctx: Context) {
    const query = { ...listQuery(args), scope: visibleProjects(ctx.principal) };
    return ctx.loaders.runsByStackId.load(childKey(stack.id, query));
  }
}

@Resolver(() => StackComponent)
export class StackComponentResolver {
  @FieldResolver(() => [Stack])
  stacks(@Root() component: StackComponent, @Arg('first', () => Int, firstArg('StackComponent.stacks')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.stacksByComponentId.load(component.id, listLimit('StackComponent.stacks', first));
  }
}
