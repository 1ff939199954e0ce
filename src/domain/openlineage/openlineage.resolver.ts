import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { JSONScalar } from '../../graphql/scalars';
import { OpenLineageIngestResult } from './openlineage.types';

@Resolver(() => OpenLineageIngestResult)
export class OpenLineageResolver {
  @Mutation(() => OpenLineageIngestResult, {
    description: `Records one OpenLineage RunEvent (spec 2-0-x): the job's namespace is the project, the job the
pipeline (a job whose run has a parent run facet is a step of the parent's run), the run a
pipeline run, input and output datasets artifacts (namespace + name) and their versions.
The same events are accepted as REST at POST /api/v1/lineage, as OpenLineage clients send them.`,
  })
  ingestOpenLineageEvent(@Arg('event', () => JSONScalar) event: unknown, @Ctx() ctx: Context) {
    return ctx.services.openlineage.ingestRunEvent(ctx, event);
  }
}
