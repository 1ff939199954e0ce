// The cookbook operations the playground opens with, one tab each; a test runs every one of them.

export interface ExampleTab {
  query: string;
  variables?: string;
}

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
    query: `# Everything a model version was made from: paste its id (from the ProductionModel tab) into the variables.
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
    variables: '{\n  "of": "<ModelVersion id>"\n}',
  },
];
