// The calibration view's numbers (webview/lib/calibrationMetrics.ts over the columns the host sends) must equal the
// report's (analyzeRun in extension/core/analytics/analysis.ts) on the same run: pycocotools' reference detections
// (instances_val2014_fakebbox100_results.json) against their ground truth. Filters are then checked by hand.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { runTableFromCocoResults } from '../../extension/core/runTable.ts';
import type { LoadedRun } from '../../extension/state/runModel.ts';
import { calibrationData } from '../../extension/webviews/panelData.ts';
import { calibrationSummary, perClassRows, selectedIndices } from '../../webview/lib/calibrationMetrics.ts';
import { nextSort, sortRows } from '../../webview/lib/tableSort.ts';
import { MIN_SAMPLE_FOR_STATISTICS } from '../../extension/core/analytics/statistics.ts';

const shared = path.resolve(__dirname, '../../../shared/reference/cocoeval');
const gtFile = path.join(shared, 'instances_val2014_100.json');
const resultsFile = path.join(shared, 'instances_val2014_fakebbox100_results.json');
const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
const results = parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset);
const table = runTableFromCocoResults(resultsFile, results, dataset, null);
// The run's one analysis (what the report and the CLI print), computed as the analysis worker computes it.
const reference = analyzeRun(table, dataset, dataset.categories.map((c) => c.id), { rescoring: false });
const loaded = {
  sourcePath: resultsFile, kind: 'results', label: 'results', header: table.header, classNames: table.header.profile.classNames,
  strides: [1], regMax: 0, hasDistributions: false, notes: [], table, categories: dataset.categories, imagesDir: null, complete: true,
} as LoadedRun;
const data = calibrationData(loaded, reference)!;
const none = { classIndex: null, level: null, size: null };

test('unfiltered view metrics (computed in the webview from the columns it receives) equal the analysis', () => {
  assert.ok(reference.calibration && reference.scoreIoU);
  const view = calibrationSummary(data, none);
  const close = (a: number | null, b: number | null, what: string) => {
    assert.ok(a !== null && b !== null && Math.abs(a - b) < 1e-12, `${what}: view ${a} vs analyzeRun ${b}`);
  };
  close(view.laece0.value, reference.calibration.laece0.value, 'LaECE0');
  close(view.laace0.value, reference.calibration.laace0.value, 'LaACE0');
  close(view.dece.value, reference.calibration.dece.value, 'D-ECE');
  close(view.tp.pearson, reference.scoreIoU.overall.tp.pearson, 'Pearson over TPs');
  close(view.tp.spearman, reference.scoreIoU.overall.tp.spearman, 'Spearman over TPs');
  close(view.all.pearson, reference.scoreIoU.overall.all.pearson, 'Pearson over all evaluated');
  close(view.all.spearman, reference.scoreIoU.overall.all.spearman, 'Spearman over all evaluated');
  assert.equal(view.indices.length, reference.scoreIoU.overall.all.n);
  assert.equal(view.tpIndices.length, reference.scoreIoU.overall.tp.n);
  close(view.iouNet.pearson, reference.scoreIoU.iouNet.pearson, 'Pearson over IoU ≥ 0.5 (IoU-Net)');
  assert.equal(view.iouNetIndices.length, reference.scoreIoU.iouNet.n);
  // IoU-Net's population holds every COCO-matched TP (IoU ≥ 0.5 by definition) plus the duplicates and other
  // same-class overlaps the one-to-one matching rejects.
  assert.ok(reference.scoreIoU.iouNet.n >= reference.scoreIoU.overall.tp.n);
  assert.deepEqual(view.laece0.perClass, reference.calibration.laece0.perClass);
});

test('a class filter keeps exactly that class: LaECE0 becomes that class\'s own value', () => {
  const unfiltered = calibrationSummary(data, none);
  const [busiest] = [...unfiltered.laece0.perClass].sort((a, b) => b.detections - a.detections);
  const classIndex = dataset.categories.findIndex((c) => c.id === busiest.categoryId);
  const filtered = calibrationSummary(data, { ...none, classIndex });
  assert.equal(filtered.laece0.classes, 1);
  assert.equal(filtered.laece0.value, busiest.value);
  for (const i of filtered.indices) assert.equal(data.points.classIndex[i], classIndex);
  const expected = [...selectedIndices(data, none)].filter((i) => data.points.classIndex[i] === classIndex);
  assert.deepEqual([...filtered.indices], expected);
});

test('size filters partition the evaluated detections', () => {
  const total = selectedIndices(data, none).length;
  const bySize = [0, 1, 2].map((size) => selectedIndices(data, { ...none, size }).length);
  assert.equal(bySize.reduce((a, b) => a + b, 0), total);
  assert.ok(bySize.every((n) => n > 0), `every size occurs: ${bySize}`);
});

test('per-class rows: n of TPs, Pearson r with its 95% Fisher interval (checked by hand), grey below the minimum n', () => {
  const summary = calibrationSummary(data, none);
  const rows = perClassRows(data, summary.indices, summary.laece0.perClass, summary.laace0.perClass, summary.dece.perClass);
  assert.equal(rows.length, summary.laece0.perClass.length);
  assert.equal(MIN_SAMPLE_FOR_STATISTICS, 10);
  const p = data.points;
  let checkedInterval = false, small = 0, large = 0;
  for (const row of rows) {
    // Independent count of the class's evaluated detections and TPs from the columns.
    const mine = [...summary.indices].filter((i) => p.categoryId[i] === row.categoryId);
    const tps = mine.filter((i) => p.tp[i] === 1);
    assert.equal(row.evaluated, mine.length);
    assert.equal(row.tp, tps.length);
    assert.equal(row.smallSample, tps.length < 10, row.name);
    if (row.smallSample) small++; else large++;
    assert.equal(row.name, dataset.categories.find((c) => c.id === row.categoryId)!.name);
    if (row.pearson !== null && tps.length > 3 && Math.abs(row.pearson) < 1) {
      // Fisher (1921): tanh(atanh(r) ± 1.959964 / √(n − 3)).
      const z = Math.atanh(row.pearson), se = 1 / Math.sqrt(tps.length - 3);
      assert.ok(Math.abs(row.pearsonCI![0] - Math.tanh(z - 1.959964 * se)) < 1e-6 && Math.abs(row.pearsonCI![1] - Math.tanh(z + 1.959964 * se)) < 1e-6, row.name);
      checkedInterval = true;
    }
    if (tps.length <= 3) assert.equal(row.pearsonCI, null);
  }
  assert.ok(checkedInterval && small > 0 && large > 0, `${small} small, ${large} large classes`);
});

test('tables sort by any column: numbers numerically, text by name, empty cells last, ties stable; a second click reverses', () => {
  const rows = [{ n: 'b', v: 2 }, { n: 'a', v: null }, { n: 'c', v: 10 }, { n: 'd', v: 2 }, { n: 'e', v: NaN }];
  assert.deepEqual(sortRows(rows, (r) => r.v, 'descending').map((r) => r.n), ['c', 'b', 'd', 'a', 'e']);
  assert.deepEqual(sortRows(rows, (r) => r.v, 'ascending').map((r) => r.n), ['b', 'd', 'c', 'a', 'e']);
  assert.deepEqual(sortRows(rows, (r) => r.n, 'ascending').map((r) => r.n), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(nextSort(null, 3, true), { column: 3, direction: 'descending' });
  assert.deepEqual(nextSort(null, 0, false), { column: 0, direction: 'ascending' });
  assert.deepEqual(nextSort({ column: 3, direction: 'descending' }, 3, true), { column: 3, direction: 'ascending' });
  assert.deepEqual(nextSort({ column: 3, direction: 'ascending' }, 1, true), { column: 1, direction: 'descending' });
});

test('the filter bar stays visible: the views\' toolbar is sticky at the top of their scroller', () => {
  const css = fs.readFileSync(path.resolve(__dirname, '../../media/webview.css'), 'utf8');
  const rules = [...css.matchAll(/(^|\n)\.toolbar \{([^}]*)\}/g)].map((m) => m[2]).join(';');
  assert.match(rules, /position: sticky/);
  assert.match(rules, /top: 0/);
});
