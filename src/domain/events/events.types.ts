import { Field, ID, InputType } from 'type-graphql';
import { connectionType } from '../../graphql/pagination';
import { EventKind } from './event-kind';
import { Event } from './event.entity';

@InputType()
export class EventFilter {
  @Field(() => [String], { nullable: true })
  projects?: string[] | null;

  @Field(() => [EventKind], { nullable: true })
  kinds?: EventKind[] | null;

  @Field(() => ID, { nullable: true, description: 'Only events about this entity or, for a project, pipeline, run, artifact or model, about what it contains.' })
  subject?: string | null;
}

export const EventConnection = connectionType('Event', Event);
