// The cookbook operations the playground opens with, one tab each; a test runs every one of them.

export interface ExampleTab {
  query: string;
  /** A subscription: the playground runs it over WebSocket (graphql-ws), not HTTP. */
  live?: boolean;
  variables?: string;
  /**
   * While `variable` still holds `placeholder`, the playground runs `query` first and sends the
   * first `id` it answers instead: the tab works as shipped, on the example data, without pasting ids.
   */
  lookup?: { variable: string; placeholder: string; query: string };
}

export const LOOKUP_PLACEHOLDER = 'production version of fraud_detector';

/** The header line above the playground. */
export const PRODUCT_NAME = 'ML asset graph';
export const PRODUCT_DESCRIPTION = 'GraphQL API for the assets of machine-learning work: projects, pipelines, runs, artifacts, models, tags and lineage.';

/** Shown in the header editor; the playground's fetcher does not send it until a real key replaces it. */
export const HEADERS_PLACEHOLDER = '{\n  "Authorization": "Bearer <api key>"\n}';
export const PLACEHOLDER_MARK = '<api key>';

export const EXAMPLE_TABS: ExampleTab[] = [
  {
    query: `# Models and model versions of project fraud-detection tagged accuracy-90 … accuracy-99.
# A tag filter entry is a predicate: exact, startswith:, endswith:, contains:, oneof:a,b.
query TaggedModels {
  project(name: "fraud-detection") {
    models(filter: { tags: ["startswith:accuracy-9"] }) {
      totalCount
      nodes { name tags { name } }
    }
    modelVersions(filter: { tags: ["startswith:accuracy-9"] }, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      nodes { id name stage model { name } tags { name } }
    }
  }
}
`,
  },
  {
    query: `# The version of fraud_detector that is in production, and the artifact it links as "trained_model".
query ProductionModel {
  modelVersion(project: "fraud-detection", model: "fraud_detector", version: "production") {
    id
    name
    stage
    model { name }
    artifact(name: "trained_model") {
      id
      version
      uri
      artifact { name }
      producedBy { name run { name } }
    }
  }
}
`,
  },
  {
    query: `# Everything the production version of fraud_detector was made from, walking up the lineage.
# With "of" left as "${LOOKUP_PLACEHOLDER}" the playground first runs
#   modelVersion(project: "fraud-detection", model: "fraud_detector", version: "production") { id }
# and uses that id; put any ArtifactVersion, StepRun, PipelineRun or ModelVersion id there instead.
query Lineage($of: ID!) {
  lineage(of: $of, direction: UPSTREAM, depth: 10) {
    roots
    truncated
    nodes {
      __typename
      ... on ArtifactVersion { id version type artifact { name } }
      ... on StepRun { id name status run { name pipeline { name } } }
    }
    edges { kind name source target }
  }
}
`,
    variables: `{\n  "of": "${LOOKUP_PLACEHOLDER}"\n}`,
    lookup: {
      variable: 'of',
      placeholder: LOOKUP_PLACEHOLDER,
      query: '{ modelVersion(project: "fraud-detection", model: "fraud_detector", version: "production") { id } }',
    },
  },
  {
    query: `# The README's example: which model is in production, what data trained it, which run produced it,
# and which models are tagged accuracy-9x.
query WhatTrainedIt {
  modelVersion(project: "fraud-detection", model: "fraud_detector", version: "production") {
    number stage
    trainedOn: artifacts(kind: DATA) {
      name
      artifactVersion { version uri producedBy { name run { name pipeline { name } } } }
    }
    artifact(name: "trained_model") { version uri producedBy { name run { name pipeline { name } stack { name } } } }
  }
  project(name: "fraud-detection") {
    models(filter: { tags: ["startswith:accuracy-9"] }) { nodes { name tags { name } } }
  }
}
`,
  },
  {
    query: `# Filter and sort by metadata, on the example data (npm run seed:example): the trained models
# whose accuracy is above 0.9, best first, with the model versions they belong to; then the model
# versions whose own precision is above 0.9. Conditions: eq, ne, gt, gte, lt, lte, exists, matches,
# all of which must hold; a dotted key reaches into nested objects ("metrics.f1").
query HighAccuracy {
  project(name: "fraud-detection") {
    artifactVersions(
      filter: { artifact: "trained_model", metadata: [{ key: "accuracy", gt: 0.9 }] }
      orderBy: { field: METADATA, metadataKey: "accuracy", direction: DESC }
    ) {
      nodes { version metadata modelVersions { number stage model { name } } }
    }
    modelVersions(
      filter: { metadata: [{ key: "precision", gt: 0.9 }] }
      orderBy: { field: METADATA, metadataKey: "precision", direction: DESC }
    ) {
      nodes { number stage metadata model { name } }
    }
  }
}
`,
  },
  {
    query: `# Stage changes as they are committed, over WebSocket (graphql-ws on this same endpoint, with
# the headers above as the api key). Run it, then promote a version from the console, a client or
# a promoteModelVersion mutation: each change shows up here until you press stop.
# Set "after" to an Event.sequence to first replay what came after it.
subscription WatchStageChanges($after: String) {
  events(filter: { kinds: [STAGE_CHANGED] }, after: $after) {
    sequence
    at
    actor
    data
    subject {
      __typename
      ... on ModelVersion { number stage model { name } }
    }
  }
}
`,
    variables: '{\n  "after": null\n}',
    live: true,
  },
];
