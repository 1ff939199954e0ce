import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { connectionType } from '../../graphql/pagination';
import { Project } from '../projects/project.entity';
import { Tag } from './tag.entity';
import { Taggable } from './taggable';
import { CreateTagInput, TagInput, UpdateTagInput } from './tags.types';

export const TagConnection = connectionType('Tag', Tag);

@Resolver(() => Tag)
export class TagResolver {
  @Query(() => Tag, { nullable: true })
  tag(@Arg('project') project: string, @Arg('name') name: string, @Ctx() ctx: Context) {
    return ctx.services.tags.find(ctx, project, name);
  }

  @Mutation(() => Tag)
  createTag(@Arg('input') input: CreateTagInput, @Ctx() ctx: Context) {
    return ctx.services.tags.create(ctx, input);
  }

  @Mutation(() => Tag)
  updateTag(@Arg('input') input: UpdateTagInput, @Ctx() ctx: Context) {
    return ctx.services.tags.update(ctx, input);
  }

  @Mutation(() => ID, { description: 'Fails with code CONFLICT while the tag is in use, unless force is true.' })
  deleteTag(@Arg('id', () => ID) id: string, @Arg('force', () => Boolean, { nullable: true, defaultValue: false }) force: boolean, @Ctx() ctx: Context) {
    return ctx.services.tags.delete(ctx, id, Boolean(force));
  }

  @Mutation(() => Taggable)
  addTags(@Arg('resource', () => ID) resource: string, @Arg('tags', () => [TagInput]) tags: TagInput[], @Ctx() ctx: Context) {
    return ctx.services.nodes.addTags(ctx, resource, tags);
  }

  @Mutation(() => Taggable)
  removeTags(@Arg('resource', () => ID) resource: string, @Arg('tags', () => [String]) tags: string[], @Ctx() ctx: Context) {
    return ctx.services.nodes.removeTags(ctx, resource, tags);
  }

  @FieldResolver(() => Project)
  project(@Root() tag: Tag, @Ctx() ctx: Context) {
    return ctx.loaders.projectById.load(tag.projectId);
  }

  @FieldResolver(() => Int, { description: 'How many entities carry it now.' })
  usageCount(@Root() tag: Tag, @Ctx() ctx: Context) {
    return ctx.loaders.usageCountByTagId.load(tag.id);
  }
}
