// Compare with Run… in the built extension (dist/extension.js) with the recording fake `vscode`: A is real COCO
// results loaded as a run, B the same results without the detections of one image. The comparison is computed in
// the analysis worker, the comparison panel receives it, and selecting a flip sends both runs' boxes of its image.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { HostMessageType, WebviewMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri } from './ui-fakeVscode.ts';
import { demoDatasetRun } from './helpers/demoDatasetRun.ts';
import { until } from './helpers/until.ts';

const repo = path.resolve(__dirname, '../..');
const bundle = path.join(repo, 'dist', 'extension.js');
const shared = path.resolve(repo, '../shared');
const gtFile = path.join(shared, 'reference/cocoeval/instances_val2014_100.json');
const resultsFile = path.join(shared, 'reference/cocoeval/instances_val2014_fakebbox100_results.json');

const live: { subscriptions: { dispose(): unknown }[] }[] = [];
afterEach(() => {
  for (const context of live.splice(0)) for (const s of context.subscriptions.splice(0)) s.dispose();
});

test('Compare with Run…: results file B without one image\'s detections → flips only on that image, A/B image on selection', async () => {
  assert.ok(fs.existsSync(bundle), 'dist/extension.js is missing: run `node esbuild.mjs` first');
  const fake = createFakeVscode();
  const extension = requireWithFakeVscode(bundle, fake) as { activate(ctx: unknown): void };
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ui-compare-'));
  const context = fakeExtensionContext(repo, storage);
  extension.activate(context);
  live.push(context);

  // Without a run the command says what to do first.
  await fake.vscode.commands.executeCommand('gflLens.compareWithRun');
  assert.match(fake.messages.at(-1)!.text, /load or run the first run \(A\)/);

  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined);
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));
  await until(() => fake.contextKeys.get('gflLens.hasRun') === true, 'run A loaded', 30000);

  // B: A's results without the image whose detections score highest.
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { image_id: number; score: number }[];
  const dropped = results.reduce((best, r) => (r.score > best.score ? r : best)).image_id;
  const bFile = path.join(storage, 'b-results.json');
  fs.writeFileSync(bFile, JSON.stringify(results.filter((r) => r.image_id !== dropped)));

  fake.quickPickAnswers.push((items: { pick: string }[]) => items.find((i) => i.pick === 'results'));
  fake.openDialogAnswers.push([Uri.file(bFile)]);
  await fake.vscode.commands.executeCommand('gflLens.compareWithRun');
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  const panel = fake.panels.find((p) => p.viewType === 'gflLens.compare');
  assert.ok(panel, 'the comparison panel opened');
  assert.doesNotMatch(panel.html, /unsafe-inline|unsafe-eval/);
  panel.receive({ type: WebviewMessageType.Ready });
  await until(() => panel.posted.some((m) => (m as HostToWebview).type === HostMessageType.CompareData), 'comparison data', 30000);
  const { data } = panel.posted.find((m) => (m as HostToWebview).type === HostMessageType.CompareData) as Extract<HostToWebview, { type: HostMessageType.CompareData }>;

  assert.equal(data.operatingThreshold, 0.25);
  assert.ok(data.flips.counts.foundOnlyByA > 0, 'the dropped image had objects found by A');
  assert.ok(data.flips.foundOnlyByA.every((f) => f.imageId === dropped && f.reason === 'no-detection'));
  assert.deepEqual(data.flips.foundOnlyByB, []);
  assert.deepEqual(data.flips.localisation, []);
  assert.equal(data.shifts.meanScoreShift, 0);
  assert.equal(data.confidentFalsePositives.newCount, 0);
  assert.ok(data.confidentFalsePositives.vanishedFromA.every((f) => f.imageId === dropped));
  assert.ok((data.stats.values[0].delta ?? 0) < 0, 'B lost detections: lower AP');

  // Selecting the first flip sends both runs' boxes of that image: A's, none of B's, and the GT.
  const flip = data.flips.foundOnlyByA[0];
  const before = panel.posted.length;
  panel.receive({ type: WebviewMessageType.SelectComparedImage, imageId: flip.imageId, gtId: flip.gtId, detIndexA: flip.found.detIndex, detIndexB: null });
  await until(() => panel.posted.slice(before).some((m) => (m as HostToWebview).type === HostMessageType.ComparedImage), 'A/B image', 30000);
  const shown = panel.posted.slice(before).find((m) => (m as HostToWebview).type === HostMessageType.ComparedImage) as Extract<HostToWebview, { type: HostMessageType.ComparedImage }>;
  assert.equal(shown.image.imageId, dropped);
  assert.equal(shown.image.a.boxes.length, results.filter((r) => r.image_id === dropped).length);
  assert.equal(shown.image.b.boxes.length, 0);
  assert.ok(shown.image.groundTruth.some((g) => g.id === flip.gtId));
  assert.deepEqual(shown.image.focus, { gtId: flip.gtId, detIndexA: flip.found.detIndex, detIndexB: null });
  assert.equal(shown.image.a.boxes[flip.found.detIndex].score, flip.found.score);

  // The session's operating threshold changes (the setting): the panel compares again at the new threshold, with
  // B and its analysis kept in the worker.
  const beforeThreshold = panel.posted.length;
  await fake.vscode.workspace.getConfiguration('gflLens').update('operatingThreshold', 0.5);
  await until(() => panel.posted.slice(beforeThreshold).some((m) => (m as HostToWebview).type === HostMessageType.CompareData), 'comparison at 0.5', 30000);
  const again = (panel.posted.slice(beforeThreshold).find((m) => (m as HostToWebview).type === HostMessageType.CompareData) as Extract<HostToWebview, { type: HostMessageType.CompareData }>).data;
  assert.equal(again.operatingThreshold, 0.5);
  assert.ok(again.flips.foundOnlyByA.every((f) => f.imageId === dropped && f.found.score >= 0.5));
  assert.ok(again.flips.counts.foundOnlyByA <= data.flips.counts.foundOnlyByA);
  assert.deepEqual(again.stats, data.stats, 'AP does not depend on the operating threshold');

  // Export report… from the view: the comparison as a self-contained HTML file where the user saves it.
  const report = path.join(storage, 'comparison.html');
  fake.saveDialogAnswers.push(Uri.file(report));
  panel.receive({ type: WebviewMessageType.ExportComparison });
  await until(() => fs.existsSync(report), 'comparison report written', 30000);
  const html = fs.readFileSync(report, 'utf8');
  for (const id of ['stats', 'flips', 'fps', 'shifts', 'calibration']) assert.match(html, new RegExp(`<h2 id="${id}"`));
  assert.match(html, /Operating threshold 0\.50/, 'the report is of the comparison shown (at the new threshold)');

  // A malformed selection is dropped.
  panel.receive({ type: WebviewMessageType.SelectComparedImage, imageId: 'x', gtId: null, detIndexA: null, detIndexB: null });
  assert.ok(fake.logLines.some((l) => l.includes('dropped malformed webview message')));
});

test('Compare with Run… → Run the selected model on this dataset: the same model twice gives zeros and no flips; run A stays shown', { timeout: 120000 }, async () => {
  const { fake, context, workspace } = await demoDatasetRun(4, 'compare', live);
  const runA = (context.state.get('gflLens.lastRun') as { path: string }).path;

  fake.quickPickAnswers.push((items: { pick: string; label: string }[]) => {
    const item = items.find((i) => i.pick === 'selected-model');
    assert.match(item?.label ?? '', /Run the selected model \(demo model\) on this dataset/);
    return item;
  });
  await fake.vscode.commands.executeCommand('gflLens.compareWithRun');
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  const runs = fs.readdirSync(path.join(workspace, '.gfl-lens', 'runs'));
  assert.equal(runs.filter((r) => /-compare-.*\.gflrun$/.test(r)).length, 1, `run B saved beside run A: ${runs.join(', ')}`);
  assert.deepEqual(context.state.get('gflLens.lastRun'), { kind: 'run', path: runA }, 'run A is still the shown run');

  const panel = fake.panels.find((p) => p.viewType === 'gflLens.compare')!;
  panel.receive({ type: WebviewMessageType.Ready });
  await until(() => panel.posted.some((m) => (m as HostToWebview).type === HostMessageType.CompareData), 'comparison data', 30000);
  const { data } = panel.posted.find((m) => (m as HostToWebview).type === HostMessageType.CompareData) as Extract<HostToWebview, { type: HostMessageType.CompareData }>;
  assert.equal(data.a.sourcePath, runA);
  assert.ok(data.flips.counts.foundByBoth > 0);
  assert.deepEqual([data.flips.counts.foundOnlyByA, data.flips.counts.foundOnlyByB, data.flips.counts.localisationChanges], [0, 0, 0]);
  assert.deepEqual([data.confidentFalsePositives.newCount, data.confidentFalsePositives.vanishedCount], [0, 0]);
  assert.ok(data.stats.values.every((v) => v.delta === null || v.delta === 0));
  assert.equal(data.shifts.meanScoreShift, 0);
  for (const m of data.calibration.metrics) if (m.delta !== null) assert.deepEqual([m.delta, m.interval], [0, [0, 0]], m.name);
  assert.ok(data.distribution && data.distribution.perEdge.every((e) => e.deltaStdPx === 0 && e.deltaEntropy === 0));

  // A pair opens the A/B image with both runs' distributions, identical box for box.
  const pair = data.distribution!.ambiguityChanges[0];
  const before = panel.posted.length;
  panel.receive({ type: WebviewMessageType.SelectComparedImage, imageId: pair.imageId, gtId: pair.gtId, detIndexA: pair.a.detIndex, detIndexB: pair.b.detIndex });
  await until(() => panel.posted.slice(before).some((m) => (m as HostToWebview).type === HostMessageType.ComparedImage), 'A/B image', 30000);
  const shown = panel.posted.slice(before).find((m) => (m as HostToWebview).type === HostMessageType.ComparedImage) as Extract<HostToWebview, { type: HostMessageType.ComparedImage }>;
  assert.ok(shown.image.uri, 'the image is shown');
  const boxA = shown.image.a.boxes[pair.a.detIndex], boxB = shown.image.b.boxes[pair.b.detIndex];
  assert.equal(boxA.edgeProbs!.length, 4 * (shown.image.a.regMax + 1));
  assert.deepEqual(boxA, boxB);
  assert.ok(boxA.gtDistances, 'GT marks for the distributions');
});
