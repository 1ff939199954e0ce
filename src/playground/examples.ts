// The cookbook operations the playground opens with, one tab each; a test runs every one of them.

export interface ExampleTab {
  query: string;
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
];
