import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { listQuery } from '../../graphql/pagination';
import { childKey } from '../../db/lists';
import { Pipeline } from '../pipelines/pipeline.entity';
import { Project } from '../projects/project.entity';
import { Tag } from '../tags/tag.entity';
import { DateTimeScalar } from '../../graphql/scalars';
import { timestampText } from '../../graphql/scalars/date-time';
import { Model } from './model.entity';
import { ModelStage } from './model-enums';
import { ModelVersion } from './model-version.entity';
import { CreateModelInput, ModelVersionConnection, ModelVersionListArgs, UpdateModelInput } from './models.types';

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => Model, { nullable: true })
  model(@Arg('project') project: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.models.findModel(ctx, project, name);
  }

  @Mutation(() => Model)
  createModel(@Arg('input') input: CreateModelInput, @Ctx() ctx: Context) {
    return ctx.services.models.createModel(ctx, input);
  }

  @Mutation(() => Model, { description: 'Renames (id, versions, stages and links stay) or re-describes a model.' })
  updateModel(@Arg('input') input: UpdateModelInput, @Ctx() ctx: Context) {
    return ctx.services.models.updateModel(ctx, input);
  }

  @FieldResolver(() => Project)
  project(@Root() model: Model, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(model.projectId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() model: Model, @Arg('first', () => Int, firstArg('Model.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(model.id, listLimit('Model.tags', first));
  }

  @FieldResolver(() => ModelVersionConnection)
  versions(@Root() model: Model, @Args() args: ModelVersionListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.versionsByModelId.load(childKey(model.id, listQuery(args)));
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  latestVersion(@Root() model: Model, @Ctx() ctx: Context) {
    return ctx.loaders.latestVersionByModelId.load(model.id);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The version that holds this stage now, if any.' })
  versionInStage(@Root() model: Model, @Arg('stage', () => ModelStage) stage: ModelStage, @Ctx() ctx: Context) {
    return ctx.loaders.versionInStage.load(`${model.id}|${stage}`);
  }

  @FieldResolver(() => ModelVersion, {
    nullable: true,
    description: 'The version that held `stage` at the moment `at`, from the stage history; null if none did. A change at `t` counts from `t` on.',
  })
  versionInStageAt(
    @Root() model: Model,
    @Arg('stage', () => ModelStage) stage: ModelStage,
    @Arg('at', () => DateTimeScalar) at: Date,
    @Ctx() ctx: Context,
  ) {
    return ctx.loaders.versionInStageAt.load(`${model.projectId}|${model.id}|${stage}|${timestampText(at)}`);
  }

  @FieldResolver(() => [Pipeline], { description: 'The pipelines whose runs worked on a version of this model: a model ties pipelines together.' })
  pipelines(@Root() model: Model, @Arg('first', () => Int, firstArg('Model.pipelines')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.pipelinesByModelId.load(model.id, listLimit('Model.pipelines', first));
  }
}
