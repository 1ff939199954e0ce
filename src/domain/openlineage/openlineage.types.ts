import { Field, ObjectType } from 'type-graphql';
import { ArtifactVersion } from '../artifacts/artifact-version.entity';
import { PipelineRun } from '../runs/pipeline-run.entity';
import { StepRun } from '../runs/step-run.entity';

@ObjectType({ description: 'What one OpenLineage run event became.' })
export class OpenLineageIngestResult {
  @Field(() => PipelineRun, { description: "The pipeline run the event's run is (for a child job of a parent run: the parent's run)." })
  run: PipelineRun;

  @Field(() => StepRun, { nullable: true, description: 'The step run, when the job is a child of a parent run (e.g. an Airflow task of a DAG run).' })
  step: StepRun | null;

  @Field(() => [ArtifactVersion], { description: 'Artifact versions the event says were read.' })
  inputs: ArtifactVersion[];

  @Field(() => [ArtifactVersion], { description: 'Artifact versions the event says were written.' })
  outputs: ArtifactVersion[];
}
