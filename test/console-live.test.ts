// The console's live updates in headless Chromium: changes made through plain HTTP GraphQL
// requests (not the UI) appear on open pages without a reload, over the graphql-ws subscription,
// with the session's key, within its scope, and across a lost connection.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { seedExample } from '../scripts/seed-example';
import { startTestApp, TestApp } from './helpers/app';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = path.resolve(__dirname, '../..', process.env.CONSOLE_SCREENSHOTS ?? 'test-output/console');
const ADMIN_KEY = 'mag_console_live_test_admin_key_0123';
const P = 'fraud-detection';

let app: TestApp;
let origin: string;
let browser: Browser;
let page: Page;
let viewerKey: string;
let scopedKey: string;
const problems: string[] = [];
const elsewhere: string[] = [];

const asAdmin = (query: string, variables?: Record<string, unknown>) => app.ok(query, variables, { token: ADMIN_KEY });
const ui = (pathname: string) => `${origin}/ui${pathname}`;
const rowOf = (p: Page, version: number) => p.locator(`[data-testid="versions"] tr[data-version="${version}"]`);
const versionId = async (number: number) =>
  (await asAdmin(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "${number}") { id } }`)).modelVersion.id as string;

/** Frames the page's WebSockets sent and received, parsed. */
interface Frames { sent: any[]; received: any[] }

/**
 * A browser context whose pages start signed in with `key`, as the sign-in form leaves them.
 * Console errors count as problems, except CSP refusals a test provokes (`refusals`).
 */
async function signedIn(key: string, { frames, refusals }: { frames?: Frames; refusals?: RegExp } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  await context.addInitScript((k) => { if (location.protocol === 'http:') sessionStorage.setItem('mag.apiKey', k); }, key);
  const p = await context.newPage();
  p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  p.on('console', (msg) => {
    if (msg.type() !== 'error' || msg.text().startsWith('Failed to load resource') || refusals?.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  if (frames) {
    p.on('websocket', (ws) => {
      ws.on('framesent', (f) => frames.sent.push(JSON.parse(String(f.payload))));
      ws.on('framereceived', (f) => frames.received.push(JSON.parse(String(f.payload))));
    });
  }
  return { context, page: p };
}

/** Waits for a version's row to show a stage. */
const stageShown = (p: Page, version: number, stage: string) => p.waitForFunction(([v, s]) =>
  document.querySelector(`[data-testid="versions"] tr[data-version="${v}"] [data-stage]`)?.textContent === s, [version, stage] as const);

const live = (p: Page, status = 'live') => p.locator(`[data-testid="live"][data-status="${status}"]`).waitFor();

/** The console's requests for one operation, counted from now on. */
function countRequests(p: Page, operationName: string) {
  let n = 0;
  const onRequest = (req: import('playwright-core').Request) => {
    if (req.method() === 'POST' && req.url().endsWith('/graphql') && req.postDataJSON()?.operationName === operationName) n += 1;
  };
  p.on('request', onRequest);
  return { get count() { return n; }, stop: () => p.off('request', onRequest) };
}

/** What the console's reads of latestEventSequence answered, from now on. */
function headReads(p: Page) {
  const values: string[] = [];
  p.on('response', async (res) => {
    if (res.request().method() !== 'POST' || res.request().postDataJSON()?.operationName !== 'LiveHead') return;
    values.push((await res.json()).data.latestEventSequence);
  });
  return { values };
}

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  origin = new URL(app.url).origin;
  await seedExample(app.url, ADMIN_KEY);
  const key = async (name: string, role: string, projects?: string[]) =>
    (await asAdmin(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name, role, projects } })).createApiKey.secret as string;
  await asAdmin(`mutation { createProject(input: { name: "elsewhere" }) { id } }`);
  viewerKey = await key('live-viewer', 'VIEWER');
  scopedKey = await key('live-elsewhere', 'EDITOR', ['elsewhere']);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = (await signedIn(ADMIN_KEY)).page;
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test('the console\'s CSP names WebSockets to its own host and port only; a socket to another origin is refused', async () => {
  const { port } = new URL(origin);
  const cspFor = (host: string) => new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/ui/', headers: { host } }, (res) => {
      res.resume();
      resolve(String(res.headers['content-security-policy']));
    }).on('error', reject);
  });
  assert.match(await cspFor(`127.0.0.1:${port}`), new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${port} wss://127\\.0\\.0\\.1:${port};`));
  // A Host that is not a plain host[:port] adds nothing to the policy.
  assert.match(await cspFor('evil.example;script-src'), /connect-src 'self';/);

  const { context, page: p } = await signedIn(ADMIN_KEY, { refusals: new RegExp(`ws://localhost:${port}/graphql.* violates the following Content Security Policy`) });
  await p.goto(ui(`/p/${P}`));
  await live(p);
  const refused = await p.evaluate(async (other) => new Promise<string>((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(`${e.effectiveDirective} ${e.blockedURI}`), { once: true });
    try {
      new WebSocket(other);
    } catch (err) {
      resolve(`thrown: ${(err as Error).name}`);
    }
  }), `ws://localhost:${port}/graphql`);
  assert.match(refused, new RegExp(`^(connect-src ws://localhost:${port}/graphql|thrown: SecurityError)$`));
  await context.close();
});

test('the model page shows a promotion made over HTTP, the previous holder ARCHIVED, and tags, without a reload or a page refetch', async () => {
  await page.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(page, 3).waitFor();
  await live(page);
  assert.equal(await rowOf(page, 1).locator('[data-stage]').innerText(), 'PRODUCTION');
  assert.equal(await rowOf(page, 3).locator('[data-stage]').innerText(), 'STAGING');
  await page.evaluate(() => { (window as unknown as { marker: number }).marker = 7; });
  const entries = page.getByTestId('timeline').locator('li');
  const historyBefore = await entries.count();
  const pageQueries = countRequests(page, 'ModelPage');

  await asAdmin(`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { stage } } }`,
    { i: { modelVersion: await versionId(3), stage: 'PRODUCTION', force: true, reason: 'promoted over http' } });
  await stageShown(page, 3, 'PRODUCTION');
  await stageShown(page, 1, 'ARCHIVED');
  await page.getByTestId('production-holder').getByText('v3').waitFor();
  assert.equal(await page.getByTestId('staging-holder').innerText(), '—');
  const entry = page.getByTestId('timeline').locator('li', { hasText: 'promoted over http' });
  assert.match(await entry.innerText(), /v3\s+STAGING\s+→\s+PRODUCTION\s+by admin: promoted over http/);
  // One entry for each version whose stage moved: v3 and the archived v1.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline"] li').length === n, historyBefore + 2);
  assert.match(await entries.first().innerText() + await entries.nth(1).innerText(), /v1\s+PRODUCTION\s+→\s+ARCHIVED/);

  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "reviewed" }]) { id } }`, { r: await versionId(2) });
  await rowOf(page, 2).getByText('reviewed').waitFor();

  // An exclusive tag moves: the event on its previous holder takes it off that row.
  const [v2, v3] = [await versionId(2), await versionId(3)];
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "champion", exclusive: true }]) { id } }`, { r: v2 });
  await rowOf(page, 2).getByText('champion').waitFor();
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "champion" }]) { id } }`, { r: v3 });
  await rowOf(page, 3).getByText('champion').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid="versions"] tr[data-version="2"]')?.textContent?.includes('champion'));

  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 7, 'the page was not reloaded');
  pageQueries.stop();
  assert.equal(pageQueries.count, 0, 'stages and tags came with the events: the page query did not run again');
  fs.mkdirSync(SHOTS, { recursive: true });
  const axe = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
  await page.screenshot({ path: path.join(SHOTS, 'model-live.png') });
  assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
  assert.equal(await page.getByTestId('live').getAttribute('role'), 'status');
  assert.equal(await page.getByTestId('live').innerText(), 'Live');
});

test('a version created over HTTP appears as a new row; metadata logged on it changes its metric column', async () => {
  await page.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(page, 3).waitFor();
  await live(page);
  const { createModelVersion } = await asAdmin(`mutation { createModelVersion(input: { project: "${P}", model: "fraud_detector", name: "live-v4", metadata: { f1: 0.93 } }) { id number } }`);
  assert.equal(createModelVersion.number, 4);
  await rowOf(page, 4).waitFor();
  const f1 = rowOf(page, 4).locator('td.num').first();
  assert.equal(await f1.innerText(), '0.93');
  assert.equal(await rowOf(page, 4).locator('[data-stage]').innerText(), 'NONE');
  await asAdmin(`mutation($r: ID!) { logMetadata(resource: $r, metadata: { f1: 0.97 }) { id } }`, { r: createModelVersion.id });
  await page.waitForFunction(() => document.querySelector('[data-testid="versions"] tr[data-version="4"] td.num')?.textContent === '0.97');
});

test('a run started over HTTP appears on the project overview with its status, which changes when it finishes', async () => {
  await page.goto(ui(`/p/${P}`));
  await page.locator('section[aria-labelledby="runs-h"] tbody tr').first().waitFor();
  await live(page);
  const overview = countRequests(page, 'ProjectOverview');
  const recent = (name: string) => page.locator(`section[aria-labelledby="runs-h"] tr[data-run="${name}"]`);
  const training = page.locator('tr[data-pipeline="fraud_detection_training"]');

  const { startRun } = await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "fraud_detection_training", name: "live_run_1" }) { id } }`);
  await recent('live_run_1').locator('[data-status="RUNNING"]').waitFor();
  await training.getByText('live_run_1').waitFor();
  assert.equal(await training.locator('[data-status]').innerText(), 'RUNNING');

  await asAdmin(`mutation($r: ID!) { finishRun(run: $r, status: COMPLETED) { status } }`, { r: startRun.id });
  await recent('live_run_1').locator('[data-status="COMPLETED"]').waitFor();
  await training.locator('[data-status="COMPLETED"]').waitFor();

  // A new pipeline joins the pipelines; a burst of tags (one transaction) reads the cloud once or twice, not per tag.
  const tagQueries = countRequests(page, 'LiveProjectTags');
  await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "live_pipeline", name: "live_pipeline_run_1" }) { id } }`);
  await page.locator('tr[data-pipeline="live_pipeline"]').getByText('live_pipeline_run_1').waitFor();
  const tags = Array.from({ length: 8 }, (_, i) => ({ name: `burst-${i}` }));
  await asAdmin(`mutation($r: ID!, $t: [TagInput!]!) { addTags(resource: $r, tags: $t) { id } }`, { r: startRun.id, t: tags });
  const cloud = page.getByRole('list', { name: 'Tag cloud' });
  for (const t of tags) await cloud.getByText(t.name, { exact: true }).waitFor();
  await recent('live_run_1').getByText('burst-7').waitFor();
  tagQueries.stop();
  overview.stop();
  assert.ok(tagQueries.count >= 1 && tagQueries.count <= 2, `the tag cloud was read ${tagQueries.count} times for 8 tags`);
  assert.equal(overview.count, 0, 'sections were read, not the whole overview');
});

test('the run page shows steps recorded over HTTP with their statuses, and the run finishing', async () => {
  const { startRun } = await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "fraud_detection_training", name: "live_run_2" }) { id } }`);
  await page.goto(ui(`/p/${P}/runs/live_run_2`));
  await page.getByTestId('steps').waitFor();
  await live(page);
  assert.equal(await page.locator('[data-testid="steps"] tbody tr').count(), 0);
  await asAdmin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`,
    { i: { run: startRun.id, name: 'load', status: 'COMPLETED', outputs: [{ name: 'rows', artifact: 'live_rows', type: 'DATA' }] } });
  await asAdmin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`, { i: { run: startRun.id, name: 'train', status: 'FAILED' } });
  const steps = page.locator('[data-testid="steps"] tbody tr');
  await steps.filter({ hasText: 'train' }).locator('[data-status="FAILED"]').waitFor();
  assert.deepEqual((await steps.allInnerTexts()).map((t) => t.split('\t').slice(0, 2)), [['load', 'COMPLETED'], ['train', 'FAILED']]);
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 3);
  await asAdmin(`mutation($r: ID!) { finishRun(run: $r, status: FAILED) { status } }`, { r: startRun.id });
  await page.locator('.facts [data-status="FAILED"]').waitFor();
});

test('a VIEWER\'s console connects with its own key and sees a promotion made by someone else', async () => {
  const frames: Frames = { sent: [], received: [] };
  const { context, page: p } = await signedIn(viewerKey, { frames });
  await p.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(p, 2).waitFor();
  await live(p);
  assert.equal(await p.getByRole('button', { name: /^Promote/ }).count(), 0);
  const init = frames.sent.find((f) => f.type === 'connection_init');
  assert.deepEqual(init?.payload, { Authorization: `Bearer ${viewerKey}` });
  await asAdmin(`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { stage } } }`,
    { i: { modelVersion: await versionId(2), stage: 'STAGING' } });
  await stageShown(p, 2, 'STAGING');
  await p.getByTestId('staging-holder').getByText('v2').waitFor();
  await context.close();
});

test('a key scoped to one project receives that project\'s events and none of another\'s', async () => {
  const frames: Frames = { sent: [], received: [] };
  const { context, page: p } = await signedIn(scopedKey, { frames });
  const received = () => frames.received.filter((f) => f.type === 'next').map((f) => f.payload.data.events);
  // The projects page subscribes to every project's creations and edits: scope is the server's to apply.
  await p.goto(ui('/'));
  await p.getByRole('link', { name: 'elsewhere', exact: true }).waitFor();
  await live(p);
  const { project: fraud } = await asAdmin(`{ project(name: "${P}") { id } }`);
  const { project: far } = await asAdmin(`{ project(name: "elsewhere") { id } }`);
  // Written first, so that their events would arrive before the last one if they arrived at all.
  await asAdmin(`mutation { createProject(input: { name: "hidden-from-elsewhere" }) { id } }`);
  await asAdmin(`mutation($i: UpdateProjectInput!) { updateProject(input: $i) { id } }`, { i: { id: fraud.id, description: 'not for elsewhere' } });
  await asAdmin(`mutation($i: UpdateProjectInput!) { updateProject(input: $i) { id } }`, { i: { id: far.id, displayName: 'Far away' } });
  await p.getByRole('cell', { name: 'Far away' }).waitFor();
  assert.deepEqual(received().map((e) => [e.kind, e.project?.name]), [['ENTITY_UPDATED', 'elsewhere']]);

  await p.goto(ui('/p/elsewhere'));
  await p.getByRole('heading', { name: /Far away/ }).waitFor();
  await live(p);
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "not-for-elsewhere" }]) { id } }`, { r: await versionId(1) });
  await app.ok(`mutation { startRun(input: { project: "elsewhere", pipeline: "far", name: "far_run_1" }) { id } }`, undefined, { token: scopedKey });
  await p.locator('section[aria-labelledby="runs-h"] tr[data-run="far_run_1"]').waitFor();
  assert.deepEqual([...new Set(received().map((e) => e.project?.name))], ['elsewhere']);
  assert.ok(received().some((e) => e.kind === 'RUN_STARTED' && e.data.name === 'far_run_1'), JSON.stringify(received()));
  assert.deepEqual(frames.sent.find((f) => f.type === 'connection_init')?.payload, { Authorization: `Bearer ${scopedKey}` });
  await context.close();
});

test('a page subscribes to its own project\'s events; opening another project follows that one', async () => {
  const frames: Frames = { sent: [], received: [] };
  const { context, page: p } = await signedIn(ADMIN_KEY, { frames });
  await p.goto(ui(`/p/${P}`));
  await p.locator('section[aria-labelledby="runs-h"] tbody tr').first().waitFor();
  await live(p);
  await asAdmin(`mutation { startRun(input: { project: "elsewhere", pipeline: "far", name: "far_run_2" }) { id } }`);
  await asAdmin(`mutation { startRun(input: { project: "${P}", pipeline: "fraud_detection_training", name: "live_run_4" }) { id } }`);
  await p.locator('section[aria-labelledby="runs-h"] tr[data-run="live_run_4"]').waitFor();
  const received = () => frames.received.filter((f) => f.type === 'next').map((f) => f.payload.data.events);
  assert.deepEqual([...new Set(received().map((e) => e.project?.name))], [P]);

  await p.getByRole('link', { name: 'Projects', exact: true }).click();
  await p.getByRole('link', { name: 'elsewhere', exact: true }).click();
  await p.getByRole('heading', { name: /Far away/ }).waitFor();
  await asAdmin(`mutation { startRun(input: { project: "elsewhere", pipeline: "far", name: "far_run_3" }) { id } }`);
  await p.locator('section[aria-labelledby="runs-h"] tr[data-run="far_run_3"]').waitFor();
  const filters = frames.sent.filter((f) => f.type === 'subscribe').map((f) => f.payload.variables.filter);
  assert.deepEqual(filters.at(0), { projects: [P] });
  assert.deepEqual(filters.at(-1), { projects: ['elsewhere'] });
  assert.ok(filters.some((f) => f.kinds?.includes('PROJECT_CREATED')), 'the projects page subscribes to new projects');
  await context.close();
});

/**
 * Routes a page's WebSocket through the test, which can cut it (and refuse new sockets, as a
 * server that is away would) and sees what the console subscribes with and what it receives.
 */
async function cuttable(p: Page) {
  let away = false;
  let sockets: WebSocketRoute[] = [];
  const subscribed: { after: string | null }[] = [];
  const sequences: string[] = [];
  await p.routeWebSocket(/\/graphql$/, (ws) => {
    if (away) return ws.close({ code: 1012, reason: 'test: server away' });
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m));
      if (msg.type === 'subscribe') subscribed.push({ after: msg.payload.variables?.after ?? null });
      server.send(m);
    });
    server.onMessage((m) => {
      const msg = JSON.parse(String(m));
      if (msg.type === 'next' && msg.payload.data?.events) sequences.push(msg.payload.data.events.sequence);
      ws.send(m);
    });
    sockets.push(ws);
  });
  return {
    subscribed,
    sequences,
    cut: async () => {
      away = true;
      for (const ws of sockets) await ws.close({ code: 4000, reason: 'test: connection lost' });
      sockets = [];
      await live(p, 'reconnecting');
    },
    restore: () => { away = false; },
  };
}

test('after a lost connection the console resumes after the last event it saw and shows what changed meanwhile', async () => {
  const { context, page: p } = await signedIn(ADMIN_KEY);
  const socket = await cuttable(p);
  await p.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(p, 1).waitFor();
  await live(p);
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "before-the-cut" }]) { id } }`, { r: await versionId(1) });
  await rowOf(p, 1).getByText('before-the-cut').waitFor();
  const lastSeen = socket.sequences.at(-1)!;
  assert.ok(lastSeen);

  await socket.cut();
  await asAdmin(`mutation($i: PromoteModelVersionInput!) { promoteModelVersion(input: $i) { modelVersion { stage } } }`,
    { i: { modelVersion: await versionId(1), stage: 'STAGING', force: true, reason: 'while the console was away' } });
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "during-the-cut" }]) { id } }`, { r: await versionId(1) });
  socket.restore();

  await rowOf(p, 1).getByText('during-the-cut').waitFor({ timeout: 60_000 });
  await stageShown(p, 1, 'STAGING');
  await stageShown(p, 2, 'ARCHIVED');
  await p.getByTestId('staging-holder').getByText('v1').waitFor();
  await live(p);
  assert.deepEqual(socket.subscribed.at(-1), { after: lastSeen }, 'the resumed subscription starts after the last event seen');
  assert.ok(BigInt(socket.subscribed[0].after!) < BigInt(lastSeen), 'the first subscription starts where the change log stood before the page loaded');
  await context.close();
});

test('a connection lost before any event arrived resumes from where the change log stood before the page loaded, without reading the page again', async () => {
  const { context, page: p } = await signedIn(ADMIN_KEY);
  const socket = await cuttable(p);
  const head = headReads(p);
  await p.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(p, 2).waitFor();
  await live(p);
  const pageQueries = countRequests(p, 'ModelPage');
  await socket.cut();
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "unseen-cut" }]) { id } }`, { r: await versionId(2) });
  socket.restore();
  await rowOf(p, 2).getByText('unseen-cut').waitFor({ timeout: 60_000 });
  await live(p);
  pageQueries.stop();
  assert.equal(head.values.length, 1);
  assert.deepEqual(socket.subscribed.map((s) => s.after), [head.values[0], head.values[0]]);
  assert.equal(socket.sequences.length, 1, 'the tag arrived as the one event replayed');
  assert.equal(pageQueries.count, 0);
  await context.close();
});

test('a change committed between the page\'s load and the subscription\'s start reaches the page', async () => {
  const { context, page: p } = await signedIn(ADMIN_KEY);
  const head = headReads(p);
  // The socket connects at once, but the test holds the console's subscribe message until the
  // change below has committed: the page has loaded and the subscription has not started yet.
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let held!: () => void;
  const holding = new Promise<void>((resolve) => { held = resolve; });
  const subscribed: (string | null)[] = [];
  await p.routeWebSocket(/\/graphql$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m));
      if (msg.type !== 'subscribe') return server.send(m);
      subscribed.push(msg.payload.variables?.after ?? null);
      held();
      void released.then(() => server.send(m));
    });
    server.onMessage((m) => ws.send(m));
  });
  const pageQueries = countRequests(p, 'ModelPage');
  await p.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(p, 3).waitFor();
  await holding;
  assert.equal(pageQueries.count, 1);
  await asAdmin(`mutation($r: ID!) { addTags(resource: $r, tags: [{ name: "between-load-and-subscribe" }]) { id } }`, { r: await versionId(3) });
  release();
  await rowOf(p, 3).getByText('between-load-and-subscribe').waitFor({ timeout: 30_000 });
  pageQueries.stop();
  assert.equal(pageQueries.count, 1, 'the event brought the tag, not a second page query');
  assert.equal(head.values.length, 1);
  assert.deepEqual(subscribed, [head.values[0]]);
  await context.close();
});

test('no page loaded anything from another host or reported an error', () => {
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(problems, []);
});
