// Global ids: base64url("<Type>:<uuid>"), opaque to clients, type-checked on the way in.
import { KIND_NAMES, KindName } from '../domain/kinds';
import { BadUserInputError } from './errors';

export const NODE_TYPES = KIND_NAMES;
export type NodeType = KindName;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TYPES = new Set<string>(NODE_TYPES);

export function encodeId(type: NodeType, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

export interface DecodedId {
  type: NodeType;
  id: string;
}

export function parseId(globalId: string, field = 'id'): DecodedId {
  const text = typeof globalId === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(globalId)
    ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const sep = text.indexOf(':');
  const type = text.slice(0, sep);
  const id = text.slice(sep + 1);
  if (sep < 0 || !TYPES.has(type) || !UUID.test(id)) throw new BadUserInputError(`${field}: "${String(globalId).slice(0, 100)}" is not a valid id`, field);
  return { type: type as NodeType, id };
}

/** Decodes an id that must be of one of the given types. */
export function decodeId<T extends NodeType>(types: T | readonly T[], globalId: string, field = 'id'): { type: T; id: string } {
  const decoded = parseId(globalId, field);
  const allowed = (Array.isArray(types) ? types : [types]) as readonly string[];
  if (!allowed.includes(decoded.type)) {
    throw new BadUserInputError(`${field}: expected the id of ${allowed.join(' or ')}, got a ${decoded.type} id`, field);
  }
  return decoded as { type: T; id: string };
}
