// The playground's browser side. It runs in the page, not in node: the server serves its source
// (Function#toString) as a script, so it must not use imports or anything outside its own body.

export interface PlaygroundOptions {
  /** The GraphQL endpoint, relative to the page. */
  endpoint: string;
  tabs: { query: string; variables?: string; headers?: string; lookup?: { variable: string; placeholder: string; query: string } }[];
  headers: string;
  /** A header whose value still contains this is the placeholder, not a key: it is not sent. */
  placeholderMark: string;
}

type FetcherOptions = { headers?: Record<string, unknown>; documentAST?: { definitions: { kind: string; operation?: string; name?: { value: string } }[] } };
type Fetcher = (params: unknown, opts?: FetcherOptions) => unknown;

export function bootPlayground(options: PlaygroundOptions): void {
  const globals = window as unknown as {
    React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
    ReactDOM: { createRoot(element: Element): { render(node: unknown): void } };
    GraphiQL: { createFetcher(options: { url: string; subscriptionUrl: string }): Fetcher };
  };
  const endpoint = new URL(options.endpoint, window.location.href).toString();
  // Subscriptions go over graphql-ws on the same endpoint, through GraphiQL's own fetcher
  // (@graphiql/toolkit, with the graphql-ws client bundled in graphiql.min.js). It sends the
  // headers it is given as the connection_init payload, which is where the server reads the key.
  const liveFetcher = globals.GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: endpoint.replace(/^http/, 'ws') });
  const isSubscription = (query: string, operationName: string | null | undefined, opts?: FetcherOptions) => {
    const operations = (opts?.documentAST?.definitions ?? []).filter((d) => d.kind === 'OperationDefinition');
    const operation = operations.length === 1 ? operations[0] : operations.find((d) => d.name?.value === operationName);
    return operation ? operation.operation === 'subscription' : /^\s*subscription\b/m.test(query.replace(/#.*$/gm, ''));
  };

  // Our own fetcher rather than GraphiQL.createFetcher: it drops the placeholder header and always
  // posts application/json, which Apollo's CSRF prevention asks of browser requests.
  const fetcher = async (params: unknown, opts?: FetcherOptions) => {
    const given: Record<string, string> = {};
    for (const [name, value] of Object.entries(opts?.headers ?? {})) {
      if (typeof value === 'string' && !value.includes(options.placeholderMark)) given[name.toLowerCase()] = value;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...given };
    // GraphiQL 3 can keep the operation name of the tab it came from; a name the document does not
    // define would fail with OPERATION_RESOLUTION_FAILURE. Use the document's own operation then.
    const body = { ...(params as { query?: string; operationName?: string | null }) };
    if (body.operationName && typeof body.query === 'string') {
      const defined = [...body.query.matchAll(/\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[1]);
      if (!defined.includes(body.operationName)) body.operationName = defined.length === 1 ? defined[0] : null;
    }
    if (typeof body.query === 'string' && isSubscription(body.query, body.operationName, opts)) {
      return liveFetcher(body, { ...opts, headers: given });
    }
    const post = async (payload: unknown) => {
      const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(payload), credentials: 'same-origin' });
      const text = await res.text();
      try {
        return JSON.parse(text);
      } catch {
        return { errors: [{ message: `HTTP ${res.status} ${res.statusText}: ${text.slice(0, 500)}` }] };
      }
    };
    // A tab shipped with a placeholder id (Lineage) looks the id up by name first.
    const variables = (body as { variables?: Record<string, unknown> }).variables;
    for (const tab of options.tabs) {
      const lookup = tab.lookup;
      if (!lookup || !variables || variables[lookup.variable] !== lookup.placeholder) continue;
      const found = await post({ query: lookup.query });
      const id = JSON.stringify(found.data ?? {}).match(/"id":"([^"]+)"/)?.[1];
      if (!id) {
        return { errors: [{ message: `"${lookup.placeholder}" was looked up with ${lookup.query} and not found: seed the example (npm run seed:example) or put an id into the variables` }] };
      }
      (body as { variables?: Record<string, unknown> }).variables = { ...variables, [lookup.variable]: id };
      break;
    }
    return post(body);
  };

  const container = document.getElementById('graphiql');
  if (!container) throw new Error('the page has no #graphiql element');
  globals.ReactDOM.createRoot(container).render(globals.React.createElement(globals.GraphiQL, {
    fetcher,
    defaultTabs: options.tabs,
    defaultHeaders: options.headers,
    isHeadersEditorEnabled: true,
    // Api keys stay out of localStorage unless the user turns this on in GraphiQL's settings.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'headers',
  }));
}
