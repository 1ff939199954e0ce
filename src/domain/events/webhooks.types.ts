import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../graphql/pagination';
import { DateTimeScalar } from '../../graphql/scalars';
import { EventKind } from './event-kind';
import { Event, Webhook } from './event.entity';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

@ObjectType()
export class WebhookDelivery {
  id: string;
  eventSequence: string;

  @Field(() => Event)
  event: Event;

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => DateTimeScalar, { nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last attempt, if it got one.' })
  responseStatus: number | null;

  @Field(() => String, { nullable: true })
  error: string | null;
}

export const WebhookDeliveryConnection = connectionType('WebhookDelivery', WebhookDelivery);

@InputType()
export class CreateWebhookInput {
  @Field()
  name: string;

  @Field()
  url: string;

  @Field(() => [String], { nullable: true })
  projects?: string[] | null;

  @Field(() => [EventKind], { nullable: true })
  kinds?: EventKind[] | null;
}

@ObjectType()
export class CreatedWebhook {
  @Field(() => Webhook)
  webhook: Webhook;

  @Field({ description: "Shown once. Every delivery carries 'X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with this secret>'." })
  secret: string;
}
