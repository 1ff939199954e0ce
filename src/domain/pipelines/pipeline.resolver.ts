import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { listQuery } from '../../graphql/pagination';
import { childKey } from '../../db/lists';
import { Project } from '../projects/project.entity';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { PipelineRunConnection, RunListArgs } from '../runs/runs.types';
import { Tag } from '../tags/tag.entity';
import { Pipeline } from './pipeline.entity';
import { CreatePipelineInput, UpdatePipelineInput } from './pipelines.types';

@Resolver(() => Pipeline)
export class PipelineResolver {
  @Query(() => Pipeline, { nullable: true })
  pipeline(@Arg('project') project: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.pipelines.find(ctx, project, name);
  }

  @Mutation(() => Pipeline)
  createPipeline(@Arg('input') input: CreatePipelineInput, @Ctx() ctx: Context) {
    return ctx.services.pipelines.create(ctx, input);
  }

  @Mutation(() => Pipeline, { description: 'Renames (the id, runs and tags stay) or re-describes a pipeline.' })
  updatePipeline(@Arg('input') input: UpdatePipelineInput, @Ctx() ctx: Context) {
    return ctx.services.pipelines.update(ctx, input);
  }

  @FieldResolver(() => Project)
  project(@Root() pipeline: Pipeline, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(pipeline.projectId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() pipeline: Pipeline, @Arg('first', () => Int, firstArg('Pipeline.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(pipeline.id, listLimit('Pipeline.tags', first));
  }

  @FieldResolver(() => PipelineRunConnection)
  runs(@Root() pipeline: Pipeline, @Args() args: RunListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.runsByPipelineId.load(childKey(pipeline.id, listQuery(args)));
  }

  @FieldResolver(() => PipelineRun, { nullable: true })
  latestRun(@Root() pipeline: Pipeline, @Ctx() ctx: Context) {
    return ctx.loaders.latestRunByPipelineId.load(pipeline.id);
  }
}
