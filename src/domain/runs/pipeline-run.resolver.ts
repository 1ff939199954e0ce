import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { firstArg, LIST_BOUNDS, listLimit } from '../../graphql/list-bounds';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { LineageGraph } from '../lineage/lineage.types';
import { ModelVersion } from '../models/model-version.entity';
import { Pipeline } from '../pipelines/pipeline.entity';
import { Project } from '../projects/project.entity';
import { Stack } from '../stacks/stack.entity';
import { Tag } from '../tags/tag.entity';
import { PipelineRun } from './pipeline-run.entity';
import { RunStatus } from './run-status';
import { RecordStepInput, StartRunInput } from './runs.types';
import { StepRun } from './step-run.entity';

@Resolver(() => PipelineRun)
export class PipelineRunResolver {
  @Query(() => PipelineRun, { nullable: true })
  pipelineRun(@Arg('project') project: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.runs.find(ctx, project, name);
  }

  @Mutation(() => PipelineRun)
  startRun(@Arg('input') input: StartRunInput, @Ctx() ctx: Context) {
    return ctx.services.runs.start(ctx, input);
  }

  @Mutation(() => StepRun, { description: 'Fails with code CONFLICT once the run is finished (COMPLETED, FAILED, CACHED or STOPPED).' })
  recordStep(@Arg('input') input: RecordStepInput, @Ctx() ctx: Context) {
    return ctx.services.runs.recordStep(ctx, input);
  }

  @Mutation(() => PipelineRun, {
    description: 'COMPLETED, FAILED, CACHED and STOPPED are final: finishing again with the same status changes nothing, with another one fails with code CONFLICT.',
  })
  finishRun(@Arg('run', () => ID) run: string, @Arg('status', () => RunStatus) status: RunStatus, @Ctx() ctx: Context) {
    return ctx.services.runs.finish(ctx, run, status);
  }

  @FieldResolver(() => Pipeline)
  pipeline(@Root() run: PipelineRun, @Ctx() ctx: Context) {
    return ctx.loaders.pipelineById.load(run.pipelineId);
  }

  @FieldResolver(() => Project)
  project(@Root() run: PipelineRun, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(run.projectId);
  }

  @FieldResolver(() => [Tag])
  tags(@Root() run: PipelineRun, @Arg('first', () => Int, firstArg('PipelineRun.tags')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.tagsByResourceId.load(run.id, listLimit('PipelineRun.tags', first));
  }

  @FieldResolver(() => [StepRun])
  steps(@Root() run: PipelineRun, @Arg('first', () => Int, firstArg('PipelineRun.steps')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.stepsByRunId.load(run.id, listLimit('PipelineRun.steps', first));
  }

  @FieldResolver(() => Stack, { nullable: true, description: 'The stack it ran on, if given.' })
  stack(@Root() run: PipelineRun, @Ctx() ctx: Context) {
    return run.stackId ? ctx.loaders.stackById.load(run.stackId) : null;
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The model version this run was configured with, if any.' })
  modelVersion(@Root() run: PipelineRun, @Ctx() ctx: Context) {
    return run.modelVersionId ? ctx.loaders.modelVersionById.load(run.modelVersionId) : null;
  }

  @FieldResolver(() => [ArtifactVersion], { description: 'Every artifact version that a step of this run produced.' })
  producedArtifactVersions(@Root() run: PipelineRun, @Arg('first', () => Int, firstArg('PipelineRun.producedArtifactVersions')) first: number, @Ctx() ctx: Context) {
    return ctx.loaders.producedByRunId.load(run.id, listLimit('PipelineRun.producedArtifactVersions', first));
  }

  @FieldResolver(() => LineageGraph, { description: "This run's own DAG: its steps and the artifact versions they consumed and produced." })
  dag(@Root() run: PipelineRun, @Arg('limit', () => Int, { defaultValue: LIST_BOUNDS['PipelineRun.dag'].default, description: 'Caps the nodes returned (at most 10000).' }) limit: number, @Ctx() ctx: Context) {
    return ctx.services.lineage.dag(ctx, run.id, limit);
  }
}
