// The executable schema, built once at start-up; `npm run schema` writes it to schema.graphql.
import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { ArtifactResolver, ArtifactVersionResolver } from '../domain/artifacts/artifact.resolver';
import { AuthResolver } from '../domain/auth/auth.resolver';
import { LifecycleResolver } from '../domain/lifecycle/lifecycle.resolver';
import { EventResolver } from '../domain/events/event.resolver';
import { WebhookResolver } from '../domain/events/webhook.resolver';
import { LineageResolver } from '../domain/lineage/lineage.resolver';
import { ModelArtifactLinkResolver, ModelVersionResolver } from '../domain/models/model-version.resolver';
import { ModelResolver } from '../domain/models/model.resolver';
import { NodeResolver } from '../domain/nodes/node.resolver';
import { OpenLineageResolver } from '../domain/openlineage/openlineage.resolver';
import { PipelineResolver } from '../domain/pipelines/pipeline.resolver';
import { ProjectResolver } from '../domain/projects/project.resolver';
import { PipelineRunResolver } from '../domain/runs/pipeline-run.resolver';
import { StepArtifactResolver, StepRunResolver } from '../domain/runs/step-run.resolver';
import { StackComponentResolver, StackResolver } from '../domain/stacks/stack.resolver';
import { TagResolver } from '../domain/tags/tag.resolver';
import { DateTimeScalar, JSONScalar, StringPredicateScalar } from './scalars';

export function buildAppSchema(): GraphQLSchema {
  return buildSchemaSync({
    resolvers: [
      ProjectResolver, PipelineResolver, PipelineRunResolver, StepRunResolver, StepArtifactResolver, ArtifactResolver,
      ArtifactVersionResolver, ModelResolver, ModelVersionResolver, ModelArtifactLinkResolver, TagResolver, StackResolver,
      StackComponentResolver, LineageResolver, AuthResolver, NodeResolver, OpenLineageResolver, LifecycleResolver, EventResolver, WebhookResolver,
    ],
    scalarsMap: [
      { type: Date, scalar: DateTimeScalar },
      { type: Object, scalar: JSONScalar },
    ],
    orphanedTypes: [],
    // Our one subscription brings its own source (the event feed); no topic-based pub/sub exists.
    pubSub: {
      publish: () => undefined,
      subscribe: () => {
        throw new Error('topic subscriptions are not used');
      },
    },
    validate: false,
    emitSchemaFile: false,
  });
}

export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export { StringPredicateScalar };
