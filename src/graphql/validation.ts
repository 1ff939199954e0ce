// Input rules shared by every area; each failure is a BAD_USER_INPUT naming the field.
import { BadUserInputError } from './errors';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
export const MAX_NAME_LENGTH = 255;
export const MAX_METADATA_BYTES = 1024 * 1024;
export const MAX_TEXT_LENGTH = 10_000;

/** Whether a string is a valid name for a project, pipeline, artifact, … made through the API. */
export const isName = (value: string) => value.length <= MAX_NAME_LENGTH && NAME.test(value);

export function validateName(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new BadUserInputError(`${field} must not be empty`, field);
  if (value.length > MAX_NAME_LENGTH) throw new BadUserInputError(`${field} is longer than ${MAX_NAME_LENGTH} characters`, field);
  if (!NAME.test(value)) {
    throw new BadUserInputError(`${field} "${value}" may only hold letters, digits and _ . : - and must start with a letter or digit`, field);
  }
  return value;
}

export function validateText(value: string | null | undefined, field: string, max = MAX_TEXT_LENGTH): string | null {
  if (value === undefined || value === null) return null;
  if (value.length > max) throw new BadUserInputError(`${field} is longer than ${max} characters`, field);
  return value;
}

export const MAX_JSON_DEPTH = 64;

/** Refuses JSON nested deeper than MAX_JSON_DEPTH, walking iteratively so no input can overflow the stack. */
export function validateJsonDepth(value: unknown, field: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw new BadUserInputError(`${field} is nested deeper than ${MAX_JSON_DEPTH} levels`, field);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** JSON metadata must be an object, at most MAX_JSON_DEPTH deep and under 1 MB once serialised. */
export function validateMetadata(value: unknown, field = 'metadata'): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadUserInputError(`${field} must be a JSON object`, field);
  validateJsonDepth(value, field);
  if (Buffer.byteLength(JSON.stringify(value)) >= MAX_METADATA_BYTES) {
    throw new BadUserInputError(`${field} must be smaller than 1 MB`, field);
  }
  return value as Record<string, unknown>;
}

export function validateDate(value: Date | null | undefined, field: string): Date | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new BadUserInputError(`${field} is not a valid date`, field);
  return value;
}
