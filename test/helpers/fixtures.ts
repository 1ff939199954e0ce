// Small builders over the public API, shared by test files.
import type { TestApp } from './app';

export async function createProject(app: TestApp, name: string): Promise<string> {
  return (await app.ok(`mutation($n: String!) { createProject(input: { name: $n }) { id } }`, { n: name })).createProject.id;
}

export async function startRun(app: TestApp, input: Record<string, unknown>): Promise<{ id: string; name: string }> {
  return (await app.ok(`mutation($i: StartRunInput!) { startRun(input: $i) { id name } }`, { i: input })).startRun;
}

export interface RecordedStep {
  id: string;
  outputs: { name: string; artifactVersion: { id: string; version: string } }[];
}

export async function recordStep(app: TestApp, input: Record<string, unknown>): Promise<RecordedStep> {
  return (await app.ok(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id outputs { name artifactVersion { id version } } } }`,
    { i: { status: 'COMPLETED', ...input } })).recordStep;
}

export async function registerVersion(app: TestApp, input: Record<string, unknown>): Promise<{ id: string; version: string }> {
  return (await app.ok(`mutation($i: RegisterArtifactVersionInput!) { registerArtifactVersion(input: $i) { id version } }`, { i: input }))
    .registerArtifactVersion;
}

export async function tagNames(app: TestApp, id: string): Promise<string[]> {
  return (await app.ok(`query($id: ID!) { node(id: $id) { ... on Taggable { tags { name } } } }`, { id })).node.tags.map((t: { name: string }) => t.name);
}

export const names = (conn: { nodes: { name: string }[] }) => conn.nodes.map((n) => n.name);
