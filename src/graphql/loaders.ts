// A fresh set of loaders per request: caches never outlive the request that filled them.
import { DataSource, EntityTarget } from 'typeorm';
import { byIdLoader } from '../db/loaders';
import { KIND_NAMES, KindName } from '../domain/kinds';
import { ArtifactVersion } from '../domain/artifacts/artifact-version.entity';
import { Artifact } from '../domain/artifacts/artifact.entity';
import { artifactLoaders } from '../domain/artifacts/artifacts.loaders';
import { ApiKey } from '../domain/auth/api-key.entity';
import { ModelVersion } from '../domain/models/model-version.entity';
import { Model } from '../domain/models/model.entity';
import { modelLoaders } from '../domain/models/models.loaders';
import { Pipeline } from '../domain/pipelines/pipeline.entity';
import { pipelineLoaders } from '../domain/pipelines/pipelines.loaders';
import { Project } from '../domain/projects/project.entity';
import { projectLoaders } from '../domain/projects/projects.loaders';
import { PipelineRun } from '../domain/runs/pipeline-run.entity';
import { runLoaders } from '../domain/runs/runs.loaders';
import { StepRun } from '../domain/runs/step-run.entity';
import { Stack, StackComponent } from '../domain/stacks/stack.entity';
import { stackLoaders } from '../domain/stacks/stacks.loaders';
import { Tag } from '../domain/tags/tag.entity';
import { tagLoaders } from '../domain/tags/tags.loaders';
import { Event, Webhook } from '../domain/events/event.entity';
import type { Node } from './node';

/** The entity class of each kind (the rest of what a kind is lives in domain/kinds.ts). */
export const ENTITY_OF: { [K in KindName]: EntityTarget<Node> } = {
  Project, Pipeline, PipelineRun, StepRun, Artifact, ArtifactVersion, Model, ModelVersion, Tag, ApiKey, Stack, StackComponent, Event, Webhook,
};

export function createLoaders(db: DataSource) {
  const byId = Object.fromEntries(KIND_NAMES.map((k) => [k, byIdLoader(db, ENTITY_OF[k], k)])) as { [K in KindName]: ReturnType<typeof byIdLoader<Node>> };
  return {
    byId,
    projectById: byId.Project as ReturnType<typeof byIdLoader<Project>>,
    pipelineById: byId.Pipeline as ReturnType<typeof byIdLoader<Pipeline>>,
    runById: byId.PipelineRun as ReturnType<typeof byIdLoader<PipelineRun>>,
    stepById: byId.StepRun as ReturnType<typeof byIdLoader<StepRun>>,
    artifactById: byId.Artifact as ReturnType<typeof byIdLoader<Artifact>>,
    artifactVersionById: byId.ArtifactVersion as ReturnType<typeof byIdLoader<ArtifactVersion>>,
    modelById: byId.Model as ReturnType<typeof byIdLoader<Model>>,
    modelVersionById: byId.ModelVersion as ReturnType<typeof byIdLoader<ModelVersion>>,
    tagById: byId.Tag as ReturnType<typeof byIdLoader<Tag>>,
    apiKeyById: byId.ApiKey as ReturnType<typeof byIdLoader<ApiKey>>,
    stackById: byId.Stack as ReturnType<typeof byIdLoader<Stack>>,
    componentById: byId.StackComponent as ReturnType<typeof byIdLoader<StackComponent>>,
    ...projectLoaders(db),
    ...pipelineLoaders(db),
    ...runLoaders(db),
    ...artifactLoaders(db),
    ...modelLoaders(db),
    ...tagLoaders(db),
    ...stackLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
