// End-to-end suite: GFL Lens packaged as a .vsix, installed into a fresh code-server profile (real VS Code 1.100),
// driven like a user through headless Debian chromium + playwright-core. Built on ../shared/e2e/RECIPE.md.
//
// Usage: node test/e2e/e2e.mjs [path/to/gfl-lens.vsix]     (npm run test:e2e)
//   Without a .vsix argument it builds (esbuild --production) and packages one with @vscode/vsce.
// Env: CODE_SERVER  code-server launcher (default: test/e2e/install-code-server.sh installs/reuses one in ~/.cache)
//      CHROMIUM     default /usr/bin/chromium
//      E2E_OUT      screenshots + logs, default artifacts/e2e (git-ignored)
//      E2E_THEMES   "light,dark" (default): every screenshot is taken in each of these themes
// Prints "N passed, M failed" as its last line; exit status 1 when anything failed.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = path.resolve(REPO, '../shared');
const t0 = Date.now();
const log = (...a) => console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
// E2E_MODEL=ultralytics runs the same suite on the project's Ultralytics-layout export of the demo detector
// (test/fixtures/gfl-demo-ultralytics.onnx: YOLOv8's DFL block and output0), so every view is checked on a YOLO run.
const MODEL_VARIANT = process.env.E2E_MODEL || 'gfl';
// E2E_MODEL=nanodet runs it on the shared NanoDet-m-320 (COCO-trained) with a val2017 subset that includes a crowded
// image, so the inspector is seen on real photos with real failures.
if (!['gfl', 'ultralytics', 'nanodet'].includes(MODEL_VARIANT)) throw new Error(`E2E_MODEL must be gfl, ultralytics or nanodet, got ${MODEL_VARIANT}`);
const OUT = path.resolve(REPO, process.env.E2E_OUT || (MODEL_VARIANT === 'gfl' ? 'artifacts/e2e' : `artifacts/e2e-${MODEL_VARIANT}`));
/** Real photos for the inspector's geometry: a portrait one (810×1080) and a landscape COCO image (640×480, 24 objects). */
const PORTRAIT_IMAGE = path.join(SHARED, 'data/images/bus.jpg');
const LANDSCAPE_IMAGE = path.join(SHARED, 'data/val2017-128/images/000000009400.jpg');
/** The workbench sizes the inspector is checked at: the default wide window and a narrow one. */
const WIDE = { width: 1400, height: 900 };
const NARROW = { width: 1100, height: 900 };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Condition timeouts: generous because the machine has 2 cores shared with training jobs. No fixed sleeps anywhere. */
const UI_TIMEOUT = 60_000;
const RUN_TIMEOUT = 240_000;
// name: the workbench.colorTheme value; label: what the "Preferences: Color Theme" picker lists.
const THEMES = { light: { name: 'Default Light Modern', label: 'Light Modern', workbench: 'vs', body: 'vscode-light' },
  dark: { name: 'Default Dark Modern', label: 'Dark Modern', workbench: 'vs-dark', body: 'vscode-dark' } };
const SHOT_THEMES = (process.env.E2E_THEMES || 'light,dark').split(',').map((s) => s.trim()).filter((s) => s in THEMES);
const EDGES = ['left', 'top', 'right', 'bottom'];
let currentTheme = 'light';
const scratchDirs = [];

// A failure before the tests run (build, packaging, code-server install) still ends with the summary line.
process.on('uncaughtException', (e) => {
  console.error('E2E setup failed:', e);
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
  console.log('0 passed, 1 failed');
  process.exit(1);
});

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

// ---- 1. code-server and the .vsix -------------------------------------------------------------------------
const CODE_SERVER = process.env.CODE_SERVER || (() => {
  log('installing/reusing code-server (test/e2e/install-code-server.sh)');
  const out = execFileSync('bash', [path.join(REPO, 'test/e2e/install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
})();
const vsix = process.argv[2] ? path.resolve(process.argv[2]) : packageVsix();

// ---- 2. scratch profile + workspace ---------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-e2e-'));
scratchDirs.push(tmp);
const dirs = { ud: path.join(tmp, 'user-data'), ext: path.join(tmp, 'extensions'), ws: path.join(tmp, 'workspace'), t: path.join(tmp, 't') };
Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
const fixture = makeWorkspace(dirs.ws);
log(`workspace (${fixture.kind}): ${fixture.images.join(', ')} + ${path.relative(dirs.ws, fixture.annotations)} (${fixture.datasetImages} images), model ${fixture.model}`);

const compareRunB = makeCompareRun(dirs.ws, fixture);
log(`run B for the comparison: ${path.relative(dirs.ws, compareRunB)}`);

const settingsFile = path.join(dirs.ud, 'User', 'settings.json');
fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
fs.writeFileSync(settingsFile, JSON.stringify({
  'workbench.startupEditor': 'none', // required: the welcome editor steals focus and closes the command palette
  'workbench.colorTheme': THEMES.light.name,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'files.simpleDialog.enable': true, // save dialogs as a quick input the test can type a path into
  'gflLens.model': fixture.model,
}, null, 2));

const cfg = path.join(tmp, 'config.yaml'); // explicit config: code-server never writes ~/.config/code-server
const port = await freePort();
fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
const csArgs = ['--config', cfg, '--user-data-dir', dirs.ud, '--extensions-dir', dirs.ext];
const csEnv = { ...process.env, TMPDIR: dirs.t }; // code-server's ipc sockets stay inside the scratch dir
execFileSync(CODE_SERVER, [...csArgs, '--install-extension', vsix, '--force'], { stdio: ['ignore', 'inherit', 'inherit'], env: csEnv });
log(`installed ${path.relative(REPO, vsix)}`);

// ---- 3. tests ----------------------------------------------------------------------------------------
const results = [];
const tests = [];
const test = (name, fn, deps = []) => tests.push({ name, fn, deps });
let page;
let browser;
const webviewErrors = [];

test('extension activates: its commands are in the command palette', async () => {
  await waitForPaletteCommand('GFL Lens: Select Model');
  await snap('01-palette');
});

test('Explorer right-click on an image → Run GFL on Image → inspector shows boxes', async () => {
  const image = fixture.images[0];
  await runOnImage(image);
  const view = await inspectorOn(image);
  const boxes = view.locator('.det-box[data-index]');
  await boxes.first().waitFor({ timeout: RUN_TIMEOUT });
  const n = await boxes.count();
  if (n < 1) throw new Error('inspector has no .det-box');
  log(`inspector on ${image}: ${n} boxes`);
  await snap('02-inspector');
});

test('clicking a box shows its four edge distributions', async () => {
  const view = await webview('#inspector');
  const box = view.locator('.det-box[data-index]').first();
  const index = await box.getAttribute('data-index');
  await box.click();
  await expectEdgeDistributions(view);
  log(`box ${index}: four edge distributions shown`);
  await snap('03-distributions');
}, ['Explorer right-click on an image → Run GFL on Image → inspector shows boxes']);

test('inspector: image and overlay share one transform (portrait and landscape photos, wide and narrow window, zoom, pan)', async () => {
  if (fixture.photos.length < 2) throw new Error(`the portrait and landscape photos are missing (${PORTRAIT_IMAGE}, ${LANDSCAPE_IMAGE})`);
  const [portrait, landscape] = fixture.photos;
  try {
    await runCommand('View: Close All Editors');
    await runOnImage(portrait);
    let view = await inspectorOn(portrait);
    await expectGeometry(view, `${portrait} at ${WIDE.width} px, fitted`, { fitted: true });
    await snap(`inspector-portrait-${WIDE.width}`);
    await page.setViewportSize(NARROW);
    await expectGeometry(view, `${portrait} at ${NARROW.width} px (window narrowed)`, { fitted: false });
    await view.locator('.stage').press('0');
    await expectGeometry(view, `${portrait} at ${NARROW.width} px, fitted again`, { fitted: true });
    await snap(`inspector-portrait-${NARROW.width}`);
    const stage = view.locator('.stage');
    for (let i = 0; i < 3; i++) await stage.press('+');
    const box = await stage.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 - 40, { steps: 5 });
    await page.mouse.up();
    await expectGeometry(view, `${portrait} at ${NARROW.width} px, zoomed ×1.95 and panned`, { fitted: false });
    await runOnImage(landscape);
    view = await inspectorOn(landscape);
    await expectGeometry(view, `${landscape} at ${NARROW.width} px, fitted`, { fitted: true });
    await page.setViewportSize(WIDE);
    await view.locator('.stage').press('0');
    await expectGeometry(view, `${landscape} at ${WIDE.width} px, fitted`, { fitted: true });
  } finally {
    await page.setViewportSize(WIDE);
  }
}, ['Explorer right-click on an image → Run GFL on Image → inspector shows boxes']);

test('Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes', async () => {
  await runCommand('View: Close All Editors');
  const progress = page.locator('.notifications-toasts .notification-toast', { hasText: /GFL|image/i })
    .filter({ has: page.locator('.monaco-progress-container') });
  // Wait for the toast before triggering, so even a fast run cannot slip by unseen (waitFor observes DOM mutations).
  const appeared = progress.first().waitFor({ state: 'visible', timeout: RUN_TIMEOUT }).then(() => null, (e) => e);
  await contextMenu(path.relative(dirs.ws, fixture.annotations), 'GFL Lens: Run GFL on COCO Dataset');
  await answerImagesFolderPrompt();
  const notShown = await appeared;
  if (notShown) throw new Error(`no progress notification: ${notShown.message.split('\n')[0]}`);
  log('dataset run: progress notification shown');
  await snap('04-dataset-progress', { optional: true });
  await progress.first().waitFor({ state: 'detached', timeout: RUN_TIMEOUT });
  log('dataset run: progress completed');
});

const DATASET_RUN = 'Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes';

test('evaluation view opens after the dataset run; its 12 stats equal gfl-lens eval\'s', async () => {
  const view = await webview('#evaluation');
  const shown = await view.locator('tr[data-stat]').evaluateAll((els) => els.map((el) => [el.getAttribute('data-stat'), Number(el.querySelector('.stat-value')?.getAttribute('data-value'))]));
  if (shown.length !== 12) throw new Error(`the view shows ${shown.length} stats, expected 12`);
  // The same run, evaluated by the CLI from its COCO results: the view's numbers must be identical.
  const runsDir = path.join(dirs.ws, '.gfl-lens', 'runs');
  // The dataset run is the newest store (the image runs before it wrote theirs to the same folder).
  const run = fs.readdirSync(runsDir).filter((f) => f.endsWith('.gflrun')).sort((a, b) => fs.statSync(path.join(runsDir, a)).mtimeMs - fs.statSync(path.join(runsDir, b)).mtimeMs).pop();
  if (!run) throw new Error(`no .gflrun in ${runsDir}`);
  const results = path.join(tmp, 'e2e-results.json');
  const cli = path.join(REPO, 'bin/gfl-lens.js');
  execFileSync('node', [cli, 'report', path.join(runsDir, run), '--format', 'coco', '--out', results], { stdio: ['ignore', 'ignore', 'inherit'] });
  const evaluated = JSON.parse(execFileSync('node', [cli, 'eval', '--gt', fixture.annotations, '--dt', results, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 }));
  shown.forEach(([key, value], i) => {
    if (key !== evaluated.statKeys[i] || value !== evaluated.stats[i]) throw new Error(`stat ${i}: view ${key} = ${value}, gfl-lens eval ${evaluated.statKeys[i]} = ${evaluated.stats[i]}`);
  });
  await view.locator('#evaluation[data-curves="true"]').waitFor({ timeout: UI_TIMEOUT });
  const classes = await view.locator('#class-table .class-row').count();
  log(`evaluation view: 12 stats equal gfl-lens eval (AP ${shown[0][1].toFixed(4)}); ${classes} class rows rendered; drawn in ${await view.locator('#evaluation').getAttribute('data-render-ms')} ms`);
  await snap('05a-evaluation');
}, [DATASET_RUN]);

test('a class row click in the evaluation view filters the Failures tree', async () => {
  const view = await webview('#evaluation');
  const row = view.locator('#class-table .class-row').first();
  const name = (await row.locator('.cell.name').textContent())?.trim() ?? '';
  await row.click();
  await view.locator('#class-table .class-row.selected').first().waitFor({ timeout: UI_TIMEOUT });
  // The worker regroups under the shared filter; the tree then leads with a "Filtered: <class>" row.
  await waitUntil(async () => (await failureGroups()).some((g) => g.name === `Filtered: ${name}`), UI_TIMEOUT, `Failures groups filtered to ${name}`);
  const groups = await failureGroups();
  log(`class row "${name}" → Failures tree: ${groups.map((g) => `${g.name} ${g.description}`).join(' | ')}`);
  await snap('05b-evaluation-class-filter', { only: 'light' });
  // Clear the filter for the tests that follow.
  const again = await webview('#evaluation');
  await again.locator('#clear-filter').click();
  await waitUntil(async () => !(await failureGroups()).some((g) => g.name.startsWith('Filtered:')), UI_TIMEOUT, 'class filter cleared');
}, [DATASET_RUN]);

test('a TIDE bar click reveals that failure group in the Failures tree', async () => {
  const view = await webview('#evaluation');
  const bar = view.locator('button.tide-bar[data-error="Loc"]');
  await bar.click();
  // The tree as it is now (opening it through the command palette would move the focus the reveal gave it).
  const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Failures/i }) }).first().locator('.pane-body');
  const group = tree.locator('.monaco-list-row[aria-level="1"]', { has: page.locator('.label-name', { hasText: /^Loc$/ }) });
  await waitUntil(async () => (await group.getAttribute('aria-selected')) === 'true' && (await group.getAttribute('aria-expanded')) === 'true', UI_TIMEOUT, 'Loc group selected and expanded');
  log('TIDE bar Loc → Failures tree: Loc group selected and expanded');
  await snap('05d-tide-bar-to-failures', { only: 'light' });
  // Collapse it again (the focus is on it): the tests that follow read the groups from the top level.
  await page.keyboard.press('ArrowLeft');
  await waitUntil(async () => (await group.getAttribute('aria-expanded')) === 'false', UI_TIMEOUT, 'Loc group collapsed');
}, [DATASET_RUN]);

test('a confusion-matrix cell click opens the inspector on that detection', async () => {
  await runCommand('GFL Lens: Open Evaluation View');
  const view = await webview('#evaluation');
  const classes = await view.locator('#confusion-table thead th').count() - 2;
  // A cell of a predicted class (not the background row): it counts detections.
  const cell = view.locator(`#confusion-table .cm-button:not([data-predicted="${classes}"])`).first();
  const where = `${await cell.getAttribute('data-predicted')}/${await cell.getAttribute('data-actual')}`;
  await cell.click();
  const first = (await view.locator('#confusion-cell-list li button').first().textContent()) ?? '';
  const detIndex = (first.match(/#(\d+)$/) ?? [])[1];
  const inspector = await webview('#inspector');
  const selected = inspector.locator(`.det-box[data-index="${detIndex}"].selected, .det-box[data-index="${detIndex}"][aria-selected="true"]`);
  await selected.first().waitFor({ timeout: UI_TIMEOUT });
  log(`confusion cell ${where} → "${first.trim()}" → inspector with box ${detIndex} selected`);
  await snap('05c-confusion-to-inspector', { only: 'light' });
}, [DATASET_RUN]);

test('the worst-image list opens the inspector on that image', async () => {
  const shownBefore = await webview('#inspector', 5000).then(async (f) => (await f.locator('.title strong').first().textContent())?.trim() ?? '', () => '');
  await runCommand('GFL Lens: Open Evaluation View');
  const view = await webview('#evaluation');
  // The worst image not already in the inspector (the confusion-cell test may have opened the first one).
  const rows = view.locator('#image-table tbody tr');
  const files = (await rows.locator('td.file').allTextContents()).map((t) => t.trim());
  const k = Math.max(0, files.findIndex((f) => f !== shownBefore.split(/[\\/]/).pop()));
  const row = rows.nth(k);
  await row.focus();
  await row.press('Enter');
  const inspector = await webview('#inspector');
  await waitUntil(async () => ((await inspector.locator('.title strong').first().textContent()) ?? '').trim().endsWith(files[k]), UI_TIMEOUT, `inspector showing ${files[k]}`);
  log(`worst image #${k + 1} "${files[k]}" (Enter) → inspector on that image (was ${shownBefore})`);
}, [DATASET_RUN]);

test('failures tree lists groups with counts', async () => {
  const groups = await failureGroups();
  log('failure groups:', groups.map((g) => `${g.name} ${g.count}`).join(' | '));
  const names = groups.map((g) => g.name);
  for (const expected of ['Miss', 'Loc', 'Cls', 'Bkg', 'Ambiguous']) {
    if (!names.includes(expected)) throw new Error(`group ${expected} missing from ${JSON.stringify(names)}`);
  }
  if (groups.some((g) => !Number.isInteger(g.count))) throw new Error(`every group needs a count: ${JSON.stringify(groups)}`);
  if (!groups.some((g) => g.count > 0)) throw new Error(`all groups are empty: ${JSON.stringify(groups)}`);
  await snap('05-failures-tree');
}, ['Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes']);

test('selecting a failure opens the inspector on that box', async () => {
  await runCommand('View: Close All Editors');
  const groups = await failureGroups();
  // First non-empty group holding detections (Miss items are ground truths, they have no box of their own).
  const pick = groups.find((g) => g.name !== 'Miss' && g.count > 0);
  if (!pick) throw new Error(`no non-empty detection group in ${JSON.stringify(groups)}`);
  const tree = await failuresTree();
  const group = tree.locator('.monaco-list-row[aria-level="1"]').nth(pick.index);
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
  // On the crowded COCO image when the run has it (nanodet variant), else the group's most severe item.
  const crowded = path.basename(LANDSCAPE_IMAGE);
  const onCrowded = tree.locator('.monaco-list-row[aria-level="2"]', { hasText: crowded }).first();
  await tree.locator('.monaco-list-row[aria-level="2"]').first().waitFor({ timeout: UI_TIMEOUT });
  const item = (await onCrowded.count()) ? onCrowded : tree.locator('.monaco-list-row[aria-level="2"]').first();
  const label = await item.evaluate((el) => [el.querySelector('.label-name'), el.querySelector('.label-description')]
    .map((e) => e?.textContent?.trim()).filter(Boolean).join(' · '));
  await item.click();
  const view = await webview('#inspector');
  const focused = view.locator('.det-box[data-index].selected, .det-box[data-index][aria-selected="true"], .det-box[data-index][data-selected="true"]');
  await focused.first().waitFor({ timeout: UI_TIMEOUT });
  await expectEdgeDistributions(view);
  log(`failure group ${pick.name} (${pick.count}) → item "${label}" → inspector box ${await focused.first().getAttribute('data-index')} focused`);
  // What the failure relates to: the same words in the tree item and the inspector.
  if (['Loc', 'Cls', 'Both', 'Dupe', 'Bkg'].includes(pick.name)) {
    const context = (await view.locator('#failure-context').textContent({ timeout: UI_TIMEOUT })) ?? '';
    if (!context.startsWith(`${pick.name}: `)) throw new Error(`inspector context reads "${context}"`);
    if (pick.name === 'Loc' && !/Edge errors .* left [−+]?\d+, top [−+]?\d+, right [−+]?\d+, bottom [−+]?\d+ px/.test(context)) throw new Error(`Loc context lacks edge errors: "${context}"`);
    if (pick.name === 'Loc' && !/IoU \d\.\d\d · L[−+]?\d+ T[−+]?\d+ R[−+]?\d+ B[−+]?\d+ px/.test(label)) throw new Error(`Loc tree item lacks edge errors: "${label}"`);
    if (pick.name === 'Loc' && (await view.locator('.gt-box.related').count()) !== 1) throw new Error('the Loc error\'s ground truth is not highlighted');
    log(`context: ${context}`);
  }
  await expectZoomedToFailure(view, `${pick.name} item`);
  await expectLabels(view);
  await expectDistributionPanel(view);
  await snap(`06-failure-zoomed-${WIDE.width}`);
  await page.setViewportSize(NARROW);
  try {
    await view.evaluate(() => { document.querySelector('#inspector .viewport').dataset.focused = 'false'; });
    await item.click();
    await waitUntil(async () => (await view.locator('.viewport[data-focused="true"]').count()) === 1, UI_TIMEOUT, 'refocused');
    await expectZoomedToFailure(view, `${pick.name} item at ${NARROW.width} px`);
    await expectDistributionPanel(view);
    await expectGeometry(view, `failure zoomed at ${NARROW.width} px`, { fitted: false });
    await snap(`06-failure-zoomed-${NARROW.width}`);
  } finally {
    await page.setViewportSize(WIDE);
  }
  // A small failure (Both / Cls boxes are mostly small objects) on the crowded image, zoomed, at both widths.
  for (const name of ['Both', 'Cls']) {
    // Collapse the open groups first: the tree renders only the rows in view.
    const open = (await failuresTree()).locator('.monaco-list-row[aria-level="1"][aria-expanded="true"]');
    while (await open.count()) await open.first().click();
    const g = (await failureGroups()).find((x) => x.name === name && x.count > 0);
    if (!g) continue;
    const t = await failuresTree();
    const row = t.locator('.monaco-list-row[aria-level="1"]').nth(g.index);
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await t.locator('.monaco-list-row[aria-level="2"]').first().waitFor({ timeout: UI_TIMEOUT });
    const small = t.locator('.monaco-list-row[aria-level="2"]', { hasText: crowded }).first();
    if (!(await small.count())) continue;
    const smallLabel = await small.evaluate((el) => el.querySelector('.label-description')?.textContent?.trim() ?? '');
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      await view.evaluate(() => { const v = document.querySelector('#inspector .viewport'); if (v) v.dataset.focused = 'false'; });
      await small.click();
      const v = await webview('#inspector');
      await waitUntil(async () => (await v.locator('.viewport[data-focused="true"]').count()) === 1, UI_TIMEOUT, `${name} item focused`);
      await expectZoomedToFailure(v, `${name} item "${smallLabel}" at ${size.width} px`);
      await snap(`06-failure-${name.toLowerCase()}-zoomed-${size.width}`);
    }
    await page.setViewportSize(WIDE);
    break;
  }
}, ['failures tree lists groups with counts']);

test('a score threshold lowered for one failure is restored for the next', async () => {
  const groups = await failureGroups();
  const pick = groups.find((g) => g.name !== 'Miss' && g.count > 1);
  if (!pick) throw new Error(`no detection group with two items in ${JSON.stringify(groups)}`);
  const tree = await failuresTree();
  const group = tree.locator('.monaco-list-row[aria-level="1"]').nth(pick.index);
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
  const rows = tree.locator('.monaco-list-row[aria-level="2"]');
  await rows.nth(1).waitFor({ timeout: UI_TIMEOUT });
  const scoreOf = async (row) => Number(((await row.locator('.label-name').textContent()) ?? '').match(/(\d\.\d\d)$/)?.[1]);
  const [high, low] = [await scoreOf(rows.nth(0)), await scoreOf(rows.nth(1))];
  // Open one item, set the user's threshold above both items, open the lower one, then the higher one.
  await rows.nth(0).click();
  const view = await webview('#inspector');
  const slider = view.locator('#score-threshold');
  await slider.evaluate((el) => { el.value = '0.99'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  const value = async () => Number(await slider.inputValue());
  await rows.nth(1).click();
  await waitUntil(async () => Math.abs((await value()) - low) <= 0.011, UI_TIMEOUT, `threshold lowered to the item's score ${low}`);
  await rows.nth(0).click();
  await waitUntil(async () => Math.abs((await value()) - Math.min(0.99, high)) <= 0.011, UI_TIMEOUT, `threshold back to min(user 0.99, score ${high}), not kept at ${low}`);
  log(`threshold: user 0.99 → item ${low} → next item ${await value()}`);
  await slider.evaluate((el) => { el.value = '0.3'; el.dispatchEvent(new Event('input', { bubbles: true })); });
}, ['selecting a failure opens the inspector on that box']);

test('calibration view shows correlation numbers and plots', async () => {
  await runCommand('GFL Lens: Open Calibration View');
  const view = await webview('#calibration');
  for (const id of ['#pearson', '#spearman']) {
    const text = (await view.locator(id).textContent({ timeout: UI_TIMEOUT })) ?? '';
    const value = Number((text.match(/-?\d+(?:\.\d+)?/) ?? [])[0]);
    if (!Number.isFinite(value) || value < -1 || value > 1) throw new Error(`${id} shows "${text}", not a correlation in [-1, 1]`);
    log(`calibration ${id}: ${text.replace(/\s+/g, ' ').trim()}`);
  }
  for (const id of ['#scatter', '#reliability']) {
    const plot = view.locator(id);
    await plot.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const drawn = await plot.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const marks = el.querySelectorAll('canvas, svg path, svg rect, svg circle').length + (el.matches('canvas, svg') ? 1 : 0);
      return { w: r.width, h: r.height, marks };
    });
    if (drawn.w < 50 || drawn.h < 50 || drawn.marks < 1) throw new Error(`${id} not drawn: ${JSON.stringify(drawn)}`);
  }
  // The view stamps the scatter with its draw time (data-render-ms) and point count (data-points).
  const scatter = view.locator('#scatter');
  await view.locator('#scatter[data-render-ms]').waitFor({ timeout: UI_TIMEOUT });
  const renderMs = await scatter.getAttribute('data-render-ms');
  const points = await scatter.getAttribute('data-points');
  log(`calibration scatter drawn in ${renderMs ?? '? (no data-render-ms)'} ms for ${points ?? '?'} points (${await scatter.getAttribute('data-mode') ?? '?'} mode)`);
  // Keyboard access to the points: End selects the highest score, Left steps one point down in score order.
  await scatter.press('End');
  await view.locator('#scatter[data-cursor]:not([data-cursor=""])').waitFor({ timeout: UI_TIMEOUT });
  const atEnd = (await view.locator('#scatter-cursor').textContent()) ?? '';
  const total = Number(points);
  if (!new RegExp(`^Detection ${total} of ${total} by score: .+, score \\d\\.\\d{3}, IoU \\d\\.\\d{3}, (true|false) positive`).test(atEnd)) {
    throw new Error(`after End the cursor status reads "${atEnd}"`);
  }
  await scatter.press('ArrowLeft');
  await waitUntil(async () => ((await view.locator('#scatter-cursor').textContent()) ?? '').startsWith(`Detection ${total - 1} of ${total}`), UI_TIMEOUT, 'ArrowLeft moves the cursor');
  await snap('07-calibration');
  log(`calibration keyboard cursor: ${(await view.locator('#scatter-cursor').textContent())?.trim()}`);
  await scatter.press('Enter');
  const inspector = await webview('#inspector');
  await inspector.locator('.det-box[data-index].selected, .det-box[data-index][aria-selected="true"], .det-box[data-index][data-selected="true"]').first().waitFor({ timeout: UI_TIMEOUT });
  log('calibration Enter → inspector opened with the detection selected');
}, ['Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes']);

test('ambiguity view ranks boxes by edge ambiguity, with crops and distributions, and opens the inspector', async () => {
  // Close the calibration view's WebGL plots first (they share the renderer with the other webviews).
  await runCommand('View: Close All Editors');
  await runCommand('GFL Lens: Open Ambiguity View');
  const view = await webview('#ambiguity');
  const cards = view.locator('.amb-card');
  const count = await cards.count();
  if (count < 1) throw new Error(`ambiguity view shows ${count} cards: ${(await view.locator('#ambiguity').textContent())?.slice(0, 200)}`);
  const rows = await cards.evaluateAll((els) => els.map((el) => ({
    rank: Number(el.getAttribute('data-rank')),
    ambiguity: Number((el.querySelector('footer')?.textContent?.match(/ambiguity (\d\.\d+)/) ?? [])[1]),
    crop: el.querySelector('.crop')?.getAttribute('style') ?? '',
    bars: el.querySelectorAll('svg .bar').length,
  })));
  rows.forEach((r, i) => {
    if (r.rank !== i + 1) throw new Error(`card ${i} has rank ${r.rank}`);
    if (!(r.ambiguity >= 0 && r.ambiguity <= 1)) throw new Error(`card ${r.rank}: ambiguity "${r.ambiguity}"`);
    if (i > 0 && r.ambiguity > rows[i - 1].ambiguity) throw new Error(`card ${r.rank} (${r.ambiguity}) ranks below a less ambiguous card (${rows[i - 1].ambiguity})`);
    if (!/background-image: url\(/.test(r.crop)) throw new Error(`card ${r.rank}: no image crop (${r.crop})`);
    if (r.bars < 2) throw new Error(`card ${r.rank}: distribution has ${r.bars} bars`);
  });
  log(`ambiguity view: ${count} cards, ambiguity ${rows[0].ambiguity} … ${rows[rows.length - 1].ambiguity}`);
  await snap('08-ambiguity');
  // Keyboard: the arrow keys move between cards, Enter opens the focused one in the inspector.
  await cards.first().focus();
  if (count > 1) {
    await cards.first().press('ArrowRight');
    const focusedRank = await view.evaluate(() => document.activeElement?.getAttribute('data-rank'));
    if (focusedRank !== '2') throw new Error(`ArrowRight focused card ${focusedRank}, expected 2`);
  }
  await view.locator('.amb-card:focus').press('Enter');
  const inspector = await webview('#inspector');
  await inspector.locator('.det-box[data-index].selected, .det-box[data-index][aria-selected="true"], .det-box[data-index][data-selected="true"]').first().waitFor({ timeout: UI_TIMEOUT });
  await expectEdgeDistributions(inspector);
  log('ambiguity card Enter → inspector opened with the box selected');
}, ['Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes']);

test('Export Report writes a valid self-contained HTML file', async () => {
  // Close the views first: on a loaded 2-core machine the calibration view's WebGL plots (software GL in headless
  // chromium) can stall the page, which shares its renderer with the same-origin webview iframes.
  await runCommand('View: Close All Editors');
  await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: UI_TIMEOUT }).catch(() => {});
  await runCommand('GFL Lens: Export Report');
  const target = await answerExportPrompts('gfl-e2e-report.html');
  await waitUntil(() => fs.existsSync(target) && fs.statSync(target).size > 0, RUN_TIMEOUT, `${target} written`);
  // The write is atomic (temp + rename), but wait until the closing tag is there in any case.
  await waitUntil(() => /<\/html>\s*$/i.test(fs.readFileSync(target, 'utf8')), UI_TIMEOUT, 'report ends with </html>');
  const html = fs.readFileSync(target, 'utf8');
  const expected = [/^<!DOCTYPE html>/i, /<title>GFL Lens report: /, new RegExp(path.basename(fixture.model).replace(/\./g, '\\.')),
    ...['run', 'coco', 'tide', 'calibration', 'failures'].map((id) => new RegExp(`<h2 id="${id}"`)), /<img src="data:image\//];
  const missing = expected.filter((re) => !re.test(html));
  if (missing.length) throw new Error(`report lacks ${missing.join(', ')}`);
  // Self-contained: nothing fetched from elsewhere.
  if (/<(?:script|img|iframe)[^>]+src=["'](?!data:)|<link[^>]+href=["'](?!data:|#)/i.test(html)) throw new Error('report references external resources');
  fs.copyFileSync(target, path.join(OUT, 'gfl-report.html'));
  log(`report: ${html.length} bytes`);
  await snap('09-after-export');
}, ['Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes']);

test('Compare with Run… opens the comparison of two runs, and a flip opens the A/B view with both runs\' boxes', async () => {
  await runCommand('View: Close All Editors');
  await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: UI_TIMEOUT }).catch(() => {});
  await runCommand('Notifications: Clear All Notifications'); // the export's toasts would cover the A/B view
  await runCommand('GFL Lens: Compare with Run…');
  // Run B was written beside the runs before the session (the other layout of the demo detector, see compareRunB).
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(compareRunB) }).first();
  await row.waitFor({ timeout: UI_TIMEOUT });
  await snap('10-compare-pick', { only: 'light' });
  await row.click();
  const view = await webview('#compare', RUN_TIMEOUT);
  for (const id of ['flips', 'fps', 'stats', 'shifts', 'calibration', 'distributions', 'ab']) {
    if (!(await view.locator(`#${id}`).count())) throw new Error(`comparison view lacks #${id}`);
  }
  const flipRows = view.locator('section.flips .open-row');
  const flips = await flipRows.count();
  if (flips < 1) throw new Error(`no flip listed: ${(await view.locator('#flips').textContent())?.slice(0, 300)}`);
  log(`comparison view: ${flips} flips listed`);
  await snap('10-compare');
  // Keyboard: focus the first flip and press Enter.
  await flipRows.first().focus();
  await flipRows.first().press('Enter');
  await view.locator('#ab .ab-stage').waitFor({ timeout: UI_TIMEOUT });
  await view.locator('#ab .ab-gt.focus').first().waitFor({ timeout: UI_TIMEOUT });
  // The picture itself is drawn (it loads from the run's images folder through the webview's resource roots).
  await waitUntil(() => view.evaluate(() => { const img = document.querySelector('#ab .ab-image'); return !!img && img.complete && img.naturalWidth > 0; }), UI_TIMEOUT, 'A/B image loaded');
  const boxes = { a: await view.locator('#ab .ab-box.a').count(), b: await view.locator('#ab .ab-box.b').count() };
  if (boxes.a + boxes.b < 1) throw new Error('the A/B view draws no box');
  const charts = await view.locator('#ab .ab-dist .dist-chart').count();
  if (charts < 4) throw new Error(`the A/B view shows ${charts} edge distributions for the selected pair`);
  // One transform: the image and its overlay occupy exactly the same rectangle.
  const rects = await view.evaluate(() => {
    const r = (sel) => { const b = document.querySelector(sel)?.getBoundingClientRect(); return b && [b.x, b.y, b.width, b.height]; };
    return { image: r('#ab .ab-image'), overlay: r('#ab .ab-overlay') };
  });
  if (rects.image && rects.overlay && rects.image.some((v, i) => Math.abs(v - rects.overlay[i]) > 1)) throw new Error(`image ${rects.image} and overlay ${rects.overlay} differ`);
  log(`A/B view: ${boxes.a} A boxes, ${boxes.b} B boxes, ${charts} distributions; image ${rects.image}`);
  await snap('11-compare-ab');
}, ['Explorer right-click on the COCO json → Run GFL on COCO Dataset → progress appears and completes']);

test('webviews raised no script errors', async () => {
  if (webviewErrors.length) throw new Error(`webview errors:\n  ${webviewErrors.slice(0, 10).join('\n  ')}`);
});

// ---- 4. run ---------------------------------------------------------------------------------------------
const csLog = fs.openSync(path.join(OUT, 'code-server.log'), 'w');
const cs = spawn(CODE_SERVER, [...csArgs, '--disable-telemetry', '--disable-update-check',
  '--disable-getting-started-override', '--disable-workspace-trust', dirs.ws],
{ stdio: ['ignore', csLog, csLog], detached: true, env: csEnv });
try {
  await waitHttp(`http://127.0.0.1:${port}/healthz`, UI_TIMEOUT);
  log(`code-server up on ${port}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(UI_TIMEOUT);
  const consoleLog = fs.openSync(path.join(OUT, 'browser-console.log'), 'w');
  page.on('pageerror', (e) => {
    fs.writeSync(consoleLog, `[pageerror] ${e.stack ?? e}\n`);
    if (/dist\/webview\/|webview\/browser\/pre/.test(e.stack ?? '')) webviewErrors.push(`uncaught: ${String(e.message).slice(0, 300)}`);
  });
  page.on('console', (m) => {
    const url = m.location()?.url ?? '';
    fs.writeSync(consoleLog, `[${m.type()}] ${m.text().slice(0, 2000)} (${url})\n`);
    if (m.type() === 'error' && /vscode-webview|vscode-resource|webview/.test(url) && !/Failed to load resource/.test(m.text())) {
      webviewErrors.push(`${m.text().slice(0, 300)} (${url.split('?')[0]})`);
    }
  });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT });
  await explorerRow(fixture.images[0]).waitFor({ timeout: UI_TIMEOUT });
  log('workbench loaded, explorer shows the workspace');

  const failedNames = new Set();
  for (const t of tests) {
    const blocker = t.deps.find((d) => failedNames.has(d));
    const started = Date.now();
    if (blocker) {
      failedNames.add(t.name);
      results.push({ name: t.name, ok: false, error: `not run: depends on failed "${blocker}"` });
      log(`FAIL ${t.name}: not run, depends on failed "${blocker}"`);
      continue;
    }
    try {
      await t.fn();
      results.push({ name: t.name, ok: true });
      log(`ok   ${t.name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failedNames.add(t.name);
      results.push({ name: t.name, ok: false, error: String(e?.message ?? e).split('\n').slice(0, 6).join('\n') });
      log(`FAIL ${t.name}: ${String(e?.message ?? e).split('\n').slice(0, 6).join('\n')}`);
      const safe = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: path.join(OUT, `FAILED-${safe}.png`) }).catch(() => {});
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
} catch (e) {
  results.push({ name: 'harness (code-server, browser, workbench)', ok: false, error: String(e?.stack ?? e) });
  console.error('E2E harness failed:', e);
  await page?.screenshot({ path: path.join(OUT, 'FAILED-harness.png') }).catch(() => {});
} finally {
  await browser?.close().catch(() => {});
  // Kill code-server's whole process group (it forks file watchers and extension hosts), then clean up.
  const exited = cs.exitCode !== null ? Promise.resolve() : new Promise((r) => cs.once('exit', r));
  try { process.kill(-cs.pid, 'SIGTERM'); } catch { /* already gone */ }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  try { process.kill(-cs.pid, 'SIGKILL'); } catch { /* already gone */ }
  fs.cpSync(path.join(dirs.ud, 'logs'), path.join(OUT, 'logs'), { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
for (const r of results.filter((x) => !x.ok)) console.log(`  ✗ ${r.name}\n      ${r.error.replace(/\n/g, '\n      ')}`);
log(`screenshots and logs in ${path.relative(REPO, OUT)}/`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || passed === 0 ? 1 : 0);

// ---- helpers ------------------------------------------------------------------------------------------

function packageVsix() {
  const out = path.join(OUT, 'gfl-lens-linux-x64.vsix');
  log('building (esbuild --production) and packaging with vsce');
  execFileSync('node', ['esbuild.mjs', '--production'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  // Runtime dependencies (onnxruntime-node, sharp + @img/*) are packaged from node_modules; .vscodeignore keeps only
  // the linux-x64 binaries. The .vsix goes to the git-ignored artifacts folder (.vscodeignore excludes it too).
  execFileSync('npx', ['vsce', 'package', '--target', 'linux-x64', '--skip-license', '-o', out],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`packaged ${path.relative(REPO, out)} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
  return out;
}

/**
 * Workspace: two loose images for the right-click test and a small COCO dataset (instances.json beside images/).
 * The built-in demo model and dataset generator are used when they exist; otherwise the shared NanoDet-m and
 * the first images of coco128. Everything is copied into the temporary workspace only.
 */
function makeWorkspace(ws) {
  // The inspector's geometry is checked on real photos whatever the model: copied beside the loose images.
  const photos = [];
  for (const [name, source] of [['portrait-bus.jpg', PORTRAIT_IMAGE], ['landscape-coco.jpg', LANDSCAPE_IMAGE]]) {
    if (!fs.existsSync(source)) continue;
    fs.copyFileSync(source, path.join(ws, name));
    photos.push(name);
  }
  return { ...makeDataset(ws), photos };
}

function makeDataset(ws) {
  const demoModel = path.join(REPO, 'media/demo/gfl-demo.onnx');
  const generator = path.join(REPO, 'extension/demo/generateDataset.ts');
  const datasetDir = path.join(ws, 'dataset');
  if (MODEL_VARIANT === 'nanodet') return cocoSubset(ws, datasetDir, path.join(SHARED, 'data/val2017-128'), ['000000009400.jpg']);
  if (fs.existsSync(demoModel) && fs.existsSync(generator)) {
    const gen = path.join(tmp, 'demo');
    execFileSync('node', ['--import', 'tsx', generator, '--out', gen, '--train', '0', '--val', '8'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    const instances = JSON.parse(fs.readFileSync(path.join(gen, 'val/instances_val.json'), 'utf8'));
    fs.mkdirSync(path.join(datasetDir, 'images'), { recursive: true });
    for (const img of instances.images) fs.copyFileSync(path.join(gen, 'val/images', img.file_name), path.join(datasetDir, 'images', img.file_name));
    fs.writeFileSync(path.join(datasetDir, 'instances.json'), JSON.stringify(instances));
    const loose = instances.images.slice(0, 2).map((img, i) => {
      const name = `demo-shapes-${i + 1}${path.extname(img.file_name)}`;
      fs.copyFileSync(path.join(gen, 'val/images', img.file_name), path.join(ws, name));
      return name;
    });
    if (MODEL_VARIANT === 'ultralytics') {
      const model = path.join(ws, 'gfl-demo-ultralytics.onnx');
      fs.copyFileSync(path.join(REPO, 'test/fixtures/gfl-demo-ultralytics.onnx'), model);
      return { kind: 'demo detector, Ultralytics YOLOv8 layout', model, images: loose, annotations: path.join(datasetDir, 'instances.json'), datasetImages: instances.images.length };
    }
    return { kind: 'built-in demo', model: demoModel, images: loose, annotations: path.join(datasetDir, 'instances.json'), datasetImages: instances.images.length };
  }
  return cocoSubset(ws, datasetDir, path.join(SHARED, 'data/coco128'), []);
}

/** NanoDet-m-320 on 8 annotated images of a shared COCO folder (`first` listed first), with two loose photos. */
function cocoSubset(ws, datasetDir, coco, first) {
  const model = path.join(SHARED, 'models/nanodet-m-320.onnx');
  for (const p of [model, coco]) if (!fs.existsSync(p)) throw new Error(`${p} does not exist (needed by the ${MODEL_VARIANT} variant)`);
  const all = JSON.parse(fs.readFileSync(path.join(coco, 'annotations/instances.json'), 'utf8'));
  // 8 images that have annotations, in id order: enough for every failure group to be non-trivial, fast to run.
  const annotated = new Set(all.annotations.map((a) => a.image_id));
  const byId = [...all.images].sort((a, b) => a.id - b.id).filter((im) => annotated.has(im.id));
  const images = [...byId.filter((im) => first.includes(im.file_name)), ...byId.filter((im) => !first.includes(im.file_name))].slice(0, 8);
  const ids = new Set(images.map((im) => im.id));
  const subset = { ...all, images, annotations: all.annotations.filter((a) => ids.has(a.image_id)) };
  fs.mkdirSync(path.join(datasetDir, 'images'), { recursive: true });
  for (const im of images) fs.copyFileSync(path.join(coco, 'images', im.file_name), path.join(datasetDir, 'images', im.file_name));
  fs.writeFileSync(path.join(datasetDir, 'instances.json'), JSON.stringify(subset));
  const loose = ['bus.jpg', 'dog.jpg'];
  for (const name of loose) fs.copyFileSync(path.join(SHARED, 'data/images', name), path.join(ws, name));
  return { kind: `shared nanodet-m-320 + ${path.basename(coco)} subset`, model, images: loose, annotations: path.join(datasetDir, 'instances.json'), datasetImages: images.length };
}

/**
 * Run B of the comparison test, in the workspace's runs folder before the session starts: the same dataset run with
 * the other model (the demo detector in the other layout: YOLOv8's DFL block and Ultralytics' decode preset, so its
 * NMS and thresholds differ; with the shared nanodet-m-320, PicoDet-S 320). Written with the packaged build's CLI.
 */
function makeCompareRun(ws, fx) {
  const other = fx.kind.startsWith('built-in') ? path.join(REPO, 'test/fixtures/gfl-demo-ultralytics.onnx')
    : fx.kind.startsWith('demo detector') ? path.join(REPO, 'media/demo/gfl-demo.onnx') : path.join(SHARED, 'models/picodet-s-320.onnx');
  const out = path.join(ws, '.gfl-lens', 'runs', `compare-b-${path.basename(other, '.onnx')}.gflrun`);
  execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'detect', '--model', other, '--coco', fx.annotations,
    '--images', path.join(path.dirname(fx.annotations), 'images'), '--out', out, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

async function waitUntil(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 250)); // polling interval of a condition, not a sleep standing in for one
  }
}

function explorerRow(name) {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"], .explorer-folders-view .monaco-list-row[aria-label^="${name} "]`)
    .or(page.locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) }))
    .first();
}

/** Right-click a file in the Explorer (expanding its folders first) and pick a context-menu entry. */
async function contextMenu(relPath, title) {
  const parts = relPath.split('/');
  await runCommand('View: Show Explorer');
  for (const folder of parts.slice(0, -1)) {
    const row = explorerRow(folder);
    await row.waitFor();
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }
  const row = explorerRow(parts.at(-1));
  await row.waitFor();
  const item = page.locator('.context-view .action-item', { hasText: title });
  await waitUntil(async () => {
    if (await page.locator('.context-view .monaco-menu').first().isVisible()) await page.keyboard.press('Escape');
    await row.click({ button: 'right' });
    // The menu may open before the extension registered its when-clause contexts: reopen until it is there.
    return item.waitFor({ timeout: 2000 }).then(() => true, () => false);
  }, UI_TIMEOUT, `context menu entry "${title}" on ${relPath}`);
  await snap(`context-menu-${title.replace(/^GFL Lens: /, '').replace(/\W+/g, '-').toLowerCase()}`, { only: 'light' });
  await item.click();
  // A click the workbench swallowed leaves the menu open: click again until it has closed (it closes on run).
  await waitUntil(async () => {
    if (!(await page.locator('.context-view .monaco-menu').first().isVisible().catch(() => false))) return true;
    await item.click({ timeout: 2000 }).catch(() => {});
    return false;
  }, UI_TIMEOUT, `context menu closing after "${title}"`);
}

/**
 * Right-click → Run GFL on Image, retried until the run is seen to start (its progress notification, or the inspector
 * showing the image): a right-click or menu click the workbench swallows otherwise leaves the test waiting for a
 * run that never began (one of four runs failed so before the retry).
 */
async function runOnImage(file) {
  const started = async () => {
    if (await page.locator('.notifications-toasts', { hasText: `Run GFL on ${file}` }).first().isVisible().catch(() => false)) return true;
    for (const f of page.frames()) {
      const title = await f.locator('#inspector .toolbar .title strong').first().textContent({ timeout: 200 }).catch(() => null);
      if (title?.endsWith(file)) return true;
    }
    return false;
  };
  for (let attempt = 1; ; attempt++) {
    await contextMenu(file, 'GFL Lens: Run GFL on Image');
    if (await waitUntil(started, 20_000, `run on ${file} starting`).then(() => true, () => false)) return;
    if (attempt === 3) throw new Error(`Run GFL on Image did not start on ${file} after ${attempt} attempts`);
    log(`Run GFL on Image on ${file} did not start (attempt ${attempt}): retrying the menu`);
  }
}

async function waitForPaletteCommand(title) {
  await runCommand(title, { pressEnter: false });
}

/** A quick-input row by its exact label (its aria-label is the label, or "label, keybinding/description"). */
function quickPickRow(label) {
  const q = label.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return page.locator(`.quick-input-list .monaco-list-row[aria-label="${q}"], .quick-input-list .monaco-list-row[aria-label^="${q}, "]`).first();
}

async function runCommand(title, { pressEnter = true } = {}) {
  // F1 is ignored until the workbench has restored, and extension commands only appear once the extension host has
  // registered them: retry close–open–type, since retyping into an open palette does not refresh its list.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const entry = quickPickRow(title);
  await waitUntil(async () => {
    if (await input.isVisible()) { await page.keyboard.press('Escape'); await input.waitFor({ state: 'hidden', timeout: 1000 }).catch(() => {}); }
    await page.keyboard.press('F1');
    if (!(await input.waitFor({ state: 'visible', timeout: 2000 }).then(() => true, () => false))) return false;
    await input.fill('>' + title);
    return entry.waitFor({ timeout: 2000 }).then(() => true, () => false);
  }, UI_TIMEOUT + 30_000, `command palette entry "${title}"`);
  if (!pressEnter) { await page.keyboard.press('Escape'); await input.waitFor({ state: 'hidden' }); return; }
  await entry.click(); // not Enter: the highlighted first row may be a different, fuzzier match
}

/**
 * The document of a GFL Lens webview whose root element (e.g. #inspector) reports data-ready="true".
 * VS Code nests it as iframe.webview (host page) > iframe#active-frame; a view hidden behind another editor keeps
 * its iframes, so the one whose host iframe is visible wins.
 */
async function webview(rootSelector, timeout = UI_TIMEOUT) {
  const frame = await waitUntil(async () => {
    for (const f of page.frames()) {
      if (!f.parentFrame() || f.isDetached()) continue;
      const ready = await f.locator(`${rootSelector}[data-ready="true"]`).count().catch(() => 0);
      if (!ready) continue;
      let outer = f;
      while (outer.parentFrame()?.parentFrame()) outer = outer.parentFrame();
      const host = await outer.frameElement().catch(() => null);
      if (host && (await host.isVisible().catch(() => false))) return f;
    }
    return null;
  }, timeout, `webview ${rootSelector}[data-ready="true"]`);
  return frame;
}

/** The inspector once it shows `file` with its image decoded. */
async function inspectorOn(file) {
  return waitUntil(async () => {
    const view = await webview('#inspector', RUN_TIMEOUT);
    const shown = await view.evaluate((name) => {
      const title = document.querySelector('#inspector .toolbar .title strong')?.textContent ?? '';
      const img = document.querySelector('#inspector .viewport img');
      return title.endsWith(name) && !!img && img.complete && img.naturalWidth > 0;
    }, file).catch(() => false);
    return shown ? view : null;
  }, RUN_TIMEOUT, `inspector showing ${file}`);
}

/**
 * Where the inspector draws the image, its overlay and every visible box, read from the DOM: the drawn image's box,
 * the overlay's box, and each box's screen rectangle against the one its image coordinates give on the drawn image.
 */
async function inspectorGeometry(view) {
  return view.evaluate(() => {
    const img = document.querySelector('#inspector .viewport img');
    const svg = document.querySelector('#inspector svg.overlay');
    const stage = document.querySelector('#inspector .stage');
    if (!img || !svg || !stage || !img.naturalWidth) return null;
    const rect = (e) => { const b = e.getBoundingClientRect(); return { left: b.left, top: b.top, width: b.width, height: b.height }; };
    const image = rect(img);
    const sx = image.width / img.naturalWidth;
    const sy = image.height / img.naturalHeight;
    let worstBox = 0;
    let boxes = 0;
    for (const el of svg.querySelectorAll('rect.det-box, rect.gt-box')) {
      const b = el.getBoundingClientRect();
      if (!b.width && !b.height) continue; // hidden by a filter
      boxes++;
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(el.getAttribute(a)));
      const expected = [image.left + x * sx, image.top + y * sy, image.left + (x + w) * sx, image.top + (y + h) * sy];
      [b.left, b.top, b.right, b.bottom].forEach((v, i) => { worstBox = Math.max(worstBox, Math.abs(v - expected[i])); });
    }
    return { natural: [img.naturalWidth, img.naturalHeight], image, overlay: rect(svg), stage: rect(stage), scale: [sx, sy], worstBox, boxes };
  });
}

/** The drawn image and overlay coincide (±1 px), the image keeps its aspect ratio, and boxes sit where their pixels are. */
async function expectGeometry(view, what, { fitted }) {
  let last;
  const problems = (g) => {
    if (!g) return ['no image drawn'];
    const out = [];
    for (const k of ['left', 'top', 'width', 'height']) if (Math.abs(g.image[k] - g.overlay[k]) > 1) out.push(`image ${k} ${g.image[k].toFixed(1)} ≠ overlay ${k} ${g.overlay[k].toFixed(1)}`);
    if (Math.abs(g.natural[0] * g.scale[1] - g.image.width) > 1) out.push(`image squashed: drawn ${g.image.width.toFixed(1)}×${g.image.height.toFixed(1)} for ${g.natural.join('×')}`);
    if (g.worstBox > 1) out.push(`a box is drawn ${g.worstBox.toFixed(1)} px away from its pixels`);
    if (fitted) {
      const s = g.stage;
      const inside = g.image.left >= s.left - 1 && g.image.top >= s.top - 1 && g.image.left + g.image.width <= s.left + s.width + 1 && g.image.top + g.image.height <= s.top + s.height + 1;
      const fills = Math.abs(g.image.width - s.width) <= 1 || Math.abs(g.image.height - s.height) <= 1;
      if (!inside || !fills) out.push(`fitted image ${JSON.stringify(g.image)} does not fill the stage ${JSON.stringify(s)}`);
    }
    return out;
  };
  // The stage re-lays out a frame after a resize or a key: poll until it settles, then report what was measured.
  const ok = await waitUntil(async () => { last = await inspectorGeometry(view); return problems(last).length === 0; }, 10_000, what).catch(() => false);
  if (!ok) throw new Error(`${what}: ${problems(last).join('; ')}`);
  log(`geometry ${what}: image ${last.image.width.toFixed(1)}×${last.image.height.toFixed(1)} = overlay ${last.overlay.width.toFixed(1)}×${last.overlay.height.toFixed(1)}, ${last.boxes} boxes within ${last.worstBox.toFixed(2)} px`);
}

/** The selected box and what it relates to are inside the stage and fill a sensible part of it (or the zoom is at its limit). */
async function expectZoomedToFailure(view, what) {
  const measure = () => view.evaluate(() => {
    const stage = document.querySelector('#inspector .stage').getBoundingClientRect();
    const viewport = document.querySelector('#inspector .viewport');
    const rects = [...document.querySelectorAll('#inspector .det-box.selected, #inspector .gt-box.related, #inspector .gt-box.focused, #inspector .det.related .det-box')]
      .map((e) => e.getBoundingClientRect()).filter((r) => r.width || r.height);
    if (!rects.length) return null;
    const u = { left: Math.min(...rects.map((r) => r.left)), top: Math.min(...rects.map((r) => r.top)), right: Math.max(...rects.map((r) => r.right)), bottom: Math.max(...rects.map((r) => r.bottom)) };
    const img = document.querySelector('#inspector .viewport img');
    const fitZoom = Math.min(stage.width / img.naturalWidth, stage.height / img.naturalHeight);
    return { stage: { left: stage.left, top: stage.top, right: stage.right, bottom: stage.bottom, width: stage.width, height: stage.height }, union: u, zoom: Number(viewport.dataset.zoom), fitZoom, focused: viewport.dataset.focused };
  });
  const verdict = (g) => {
    if (!g) return { problem: 'no selected or focused box drawn' };
    const { stage: s, union: u } = g;
    const inside = u.left >= s.left - 2 && u.top >= s.top - 2 && u.right <= s.right + 2 && u.bottom <= s.bottom + 2;
    const fill = Math.max((u.right - u.left) / s.width, (u.bottom - u.top) / s.height);
    const atLimit = g.zoom >= 7.99 || Math.abs(g.zoom - g.fitZoom) < 1e-6;
    return { fill, problem: inside && (fill >= 0.3 || atLimit) ? null : `failure not zoomed to: union ${JSON.stringify(u)} in stage ${JSON.stringify(s)}, fill ${fill.toFixed(2)}, zoom ${g.zoom}` };
  };
  // A stage that is still being laid out (the panel just opened or moved) re-zooms a frame later: poll until it settles.
  let g = null;
  const ok = await waitUntil(async () => { g = await measure(); return verdict(g).problem === null; }, 10_000, what).catch(() => false);
  if (!ok) throw new Error(`${what}: ${verdict(g).problem}`);
  const { fill } = verdict(g);
  log(`${what}: zoom ${g.zoom.toFixed(2)} (fit ${g.fitZoom.toFixed(2)}), the failure fills ${(fill * 100).toFixed(0)}% of the stage`);
}

/** Labels: no two overlap on screen, the same on-screen size at two zooms, the selected one drawn last (on top). */
async function expectLabels(view) {
  const measure = () => view.evaluate(() => {
    const labels = [...document.querySelectorAll('#inspector .labels .det-label')];
    const rects = labels.map((l) => l.querySelector('.label-bg').getBoundingClientRect());
    let overlaps = 0;
    for (let a = 0; a < rects.length; a++) for (let b = a + 1; b < rects.length; b++) {
      const p = rects[a]; const q = rects[b];
      if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5) overlaps++;
    }
    const heights = rects.map((r) => r.height);
    return { count: labels.length, overlaps, height: heights.length ? Math.max(...heights) : 0, lastSelected: labels.at(-1)?.classList.contains('selected') ?? false };
  });
  const before = await measure();
  await view.locator('.stage').press('+');
  await view.locator('.stage').press('+');
  const after = await waitUntil(async () => { const m = await measure(); return m.count ? m : null; }, UI_TIMEOUT, 'labels after zooming');
  for (const [when, m] of [['at focus', before], ['zoomed ×1.56', after]]) {
    if (!m.count) throw new Error(`no labels drawn ${when}`);
    if (m.overlaps) throw new Error(`${m.overlaps} label overlaps ${when}`);
    if (!m.lastSelected) throw new Error(`the selected box's label is not on top ${when}`);
  }
  if (Math.abs(before.height - after.height) > 0.5) throw new Error(`label height changed with the zoom: ${before.height.toFixed(1)} → ${after.height.toFixed(1)} px`);
  log(`labels: ${before.count} → ${after.count} shown, none overlapping, ${after.height.toFixed(1)} px high at both zooms`);
  await view.locator('.stage').press('-');
  await view.locator('.stage').press('-');
}

/** The four edges in a 2×2 grid inside the panel without scrolling, with pixel axes, defined statistics and bands on the image. */
async function expectDistributionPanel(view) {
  const p = await view.evaluate(() => {
    const details = document.querySelector('#inspector .details').getBoundingClientRect();
    const sections = [...document.querySelectorAll('#distributions .edge-dist')].map((e) => e.getBoundingClientRect());
    const ths = [...document.querySelectorAll('#distributions .edge-stats th')];
    return {
      xs: [...new Set(sections.map((r) => Math.round(r.left)))].length, ys: [...new Set(sections.map((r) => Math.round(r.top)))].length,
      inside: sections.every((r) => r.bottom <= details.bottom + 1 && r.right <= details.right + 1), sections: sections.length,
      overflow: Math.max(0, ...sections.map((r) => r.bottom - details.bottom)),
      undefinedStats: ths.filter((th) => !th.getAttribute('title')).map((th) => th.textContent),
      pxTicks: document.querySelectorAll('#distributions .dist-chart .tick.px').length,
      pxValues: [...document.querySelectorAll('#distributions .edge-stats td')].filter((td) => / px/.test(td.textContent)).length,
      bands: document.querySelectorAll('#inspector .edge-bands .edge-band').length,
      boxFormat: document.querySelector('#inspector .summary')?.textContent?.includes('x1, y1, x2, y2') ?? false,
    };
  });
  const problems = [];
  if (p.sections !== 4 || p.xs !== 2 || p.ys !== 2) problems.push(`edges not in a 2×2 grid (${p.sections} sections, ${p.xs} columns, ${p.ys} rows)`);
  if (!p.inside) problems.push(`an edge distribution lies ${p.overflow.toFixed(0)} px below the panel (needs scrolling)`);
  if (p.undefinedStats.length) problems.push(`statistics without a definition: ${p.undefinedStats.join(', ')}`);
  if (p.pxTicks < 4) problems.push(`no pixel axis (${p.pxTicks} px ticks)`);
  if (p.pxValues < 4) problems.push('expected positions not given in pixels');
  if (p.bands !== 4) problems.push(`${p.bands} edge bands on the image, expected 4`);
  if (!p.boxFormat) problems.push('box format not stated');
  if (problems.length) throw new Error(`distribution panel: ${problems.join('; ')}`);
  log('distribution panel: 2×2, no scrolling, pixel axes, every statistic defined, 4 bands on the image');
}

async function expectEdgeDistributions(view) {
  const dist = view.locator('#distributions');
  await dist.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  const edges = dist.locator('.edge-dist[data-edge]');
  await waitUntil(async () => (await edges.count()) === 4, UI_TIMEOUT, '#distributions to hold 4 .edge-dist[data-edge]');
  const names = await edges.evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')));
  if ([...names].sort().join() !== [...EDGES].sort().join()) throw new Error(`edge distributions are ${names.join(',')}, expected ${EDGES.join(',')}`);
  for (const e of await edges.all()) {
    const size = await e.evaluate((el) => { const r = el.getBoundingClientRect(); return r.width * r.height; });
    if (!(size > 100)) throw new Error(`edge distribution ${await e.getAttribute('data-edge')} is not drawn (area ${size})`);
  }
}

/** The failures tree's top-level rows: group name (label) and count (description, e.g. "12" or "812 (top 500 shown)"). */
async function failureGroups() {
  const tree = await failuresTree();
  const rows = tree.locator('.monaco-list-row[aria-level="1"]');
  await rows.first().waitFor({ timeout: UI_TIMEOUT });
  const groups = await rows.evaluateAll((els) => els.map((el) => ({
    name: el.querySelector('.label-name')?.textContent?.trim() ?? '',
    description: el.querySelector('.label-description')?.textContent?.trim() ?? '',
  })));
  return groups.map((g, index) => ({ ...g, index, count: Number((g.description.match(/^\d+/) ?? [])[0]) }));
}

async function failuresTree() {
  await runCommand('GFL Lens: Focus on Failures View'); // VS Code's focus command for view gflLens.failures
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Failures/i }) }).first();
  await pane.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return pane.locator('.pane-body');
}

/** "Run GFL on COCO Dataset" asks for the images folder only when it cannot infer it (ours sits beside the json). */
async function answerImagesFolderPrompt() {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  if (await input.isVisible()) {
    await input.fill(path.join(path.dirname(fixture.annotations), 'images') + '/');
    await page.keyboard.press('Enter');
  }
}

/**
 * Export Report: a format quick pick (choose HTML), then the save dialog. In code-server that is VS Code's simple file
 * dialog, a quick input: type the file name into the proposed folder and accept. Returns the path typed.
 */
async function answerExportPrompts(fileName) {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await quickPickRow('HTML').waitFor({ timeout: UI_TIMEOUT });
  await page.mouse.move(0, 0); // keyboard only: a hovered row would become the dialog's active item
  await input.fill('HTML');
  await waitUntil(async () => (await page.locator('.quick-input-list .monaco-list-row.focused').first().getAttribute('aria-label').catch(() => ''))?.startsWith('HTML,'),
    UI_TIMEOUT, 'HTML format highlighted');
  await page.keyboard.press('Enter');
  // The dialog sets its value, asynchronously, to the proposed path (…/<run>.html); typing before that is overwritten.
  // Stay in the proposed folder: when the typed folder differs, the dialog lists that folder with ".." active and
  // Enter would open ".." instead of accepting.
  const proposed = await waitUntil(async () => {
    const value = (await input.isVisible()) ? await input.inputValue() : '';
    return /^\/.*\.html$/.test(value) ? value : null;
  }, UI_TIMEOUT, 'save dialog proposing a path');
  await snap('08-export-save-dialog', { only: 'light' });
  const target = path.join(path.dirname(proposed), fileName);
  await input.fill(target);
  await waitUntil(async () => (await input.inputValue()) === target, UI_TIMEOUT, `save dialog path = ${target}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  return target;
}

/** Screenshot of the current state in each theme (light, dark), restoring the light theme afterwards. */
async function snap(name, { only, optional = false } = {}) {
  for (const theme of only ? [only] : SHOT_THEMES) {
    try {
      await setTheme(theme);
      await page.screenshot({ path: path.join(OUT, `${name}-${theme}.png`) });
    } catch (e) {
      if (!optional) throw e;
    }
  }
  await setTheme('light');
}

async function setTheme(theme) {
  if (theme === currentTheme) return;
  // Through the UI (Preferences: Color Theme), as a user does. (Rewriting settings.json from outside is not picked
  // up by code-server's workbench.) The picker lists installed themes only once the extension host has scanned
  // them; until then typing a name falls through to a marketplace search, so reopen it until the theme is listed.
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = quickPickRow(`${THEMES[theme].label}, ${THEMES[theme].name}`);
  await waitUntil(async () => {
    await runCommand('Preferences: Color Theme');
    await waitUntil(async () => !(await input.inputValue()).startsWith('>'), UI_TIMEOUT, 'color theme picker');
    await input.fill(THEMES[theme].label);
    if (await row.waitFor({ timeout: 3000 }).then(() => true, () => false)) return true;
    await page.keyboard.press('Escape');
    return false;
  }, UI_TIMEOUT, `theme "${THEMES[theme].name}" in the color theme picker`);
  await row.click();
  await input.waitFor({ state: 'hidden' });
  currentTheme = theme;
  // The workbench and every webview body get the theme's class.
  await page.locator(`.monaco-workbench.${THEMES[theme].workbench}`).waitFor({ timeout: UI_TIMEOUT });
  await waitUntil(async () => {
    for (const f of page.frames()) {
      if (!f.parentFrame()?.parentFrame() || f.isDetached()) continue;
      const cls = await f.evaluate(() => document.body?.className ?? '').catch(() => null);
      if (cls !== null && !cls.includes(THEMES[theme].body)) return false;
    }
    return true;
  }, UI_TIMEOUT, `webviews in the ${theme} theme`);
}

function freePort() {
  return new Promise((res, rej) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); s.on('error', rej); });
}

async function waitHttp(url, ms) {
  await waitUntil(async () => {
    if (cs.exitCode !== null) throw new Error('code-server exited early, see code-server.log');
    try { return (await fetch(url)).ok; } catch { return false; }
  }, ms, url);
}
