import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { Tag } from '../tags/tag.entity';
import { Model } from './model.entity';
import { ModelArtifactKind } from './model-enums';
import { ModelArtifactLink, ModelVersion, StageChange } from './model-version.entity';
import { CreateModelVersionInput, LinkArtifactInput, PromoteModelVersionInput, PromoteModelVersionPayload, UpdateModelVersionInput } from './models.types';

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @Query(() => ModelVersion, { nullable: true, description: "version: a number, a name, 'latest', or a stage name ('staging', 'production'); failing those, an alias: the name of an exclusive tag held by one of its versions ('champion')." })
  modelVersion(
    @Arg('project') project: string,
    @Arg('model') model: string,
    @Arg('version', { defaultValue: 'latest' }) version: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.models.findVersion(ctx, project, model, version);
  }

  @Mutation(() => ModelVersion)
  createModelVersion(@Arg('input') input: CreateModelVersionInput, @Ctx() ctx: Context) {
    return ctx.services.models.createModelVersion(ctx, input);
  }

  @Mutation(() => ModelVersion, { description: 'Renames or re-describes a version; its number, stage and links stay.' })
  updateModelVersion(@Arg('input') input: UpdateModelVersionInput, @Ctx() ctx: Context) {
    return ctx.services.models.updateModelVersion(ctx, input);
  }

  @Mutation(() => ModelVersion)
  linkArtifact(@Arg('input') input: LinkArtifactInput, @Ctx() ctx: Context) {
    return ctx.services.models.linkArtifact(ctx, input);
  }

  @Mutation(() => PromoteModelVersionPayload)
  promoteModelVersion(@Arg('input') input: PromoteModelVersionInput, @Ctx() ctx: Context) {
    return ctx.services.models.promote(ctx, input);
  }

  @FieldResolver(() => Model)
  model(@Root() version: ModelVersion, @Ctx() ctx: Context) {
    return ctx.loaders.modelById.load(version.modelId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() version: ModelVersion, @Arg('first', () => Int, firstArg('ModelVersion.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(version.id, listLimit('ModelVersion.tags', first));
  }

  @FieldResolver(() => [ModelArtifactLink])
  artifacts(
    @Root() version: ModelVersion,
    @Arg('kind', () => ModelArtifactKind, { nullable: true }) kind: ModelArtifactKind | null,
    @Arg('first', () => Int, firstArg('ModelVersion.artifacts')) first: number,
    @Ctx() ctx: Context,
  ) {
    return ctx.loaders.linksByModelVersionId.load(version.id, listLimit('ModelVersion.artifacts', first), kind ?? null);
  }

  @FieldResolver(() => ArtifactVersion, { nullable: true, description: 'Resolve one linked artifact by its link name, e.g. artifact(name: "trained_model").' })
  async artifact(@Root() version: ModelVersion, @Arg('name') name: string, @Ctx() ctx: Context) {
    const [link] = await ctx.loaders.linkByModelVersionIdAndName.load(version.id, 1, name);
    return link ? ctx.loaders.artifactVersionById.load(link.artifactVersionId) : null;
  }

  @FieldResolver(() => [PipelineRun])
  runs(@Root() version: ModelVersion, @Arg('first', () => Int, firstArg('ModelVersion.runs')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.runsByModelVersionId.load(version.id, listLimit('ModelVersion.runs', first));
  }

  @FieldResolver(() => [StageChange], { description: 'Every stage change of this version, oldest first.' })
  stageHistory(@Root() version: ModelVersion, @Arg('first', () => Int, firstArg('ModelVersion.stageHistory')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.stageHistoryByModelVersionId.load(version.id, listLimit('ModelVersion.stageHistory', first));
  }
}

@Resolver(() => ModelArtifactLink)
export class ModelArtifactLinkResolver {
  @FieldResolver(() => ArtifactVersion)
  artifactVersion(@Root() link: ModelArtifactLink, @Ctx() ctx: Context) {
    return ctx.loaders.artifactVersionById.load(link.artifactVersionId);
  }
}
