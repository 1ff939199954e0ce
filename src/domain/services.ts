// Services are built once at start-up and shared by every request through the context.
import { DataSource } from 'typeorm';
import { ArtifactsService } from './artifacts/artifacts.service';
import { AuthService } from './auth/auth.service';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { PurgeService } from './lifecycle/purge.service';
import { EventsService } from './events/events.service';
import { DEFAULT_WEBHOOK_SETTINGS, WebhookSettings, WebhooksService } from './events/webhooks.service';
import { LineageService } from './lineage/lineage.service';
import { ModelsService } from './models/models.service';
import { NodesService } from './nodes/nodes.service';
import { OpenLineageService } from './openlineage/openlineage.service';
import { PipelinesService } from './pipelines/pipelines.service';
import { ProjectsService } from './projects/projects.service';
import { RunsService } from './runs/runs.service';
import { StacksService } from './stacks/stacks.service';
import { TagsService } from './tags/tags.service';

export function createServices(db: DataSource, options: { authRequired: boolean; webhooks?: WebhookSettings }) {
  const projects = new ProjectsService(db);
  const tags = new TagsService(db, projects);
  const pipelines = new PipelinesService(db, projects, tags);
  const artifacts = new ArtifactsService(db, projects, tags);
  const models = new ModelsService(db, projects, tags);
  return {
    projects,
    tags,
    pipelines,
    artifacts,
    models,
    runs: new RunsService(db, projects, pipelines, artifacts, models, tags),
    lineage: new LineageService(db),
    lifecycle: new LifecycleService(db),
    purge: new PurgeService(db),
    events: new EventsService(db),
    webhooks: new WebhooksService(db, options.webhooks ?? DEFAULT_WEBHOOK_SETTINGS),
    stacks: new StacksService(db),
    auth: new AuthService(db, options.authRequired),
    nodes: new NodesService(db, tags),
    openlineage: new OpenLineageService(db, projects, pipelines, tags),
  };
}

export type Services = ReturnType<typeof createServices>;
