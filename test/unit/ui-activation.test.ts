// Smoke and flow tests of the built extension (dist/extension.js) in plain Node with a recording fake `vscode`:
// activation registers exactly the contributed commands; loading real COCO results fills the failures tree with
// the core's TIDE counts; the inspector and calibration panels get their data; an untrusted workspace refuses to
// run a model; a real model runs over a folder and the run file lands in the workspace.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { readRun } from '../../extension/io/runStore.ts';
import { HostMessageType, WebviewMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri, type FakeVscode } from './ui-fakeVscode.ts';

const repo = path.resolve(__dirname, '../..');
const bundle = path.join(repo, 'dist', 'extension.js');
const shared = path.resolve(repo, '../shared');
const gtFile = path.join(shared, 'reference/cocoeval/instances_val2014_100.json');
const resultsFile = path.join(shared, 'reference/cocoeval/instances_val2014_fakebbox100_results.json');
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));

/** Contexts of this file's activations: disposed after each test even when it failed half-way, so a failing test
 * leaves no worker thread behind to keep the test process alive. */
const live = new Set<{ subscriptions: { dispose(): unknown }[] }>();

function disposeAll(context: { subscriptions: { dispose(): unknown }[] }): void {
  for (const s of context.subscriptions.splice(0)) s.dispose();
}

afterEach(() => {
  for (const context of live) disposeAll(context);
  live.clear();
});

function activate(fake: FakeVscode) {
  assert.ok(fs.existsSync(bundle), 'dist/extension.js is missing: run `node esbuild.mjs` first');
  const extension = requireWithFakeVscode(bundle, fake) as { activate(ctx: unknown): void };
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ui-'));
  const context = fakeExtensionContext(repo, storage);
  extension.activate(context);
  live.add(context);
  return context;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Waits until `condition` holds (the views get their data from the analysis worker, asynchronously). */
async function until(condition: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Posted = { posted: unknown[] };
/** The next ShowImage a panel receives after `count` messages. */
async function nextShowImage(panel: Posted, count: number): Promise<Extract<HostToWebview, { type: HostMessageType.ShowImage }>> {
  await until(() => panel.posted.slice(count).some((m) => (m as HostToWebview).type === HostMessageType.ShowImage), 'ShowImage');
  return panel.posted.slice(count).find((m) => (m as HostToWebview).type === HostMessageType.ShowImage) as Extract<HostToWebview, { type: HostMessageType.ShowImage }>;
}

test('activate registers exactly the contributed commands, the tree, the serializers and the status bar item', () => {
  const fake = createFakeVscode();
  const context = activate(fake);
  const contributed = (packageJson.contributes.commands as { command: string; title: string }[]);
  assert.deepEqual([...fake.commands.keys()].sort(), contributed.map((c) => c.command).sort());
  for (const c of contributed) assert.match(c.title, /^GFL Lens: /, `${c.command} title`);
  assert.deepEqual([...fake.serializers.keys()].sort(), ['gflLens.ambiguity', 'gflLens.calibration', 'gflLens.compare', 'gflLens.inspector']);
  assert.ok(fake.treeViews.has('gflLens.failures'));
  assert.equal(fake.statusItems.length, 1);
  assert.match(String(fake.statusItems[0].text), /^\$\(eye\) GFL: /);
  assert.equal(fake.statusItems[0].command, 'gflLens.selectModel');
  // Every registration is disposable through the context (commands, tree, serializers, log, session, models).
  assert.ok(context.subscriptions.length >= contributed.length + 5, `${context.subscriptions.length} subscriptions`);
  disposeAll(context);
  assert.equal(fake.commands.size, 0, 'disposing the subscriptions unregisters every command');
});

test('Load Results File on COCO results fills the failures tree with the core TIDE counts, and the panels get data', async () => {
  const fake = createFakeVscode();
  const context = activate(fake);
  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined); // ground truth, then no images folder
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  assert.equal(fake.contextKeys.get('gflLens.hasRun'), true);
  assert.deepEqual(context.state.get('gflLens.lastRun'), { kind: 'results', path: resultsFile, annotations: gtFile, imagesDir: null });

  // Independent expectation: the core's own matching of the same files.
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
  const matching = matchDetections({ images: dataset.images, annotations: dataset.annotations, categories: dataset.categories }, results);
  const expected: Record<string, number> = { Miss: matching.missedGtIds.length };
  for (const m of matching.matches) if (m.error) expected[m.error] = (expected[m.error] ?? 0) + 1;

  const tree = fake.treeViews.get('gflLens.failures')!.treeDataProvider;
  const groups = tree.getChildren() as { type: string; group: { kind: string; count: number } }[];
  assert.deepEqual(groups.map((g) => g.group.kind), ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg', 'Overconfident', 'Underconfident', 'Ambiguous']);
  for (const kind of ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg']) {
    assert.equal(groups.find((g) => g.group.kind === kind)!.group.count, expected[kind] ?? 0, kind);
  }
  assert.ok(expected.Cls > 0 && expected.Loc > 0 && expected.Miss > 0, 'the reference detections contain Cls, Loc and Miss errors');
  assert.equal(groups.find((g) => g.group.kind === 'Ambiguous')!.group.count, 0, 'COCO results have no distributions');

  // Open the top Loc error: the inspector panel is created with a nonce CSP and gets the image focused on that box.
  const locGroup = groups.find((g) => g.group.kind === 'Loc')!;
  const [firstLoc] = tree.getChildren(locGroup) as { type: 'item'; item: { row: { imageIndex: number; detIndex: number; score: number } } }[];
  const item = tree.getTreeItem(firstLoc) as { command: { command: string; arguments: unknown[] }; contextValue: string };
  assert.equal(item.contextValue, 'gflLens.failureDetection');
  await fake.vscode.commands.executeCommand(item.command.command, ...item.command.arguments);
  const inspector = fake.panels.find((p) => p.viewType === 'gflLens.inspector')!;
  assert.ok(inspector, 'inspector panel opened');
  assert.match(inspector.html, /script-src 'nonce-[A-Za-z0-9+/=]{32}'/);
  assert.doesNotMatch(inspector.html, /unsafe-inline|unsafe-eval/);
  const shown = await nextShowImage(inspector, 0);
  assert.equal(shown.image.imageIndex, firstLoc.item.row.imageIndex);
  assert.equal(shown.focus, firstLoc.item.row.detIndex);
  const imageId = dataset.images[shown.image.imageIndex].id;
  assert.equal(shown.image.boxes.length, results.filter((r) => r.image_id === imageId).length);
  assert.equal(shown.image.boxes[shown.focus!].error, 'Loc');
  assert.equal(shown.image.groundTruth!.length, dataset.annotations.filter((a) => a.image_id === imageId).length);
  assert.equal(shown.image.hasDistributions, false);

  // A malformed message is dropped with a log line; "ready" re-sends the image.
  const before = inspector.posted.length;
  inspector.receive({ type: 'openDetection', ref: { imageIndex: -1, detIndex: 0 } });
  assert.ok(fake.logLines.some((l) => l.includes('dropped malformed webview message')));
  inspector.receive({ type: WebviewMessageType.Ready });
  await nextShowImage(inspector, before);
  assert.equal(inspector.posted.length, before + 1);

  // Previous/next navigation from the webview re-sends another image.
  const beforeNavigation = inspector.posted.length;
  inspector.receive({ type: WebviewMessageType.SelectImage, imageIndex: 5 });
  const navigated = await nextShowImage(inspector, beforeNavigation);
  assert.equal(navigated.image.imageIndex, 5);
  assert.equal(navigated.imageCount, dataset.images.length);
  assert.equal(navigated.focus, null);

  // A missed ground truth opens its image with that GT highlighted.
  const [firstMiss] = tree.getChildren(groups[0]) as { type: 'item'; item: { missed: { imageIndex: number; gtId: number } } }[];
  const missItem = tree.getTreeItem(firstMiss) as { command: { command: string; arguments: unknown[] }; contextValue: string };
  assert.equal(missItem.contextValue, 'gflLens.failureMissed');
  const beforeMiss = inspector.posted.length;
  await fake.vscode.commands.executeCommand(missItem.command.command, ...missItem.command.arguments);
  const missShown = await nextShowImage(inspector, beforeMiss);
  assert.equal(missShown.image.imageIndex, firstMiss.item.missed.imageIndex);
  assert.equal(missShown.focusGtId, firstMiss.item.missed.gtId);
  assert.ok(missShown.image.groundTruth!.some((g) => g.id === missShown.focusGtId));

  // Copy Record as JSON.
  await fake.vscode.commands.executeCommand('gflLens.copyFailureRecord', firstLoc);
  const record = JSON.parse(fake.clipboard);
  assert.equal(record.group, 'Loc');
  assert.equal(record.score, firstLoc.item.row.score);

  // Calibration: one point per result, with the TP count of the core's matching.
  await fake.vscode.commands.executeCommand('gflLens.openCalibration');
  const calibration = fake.panels.find((p) => p.viewType === 'gflLens.calibration')!;
  assert.match(calibration.html, /script-src 'nonce-[^']+';/, 'plotly\'s strict build needs neither eval nor inline scripts');
  assert.doesNotMatch(calibration.html, /unsafe-inline|unsafe-eval/);
  assert.match(calibration.html, /plotly\.css/, 'plotly\'s stylesheet is linked as a file');
  calibration.receive({ type: WebviewMessageType.Ready });
  const data = calibration.posted.find((m) => (m as HostToWebview).type === HostMessageType.CalibrationData) as Extract<HostToWebview, { type: HostMessageType.CalibrationData }>;
  assert.equal(data.data.points.count, results.length);
  assert.equal(data.data.points.tp.reduce((a, b) => a + b, 0), matching.matches.filter((m) => m.tp50).length);

  // Clicking a calibration point opens the inspector on that detection.
  const beforeClick = inspector.posted.length;
  calibration.receive({ type: WebviewMessageType.OpenDetection, ref: { imageIndex: 3, detIndex: 0 } });
  const last = await nextShowImage(inspector, beforeClick);
  assert.ok(last.image.imageIndex === 3 && last.focus === 0);

  // Ambiguity: says plainly why there is nothing to rank.
  await fake.vscode.commands.executeCommand('gflLens.openAmbiguity');
  const ambiguity = fake.panels.find((p) => p.viewType === 'gflLens.ambiguity')!;
  ambiguity.receive({ type: WebviewMessageType.Ready });
  const amb = ambiguity.posted.find((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData) as Extract<HostToWebview, { type: HostMessageType.AmbiguityData }>;
  assert.equal(amb.data.cards.length, 0);
  assert.match(amb.data.emptyReason!, /no DFL distributions/);
  disposeAll(context);

  // Window reload: a new activation with the same workspace state reopens the run, and the serializer revives the
  // inspector on the image and box its webview state names.
  const reloaded = createFakeVscode();
  const extension = requireWithFakeVscode(bundle, reloaded) as { activate(ctx: unknown): void };
  context.subscriptions.length = 0;
  extension.activate(context);
  const panel = reloaded.vscode.window.createWebviewPanel('gflLens.inspector', 'GFL: restored');
  const serializer = reloaded.serializers.get('gflLens.inspector') as { deserializeWebviewPanel(p: unknown, state: unknown): Promise<void> };
  await serializer.deserializeWebviewPanel(panel, { runPath: resultsFile, imageIndex: 2, detIndex: 1, scoreThreshold: 0.3, showGt: true, showTp: true, showFp: true });
  await until(() => reloaded.contextKeys.get('gflLens.hasRun') === true, 'last run reopened');
  assert.match(panel.html, /id="initial-state"[^>]*>\{"runPath"/, 'the webview state is embedded for the page');
  const beforeReady = panel.posted.length;
  panel.receive({ type: WebviewMessageType.Ready });
  const revived = await nextShowImage(panel, beforeReady);
  assert.equal(revived.type, HostMessageType.ShowImage);
  assert.equal(revived.image.imageIndex, 2);
  assert.equal(revived.focus, 1);
  disposeAll(context);
});

test('in an untrusted workspace running a model is refused with an explanation; loading results still works', async () => {
  const fake = createFakeVscode({ trusted: false });
  const context = activate(fake);
  await fake.vscode.commands.executeCommand('gflLens.runOnFolder', Uri.file(path.join(shared, 'data/images')));
  assert.equal(fake.messages.length, 1);
  assert.match(fake.messages[0].text, /Restricted Mode/);
  assert.equal(fake.contextKeys.get('gflLens.hasRun'), undefined, 'nothing ran');
  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined);
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));
  assert.equal(fake.contextKeys.get('gflLens.hasRun'), true);
  disposeAll(context);
});

test('Run GFL on Folder with a real model writes a complete run into the workspace and feeds the ambiguity view', { timeout: 60000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ws-'));
  const fake = createFakeVscode({
    workspaceFolder: workspace,
    settings: { 'gflLens.model': path.join(shared, 'models/nanodet-m-320.onnx'), 'gflLens.executionProviders': ['cpu'], 'gflLens.threads': 1 },
  });
  const context = activate(fake);
  await fake.vscode.commands.executeCommand('gflLens.runOnFolder', Uri.file(path.join(shared, 'data/images')));
  assert.deepEqual(fake.messages.filter((m) => m.level !== 'info'), []);
  const runs = fs.readdirSync(path.join(workspace, '.gfl-lens', 'runs'));
  assert.equal(runs.length, 1);
  assert.match(runs[0], /^images-\d{8}T\d{6}Z\.gflrun$/);
  const stored = await readRun(path.join(workspace, '.gfl-lens', 'runs', runs[0]));
  assert.deepEqual(stored.images.file, ['bus.jpg', 'dog.jpg', 'person.jpg']);
  assert.equal(stored.complete, true);
  assert.deepEqual(context.state.get('gflLens.lastRun'), { kind: 'run', path: path.join(workspace, '.gfl-lens', 'runs', runs[0]) });
  assert.match(String(fake.statusItems[0].text), /nanodet-m-320\.onnx · cpu/);

  await fake.vscode.commands.executeCommand('gflLens.openAmbiguity');
  const ambiguity = fake.panels.find((p) => p.viewType === 'gflLens.ambiguity')!;
  ambiguity.receive({ type: WebviewMessageType.Ready });
  const amb = ambiguity.posted.find((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData) as Extract<HostToWebview, { type: HostMessageType.AmbiguityData }>;
  assert.ok(amb.data.cards.length > 0, 'real detections with distributions are ranked');
  for (let k = 1; k < amb.data.cards.length; k++) assert.ok(amb.data.cards[k - 1].ambiguity >= amb.data.cards[k].ambiguity, 'most ambiguous first');
  assert.equal(amb.data.cards[0].probs.length, 8, 'reg_max 7 → 8 bins of the driving edge');
  assert.ok(amb.data.cards[0].uri!.includes('/data/images/'), 'image served through asWebviewUri');
  const roots = (ambiguity.options as { localResourceRoots: Uri[] }).localResourceRoots.map((u) => u.fsPath);
  // Image folders are granted by their real path (a link cannot widen the roots).
  assert.deepEqual(roots, [path.join(repo, 'dist/webview'), path.join(repo, 'media'), fs.realpathSync(path.join(shared, 'data/images'))]);

  // Export Report (JSON) of the shown run through extension/report/exportReport.ts.
  const out = path.join(workspace, 'report.json');
  fake.quickPickAnswers.push((items: { format: string }[]) => items.find((i) => i.format === 'json'));
  fake.saveDialogAnswers.push(Uri.file(out));
  await fake.vscode.commands.executeCommand('gflLens.exportReport');
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  const report = fs.readFileSync(out, 'utf8');
  assert.doesNotThrow(() => JSON.parse(report));
  for (const name of ['bus.jpg', 'dog.jpg', 'person.jpg']) assert.ok(report.includes(name), `report mentions ${name}`);
  disposeAll(context);
  await settle();
});

test('cancelling a dataset run keeps an incomplete ".partial" run, shown and remembered as such', { timeout: 60000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ws-'));
  // Reports: "loading model…", then one per image: cancel right after the first image.
  const fake = createFakeVscode({
    workspaceFolder: workspace, cancelAfterReports: 2,
    settings: { 'gflLens.model': path.join(shared, 'models/nanodet-m-320.onnx'), 'gflLens.executionProviders': ['cpu'], 'gflLens.threads': 1 },
  });
  const context = activate(fake);
  await fake.vscode.commands.executeCommand('gflLens.runOnFolder', Uri.file(path.join(shared, 'data/images')));
  const info = fake.messages.find((m) => m.level === 'info');
  assert.match(info?.text ?? '', /cancelled after 1 of 3 images/);
  const runs = fs.readdirSync(path.join(workspace, '.gfl-lens', 'runs'));
  assert.equal(runs.length, 1);
  assert.match(runs[0], /\.gflrun\.partial$/, 'no complete-looking file for an interrupted run');
  const partial = await readRun(path.join(workspace, '.gfl-lens', 'runs', runs[0]));
  assert.equal(partial.complete, false);
  assert.equal(partial.images.count, 1);
  assert.deepEqual(context.state.get('gflLens.lastRun'), { kind: 'run', path: path.join(workspace, '.gfl-lens', 'runs', runs[0]) });
  // The inspector shows the partial run and says it is incomplete.
  await fake.vscode.commands.executeCommand('gflLens.openFailure', { type: 'item', item: { kind: 'detection', row: { imageIndex: 0, detIndex: 0 } } });
  const inspector = fake.panels.find((p) => p.viewType === 'gflLens.inspector')!;
  const shown = await nextShowImage(inspector, 0);
  assert.equal(shown.imageCount, 1);
  assert.ok(shown.image.notes.some((n) => /incomplete run/.test(n)), shown.image.notes.join(' | '));
  disposeAll(context);
  await settle();
});

test('Check GPU opens a report of every provider on the selected model; the status tooltip shows the auto decision', { timeout: 60000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ws-'));
  // Default settings: the built-in demo model and `auto` providers. No Vulkan driver chosen: WebGPU fails fast here.
  const saved = process.env.VK_ICD_FILENAMES;
  delete process.env.VK_ICD_FILENAMES;
  try {
    const fake = createFakeVscode({ workspaceFolder: workspace });
    const context = activate(fake);
    await fake.vscode.commands.executeCommand('gflLens.checkGpu');
    assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
    assert.equal(fake.documents.length, 1);
    const text = fake.documents[0].content!;
    assert.match(text, /model: .*media[\\/]demo[\\/]gfl-demo\.onnx/);
    assert.match(text, /^ {2}cpu {5}ok: session [\d.]+ ms, [\d.]+ ms per forward pass/m);
    for (const provider of ['cuda', 'webgpu', 'dml', 'coreml']) assert.match(text, new RegExp(`^ {2}${provider} +(ok|not available|FAILED)`, 'm'));
    assert.match(text, /auto would choose: \w+ \(fastest measured\)/);

    await fake.vscode.commands.executeCommand('gflLens.runOnImage', Uri.file(path.join(shared, 'data/images/bus.jpg')));
    const tooltip = (fake.statusItems[0].tooltip as { value: string }).value;
    assert.match(tooltip, /Execution provider: \w+: (fastest of|the only provider that initialised)/);
    assert.ok(fake.logLines.some((l) => /provider \w+: (fastest of|the only provider)/.test(l)), 'decision logged');
    disposeAll(context);
    await settle();
  } finally {
    if (saved !== undefined) process.env.VK_ICD_FILENAMES = saved;
  }
});
