// The filter box: whitespace-separated terms in the API's own predicate language.
//   accuracy-95 startswith:accuracy-9    tags the entity must carry (all of them)
//   -startswith:environment-             tags it must not carry
//   name:startswith:fraud                its name
//   pipeline:training  status:FAILED     on runs
// Each value is a StringPredicate passed through unchanged, so the server decides what it means.

export interface ParsedFilter {
  tags?: string[];
  withoutTags?: string[];
  name?: string;
  pipeline?: string;
  status?: string;
}

const FIELDS = ['name', 'pipeline', 'status'] as const;

export function parseFilter(text: string, allowed: readonly (typeof FIELDS)[number][] = ['name']): ParsedFilter | undefined {
  const out: ParsedFilter = {};
  for (const term of text.trim().split(/\s+/).filter(Boolean)) {
    const field = allowed.find((f) => term.startsWith(`${f}:`) && term.length > f.length + 1);
    if (field) out[field] = term.slice(field.length + 1);
    else if (term.startsWith('-') && term.length > 1) (out.withoutTags ??= []).push(term.slice(1));
    else (out.tags ??= []).push(term);
  }
  return Object.keys(out).length ? out : undefined;
}
