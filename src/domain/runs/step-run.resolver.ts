import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, listLimit } from '../../graphql/list-bounds';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { StepArtifact } from '../artifacts/artifacts.types';
import { PipelineRun } from './pipeline-run.entity';
import { StepRun } from './step-run.entity';

@Resolver(() => StepRun)
export class StepRunResolver {
  @FieldResolver(() => PipelineRun)
  run(@Root() step: StepRun, @Ctx() ctx: Context) {
    return ctx.loaders.runById.load(step.runId);
  }

  @FieldResolver(() => [StepArtifact])
  inputs(@Root() step: StepRun, @Arg('first', () => Int, firstArg('StepRun.inputs')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.inputsByStepId.load(step.id, listLimit('StepRun.inputs', first));
  }

  @FieldResolver(() => [StepArtifact])
  async outputs(@Root() step: StepRun, @Arg('first', () => Int, firstArg('StepRun.outputs')) first: number, @Ctx() ctx: Context) {
    const versions = await ctx.loaders.outputsByStepId.load(step.id, listLimit('StepRun.outputs', first));
    return versions.map((v) => {
      ctx.loaders.artifactVersionById.prime(v.id, v);
      return Object.assign(new StepArtifact(), { name: v.outputName ?? '', artifactVersionId: v.id });
    });
  }
}

@Resolver(() => StepArtifact)
export class StepArtifactResolver {
  @FieldResolver(() => ArtifactVersion)
  artifactVersion(@Root() link: StepArtifact, @Ctx() ctx: Context) {
    return ctx.loaders.artifactVersionById.load(link.artifactVersionId);
  }
}
