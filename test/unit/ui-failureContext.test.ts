// Every failure shows what it relates to, in the built extension (dist/extension.js with a recording fake vscode):
// pycocotools' own demo detections loaded as COCO results; the Failures tree's Cls items name the true class and its
// IoU (not "IoU 0.00"), Loc items the per-edge error in pixels, Miss items the best candidate; the inspector gets the
// same context with the box to highlight. Expected values come from the core's matching (matchDetections) and the
// annotation boxes, computed here independently of the failure-context module.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { HostMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri } from './ui-fakeVscode.ts';
import { until } from './helpers/until.ts';

const repo = path.resolve(__dirname, '../..');
const bundle = path.join(repo, 'dist', 'extension.js');
const shared = path.resolve(repo, '../shared');
const gtFile = path.join(shared, 'reference/cocoeval/instances_val2014_100.json');
const resultsFile = path.join(shared, 'reference/cocoeval/instances_val2014_fakebbox100_results.json');

const live = new Set<{ subscriptions: { dispose(): unknown }[] }>();
afterEach(() => {
  for (const context of live) for (const s of context.subscriptions.splice(0)) s.dispose();
  live.clear();
});

type ShowImage = Extract<HostToWebview, { type: HostMessageType.ShowImage }>;
type TreeRow = { imageIndex: number; detIndex: number; imageId: number; bbox: number[]; score: number };
type TreeNode = { type: string; group?: { kind: string; count: number }; item?: { kind: string; row?: TreeRow; missed?: { gtId: number; imageIndex: number } } };

test('Failures tree and inspector: Cls names the true class and IoU, Loc the edge errors, Miss the best candidate', async () => {
  assert.ok(fs.existsSync(bundle), 'dist/extension.js is missing: run `npm run build` first');
  const fake = createFakeVscode();
  const extension = requireWithFakeVscode(bundle, fake) as { activate(ctx: unknown): void };
  const context = fakeExtensionContext(repo, fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-ctx-')));
  extension.activate(context);
  live.add(context);
  fake.openDialogAnswers.push([Uri.file(gtFile)], undefined);
  await fake.vscode.commands.executeCommand('gflLens.loadResults', Uri.file(resultsFile));

  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
  const matching = matchDetections({ images: dataset.images, annotations: dataset.annotations, categories: dataset.categories }, results);
  const annotation = new Map(dataset.annotations.map((a) => [a.id, a]));
  const categoryName = new Map(dataset.categories.map((c) => [c.id, c.name]));
  // The result (and its match record, same order) a tree row stands for: same image, same box, same score (float32).
  const resultOf = (row: { imageId: number; bbox: number[]; score: number }) => {
    const k = results.findIndex((r) => r.image_id === row.imageId && Math.abs(r.score - row.score) < 1e-6 &&
      r.bbox.every((v, i) => Math.abs(v - [row.bbox[0], row.bbox[1], row.bbox[2] - row.bbox[0], row.bbox[3] - row.bbox[1]][i]) < 1e-3));
    assert.ok(k >= 0, `no result for ${JSON.stringify(row)}`);
    return { det: results[k], m: matching.matches[k] };
  };

  const tree = fake.treeViews.get('gflLens.failures')!.treeDataProvider;
  await until(() => (tree.getChildren() as TreeNode[]).some((g) => (g.group?.count ?? 0) > 0), 'failure groups');
  const groups = tree.getChildren() as TreeNode[];
  const itemsOf = (kind: string) => tree.getChildren(groups.find((g) => g.group!.kind === kind)) as TreeNode[];

  const clsItems = itemsOf('Cls');
  assert.ok(clsItems.length > 0);
  for (const node of clsItems) {
    const { m } = resultOf(node.item!.row!);
    const treeItem = tree.getTreeItem(node) as { description: string; tooltip: string };
    const expected = `true class ${categoryName.get(m.anyClassCategoryId!)} · IoU ${m.anyClassIoU.toFixed(2)}`;
    assert.ok(treeItem.description.includes(expected), `Cls description "${treeItem.description}" lacks "${expected}"`);
    assert.doesNotMatch(treeItem.description, /IoU 0\.00/);
    assert.match(treeItem.tooltip, new RegExp(`ground truth #${m.anyClassGtId}\\b`));
  }

  const locItems = itemsOf('Loc');
  assert.ok(locItems.length > 0);
  for (const node of locItems.slice(0, 20)) {
    const { det, m } = resultOf(node.item!.row!);
    const g = annotation.get(m.sameClassGtId!)!.bbox;
    // predicted − true along each edge's outward normal: left g.x − d.x, top g.y − d.y, right d.x2 − g.x2, bottom d.y2 − g.y2.
    const d = det.bbox;
    const errors = [g[0] - d[0], g[1] - d[1], d[0] + d[2] - (g[0] + g[2]), d[1] + d[3] - (g[1] + g[3])];
    const fmt = (v: number) => (Math.round(v) === 0 ? '0' : `${v > 0 ? '+' : '−'}${Math.abs(Math.round(v))}`);
    const treeItem = tree.getTreeItem(node) as { description: string; tooltip: string };
    assert.ok(treeItem.description.includes(`IoU ${m.sameClassIoU.toFixed(2)} · L${fmt(errors[0])} T${fmt(errors[1])} R${fmt(errors[2])} B${fmt(errors[3])} px`),
      `Loc description "${treeItem.description}" vs errors ${errors.map(fmt).join(' ')}`);
  }

  const missItems = itemsOf('Miss');
  assert.ok(missItems.length > 0);
  for (const node of missItems.slice(0, 20)) {
    const treeItem = tree.getTreeItem(node) as { description: string; tooltip: string };
    assert.match(treeItem.description, /· (best: .+ · IoU \d\.\d\d · .+|no detection overlaps it)$/);
    assert.match(treeItem.tooltip, /^Missed /);
  }

  // The inspector gets the same context for the first Cls item, with the true object's ground truth to highlight.
  const first = clsItems[0];
  const opened = tree.getTreeItem(first) as { command: { command: string; arguments: unknown[] } };
  await fake.vscode.commands.executeCommand(opened.command.command, ...opened.command.arguments);
  const inspector = fake.panels.find((p) => p.viewType === 'gflLens.inspector')!;
  await until(() => inspector.posted.some((m) => (m as HostToWebview).type === HostMessageType.ShowImage), 'ShowImage');
  const shown = inspector.posted.find((m) => (m as HostToWebview).type === HostMessageType.ShowImage) as ShowImage;
  const box = shown.image.boxes[first.item!.row!.detIndex];
  const { m } = resultOf(first.item!.row!);
  assert.equal(box.context?.kind, 'Cls');
  assert.equal(box.context?.gtId, m.anyClassGtId);
  assert.ok(shown.image.groundTruth!.some((g) => g.id === box.context!.gtId));
  // Missed ground truths of that image carry their context too.
  const missedHere = new Set(matching.missedGtIds.filter((id) => annotation.get(id)!.image_id === first.item!.row!.imageId));
  for (const g of shown.image.groundTruth!) assert.equal(Boolean(g.missed), missedHere.has(g.id), `gt ${g.id}`);
});
