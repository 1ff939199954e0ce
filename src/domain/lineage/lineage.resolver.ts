import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { LineageDirection, LineageGraph } from './lineage.types';

@Resolver(() => LineageGraph)
export class LineageResolver {
  @Query(() => LineageGraph, {
    description: 'The lineage subgraph around `of` (an ArtifactVersion, StepRun, PipelineRun or ModelVersion; a run starts from all its steps, a model version from all its linked artifact versions). depth counts edges from the roots; limit caps the nodes returned.',
  })
  lineage(
    @Arg('of', () => ID) of: string,
    @Arg('direction', () => LineageDirection, { defaultValue: LineageDirection.BOTH }) direction: LineageDirection,
    @Arg('depth', () => Int, { defaultValue: 10 }) depth: number,
    @Arg('limit', () => Int, { defaultValue: 1000 }) limit: number,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.lineage.lineage(ctx, of, direction, depth, limit);
  }
}
