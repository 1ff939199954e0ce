import { ApiKey } from '../domain/auth/api-key.entity';
import { Artifact } from '../domain/artifacts/artifact.entity';
import { ArtifactVersion } from '../domain/artifacts/artifact-version.entity';
import { Event, Webhook } from '../domain/events/event.entity';
import { Model } from '../domain/models/model.entity';
import { ModelArtifactLink, ModelVersion, StageChange } from '../domain/models/model-version.entity';
import { Pipeline } from '../domain/pipelines/pipeline.entity';
import { Project } from '../domain/projects/project.entity';
import { PipelineRun } from '../domain/runs/pipeline-run.entity';
import { StepInput, StepRun } from '../domain/runs/step-run.entity';
import { Stack, StackComponent, StackComponentLink } from '../domain/stacks/stack.entity';
import { Tag, TagAssignment } from '../domain/tags/tag.entity';

export const ENTITIES = [
  Project, Pipeline, PipelineRun, StepRun, StepInput, Artifact, ArtifactVersion, Model, ModelVersion,
  ModelArtifactLink, StageChange, Tag, TagAssignment, ApiKey, Stack, StackComponent, StackComponentLink, Event, Webhook,
];
