import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { getIntrospectionQuery, OperationDefinitionNode, parse, print } from 'graphql';
import { createClient } from 'graphql-ws';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { seedExample } from '../scripts/seed-example';
import { EXAMPLE_TABS, PRODUCT_DESCRIPTION, PRODUCT_NAME } from '../src/playground/examples';
import { startTestApp, TestApp } from './helpers/app';
import { createProject, recordStep, startRun } from './helpers/fixtures';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.resolve(__dirname, '../../test-output/playground.png');
const P = 'fraud-detection';

let app: TestApp;
let origin: string;
let modelVersionId: string;

before(async () => {
  app = await startTestApp();
  origin = new URL(app.url).origin;
  await createProject(app, P);
  await app.ok(`mutation { createModel(input: { project: "${P}", name: "fraud_detector" }) { id } }`);
  const run = await startRun(app, { project: P, pipeline: 'training', model: { name: 'fraud_detector', createVersion: true } });
  await recordStep(app, { run: run.id, name: 'train', outputs: [{ name: 'trained_model', artifact: 'fraud_model', type: 'MODEL', linkToModelAs: 'MODEL', uri: 's3://models/fraud/1' }] });
  const { pipelineRun } = await app.ok(`query($n: String!) { pipelineRun(project: "${P}", name: $n) { modelVersion { id } } }`, { n: run.name });
  modelVersionId = pipelineRun.modelVersion.id;
  await app.ok(`mutation($id: ID!) { addTags(resource: $id, tags: [{ name: "accuracy-95" }]) { id } }`, { id: modelVersionId });
  await app.ok(`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: PRODUCTION }) { modelVersion { stage } } }`, { id: modelVersionId });
});
after(async () => { await app.close(); });

const get = (pathname: string, headers: Record<string, string> = {}) => fetch(new URL(pathname, origin), { headers });
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

test('a browser GET of /graphql or / gets GraphiQL whose assets all come from this server', async () => {
  for (const pathname of ['/graphql', '/']) {
    const res = await get(pathname, { accept: BROWSER_ACCEPT });
    assert.equal(res.status, 200, pathname);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('content-security-policy')!, /connect-src 'self'/);
    const html = await res.text();
    assert.match(html, /<a class="console-link" href="ui\/">/, 'links the console');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((s) => !s.startsWith('data:') && s !== 'ui/');
    assert.deepEqual(srcs.map((s) => s.replace(/\?v=.*/, '')), [
      'playground/assets/graphiql.min.css', 'playground/assets/react.production.min.js', 'playground/assets/react-dom.production.min.js',
      'playground/assets/graphiql.min.js', 'playground/assets/playground.js',
    ]);
    for (const src of srcs) {
      const asset = await get(`/${src}`, { 'accept-encoding': 'gzip' });
      assert.equal(asset.status, 200, src);
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable', src);
      assert.match(asset.headers.get('content-type')!, src.includes('.css') ? /^text\/css/ : /^text\/javascript/);
      const body = await asset.text();
      assert.ok(body.length > 1000, `${src} has content`);
      const again = await get(`/${src}`, { 'accept-encoding': 'gzip', 'if-none-match': asset.headers.get('etag')! });
      assert.equal(again.status, 304, `${src} revalidates`);
    }
  }
  const graphiql = await (await get('/playground/assets/graphiql.min.js')).text();
  assert.ok(graphiql.includes('window.GraphiQL'), 'the UMD build of graphiql from node_modules');
  assert.equal((await get('/playground/assets/nope.js')).status, 404);
});

test('GraphQL GET requests and non-browser GETs still reach Apollo', async () => {
  const res = await get(`/graphql?query=${encodeURIComponent('{ project(name: "fraud-detection") { name } }')}`, { accept: 'application/json', 'apollo-require-preflight': 'true' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: { project: { name: P } } });
  // A browser following a link with a query reaches Apollo, whose CSRF prevention refuses it.
  const linked = await get(`/graphql?query=${encodeURIComponent('{ viewer { name } }')}`, { accept: BROWSER_ACCEPT });
  assert.equal(linked.status, 400);
  assert.match((await linked.json()).errors[0].message, /Cross-Site Request Forgery/);
  const noQuery = await get('/graphql', { accept: 'application/json' });
  assert.equal(noQuery.status, 400);
  assert.match(noQuery.headers.get('content-type')!, /json/);
});

const tabNamed = (name: string) => {
  const tab = EXAMPLE_TABS.find((t) => (parse(t.query).definitions[0] as OperationDefinitionNode).name?.value === name);
  assert.ok(tab, `a tab runs ${name}`);
  return tab;
};

test('every example tab of the playground runs without errors', async () => {
  const results = [];
  for (const tab of EXAMPLE_TABS.filter((t) => !t.live)) {
    const variables = tab.variables ? JSON.parse(tab.variables) : undefined;
    if (tab.lookup) {
      // What the playground's fetcher does while the variable holds the placeholder.
      assert.equal(variables[tab.lookup.variable], tab.lookup.placeholder);
      const found = await app.ok(tab.lookup.query);
      variables[tab.lookup.variable] = found.modelVersion.id;
    }
    results.push(await app.ok(tab.query, variables));
  }
  const [tagged, production, lineage, readme, highAccuracy] = results;
  assert.deepEqual(tagged.project.modelVersions.nodes.map((v: any) => [v.model.name, v.name, v.stage, v.tags.map((t: any) => t.name)]),
    [['fraud_detector', '1', 'PRODUCTION', ['accuracy-95']]]);
  assert.equal(production.modelVersion.id, modelVersionId);
  assert.equal(production.modelVersion.artifact.artifact.name, 'fraud_model');
  assert.equal(production.modelVersion.artifact.producedBy.name, 'train');
  // A model version's lineage starts from the artifact versions it links.
  assert.deepEqual(lineage.lineage.roots, [production.modelVersion.artifact.id]);
  assert.deepEqual(lineage.lineage.nodes.map((n: any) => n.__typename).sort(), ['ArtifactVersion', 'StepRun']);
  assert.equal(readme.modelVersion.artifact.uri, 's3://models/fraud/1');
  // This test's data logs no accuracy on trained_model nor precision on versions: the tab answers empty lists.
  assert.deepEqual(highAccuracy, { project: { artifactVersions: { nodes: [] }, modelVersions: { nodes: [] } } });
});

test('on the example data, the metadata tab lists the trained models above 0.9 best first and the version with precision above 0.9', async () => {
  const seeded = await startTestApp();
  try {
    await seedExample(seeded.url);
    const { project } = await seeded.ok(tabNamed('HighAccuracy').query);
    assert.deepEqual(project.artifactVersions.nodes.map((v: any) => [v.version, v.metadata.accuracy, v.modelVersions.map((m: any) => `${m.model.name} ${m.number} ${m.stage}`)]), [
      ['1', 0.95, ['fraud_detector 1 PRODUCTION']],
      ['3', 0.94, ['fraud_detector 3 STAGING']],
      ['2', 0.92, ['fraud_detector 2 ARCHIVED']],
    ]);
    assert.deepEqual(project.modelVersions.nodes, [{ number: 1, stage: 'PRODUCTION', metadata: { precision: 0.91, recall: 0.87, f1: 0.89 }, model: { name: 'fraud_detector' } }]);
  } finally {
    await seeded.close();
  }
});

test('the stage-change tab is a subscription that runs over graphql-ws', async () => {
  const tab = tabNamed('WatchStageChanges');
  assert.equal(tab.live, true);
  const { events } = await app.ok(`{ events(filter: { kinds: [STAGE_CHANGED] }, first: 1000) { nodes { sequence } } }`);
  const ws = createClient({ url: app.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  try {
    // From the first stage change of the fixture: the replay starts with it, whenever the socket listens.
    const results = ws.iterate<any>({ query: tab.query, variables: { after: String(Number(events.nodes[0].sequence) - 1) } });
    const { value } = await results.next();
    await results.return?.();
    assert.equal(value.errors, undefined);
    assert.deepEqual([value.data.events.data, value.data.events.subject],
      [{ from: 'NONE', to: 'PRODUCTION', reason: null }, { __typename: 'ModelVersion', number: 1, stage: 'PRODUCTION', model: { name: 'fraud_detector' } }]);
  } finally {
    await ws.dispose();
  }
});

test("the README's example query is one of the tabs, selection for selection", () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /```graphql\n([\s\S]*?)```/.exec(readme)![1];
  const selection = (doc: string) => print((parse(doc).definitions[0] as OperationDefinitionNode).selectionSet);
  assert.ok(EXAMPLE_TABS.some((t) => selection(t.query) === selection(block)), 'a tab runs the README query');
});

test('the introspection query GraphiQL sends passes the default query limits', async () => {
    const defaults = await startTestApp();
    try {
      const r = await defaults.gql(getIntrospectionQuery());
      assert.equal(r.errors, undefined);
      assert.equal(r.data.__schema.queryType.name, 'Query');
    } finally {
      await defaults.close();
    }
  });

test('GraphiQL in headless Chromium runs the example queries against this server and nothing else',
  { skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run this test` },
  async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const elsewhere: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
      const posts: { contentType?: string; authorization?: string; operationName?: string }[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST') posts.push({ contentType: req.headers()['content-type'], authorization: req.headers().authorization, operationName: req.postDataJSON()?.operationName });
      });

      await page.goto(app.url);
      await page.locator('.graphiql-container').waitFor();
      assert.deepEqual(await page.locator('.graphiql-tab').allInnerTexts(), ['TaggedModels', 'ProductionModel', 'Lineage', 'WhatTrainedIt', 'HighAccuracy', 'WatchStageChanges']);
      assert.equal(await page.locator('header#product').innerText(), `${PRODUCT_NAME} ${PRODUCT_DESCRIPTION}`);
      await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').getByText('Bearer <api key>').waitFor();

      await page.locator('.graphiql-execute-button').click();
      await page.locator('.result-window').getByText('"accuracy-95"').waitFor();
      assert.match(await page.locator('.result-window').innerText(), /"fraud_detector"/);

      await page.locator('.graphiql-tab', { hasText: 'ProductionModel' }).click();
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.result-window').getByText('"s3://models/fraud/1"').waitFor().catch(async (err) => {
        fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT.replace('.png', '-failure.png') });
        throw err;
      });
      const result = await page.locator('.result-window').innerText();
      assert.match(result, /"stage": "PRODUCTION"/);
      assert.match(result, /"name": "fraud_detector"/);

      // As shipped, with its placeholder variable: the id is looked up by name first.
      await page.locator('.graphiql-tab', { hasText: 'Lineage' }).click();
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.result-window').getByText('"roots"').waitFor();
      const lineage = await page.locator('.result-window').innerText();
      assert.match(lineage, /"truncated": false/);
      assert.match(lineage, /"name": "fraud_model"/);
      assert.doesNotMatch(lineage, /"errors"/);

      // The doc explorer is fed by the introspection query GraphiQL sent on load.
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).click();
      await page.locator('.graphiql-doc-explorer').getByText('modelVersion', { exact: true }).first().waitFor();

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });

      assert.deepEqual(elsewhere, [], 'no request left this server');
      assert.deepEqual(problems, []);
      assert.deepEqual(posts.map((p) => p.operationName), ['IntrospectionQuery', 'TaggedModels', 'ProductionModel', undefined, 'Lineage']);
      for (const post of posts) {
        assert.equal(post.contentType, 'application/json');
        assert.equal(post.authorization, undefined, 'the header placeholder is not sent as a key');
      }
    } finally {
      await browser.close();
    }
  });

test('in headless Chromium the WatchStageChanges tab subscribes over WebSocket and shows a promotion made over HTTP',
  { skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run this test` },
  async () => {
    const { createModelVersion: candidate } = await app.ok(`mutation { createModelVersion(input: { project: "${P}", model: "fraud_detector" }) { id number } }`);
    const { events } = await app.ok('{ events(first: 1000) { nodes { sequence } } }');
    const start = events.nodes.at(-1).sequence;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
      const posts: (string | undefined)[] = [];
      page.on('request', (req) => { if (req.method() === 'POST') posts.push(req.postDataJSON()?.operationName); });
      const sockets: string[] = [];
      const subscribed = new Promise<Record<string, unknown>>((resolve) => page.on('websocket', (socket) => {
        sockets.push(socket.url());
        socket.on('framesent', (frame) => {
          const message = JSON.parse(String(frame.payload));
          if (message.type === 'subscribe') resolve(message.payload);
        });
      }));

      await page.goto(app.url);
      await page.locator('.graphiql-tab', { hasText: 'WatchStageChanges' }).click();
      // "after": the newest event before the promotion, so the tab shows it however late the socket listens.
      await page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Variables' }).click();
      await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').getByText('"after"').waitFor();
      await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').evaluate(
        (el, value) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(value), JSON.stringify({ after: start }));
      await page.locator('.graphiql-execute-button').click();
      assert.deepEqual(await subscribed, { operationName: 'WatchStageChanges', query: tabNamed('WatchStageChanges').query, variables: { after: start } });
      await app.ok(`mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: PRODUCTION, force: true, reason: "promoted over HTTP" }) { modelVersion { stage } } }`,
        { id: candidate.id });
      await page.locator('.result-window').getByText('"promoted over HTTP"').waitFor();
      const shown = await page.locator('.result-window').innerText();
      assert.match(shown, /"to": "PRODUCTION"/);
      assert.match(shown, new RegExp(`"number": ${candidate.number}`));
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.replace('.png', '-subscription.png') });
      await page.locator('.graphiql-execute-button').click(); // stop

      assert.deepEqual(sockets, [app.url.replace(/^http/, 'ws')]);
      assert.deepEqual(posts, ['IntrospectionQuery'], 'the subscription went over the WebSocket, not HTTP');
      assert.deepEqual(problems, []);
    } finally {
      await browser?.close();
    }
  });

test('with AUTH=required the subscription tab sends the key of the header editor in connection_init',
  { skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run this test` },
  async () => {
    const secret = 'playground-admin-secret-0123456789';
    const secured = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: secret });
    let browser: Browser | undefined;
    try {
      const as = { token: secret };
      await secured.ok('mutation { createProject(input: { name: "keyed" }) { id } }', undefined, as);
      const { createModelVersion } = await secured.ok('mutation { createModelVersion(input: { project: "keyed", model: "m" }) { id } }', undefined, as);
      await secured.ok('mutation($id: ID!) { promoteModelVersion(input: { modelVersion: $id, stage: STAGING, reason: "with a key" }) { modelVersion { stage } } }',
        { id: createModelVersion.id }, as);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const init = new Promise<unknown>((resolve) => page.on('websocket', (socket) => socket.on('framesent', (frame) => {
        const message = JSON.parse(String(frame.payload));
        if (message.type === 'connection_init') resolve(message.payload);
      })));
      const setVisibleEditor = (value: string) => page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').evaluate(
        (el, v) => (el as unknown as { CodeMirror: { setValue(v: string): void } }).CodeMirror.setValue(v), value);

      await page.goto(secured.url);
      await page.locator('.graphiql-tab', { hasText: 'WatchStageChanges' }).click();
      await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').getByText('Bearer <api key>').waitFor();
      await setVisibleEditor(JSON.stringify({ Authorization: `Bearer ${secret}` }));
      await page.locator('.graphiql-editor-tools').getByRole('button', { name: 'Variables' }).click();
      await page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').getByText('"after"').waitFor();
      await setVisibleEditor('{ "after": "0" }');
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.result-window').getByText('"with a key"').waitFor();
      assert.match(await page.locator('.result-window').innerText(), /"actor": "admin"/);
      assert.deepEqual(await init, { authorization: `Bearer ${secret}` });
      await page.locator('.graphiql-execute-button').click(); // stop
    } finally {
      await browser?.close();
      await secured.close();
    }
  });
