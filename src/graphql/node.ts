// The Node interface. Entities keep their raw uuid in `id`; GraphQL sees the
// opaque global id through the `globalId` getter published under the name "id".
import { Field, ID, InterfaceType } from 'type-graphql';
import { encodeId, NodeType } from './ids';

@InterfaceType('Node', {
  description: 'Every entity has a globally unique, opaque id; node(id:) resolves any of them.',
  resolveType: (value: object) => value.constructor.name,
})
export abstract class Node {
  id: string;

  @Field(() => ID, { name: 'id' })
  get globalId(): string {
    return encodeId(this.constructor.name as NodeType, this.id);
  }
}

