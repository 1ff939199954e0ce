import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { listQuery } from '../../graphql/pagination';
import { childKey } from '../../db/lists';
import { ModelVersion } from '../models/model-version.entity';
import { Project } from '../projects/project.entity';
import { StepRun } from '../runs/step-run.entity';
import { Tag } from '../tags/tag.entity';
import { Artifact } from './artifact.entity';
import { ArtifactVersion } from './artifact-version.entity';
import { ArtifactVersionConnection, ArtifactVersionListArgs, RegisterArtifactVersionInput, UpdateArtifactInput } from './artifacts.types';

@Resolver(() => Artifact)
export class ArtifactResolver {
  @Query(() => Artifact, { nullable: true })
  artifact(@Arg('project') project: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.artifacts.findArtifact(ctx, project, name);
  }

  @Mutation(() => Artifact, { description: 'Renames an artifact; its id, versions and lineage stay.' })
  updateArtifact(@Arg('input') input: UpdateArtifactInput, @Ctx() ctx: Context) {
    return ctx.services.artifacts.update(ctx, input);
  }

  @FieldResolver(() => Project)
  project(@Root() artifact: Artifact, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(artifact.projectId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() artifact: Artifact, @Arg('first', () => Int, firstArg('Artifact.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(artifact.id, listLimit('Artifact.tags', first));
  }

  @FieldResolver(() => ArtifactVersionConnection)
  versions(@Root() artifact: Artifact, @Args() args: ArtifactVersionListArgs, @Ctx() ctx: Context) {
    return ctx.loaders.versionsByArtifactId.load(childKey(artifact.id, listQuery(args)));
  }

  @FieldResolver(() => ArtifactVersion, { nullable: true })
  latestVersion(@Root() artifact: Artifact, @Ctx() ctx: Context) {
    return ctx.loaders.latestVersionByArtifactId.load(artifact.id);
  }
}

@Resolver(() => ArtifactVersion)
export class ArtifactVersionResolver {
  @Query(() => ArtifactVersion, { nullable: true, description: "version: a version string, or 'latest' (the newest by creation); failing those, an alias: the name of an exclusive tag held by one of its versions ('champion')." })
  artifactVersion(
    @Arg('project') project: string,
    @Arg('artifact') artifact: string,
    @Arg('version', { defaultValue: 'latest' }) version: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.artifacts.findVersion(ctx, project, artifact, version);
  }

  @Mutation(() => ArtifactVersion)
  registerArtifactVersion(@Arg('input') input: RegisterArtifactVersionInput, @Ctx() ctx: Context) {
    return ctx.services.artifacts.register(ctx, input);
  }

  @FieldResolver(() => Artifact)
  artifact(@Root() version: ArtifactVersion, @Ctx() ctx: Context) {
    return ctx.loaders.artifactById.load(version.artifactId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() version: ArtifactVersion, @Arg('first', () => Int, firstArg('ArtifactVersion.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(version.id, listLimit('ArtifactVersion.tags', first));
  }

  @FieldResolver(() => StepRun, { nullable: true, description: 'The step that produced it; null for a version registered outside any run.' })
  producedBy(@Root() version: ArtifactVersion, @Ctx() ctx: Context) {
    return version.producerStepId ? ctx.loaders.stepById.load(version.producerStepId) : null;
  }

  @FieldResolver(() => [StepRun])
  consumedBy(@Root() version: ArtifactVersion, @Arg('first', () => Int, firstArg('ArtifactVersion.consumedBy')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.consumersByArtifactVersionId.load(version.id, listLimit('ArtifactVersion.consumedBy', first));
  }

  @FieldResolver(() => [ModelVersion], { description: 'Model versions that link this artifact version.' })
  modelVersions(@Root() version: ArtifactVersion, @Arg('first', () => Int, firstArg('ArtifactVersion.modelVersions')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.modelVersionsByArtifactVersionId.load(version.id, listLimit('ArtifactVersion.modelVersions', first));
  }
}
