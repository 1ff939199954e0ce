import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { BadUserInputError } from '../../graphql/errors';
import { createLoaders } from '../../graphql/loaders';
import type { Context } from '../../graphql/context';
import { Node } from '../../graphql/node';
import { canSeeProject } from '../auth/principal';
import { Project } from '../projects/project.entity';
import { Event } from './event.entity';
import { SubscriptionEnded } from './event-feed';
import { decodeAfter, subjectGlobalId } from './events.service';
import { EventConnection, EventFilter } from './events.types';

@Resolver(() => Event)
export class EventResolver {
  @Query(() => EventConnection, { description: 'The change log, oldest first; `after` takes a cursor or an Event.sequence.' })
  events(
    @Ctx() ctx: Context,
    @Arg('filter', () => EventFilter, { nullable: true }) filter?: EventFilter,
    @Arg('first', () => Int, { nullable: true, description: 'Default 20, at most 1,000.' }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return ctx.services.events.list(ctx, filter, first, after);
  }

  @Query(() => String, {
    description: 'The sequence of the newest event readers can see now, "0" when there is none. Read it before loading a page and pass it as `after` to the events subscription or to events(), so that nothing committed in between is missed. Server-wide, for every key: a sequence tells how many events the server has recorded, nothing about their projects or content (Event.sequence already numbers all projects\' events in one series).',
  })
  latestEventSequence(@Ctx() ctx: Context): Promise<string> {
    return ctx.services.events.head();
  }

  @Subscription(() => Event, {
    name: 'events',
    description: 'Events the caller may see, as they are committed, over the graphql-ws protocol on /graphql. With `after` (an Event.sequence) it first replays the events after it, then goes live, with no gap and no duplicate between the two.',
    subscribe: (data: SubscribeResolverData<unknown, { filter?: EventFilter; after?: string }, Context>) => liveEvents(data.context, data.args),
  })
  live(
    @Root() event: Event,
    @Ctx() ctx: Context,
    @Arg('filter', () => EventFilter, { nullable: true }) _filter?: EventFilter,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): Event {
    // Each event is a new execution: fresh loaders, so names read for it are current.
    ctx.loaders = createLoaders(ctx.services.events.db);
    return event;
  }

  @FieldResolver(() => Project, { nullable: true, description: 'Null for server-wide events.' })
  project(@Root() event: Event, @Ctx() ctx: Context) {
    return event.projectId && canSeeProject(ctx.principal, event.projectId) ? ctx.loaders.projectById.load(event.projectId) : null;
  }

  @FieldResolver(() => ID, { description: 'The entity the event is about.' })
  subjectId(@Root() event: Event): string {
    return subjectGlobalId(event);
  }

  @FieldResolver(() => Node, { nullable: true, description: 'That entity, while the caller may see it.' })
  subject(@Root() event: Event, @Ctx() ctx: Context) {
    return ctx.services.nodes.node(ctx, subjectGlobalId(event));
  }
}

async function* liveEvents(ctx: Context, args: { filter?: EventFilter; after?: string }): AsyncGenerator<Event> {
  if (!ctx.live) throw new BadUserInputError('subscriptions run over WebSocket (graphql-ws) on /graphql');
  const after = args.after == null ? null : decodeAfter(args.after);
  const { live } = ctx;
  try {
    for await (const event of live.feed.stream({ filter: args.filter, after, principal: ctx.principal, recheck: live.recheck, tooSlow: live.tooSlow })) {
      // The socket takes an event once the previous one was written out; a client that stops
      // reading holds that up. Past the bound it is closed rather than waited for.
      const watchdog = setTimeout(() => live.end(1008, 'subscriber too slow: events wait unsent'), live.sendTimeoutMs);
      try {
        yield event;
      } finally {
        clearTimeout(watchdog);
      }
    }
  } catch (err) {
    if (!(err instanceof SubscriptionEnded)) throw err;
    live.end(err.code, err.message);
  }
}
