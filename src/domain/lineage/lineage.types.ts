import { createUnionType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { StepRun } from '../runs/step-run.entity';

export enum LineageDirection {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
  BOTH = 'BOTH',
}
registerEnumType(LineageDirection, { name: 'LineageDirection' });

export enum LineageEdgeKind {
  INPUT = 'INPUT',
  OUTPUT = 'OUTPUT',
}
registerEnumType(LineageEdgeKind, {
  name: 'LineageEdgeKind',
  valuesConfig: {
    INPUT: { description: 'artifact version -> step run that consumed it' },
    OUTPUT: { description: 'step run -> artifact version that it produced' },
  },
});

export const LineageNode = createUnionType({
  name: 'LineageNode',
  types: () => [ArtifactVersion, StepRun] as const,
});

@ObjectType()
export class LineageEdge {
  @Field(() => ID) source: string;
  @Field(() => ID) target: string;
  @Field(() => LineageEdgeKind) kind: LineageEdgeKind;
  @Field({ description: "The step's own name for the artifact (input or output name)." }) name: string;
}

@ObjectType()
export class LineageGraph {
  @Field(() => [ID], { description: 'The ids the walk started from.' }) roots: string[];
  @Field(() => [LineageNode]) nodes: (ArtifactVersion | StepRun)[];
  @Field(() => [LineageEdge]) edges: LineageEdge[];
  @Field({ description: 'True when depth or limit cut the walk short.' }) truncated: boolean;
}
