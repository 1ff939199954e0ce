import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { ListArgs, listQuery, NameListArgs } from '../../graphql/pagination';
import { childKey } from '../../db/lists';
import { ArtifactConnection, ArtifactVersionConnection, ArtifactVersionListArgs } from '../artifacts/artifacts.types';
import { ModelConnection, ModelVersionConnection, ModelVersionListArgs } from '../models/models.types';
import { PipelineConnection } from '../pipelines/pipelines.types';
import { PipelineRunConnection, RunListArgs } from '../runs/runs.types';
import { TagConnection } from '../tags/tag.resolver';
import { Project } from './project.entity';
import { CreateProjectInput, ProjectConnection, UpdateProjectInput } from './projects.types';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => ProjectConnection)
  projects(@Args() args: NameListArgs, @Ctx() ctx: Context) {
    return ctx.services.projects.list(ctx, args);
  }

  @Query(() => Project, { nullable: true })
  project(@Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.projects.find(ctx, name);
  }

  @Mutation(() => Project)
  createProject(@Arg('input') input: CreateProjectInput, @Ctx() ctx: Context) {
    return ctx.services.projects.create(ctx, input);
  }

  @Mutation(() => Project, { description: 'Changes the display name or description; the name stays (api keys name projects). ADMIN only.' })
  updateProject(@Arg('input') input: UpdateProjectInput, @Ctx() ctx: Context) {
    return ctx.services.projects.update(ctx, input);
  }

  @FieldResolver(() => PipelineConnection)
  pipelines(@Root() project: Project, @Args() args: ListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.pipelinesByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => PipelineRunConnection)
  runs(@Root() project: Project, @Args() args: RunListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.runsByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => ArtifactConnection)
  artifacts(@Root() project: Project, @Args() args: ListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.artifactsByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => ArtifactVersionConnection)
  artifactVersions(@Root() project: Project, @Args() args: ArtifactVersionListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.artifactVersionsByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => ModelConnection)
  models(@Root() project: Project, @Args() args: ListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.modelsByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => ModelVersionConnection)
  modelVersions(@Root() project: Project, @Args() args: ModelVersionListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.modelVersionsByProjectId.load(childKey(project.id, listQuery(args)));
  }

  @FieldResolver(() => TagConnection)
  tags(@Root() project: Project, @Args() args: NameListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByProjectId.load(childKey(project.id, listQuery(args)));
  }
}
