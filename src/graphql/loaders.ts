// A fresh set of loaders per request: caches never outlive the request that filled them.
import { DataSource } from 'typeorm';
import { byIdLoader } from '../db/loaders';
import { artifactLoaders } from '../domain/artifacts/artifacts.loaders';
import { ApiKey } from '../domain/auth/api-key.entity';
import { modelLoaders } from '../domain/models/models.loaders';
import { pipelineLoaders } from '../domain/pipelines/pipelines.loaders';
import { projectLoaders } from '../domain/projects/projects.loaders';
import { runLoaders } from '../domain/runs/runs.loaders';
import { stackLoaders } from '../domain/stacks/stacks.loaders';
import { tagLoaders } from '../domain/tags/tags.loaders';

export function createLoaders(db: DataSource) {
  return {
    ...projectLoaders(db),
    ...pipelineLoaders(db),
    ...runLoaders(db),
    ...artifactLoaders(db),
    ...modelLoaders(db),
    ...tagLoaders(db),
    ...stackLoaders(db),
    apiKeyById: byIdLoader(db, ApiKey, 'api_key'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
