// The console (ui/, served at /ui) in headless Chromium over the seeded example, on a server that
// requires api keys: pages, promotion, lineage, filters, roles, accessibility and first-load size.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { seedExample } from '../scripts/seed-example';
import { startTestApp, TestApp } from './helpers/app';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// test-output/ by default; `npm run screenshots` writes the committed ones in docs/screenshots.
const SHOTS = path.resolve(__dirname, '../..', process.env.CONSOLE_SCREENSHOTS ?? 'test-output/console');
const ADMIN_KEY = 'mag_console_test_admin_key_0123456789';
const P = 'fraud-detection';
const FIRST_LOAD_BUDGET = 600 * 1024;

let app: TestApp;
let origin: string;
let browser: Browser;
let admin: BrowserContext;
let page: Page;
let viewerKey: string;
let scopedKey: string;
const problems: string[] = [];
const elsewhere: string[] = [];

const asAdmin = (query: string, variables?: Record<string, unknown>) => app.ok(query, variables, { token: ADMIN_KEY });

async function newContext(viewport = { width: 1280, height: 720 }) {
  const context = await browser.newContext({ viewport });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  context.on('page', watch);
  return context;
}

function watch(p: Page) {
  p.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // 401s of the key prompt are expected; a CSP violation or a React error is not.
  p.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`); });
}

async function shoot(p: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** No axe violation of serious or critical impact, and a screenshot for people to look at. */
async function check(p: Page, name: string) {
  const results = await new AxeBuilder({ page: p }).options({ resultTypes: ['violations'] }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await shoot(p, name);
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `axe on ${name}`);
}

const ui = (pathname: string) => `${origin}/ui${pathname}`;
const rowOf = (p: Page, version: number) => p.locator(`[data-testid="versions"] tr[data-version="${version}"]`);

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  app = await startTestApp({ AUTH: 'required', ADMIN_API_KEY: ADMIN_KEY });
  origin = new URL(app.url).origin;
  await seedExample(app.url, ADMIN_KEY);
  const key = async (name: string, role: string, projects?: string[]) =>
    (await asAdmin(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name, role, projects } })).createApiKey.secret as string;
  await asAdmin(`mutation { createProject(input: { name: "elsewhere" }) { id } }`);
  viewerKey = await key('console-viewer', 'VIEWER');
  scopedKey = await key('elsewhere-editor', 'EDITOR', ['elsewhere']);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  admin = await newContext();
  page = await admin.newPage();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test('the server serves the console at /ui: deep links get index.html under a strict CSP, assets their own types', async () => {
  const redirect = await fetch(`${origin}/ui`, { redirect: 'manual' });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get('location'), '/ui/');
  for (const pathname of ['/ui/', `/ui/p/${P}/models/fraud_detector`, `/ui/p/${P}/lineage?of=x`]) {
    const res = await fetch(`${origin}${pathname}`);
    assert.equal(res.status, 200, pathname);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self';/);
    // Its own /graphql over HTTP and WebSocket (live updates), nowhere else.
    const host = new URL(origin).host.replace(/\./g, '\\.');
    assert.match(csp, new RegExp(`connect-src 'self' ws://${host} wss://${host};`));
    assert.doesNotMatch(csp, /https?:|unsafe/, 'nothing from another host, nothing inline');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.js')), html);
    for (const asset of assets) {
      const a = await fetch(`${origin}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(a.status, 200, asset);
      assert.match(a.headers.get('content-type')!, asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    }
  }
  assert.equal((await fetch(`${origin}/ui/assets/missing.js`)).status, 404);
  assert.equal((await fetch(`${origin}/ui/`, { method: 'POST' })).status, 405);
  const playground = await (await fetch(`${origin}/`, { headers: { accept: 'text/html' } })).text();
  assert.match(playground, /href="ui\/"/, 'the playground links the console');
});

test('without a key the console asks for one, keeps it for the session and lists the projects; first-load JavaScript stays under 600 kB gzipped', async () => {
  const scripts: Promise<{ url: string; gz: number }>[] = [];
  const onResponse = (res: import('playwright-core').Response) => {
    if (res.request().resourceType() === 'script') scripts.push(res.body().then((b) => ({ url: res.url(), gz: gzipSync(b).length })));
  };
  page.on('response', onResponse);
  await page.goto(ui('/'));
  await page.getByLabel('API key').waitFor();
  const loaded = await Promise.all(scripts);
  page.off('response', onResponse);
  const total = loaded.reduce((n, s) => n + s.gz, 0);
  console.log(`# console first-load JavaScript: ${(total / 1024).toFixed(1)} kB gzipped in ${loaded.length} file(s)`);
  assert.ok(loaded.length >= 1);
  assert.ok(total < FIRST_LOAD_BUDGET, `first-load JavaScript is ${total} bytes gzipped`);
  await check(page, 'sign-in');

  await page.getByLabel('API key').fill('mag_not_a_key');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('The key was not accepted').waitFor();

  await page.getByLabel('API key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('link', { name: P, exact: true }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('mag.apiKey')), ADMIN_KEY);
  assert.equal(await page.getByTestId('viewer').innerText(), 'admin · ADMIN');
  assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), ['elsewhere', P]);
  await check(page, 'projects');
});

test('the project overview shows pipelines with their latest run, who holds STAGING and PRODUCTION, recent runs and the tag cloud', async () => {
  await page.getByRole('link', { name: P, exact: true }).click();
  const models = page.locator('section[aria-labelledby="models-h"] tbody tr');
  await models.first().waitFor();
  assert.deepEqual((await models.allInnerTexts()).map((t) => t.split('\t').map((c) => c.trim())), [['fraud_detector', 'v1 PRODUCTION', 'v3 STAGING', 'v3']]);
  const pipelines = await page.locator('section[aria-labelledby="pipelines-h"] tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(pipelines, ['feature_engineering_run_1', 'inference_run_1', 'training_run_3']);
  assert.equal(await page.locator('section[aria-labelledby="runs-h"] tbody tr').count(), 5);
  const cloud = await page.getByRole('list', { name: 'Tag cloud' }).innerText();
  for (const tag of ['production', 'accuracy-95', 'random-forest']) assert.match(cloud, new RegExp(tag));
  await check(page, 'project');
});

test('the model page shows v1 in PRODUCTION, v3 in STAGING and metric columns', async () => {
  await page.getByRole('link', { name: 'fraud_detector', exact: true }).first().click();
  await rowOf(page, 1).waitFor();
  assert.equal(await rowOf(page, 1).locator('[data-stage]').innerText(), 'PRODUCTION');
  assert.equal(await rowOf(page, 3).locator('[data-stage]').innerText(), 'STAGING');
  assert.equal(await page.getByTestId('production-holder').innerText(), 'v1');
  const headers = await page.locator('[data-testid="versions"] thead th').allInnerTexts();
  assert.deepEqual(headers.slice(4, 8).map((h) => h.replace(/\s+/g, '')), ['f1', 'precision', 'recall', 'trained_model.accuracy']);
  assert.deepEqual((await rowOf(page, 1).locator('td.num').allInnerTexts()), ['0.89', '0.91', '0.87', '0.95']);
  assert.deepEqual((await rowOf(page, 2).locator('td.num').allInnerTexts()), ['—', '—', '—', '0.92']);
  assert.ok(await page.getByTestId('timeline').locator('li').count() >= 4);
  await check(page, 'model');
});

test('the lineage of the production version shows as many nodes and edges as the lineage query, with readable labels', async () => {
  await page.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(page, 1).getByRole('link', { name: 'Lineage of v1' }).click();
  await page.getByTestId('graph-stats').waitFor();
  const url = new URL(page.url());
  const variables = { of: url.searchParams.get('of'), direction: 'BOTH', depth: 3, limit: 500 };
  const { lineage } = await asAdmin(`query($of: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!) {
    lineage(of: $of, direction: $direction, depth: $depth, limit: $limit) { truncated nodes { __typename } edges { source } } }`, variables);
  const production = await asAdmin(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "production") { id } }`);
  assert.equal(variables.of, production.modelVersion.id);
  assert.ok(lineage.nodes.length >= 6, JSON.stringify(lineage));
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, lineage.nodes.length);
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__edge').length === n, lineage.edges.length);
  assert.equal(await page.getByTestId('graph-stats').innerText().then((t) => t.split(' · ').slice(0, 2).join(' · ')), `${lineage.nodes.length} nodes · ${lineage.edges.length} edges`);
  const labels = await page.locator('[data-node-label]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-label')));
  assert.ok(labels.includes('trained_model:1'), labels.join(', '));
  assert.ok(labels.includes('fraud_detection_training/training_run_1/train_model'), labels.join(', '));
  await check(page, 'lineage');

  // Keyboard: a node takes the focus and Enter selects it; a click does the same.
  const panel = page.getByRole('complementary', { name: 'Selected node' });
  await page.locator('.react-flow__node', { hasText: 'processed_features:1' }).focus();
  await page.keyboard.press('Enter');
  await panel.getByRole('heading', { name: 'processed_features:1' }).waitFor();
  await page.locator('.react-flow__node', { hasText: 'trained_model:1' }).focus();
  await page.keyboard.press('Enter');
  await panel.getByRole('heading', { name: 'trained_model:1' }).waitFor();

  // A walk cut short expands its far ends in place. At depth 3 the example is whole (the version's
  // linked training data is a root too), so cut it at depth 1.
  const cut = new URL(page.url());
  cut.searchParams.set('depth', '1');
  await page.goto(cut.toString());
  await page.getByTestId('graph-stats').waitFor();
  const { lineage: shallow } = await asAdmin(`query($of: ID!, $direction: LineageDirection!, $depth: Int!, $limit: Int!) {
    lineage(of: $of, direction: $direction, depth: $depth, limit: $limit) { truncated nodes { __typename } } }`, { ...variables, depth: 1 });
  assert.equal(shallow.truncated, true);
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, shallow.nodes.length);
  // Expand the truncated ends until one brings new nodes (an end whose neighbours are all on screen
  // adds none, and which end comes first depends on the layout). A click event on the button itself:
  // the minimap may lie over it and take a pointer click.
  const ends = await page.getByRole('button', { name: /^Expand the neighbours of / }).evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')!));
  assert.ok(ends.length > 0, 'the cut graph shows expandable ends');
  let grown = false;
  for (const end of ends) {
    await page.getByRole('button', { name: end, exact: true }).dispatchEvent('click');
    grown = await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length > n, shallow.nodes.length, { timeout: 5_000 })
      .then(() => true, () => false);
    if (grown) break;
  }
  assert.ok(grown, `expanding one of ${ends.length} ends (${ends.join('; ')}) adds nodes`);

  // The keyboard reaches the node wherever the expanded layout puts it (the minimap may cover it).
  await page.locator('.react-flow__node', { hasText: 'trained_model:1' }).focus();
  await page.keyboard.press('Enter');
  await panel.getByRole('heading', { name: 'trained_model:1' }).waitFor();
  await panel.getByRole('button', { name: 'Open artifact' }).click();
  await page.getByRole('heading', { name: /trained_model/ }).waitFor();
  assert.match(page.url(), /\/ui\/p\/fraud-detection\/artifacts\/trained_model$/);
});

test('the artifact page shows where each version came from and which steps consumed it', async () => {
  const row = page.locator('[data-testid="artifact-versions"] tbody tr', { hasText: 'trained_model:1' });
  await row.waitFor();
  const cells = await row.locator('td').allInnerTexts();
  assert.match(cells[3], /fraud_detection_training\/\s*training_run_1\/\s*train_model/);
  assert.match(cells[4], /fraud_detection_inference\/\s*inference_run_1\/\s*predict/);
  assert.match(cells[5], /fraud_detector v1/);
  await check(page, 'artifact');
});

test('the run page draws its steps as a DAG with statuses and lists inputs and outputs', async () => {
  await page.locator('[data-testid="artifact-versions"] tbody tr', { hasText: 'trained_model:1' }).getByRole('link', { name: /training_run_1/ }).first().click();
  await page.getByTestId('steps').waitFor();
  const { pipelineRun } = await asAdmin(`{ pipelineRun(project: "${P}", name: "training_run_1") { dag { nodes { __typename } edges { source } } } }`);
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, pipelineRun.dag.nodes.length);
  assert.equal(await page.locator('.react-flow__edge').count(), pipelineRun.dag.edges.length);
  const steps = await page.locator('[data-testid="steps"] tbody tr').allInnerTexts();
  assert.equal(steps.length, 2);
  assert.match(steps.join('\n'), /train_model\tCOMPLETED/);
  assert.match(steps.join('\n'), /trained_model: trained_model:1/);
  await check(page, 'run');
});

test('promoting v2 to PRODUCTION with force archives v1 on screen without a reload', async () => {
  await page.goto(ui(`/p/${P}/models/fraud_detector`));
  await rowOf(page, 2).waitFor();
  await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; });
  await rowOf(page, 2).getByRole('button', { name: 'Promote v2' }).click();
  const dialog = page.getByRole('dialog', { name: 'Promote v2' });
  await dialog.getByLabel('New stage').selectOption('PRODUCTION');
  assert.equal(await dialog.getByTestId('archives').innerText(), 'v1 holds PRODUCTION now: it will be moved to ARCHIVED.');
  await dialog.getByLabel('Reason (optional)').fill('better recall');
  await check(page, 'promote-dialog');
  await dialog.getByRole('button', { name: 'Promote v2 to PRODUCTION and archive v1' }).click();
  await page.getByTestId('notice').getByText('v2 is now PRODUCTION; v1 archived.').waitFor();
  assert.equal(await rowOf(page, 1).locator('[data-stage]').innerText(), 'ARCHIVED');
  assert.equal(await rowOf(page, 2).locator('[data-stage]').innerText(), 'PRODUCTION');
  assert.equal(await page.getByTestId('production-holder').innerText(), 'v2');
  assert.match(await page.getByTestId('timeline').locator('li', { hasText: 'better recall' }).innerText(), /v2\s+ARCHIVED\s+→\s+PRODUCTION\s+by admin: better recall/);
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
  const r = await asAdmin(`{ model(project: "${P}", name: "fraud_detector") { versions(orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number stage } } } }`);
  assert.deepEqual(r.model.versions.nodes, [{ number: 1, stage: 'ARCHIVED' }, { number: 2, stage: 'PRODUCTION' }, { number: 3, stage: 'STAGING' }]);
  await shoot(page, 'model-promoted');
});

test('tag editing shows an exclusive tag moving from one version to another', async () => {
  await rowOf(page, 3).getByRole('button', { name: 'Edit tags of v3' }).click();
  await page.getByLabel('Add a tag to v3').fill('champion');
  await page.getByLabel('exclusive (one holder per model)').check();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await rowOf(page, 3).getByText('champion').waitFor();
  await rowOf(page, 3).getByRole('button', { name: 'Edit tags of v3' }).click();

  await rowOf(page, 2).getByRole('button', { name: 'Edit tags of v2' }).click();
  await page.getByLabel('Add a tag to v2').fill('champion');
  await page.getByText('"champion" is exclusive: adding it here removes it from v3.').waitFor();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByTestId('notice').getByText('Exclusive tag "champion" moved from v3 to v2.').waitFor();
  await rowOf(page, 2).getByText('champion').waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-version="3"]')?.textContent?.includes('champion'));
  await shoot(page, 'model-tags');
});

test('filtering models by startswith:accuracy-9 lists fraud_detector; a predicate nothing matches lists none', async () => {
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Models' }).click();
  const filter = page.getByRole('searchbox', { name: 'Filter' });
  await filter.fill('startswith:accuracy-9');
  await filter.press('Enter');
  await page.waitForURL(/\?q=startswith%3Aaccuracy-9$/);
  await page.locator('[data-testid="model-list"] tbody tr').first().waitFor();
  assert.deepEqual(await page.locator('[data-testid="model-list"] tbody tr td:first-child').allInnerTexts(), ['fraud_detector']);
  await check(page, 'models-filtered');
  await filter.fill('startswith:accuracy-99');
  await filter.press('Enter');
  await page.getByText('No model matches.').waitFor();
  assert.equal(await page.locator('[data-testid="model-list"] tbody tr').count(), 0);
});

test('the runs list pages with cursors and filters by pipeline', async () => {
  await page.goto(ui(`/p/${P}/runs?first=2`));
  const rows = page.locator('main table tbody tr');
  await rows.first().waitFor();
  const paging = page.locator('.paging');
  assert.equal(await rows.count(), 2);
  assert.match(await paging.innerText(), /^2 of 5/);
  await paging.getByRole('button', { name: 'Show more' }).click();
  await paging.getByText('4 of 5').waitFor();
  await paging.getByRole('button', { name: 'Show more' }).click();
  await paging.getByText('5 of 5').waitFor();
  assert.equal(await paging.getByRole('button').count(), 0);
  const names = await page.locator('main table tbody tr td:first-child').allInnerTexts();
  assert.equal(new Set(names).size, 5, 'no run twice');
  await page.goto(ui(`/p/${P}/runs?q=${encodeURIComponent('pipeline:fraud_detection_training')}`));
  await page.locator('.paging').getByText('3 of 3').waitFor();
  assert.deepEqual([...new Set(await page.locator('main table tbody tr td:nth-child(2)').allInnerTexts())], ['fraud_detection_training']);
  await check(page, 'runs');
});

test('a lineage of 500 nodes is laid out off the main thread and drawn as it comes into view', async () => {
  await asAdmin(`mutation { createProject(input: { name: "wide" }) { id } }`);
  const { startRun } = await asAdmin(`mutation { startRun(input: { project: "wide", pipeline: "fan_out", name: "fan_out_1" }) { id } }`);
  const outputs = Array.from({ length: 499 }, (_, i) => ({ name: `part_${i}`, artifact: `part_${String(i).padStart(3, '0')}`, type: 'DATA' }));
  const { recordStep } = await asAdmin(`mutation($i: RecordStepInput!) { recordStep(input: $i) { id } }`,
    { i: { run: startRun.id, name: 'split', status: 'COMPLETED', outputs } });
  await page.goto(ui(`/p/wide/lineage?of=${encodeURIComponent(recordStep.id)}&depth=2&limit=1000`));
  await page.getByTestId('graph-stats').getByText('500 nodes · 499 edges').waitFor();
  await page.locator('.react-flow__node').first().waitFor();
  const drawn = await page.locator('.react-flow__node').count();
  assert.ok(drawn > 0 && drawn < 500, `only the nodes in view are drawn (${drawn})`);
  await page.locator('.react-flow__node', { hasText: 'fan_out/' }).waitFor();
  await shoot(page, 'lineage-500');
});

test('a missing model and a project outside the key\'s scope show clear messages', async () => {
  await page.goto(ui(`/p/${P}/models/no_such_model`));
  await page.getByRole('alert').getByText(`Model "no_such_model" in project "${P}" does not exist, or your API key cannot see it.`).waitFor();
  await check(page, 'not-found');
  await page.goto(ui('/nowhere/at/all'));
  await page.getByRole('alert').getByText('The console has no page at /nowhere/at/all.').waitFor();

  const scoped = await newContext();
  const p = await scoped.newPage();
  await p.goto(ui(`/p/${P}`));
  await p.getByLabel('API key').fill(scopedKey);
  await p.getByRole('button', { name: 'Continue' }).click();
  const alert = p.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Not allowed|Not found/);
  await scoped.close();
});

test('a VIEWER key sees the model page without promote or tag buttons', async () => {
  const viewer = await newContext({ width: 1920, height: 1080 });
  const p = await viewer.newPage();
  await p.goto(ui(`/p/${P}/models/fraud_detector`));
  await p.getByLabel('API key').fill(viewerKey);
  await p.getByRole('button', { name: 'Continue' }).click();
  await rowOf(p, 1).waitFor();
  assert.equal(await p.getByTestId('viewer').innerText(), 'console-viewer · VIEWER');
  assert.equal(await p.getByRole('button', { name: /^Promote/ }).count(), 0);
  assert.equal(await p.getByRole('button', { name: /^Edit tags/ }).count(), 0);
  assert.equal(await p.locator('[data-testid="versions"] thead th', { hasText: 'Actions' }).count(), 0);
  await shoot(p, 'model-viewer-1920');
  await viewer.close();
});

test('pages fit 1280×720 and 1920×1080 without sideways scrolling, in light and dark', async () => {
  const { modelVersion } = await asAdmin(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "production") { id } }`);
  const pages = [
    ['project', `/p/${P}`, 'section[aria-labelledby="models-h"] tbody tr'],
    ['model', `/p/${P}/models/fraud_detector`, '[data-testid="versions"] tbody tr'],
    ['artifact', `/p/${P}/artifacts/trained_model`, '[data-testid="artifact-versions"] tbody tr'],
    ['lineage', `/p/${P}/lineage?of=${encodeURIComponent(modelVersion.id)}`, '.react-flow__node'],
  ];
  for (const [width, height, scheme] of [[1280, 720, 'light'], [1920, 1080, 'dark']] as const) {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, pathname, ready] of pages) {
      await page.goto(ui(pathname));
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${name} at ${width}×${height} scrolls sideways by ${overflow}px`);
      if (scheme === 'dark') {
        // Contrast of the dark palette: axe once, on the page with the most badges and tags.
        if (name === 'model') await check(page, `${name}-dark-${width}`);
        else await shoot(page, `${name}-dark-${width}`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 720 });
});

test('a shared lineage link, the heaviest first load, stays under 600 kB of JavaScript gzipped', async () => {
  const { modelVersion } = await asAdmin(`{ modelVersion(project: "${P}", model: "fraud_detector", version: "production") { id } }`);
  const context = await newContext();
  // The key the sign-in form would store; about:blank has no storage, hence the origin check.
  await context.addInitScript((key) => { if (location.protocol === 'http:') sessionStorage.setItem('mag.apiKey', key); }, ADMIN_KEY);
  const p = await context.newPage();
  const scripts: Promise<number>[] = [];
  p.on('response', (res) => { if (res.request().resourceType() === 'script') scripts.push(res.body().then((b) => gzipSync(b).length)); });
  await p.goto(ui(`/p/${P}/lineage?of=${encodeURIComponent(modelVersion.id)}`));
  await p.locator('.react-flow__node').first().waitFor();
  const sizes = await Promise.all(scripts);
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`# console first-load JavaScript of a lineage link: ${(total / 1024).toFixed(1)} kB gzipped in ${sizes.length} file(s)`);
  assert.ok(sizes.length >= 2, 'the graph code is a chunk of its own');
  assert.ok(total < FIRST_LOAD_BUDGET, `${total} bytes`);
  await context.close();
});

test('no page loaded anything from another host or reported an error', () => {
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(problems, []);
});
