import { registerEnumType } from 'type-graphql';

export enum Role {
  VIEWER = 'VIEWER',
  EDITOR = 'EDITOR',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, {
  name: 'Role',
  valuesConfig: {
    VIEWER: { description: 'reads' },
    EDITOR: { description: 'reads and writes' },
    ADMIN: { description: 'reads, writes, deletes tags, manages api keys' },
  },
});

const RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, ADMIN: 2 };
export const roleAtLeast = (role: Role, needed: Role) => RANK[role] >= RANK[needed];
