// The evaluation view's payload (extension/webviews/evaluationData.ts) on a hand-made run whose verdicts follow from
// the geometry: one image with a cat and a dog; a perfect cat box (TP), a cat box overlapping the cat by IoU
// 400/2800 (FP, TIDE Loc), a dog box on background (FP, TIDE Bkg); the dog is missed. Operating threshold 0.25.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeRun, operatingPointOfRun } from '../../extension/core/analytics/analysis.ts';
import { CELL_LIST_LIMIT, evaluationData } from '../../extension/webviews/evaluationData.ts';
import { parseWebviewMessage, WebviewMessageType } from '../../extension/protocol/messages.ts';
import { analysis, dataset, run, table } from './helpers/evaluationFixture.ts';

test('payload: the analysis\' stats, per-class counts at the threshold, confusion cells as inspector refs, worst image', () => {
  const data = evaluationData(run, analysis, null)!;
  assert.deepEqual(data.stats, analysis.evaluation!.stats);
  assert.equal(data.statLines.length, 12);
  assert.match(data.statLines[0], /^Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = /);
  const byName = Object.fromEntries(data.classes.map((c) => [c.name, [c.tp, c.fp, c.fn, c.numGt]]));
  assert.deepEqual(byName, { cat: [1, 1, 0, 1], dog: [0, 1, 1, 1] });
  assert.equal(data.operatingThreshold, 0.25);
  // Ultralytics matrix [pred][true]: cat→cat; the Loc box (IoU 0.14 < 0.45) and the dog box are background FPs; the dog GT is missed.
  assert.deepEqual(data.confusion.matrix, [[1, 0, 1], [0, 0, 1], [0, 1, 0]]);
  const cell = (p: number, t: number) => data.confusion.cells.find((c) => c.predicted === p && c.actual === t)!;
  assert.deepEqual(cell(0, 0).refs, [{ imageIndex: 0, detIndex: 0 }]);
  assert.deepEqual(cell(0, 2).refs, [{ imageIndex: 0, detIndex: 1 }]);
  assert.deepEqual(cell(2, 1).groundTruths, [{ imageIndex: 0, gtId: 2 }]);
  // Worst failure: the highest-scoring false positive (the Loc box at 0.6).
  assert.equal(data.images.length, 1);
  assert.deepEqual(data.images[0].worstRef, { imageIndex: 0, detIndex: 1 });
  assert.equal(data.images[0].worst, 'Loc: cat 0.60');
  assert.deepEqual([data.images[0].tp, data.images[0].fp, data.images[0].fn], [1, 2, 1]);
  // AP50 of the image: cat 1.0 (the TP ranks first), dog 0.
  assert.ok(Math.abs(data.images[0].ap50! - 0.5) < 1e-12);
  assert.equal(data.model, 'm.onnx');
  assert.equal(data.provider, 'cpu');
});

test('a higher operating threshold (recounted as the worker does) drops the boxes below it', () => {
  const op = operatingPointOfRun(table, analysis.rows, dataset, 0.7);
  const data = evaluationData(run, { ...analysis, operatingPoint: op }, 1)!;
  // Only the 0.9 cat box scores above 0.7.
  assert.deepEqual(data.classes.map((c) => [c.tp, c.fp, c.fn]), [[1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(data.confusion.matrix, [[1, 0, 0], [0, 0, 0], [0, 1, 0]]);
  assert.equal(data.images[0].worst, 'Missed: dog (900 px²)');
  assert.equal(data.images[0].worstGtId, 2);
  assert.equal(data.categoryFilter, 1);
});

test('without ground truth there is no evaluation payload', () => {
  const bare = analyzeRun(table, null, [1, 2], { detail: 'summary' });
  assert.equal(bare.operatingPoint, null);
  assert.equal(evaluationData(run, bare, null), null);
});

test('the view\'s messages to the host are validated', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'filterCategory', categoryId: 3 }), { type: WebviewMessageType.FilterCategory, categoryId: 3 });
  assert.deepEqual(parseWebviewMessage({ type: 'filterCategory', categoryId: null }), { type: WebviewMessageType.FilterCategory, categoryId: null });
  assert.equal(parseWebviewMessage({ type: 'filterCategory', categoryId: '3' }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'setOperatingThreshold', threshold: 0.37 }), { type: WebviewMessageType.SetOperatingThreshold, threshold: 0.37 });
  assert.equal(parseWebviewMessage({ type: 'setOperatingThreshold', threshold: 1.5 }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'revealFailureGroup', group: 'Loc' }), { type: WebviewMessageType.RevealFailureGroup, group: 'Loc' });
  assert.equal(parseWebviewMessage({ type: 'revealFailureGroup', group: 'constructor' }), undefined);
  assert.deepEqual(parseWebviewMessage({ type: 'openGroundTruth', imageIndex: 0, gtId: 2 }), { type: WebviewMessageType.OpenGroundTruth, imageIndex: 0, gtId: 2 });
  assert.equal(parseWebviewMessage({ type: 'openGroundTruth', imageIndex: -1, gtId: 2 }), undefined);
});

test('a confusion cell sends at most CELL_LIST_LIMIT detections to the view; the matrix keeps the count', () => {
  const op = analysis.operatingPoint!;
  const many = { ...op, confusion: { ...op.confusion, matrix: op.confusion.matrix.map((row, p) => row.map((v, t) => (p === 0 && t === 2 ? 300 : v))),
    cells: op.confusion.cells.map((c) => (c.predicted === 0 && c.actual === 2 ? { ...c, detections: new Array<number>(300).fill(1) } : c)) } };
  const data = evaluationData(run, { ...analysis, operatingPoint: many }, null)!;
  const cell = data.confusion.cells.find((c) => c.predicted === 0 && c.actual === 2)!;
  assert.equal(cell.refs.length, CELL_LIST_LIMIT);
  assert.equal(data.confusion.matrix[0][2], 300);
});
