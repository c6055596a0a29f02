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
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { readRun } from '../../extension/io/runStore.ts';
import { HostMessageType, WebviewMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri, type FakeVscode } from './ui-fakeVscode.ts';
import { until } from './helpers/until.ts';

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
  assert.deepEqual([...fake.serializers.keys()].sort(), ['gflLens.ambiguity', 'gflLens.calibration', 'gflLens.compare', 'gflLens.evaluation', 'gflLens.inspector']);
  assert.ok(fake.treeViews.has('gflLens.failures'));
  // The model item, and the evaluation view's (AP; hidden until a run with ground truth is shown).
  assert.equal(fake.statusItems.length, 2);
  assert.equal(fake.statusItems[1].command, 'gflLens.openEvaluation');
  assert.notEqual(fake.statusItems[1].visible, true);
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

  // Independent expectation: the core's own matching of the same files, counted at the default operating threshold
  // (0.25: a false positive scoring ≥ it; a non-crowd GT no true positive scoring ≥ it matched) and over every score.
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
  const matching = matchDetections({ images: dataset.images, annotations: dataset.annotations, categories: dataset.categories }, results, undefined, { keepMatches: true });
  const expectedAt = (minScore: number, categoryId: number | null = null) => {
    const counts: Record<string, number> = {};
    const found = new Set<number>();
    matching.matches.forEach((m, k) => {
      if (results[k].score < minScore || (categoryId !== null && results[k].category_id !== categoryId)) return;
      if (m.error) counts[m.error] = (counts[m.error] ?? 0) + 1;
      if (m.tp50 && m.matchedGtId50 !== null) found.add(m.matchedGtId50);
    });
    counts.Miss = minScore === 0 && categoryId === null ? matching.missedGtIds.length
      : dataset.annotations.filter((a) => !a.iscrowd && !found.has(a.id) && (categoryId === null || a.category_id === categoryId)).length;
    return counts;
  };
  const expected = expectedAt(0.25);
  const tide = expectedAt(0);

  const failuresView = fake.treeViews.get('gflLens.failures')!;
  const tree = failuresView.treeDataProvider;
  const groupsOf = () => (tree.getChildren() as { type: string; group: { kind: string; count: number; dAP: number | null } }[]).filter((g) => g.type === 'group');
  let groups = groupsOf();
  // Ordered by TIDE's dAP (largest first), then the groups TIDE does not define.
  const dAP = matching.tide.dAP as Record<string, number>;
  const tideOrder = ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg'].sort((a, b) => dAP[b] - dAP[a]);
  assert.deepEqual(groups.map((g) => g.group.kind), [...tideOrder, 'Overconfident', 'Underconfident', 'Ambiguous']);
  for (const g of groups.slice(0, 6)) assert.equal(g.group.dAP, dAP[g.group.kind], `${g.group.kind} dAP`);
  for (const kind of ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg']) {
    assert.equal(groups.find((g) => g.group.kind === kind)!.group.count, expected[kind] ?? 0, `${kind} at 0.25`);
  }
  assert.ok(expected.Cls > 0 && expected.Loc > 0 && expected.Miss > 0, 'the reference detections contain Cls, Loc and Miss errors');
  assert.ok(tide.Cls > expected.Cls && tide.Miss < expected.Miss, 'the threshold changes the counts');
  assert.equal(groups.find((g) => g.group.kind === 'Ambiguous')!.group.count, 0, 'COCO results have no distributions');
  const missGroupItem = tree.getTreeItem(groups.find((g) => g.group.kind === 'Miss')!);
  assert.equal(missGroupItem.description, `${expected.Miss} · dAP ${dAP.Miss.toFixed(2)}`);
  // The view names the run: the results file, the dataset, and the population counted.
  assert.equal(failuresView.view.description, 'instances_val2014_fakebbox100_results.json (COCO results) on cocoeval');
  assert.match(failuresView.view.message!, /COCO results for 100 images, ground truth instances_val2014_100\.json/);
  assert.match(failuresView.view.message!, /scoring ≥ 0\.25 \(operating threshold\)/);

  // Population "every stored detection": TIDE's own counts.
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'all'));
  await fake.vscode.commands.executeCommand('gflLens.setFailurePopulation');
  await until(() => groupsOf().find((g) => g.group.kind === 'Cls')!.group.count === tide.Cls, 'TIDE population');
  for (const kind of ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg']) assert.equal(groupsOf().find((g) => g.group.kind === kind)!.group.count, tide[kind] ?? 0, `${kind} over every score`);
  // Back to an operating threshold typed by the user (0.5).
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'threshold'));
  fake.inputBoxAnswers.push('0.5');
  await fake.vscode.commands.executeCommand('gflLens.setFailurePopulation');
  const at50 = expectedAt(0.5);
  await until(() => groupsOf().find((g) => g.group.kind === 'Miss')!.group.count === at50.Miss, 'threshold 0.5');
  for (const kind of ['Loc', 'Cls', 'Bkg']) assert.equal(groupsOf().find((g) => g.group.kind === kind)!.group.count, at50[kind] ?? 0, `${kind} at 0.5`);
  assert.match(failuresView.view.message!, /scoring ≥ 0\.5 \(operating threshold\)/);

  // Filter by class (person, category 1): the counts of that class only; a filter row first clears it.
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'class'), (items: { label: string }[]) => items.find((i) => i.label === 'person'));
  await fake.vscode.commands.executeCommand('gflLens.filterFailures');
  const person = expectedAt(0.5, 1);
  await until(() => groupsOf().find((g) => g.group.kind === 'Miss')!.group.count === person.Miss, 'class filter');
  for (const kind of ['Loc', 'Cls', 'Bkg', 'Dupe']) assert.equal(groupsOf().find((g) => g.group.kind === kind)!.group.count, person[kind] ?? 0, `person ${kind}`);
  assert.equal(fake.contextKeys.get('gflLens.hasViewFilter'), true);
  const filterRow = (tree.getChildren() as { type: string }[])[0];
  assert.equal(filterRow.type, 'filter');
  const filterItem = tree.getTreeItem(filterRow) as { label: string; command: { command: string } };
  assert.equal(filterItem.label, 'Filtered: person');
  await fake.vscode.commands.executeCommand(filterItem.command.command);
  await until(() => groupsOf().find((g) => g.group.kind === 'Miss')!.group.count === at50.Miss, 'filter cleared');
  assert.equal(fake.contextKeys.get('gflLens.hasViewFilter'), false);
  assert.notEqual((tree.getChildren() as { type: string }[])[0].type, 'filter');
  // Back to the default population for the rest of the test.
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'threshold'));
  fake.inputBoxAnswers.push('0.25');
  await fake.vscode.commands.executeCommand('gflLens.setFailurePopulation');
  await until(() => groupsOf().find((g) => g.group.kind === 'Miss')!.group.count === expected.Miss, 'threshold 0.25');
  groups = groupsOf();

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
  const [firstMiss] = tree.getChildren(groups.find((g) => g.group.kind === 'Miss')) as { type: 'item'; item: { missed: { imageIndex: number; gtId: number } } }[];
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
  await until(() => ambiguity.posted.some((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData), 'ambiguity data');
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

test('evaluation view on loaded COCO results: the pycocotools stats, a class row filters the Failures tree, the threshold is recounted', async () => {
  const fake = createFakeVscode();
  activate(fake);
  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined);
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
  const reference = evaluateCoco(dataset, results);
  await fake.vscode.commands.executeCommand('gflLens.openEvaluation');
  const panel = fake.panels.find((p) => p.viewType === 'gflLens.evaluation')!;
  assert.ok(panel, 'evaluation panel opened');
  assert.doesNotMatch(panel.html, /unsafe-inline|unsafe-eval/);
  type EvaluationMessage = Extract<HostToWebview, { type: HostMessageType.EvaluationData }>;
  const evaluationMessages = () => panel.posted.filter((m) => (m as HostToWebview).type === HostMessageType.EvaluationData) as EvaluationMessage[];
  panel.receive({ type: WebviewMessageType.Ready });
  await until(() => evaluationMessages().length > 0, 'EvaluationData');
  const data = evaluationMessages().at(-1)!.data;
  // A results file is held as a run, whose boxes are float32: the stats agree with pycocotools' to that precision.
  data.stats.forEach((v, i) => assert.ok(Math.abs(v - reference.stats[i]) < 1e-3, `${data.statKeys[i]}: ${v} vs ${reference.stats[i]}`));
  // The status bar item shows the same AP and opens the view.
  const status = fake.statusItems.find((i) => i.command === 'gflLens.openEvaluation')!;
  assert.equal(status.visible, true);
  assert.equal(status.text, `$(dashboard) AP ${data.stats[0].toFixed(3)}`);
  assert.equal(data.classes.length, 80);
  assert.equal(data.operatingThreshold, 0.25);

  // A class row click narrows the Failures tree to that class (and the view marks the filter). The class: the most
  // frequent one among the groups' listed items; each filtered group must list exactly that class's items.
  const tree = fake.treeViews.get('gflLens.failures')!.treeDataProvider;
  type Item = { kind: string; row?: { categoryId: number }; missed?: { categoryId: number } };
  type Node = { type: string; group?: { kind: string; count: number; items: Item[] } };
  const categoryOf = (item: Item) => (item.kind === 'missed' ? item.missed!.categoryId : item.row!.categoryId);
  const groupsNow = () => (tree.getChildren() as Node[]).filter((n) => n.type === 'group').map((n) => n.group!);
  const unfiltered = groupsNow();
  const perCategory = new Map<number, number>();
  for (const item of unfiltered.flatMap((g) => g.items)) perCategory.set(categoryOf(item), (perCategory.get(categoryOf(item)) ?? 0) + 1);
  assert.ok(perCategory.size > 1, 'failures of several classes');
  const [categoryId] = [...perCategory].sort((a, b) => b[1] - a[1])[0];
  const name = data.classes.find((c) => c.categoryId === categoryId)!.name;
  const sent = evaluationMessages().length;
  panel.receive({ type: WebviewMessageType.FilterCategory, categoryId });
  await until(() => evaluationMessages().length > sent, 'EvaluationData after the filter');
  assert.equal(evaluationMessages().at(-1)!.data.categoryFilter, categoryId);
  // The worker regroups with the filter: a "Filtered: <class>" row first, then groups listing only that class.
  const onlyThatClass = () => groupsNow().every((g) => g.items.every((item) => categoryOf(item) === categoryId));
  await until(() => (tree.getChildren() as Node[])[0]?.type === 'filter' && onlyThatClass(), 'the Failures tree regrouped with the filter');
  assert.equal((tree.getTreeItem((tree.getChildren() as Node[])[0]) as { label: string }).label, `Filtered: ${name}`);
  const filtered = groupsNow();
  assert.ok(filtered.some((g) => g.items.length > 0));
  assert.ok(filtered.every((g, k) => g.count <= unfiltered[k].count));
  panel.receive({ type: WebviewMessageType.FilterCategory, categoryId: null });
  await until(() => (tree.getChildren() as Node[])[0]?.type === 'group' && groupsNow().every((g, k) => g.count === unfiltered[k].count), 'the filter cleared');

  // "Apply max-F1": the worker recounts the operating point at the new threshold and the view receives it.
  const maxF1 = data.thresholds.maxF1.threshold;
  const beforeThreshold = evaluationMessages().length;
  panel.receive({ type: WebviewMessageType.SetOperatingThreshold, threshold: maxF1 });
  await until(() => evaluationMessages().slice(beforeThreshold).some((m) => m.data.operatingThreshold === maxF1), 'EvaluationData at the max-F1 threshold');
  const recounted = evaluationMessages().at(-1)!.data;
  const above = results.filter((r) => r.score > maxF1).length;
  assert.ok(recounted.overall.tp + recounted.overall.fp <= above);
  // Counted detections move against the threshold (more below 0.25, fewer above).
  const change = recounted.overall.tp + recounted.overall.fp - (data.overall.tp + data.overall.fp);
  assert.ok(maxF1 > 0.25 ? change < 0 : change > 0, `max-F1 ${maxF1}: ${change} more counted detections`);
  assert.equal(recounted.confusion.confidenceThreshold, maxF1);

  // "Compare with Run…" in the view runs the command (which then asks for run B).
  fake.quickPickAnswers.push(() => undefined);
  panel.receive({ type: WebviewMessageType.CompareWithRun });
  await until(() => fake.executed.some((c) => c.command === 'gflLens.compareWithRun'), 'Compare with Run… executed');
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
  assert.match(runs[0], /^nanodet-m-320-images-\d{8}T\d{6}Z\.gflrun$/, 'the run file names the model');
  const stored = await readRun(path.join(workspace, '.gfl-lens', 'runs', runs[0]));
  assert.deepEqual(stored.images.file, ['bus.jpg', 'dog.jpg', 'person.jpg']);
  assert.equal(stored.complete, true);
  assert.deepEqual(context.state.get('gflLens.lastRun'), { kind: 'run', path: path.join(workspace, '.gfl-lens', 'runs', runs[0]) });
  assert.match(String(fake.statusItems[0].text), /nanodet-m-320\.onnx · cpu/);

  // The Failures view names the run; without ground truth its groups say so instead of "0".
  const failuresView = fake.treeViews.get('gflLens.failures')!;
  assert.equal(failuresView.view.description, 'nanodet-m-320.onnx on images');
  assert.match(failuresView.view.message!, /complete run of 3 images, no ground truth/);
  const tree = failuresView.treeDataProvider;
  const groupItems = (tree.getChildren() as { type: string; group: { kind: string } }[]).map((g) => [g.group.kind, tree.getTreeItem(g).description]);
  assert.deepEqual(groupItems.filter(([kind]) => kind !== 'Ambiguous').map(([, d]) => d), new Array(8).fill('no ground truth'));
  assert.match(String(groupItems.find(([kind]) => kind === 'Ambiguous')![1]), /^\d+$/, 'Ambiguous needs no ground truth');
  // Remembered among the recent runs.
  const recent = context.state.get('gflLens.recentRuns') as { ref: { path: string }; label: string; complete: boolean }[];
  assert.deepEqual(recent.map((r) => [r.ref.path, r.label, r.complete]), [[path.join(workspace, '.gfl-lens', 'runs', runs[0]), 'nanodet-m-320.onnx on images', true]]);

  await fake.vscode.commands.executeCommand('gflLens.openAmbiguity');
  const ambiguity = fake.panels.find((p) => p.viewType === 'gflLens.ambiguity')!;
  ambiguity.receive({ type: WebviewMessageType.Ready });
  await until(() => ambiguity.posted.some((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData), 'ambiguity data');
  const amb = ambiguity.posted.find((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData) as Extract<HostToWebview, { type: HostMessageType.AmbiguityData }>;
  assert.ok(amb.data.cards.length > 0, 'real detections with distributions are ranked');
  for (let k = 1; k < amb.data.cards.length; k++) assert.ok(amb.data.cards[k - 1].ambiguity >= amb.data.cards[k].ambiguity, 'most ambiguous first');
  assert.equal(amb.data.cards[0].probs.length, 8, 'reg_max 7 → 8 bins of the driving edge');
  assert.ok(amb.data.cards[0].uri!.includes('/data/images/'), 'image served through asWebviewUri');
  const roots = (ambiguity.options as { localResourceRoots: Uri[] }).localResourceRoots.map((u) => u.fsPath);
  // Image folders are granted by their real path (a link cannot widen the roots).
  assert.deepEqual(roots, [path.join(repo, 'dist/webview'), path.join(repo, 'media'), fs.realpathSync(path.join(shared, 'data/images'))]);

  // Filters and pages come from the worker: the driving edge of the top box, then a page past the first box.
  assert.equal(amb.data.offset, 0);
  assert.equal(amb.data.total, amb.data.cards.length, 'three photos: one page holds every matching box');
  const edge = amb.data.cards[0].drivingEdge;
  const ambiguityPage = async (message: unknown) => {
    const before = ambiguity.posted.length;
    ambiguity.receive(message);
    await until(() => ambiguity.posted.length > before, 'ambiguity page');
    return (ambiguity.posted.at(-1) as Extract<HostToWebview, { type: HostMessageType.AmbiguityData }>).data;
  };
  const byEdge = await ambiguityPage({ type: 'ambiguityQuery', filters: { classIndex: null, edge, outcome: null, minScore: 0.3 }, offset: 0 });
  assert.deepEqual(byEdge.filters, { classIndex: null, edge, outcome: null, minScore: 0.3 });
  assert.ok(byEdge.cards.length > 0 && byEdge.cards.every((c) => c.drivingEdge === edge));
  assert.equal(byEdge.total, amb.data.cards.filter((c) => c.drivingEdge === edge).length);
  assert.equal(byEdge.hasGroundTruth, false);
  const second = await ambiguityPage({ type: 'ambiguityQuery', filters: { classIndex: null, edge: null, outcome: null, minScore: 0.3 }, offset: 1 });
  assert.deepEqual(second.cards.map((c) => [c.rank, c.ref.imageIndex, c.ref.detIndex]), amb.data.cards.slice(1).map((c) => [c.rank, c.ref.imageIndex, c.ref.detIndex]));
  ambiguity.receive({ type: 'ambiguityQuery', filters: { classIndex: null, edge: 7, outcome: null, minScore: 0.3 }, offset: 0 });
  assert.ok(fake.logLines.some((l) => /ambiguity: dropped malformed webview message/.test(l)), 'an edge outside 0..3 is refused');

  // Export Report (JSON) of the shown run through extension/report/exportReport.ts.
  const out = path.join(workspace, 'report.json');
  fake.quickPickAnswers.push((items: { format: string }[]) => items.find((i) => i.format === 'json'));
  fake.saveDialogAnswers.push(Uri.file(out));
  await fake.vscode.commands.executeCommand('gflLens.exportReport');
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  const report = fs.readFileSync(out, 'utf8');
  assert.doesNotThrow(() => JSON.parse(report));
  for (const name of ['bus.jpg', 'dog.jpg', 'person.jpg']) assert.ok(report.includes(name), `report mentions ${name}`);

  // "Open" on an HTML report renders it (a webview panel with the page's own strict policy), not its source.
  const htmlOut = path.join(workspace, 'report.html');
  fake.quickPickAnswers.push((items: { format: string }[]) => items.find((i) => i.format === 'html'));
  fake.saveDialogAnswers.push(Uri.file(htmlOut));
  fake.infoAnswers.push('Open');
  await fake.vscode.commands.executeCommand('gflLens.exportReport');
  const preview = fake.panels.find((p) => p.viewType === 'gflLens.reportPreview')!;
  assert.ok(preview, 'the report is rendered in a panel');
  assert.equal(preview.html, fs.readFileSync(htmlOut, 'utf8'));
  assert.match(preview.html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.deepEqual((preview.options as { localResourceRoots: unknown[] }).localResourceRoots, [], 'no local resources');
  assert.ok(!fake.executed.some((e) => e.command === 'vscode.open' && String(e.args[0]).endsWith('report.html')), 'not opened as source');
  // Markdown opens in the Markdown preview.
  fake.quickPickAnswers.push((items: { format: string }[]) => items.find((i) => i.format === 'md'));
  fake.saveDialogAnswers.push(Uri.file(path.join(workspace, 'report.md')));
  fake.infoAnswers.push('Open');
  await fake.vscode.commands.executeCommand('gflLens.exportReport');
  assert.ok(fake.executed.some((e) => e.command === 'markdown.showPreview' && (e.args[0] as Uri).fsPath === path.join(workspace, 'report.md')));
  disposeAll(context);
  await settle();
});

test('Select Model stores a workspace-relative path and checks the model at once, saying what it found or why it cannot run', { timeout: 60000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ws-'));
  fs.mkdirSync(path.join(workspace, 'models'));
  fs.copyFileSync(path.join(shared, 'models/nanodet-m-320.onnx'), path.join(workspace, 'models/nanodet-m-320.onnx'));
  fs.writeFileSync(path.join(workspace, 'models/broken.onnx'), 'not an onnx graph');
  const fake = createFakeVscode({ workspaceFolder: workspace, settings: { 'gflLens.executionProviders': ['cpu'], 'gflLens.threads': 1 } });
  const context = activate(fake);
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'browse'));
  fake.openDialogAnswers.push([Uri.file(path.join(workspace, 'models/nanodet-m-320.onnx'))]);
  await fake.vscode.commands.executeCommand('gflLens.selectModel');
  assert.equal(fake.settings['gflLens.model'], 'models/nanodet-m-320.onnx', 'workspace-relative, not absolute');
  const found = fake.messages.find((m) => m.level === 'info')!;
  assert.ok(found, JSON.stringify(fake.messages));
  assert.match(found.text, /nanodet-m-320\.onnx: GFL head, one score and one DFL output per level, strides 8\/16\/32, per-edge DFL distributions \(reg_max 7\)/);
  assert.match(found.text, /80 classes: person, bicycle, car, motorbike, aeroplane, bus, train, truck, … \(72 more\)\./);

  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'browse'));
  fake.openDialogAnswers.push([Uri.file(path.join(workspace, 'models/broken.onnx'))]);
  await fake.vscode.commands.executeCommand('gflLens.selectModel');
  assert.equal(fake.settings['gflLens.model'], 'models/broken.onnx');
  const error = fake.messages.find((m) => m.level === 'error')!;
  assert.match(error?.text ?? '', /Select Model \(broken\.onnx was selected but cannot run\) failed: .*broken\.onnx/);
  disposeAll(context);
  await settle();
});

test('a model whose classes match no dataset category is stopped by a modal warning before the run starts', { timeout: 60000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ws-'));
  // The built-in demo model (circle, square, triangle …) on COCO annotations: nothing maps.
  const fake = createFakeVscode({ workspaceFolder: workspace, settings: { 'gflLens.executionProviders': ['cpu'], 'gflLens.threads': 1 } });
  const context = activate(fake);
  await fake.vscode.commands.executeCommand('gflLens.runOnCocoDataset', Uri.file(path.join(shared, 'data/coco128/annotations/instances.json')));
  const warning = fake.messages.find((m) => m.modal);
  assert.ok(warning, `a modal warning: ${JSON.stringify(fake.messages)}`);
  assert.match(warning.text, /None of the model's \d+ classes matches one of the dataset's 80 categories/);
  assert.match(warning.detail!, /Model classes \(gfl-demo\.onnx, in output order\): "/);
  assert.match(warning.detail!, /Dataset categories: "person"/);
  assert.match(warning.detail!, /gfl-demo\.onnx\.gfl-profile\.json/);
  // Dismissed: no run was started or written.
  assert.equal(fs.existsSync(path.join(workspace, '.gfl-lens', 'runs')) ? fs.readdirSync(path.join(workspace, '.gfl-lens', 'runs')).length : 0, 0);
  assert.equal(fake.contextKeys.get('gflLens.hasRun'), undefined);
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
  const failuresView = fake.treeViews.get('gflLens.failures')!;
  assert.equal(failuresView.view.description, 'nanodet-m-320.onnx on images · partial');
  assert.match(failuresView.view.message!, /partial \(interrupted or still running\) run of 1 images/);

  // A filter set on this run (small objects only) does not carry over to the next run: it names this run's objects.
  fake.quickPickAnswers.push((items: { value: string }[]) => items.find((i) => i.value === 'size'), (items: { label: string }[]) => items.find((i) => i.label === 'small'));
  await fake.vscode.commands.executeCommand('gflLens.filterFailures');
  assert.equal(fake.contextKeys.get('gflLens.hasViewFilter'), true);
  // Recent runs: load COCO results, then switch back to the partial run from the list.
  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined);
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));
  assert.equal(fake.contextKeys.get('gflLens.hasViewFilter'), false, 'the filter is cleared for the new run');
  const resultsTree = fake.treeViews.get('gflLens.failures')!.treeDataProvider;
  const missCount = () => (resultsTree.getChildren() as { type: string; group: { kind: string; count: number } }[]).find((g) => g.type === 'group' && g.group.kind === 'Miss')!.group.count;
  // Independent count: non-crowd GTs no true positive scoring ≥ 0.25 matched (every size, not only small).
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
  const found = new Set<number>();
  matchDetections(dataset, results).matches.forEach((m, k) => { if (m.tp50 && m.matchedGtId50 !== null && results[k].score >= 0.25) found.add(m.matchedGtId50); });
  assert.equal(missCount(), dataset.annotations.filter((a) => !a.iscrowd && !found.has(a.id)).length, 'the new run\'s groups were computed without the old filter');
  assert.match(failuresView.view.description!, /\(COCO results\) on cocoeval$/);
  let offered: { label: string; description: string }[] = [];
  fake.quickPickAnswers.push((items: { label: string; description: string }[]) => {
    offered = items;
    return items[1];
  });
  await fake.vscode.commands.executeCommand('gflLens.openRecentRun');
  assert.deepEqual(offered.map((i) => [i.label, i.description]), [
    ['instances_val2014_fakebbox100_results.json (COCO results)', 'COCO results · shown now'],
    ['nanodet-m-320.onnx on images', 'partial'],
  ]);
  assert.equal(failuresView.view.description, 'nanodet-m-320.onnx on images · partial');
  assert.equal(fake.treeViews.get('gflLens.failures')!.treeDataProvider.getChildren().length > 0, true);
  // A run whose folder is gone is dropped from the list with a warning.
  fs.rmSync(path.join(workspace, '.gfl-lens', 'runs', runs[0]), { recursive: true });
  fake.quickPickAnswers.push((items: { label: string }[]) => items.find((i) => i.label === 'nanodet-m-320.onnx on images'));
  await fake.vscode.commands.executeCommand('gflLens.openRecentRun');
  assert.match(fake.messages.at(-1)!.text, /no longer exists; removed from the recent runs/);
  assert.deepEqual((context.state.get('gflLens.recentRuns') as { ref: { path: string } }[]).map((r) => r.ref.path), [resultsFile]);
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
