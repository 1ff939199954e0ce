import { registerEnumType } from 'type-graphql';

export enum StackComponentType {
  ORCHESTRATOR = 'ORCHESTRATOR',
  ARTIFACT_STORE = 'ARTIFACT_STORE',
  CONTAINER_REGISTRY = 'CONTAINER_REGISTRY',
  STEP_OPERATOR = 'STEP_OPERATOR',
  MODEL_DEPLOYER = 'MODEL_DEPLOYER',
  EXPERIMENT_TRACKER = 'EXPERIMENT_TRACKER',
  DATA_VALIDATOR = 'DATA_VALIDATOR',
  ALERTER = 'ALERTER',
  IMAGE_BUILDER = 'IMAGE_BUILDER',
  MODEL_REGISTRY = 'MODEL_REGISTRY',
  FEATURE_STORE = 'FEATURE_STORE',
  ANNOTATOR = 'ANNOTATOR',
}
registerEnumType(StackComponentType, {
  name: 'StackComponentType',
  description: "What a stack component does in the execution environment (ZenML's component types).",
});
