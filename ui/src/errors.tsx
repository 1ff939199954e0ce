// What went wrong, in words: the API's error codes become sentences, never a blank page.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

export interface Problem {
  code: string;
  message: string;
}

export function problemsOf(error: unknown): Problem[] {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((e) => ({ code: String(e.extensions?.code ?? 'ERROR'), message: e.message }));
  }
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: { message: string; extensions?: { code?: string } }[] };
      if (body.errors?.length) return body.errors.map((e) => ({ code: String(e.extensions?.code ?? 'ERROR'), message: e.message }));
    } catch {
      // not a GraphQL answer: reported by status below
    }
    return [{ code: `HTTP_${error.statusCode}`, message: `the server answered ${error.statusCode}` }];
  }
  return [{ code: 'NETWORK', message: error instanceof Error ? error.message : String(error) }];
}

export const hasCode = (error: unknown, code: string) => !!error && problemsOf(error).some((p) => p.code === code);

const TITLES: Record<string, string> = {
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  UNAUTHENTICATED: 'Your API key was not accepted',
  BAD_USER_INPUT: 'The request was not valid',
  CONFLICT: 'Conflict',
  NETWORK: 'The server could not be reached',
};

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  const problems = problemsOf(error);
  const first = problems[0];
  return (
    <div role="alert" className="problem" data-code={first.code}>
      <strong>{title ?? TITLES[first.code] ?? 'Something went wrong'}</strong>
      <ul>
        {problems.map((p, i) => <li key={i}>{p.message}{p.code === 'FORBIDDEN' ? ' — your API key does not give access to this.' : ''}</li>)}
      </ul>
    </div>
  );
}

export function NotFound({ what }: { what: string }) {
  return (
    <div role="alert" className="problem" data-code="NOT_FOUND">
      <strong>Not found</strong>
      <p>{what} does not exist, or your API key cannot see it.</p>
    </div>
  );
}
