// The evaluation view's numbers against independent references: PR curves = pycocotools' precision array (read
// straight from the T×R×K×A×M layout), per-image AP50 = COCOeval run on that image alone, the confusion matrix on
// hand-built cases, and the max-F1 confidence on a hand-computed case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';
import { detectionConfusionMatrix, normalizeColumns, type ConfusionImage } from '../../extension/core/analytics/confusionMatrix.ts';
import { interp, linspace, prCurves, smooth, thresholdCurves } from '../../extension/core/analytics/evaluationCurves.ts';
import { evaluateOperatingPoint, scoredDetectionsOfResults } from '../../extension/core/analytics/operatingPointEvaluation.ts';

const referenceDir = path.resolve(__dirname, '../../../shared/reference/cocoeval');
const gtFile = path.join(referenceDir, 'instances_val2014_100.json');
const dtFile = path.join(referenceDir, 'instances_val2014_fakebbox100_results.json');
const gt = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
const dets = parseCocoResults(fs.readFileSync(dtFile, 'utf8'), dtFile, gt);
const evaluation = evaluateCoco(gt, dets);

test('PR curves are pycocotools\' precision array: [t, r, k, area all, maxDets 100] for IoU .5, .75 and the mean over T', () => {
  const curves = prCurves(evaluation);
  const [T, R, K, A, M] = evaluation.precisionDims;
  const at = (t: number, r: number, k: number) => evaluation.precision[(((t * R + r) * K + k) * A + 0) * M + (M - 1)];
  assert.equal(curves.categories.length, K);
  assert.equal(curves.recall.length, 101);
  for (let k = 0; k < K; k++) {
    const c = curves.categories[k];
    assert.equal(c.categoryId, evaluation.catIds[k]);
    for (let r = 0; r < R; r++) {
      assert.equal(c.iou50[r], at(0, r, k));
      assert.equal(c.iou75[r], at(5, r, k));
      const defined = Array.from({ length: T }, (_, t) => at(t, r, k)).filter((v) => v > -1);
      const expected = defined.length ? defined.reduce((s, v) => s + v, 0) / defined.length : -1;
      assert.ok(Math.abs(c.iouMean[r] - expected) < 1e-15);
    }
    // The prCurve accessor of the evaluator reads the same array.
    assert.deepEqual(c.iou50, Array.from(evaluation.prCurve(c.categoryId, 0).precision));
  }
  // Averaged over categories and recall thresholds, the IoU-0.5 curve is AP50 and the .50:.95 one is AP (every
  // category is either defined at all recall thresholds or at none, so the mean of means is the mean).
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  assert.ok(Math.abs(mean(curves.mean.iou50) - evaluation.stats[1]) < 1e-12, `${mean(curves.mean.iou50)} vs ${evaluation.stats[1]}`);
  assert.ok(Math.abs(mean(curves.mean.iou75) - evaluation.stats[2]) < 1e-12);
  assert.ok(Math.abs(mean(curves.mean.iouMean) - evaluation.stats[0]) < 1e-12);
});

test('per-image AP50 equals COCOeval run on that image alone (imgIds = [id]); TP/FP/FN add up', () => {
  const matching = matchDetections(gt, dets, evaluation);
  const images = gt.images.map((image) => ({ id: image.id }));
  const scored = scoredDetectionsOfResults(dets, evaluation, matching.matches, images);
  const result = evaluateOperatingPoint(scored, images, gt, 0.25);
  assert.equal(result.perImage.length, images.length);
  let checked = 0;
  for (const row of result.perImage) {
    const alone = evaluateCoco(gt, dets, { imgIds: [row.imageId] }).stats[1];
    if (alone === -1) assert.equal(row.ap50, null);
    else {
      assert.ok(row.ap50 !== null && Math.abs(row.ap50 - alone) < 1e-12, `image ${row.imageId}: ${row.ap50} vs ${alone}`);
      checked++;
    }
  }
  assert.ok(checked > 50);
  // Worst first: the ranking key never decreases.
  const key = (r: (typeof result.perImage)[number]) => r.ap50 ?? (r.fp > 0 ? 0 : 1);
  for (let i = 1; i < result.perImage.length; i++) assert.ok(key(result.perImage[i - 1]) <= key(result.perImage[i]));
  // Counts at the threshold from the match records directly.
  const above = matching.matches.map((m, d) => ({ m, d })).filter(({ d }) => dets[d].score > 0.25);
  const tp = above.filter(({ m }) => m.cocoOutcome50 === 'tp').length;
  const fp = above.filter(({ m }) => m.cocoOutcome50 === 'fp').length;
  const numGt = gt.annotations.filter((a) => !a.iscrowd).length;
  assert.deepEqual([result.overall.tp, result.overall.fp, result.overall.fn], [tp, fp, numGt - tp]);
  assert.equal(result.perImage.reduce((s, r) => s + r.fp, 0), fp);
});

// Confusion matrix definition under test (Ultralytics ConfusionMatrix.process_batch): detections with score > conf;
// (GT, detection) pairs with IoU > 0.45 regardless of class; best pair per detection, then best per GT; a paired GT
// counts at [pred][true], an unpaired GT at [background][true], an unpaired detection at [pred][background]. Crowd
// regions are not ground truths; an unpaired detection on a same-category crowd region is ignored.
test('confusion matrix: hand-built cases (correct, confused, duplicate, background FP, missed, crowd, below conf, unmapped)', () => {
  const box = (x: number, y: number, w = 10, h = 10) => [x, y, x + w, y + h];
  const images: ConfusionImage[] = [
    {
      imageIndex: 0,
      groundTruth: [
        { id: 1, categoryIndex: 0, box: box(0, 0) }, // found by det 10 (class 0): correct
        { id: 2, categoryIndex: 1, box: box(100, 0) }, // found by det 11 as class 0: confused
        { id: 3, categoryIndex: 1, box: box(200, 0) }, // nothing overlaps: missed
      ],
      crowd: [{ categoryIndex: 0, box: box(300, 0, 100, 100) }],
      detections: [
        { ref: 10, categoryIndex: 0, score: 0.9, box: box(0, 0) },
        { ref: 12, categoryIndex: 0, score: 0.8, box: box(1, 0) }, // duplicate of GT 1 (IoU 0.82 < det 10's 1.0): background FP
        { ref: 11, categoryIndex: 0, score: 0.7, box: box(100, 0) },
        { ref: 13, categoryIndex: 1, score: 0.6, box: box(500, 500) }, // on nothing: background FP
        { ref: 14, categoryIndex: 0, score: 0.6, box: box(310, 10, 20, 20) }, // inside the class-0 crowd region: ignored
        { ref: 15, categoryIndex: 1, score: 0.6, box: box(350, 10, 20, 20) }, // inside a crowd region of another class: background FP
        { ref: 16, categoryIndex: 1, score: 0.25, box: box(200, 0) }, // at (not above) conf: left out, so GT 3 stays missed
        { ref: 17, categoryIndex: -1, score: 0.9, box: box(200, 0) }, // unmapped class: left out
      ],
    },
    { imageIndex: 1, groundTruth: [], crowd: [], detections: [{ ref: 20, categoryIndex: 1, score: 0.5, box: box(0, 0) }] }, // image without GT
  ];
  const m = detectionConfusionMatrix(images, [7, 9], ['a', 'b'], 0.25);
  // rows predicted (a, b, background), columns true (a, b, background)
  assert.deepEqual(m.matrix, [
    [1, 1, 1],
    [0, 0, 3],
    [0, 1, 0],
  ]);
  assert.equal(m.ignoredByCrowd, 1);
  assert.equal(m.unmappedDetections, 1);
  assert.deepEqual(m.labels, ['a', 'b', 'background']);
  const cell = (p: number, t: number) => m.cells.find((c) => c.predicted === p && c.actual === t)!;
  assert.deepEqual(cell(0, 0).detections, [10]);
  assert.deepEqual(cell(0, 1).detections, [11]);
  assert.deepEqual(cell(0, 2).detections, [12]);
  assert.deepEqual(cell(1, 2).detections.sort(), [13, 15, 20]);
  assert.deepEqual(cell(2, 1).groundTruths, [{ id: 3, imageIndex: 0 }]);
  // Normalised by true-class column, as Ultralytics plots it.
  assert.deepEqual(normalizeColumns(m.matrix).map((row) => row[1]), [0.5, 0, 0.5]);
});

test('confusion matrix: a GT two detections overlap goes to the higher IoU; a detection two GTs overlap pairs with one', () => {
  const images: ConfusionImage[] = [{
    imageIndex: 0,
    groundTruth: [{ id: 1, categoryIndex: 0, box: [0, 0, 10, 10] }, { id: 2, categoryIndex: 1, box: [2, 0, 12, 10] }],
    crowd: [],
    detections: [{ ref: 1, categoryIndex: 1, score: 0.9, box: [2, 0, 12, 10] }],
  }];
  const m = detectionConfusionMatrix(images, [1, 2], ['a', 'b'], 0.25);
  // det pairs with GT 2 (IoU 1) rather than GT 1 (IoU 0.67): correct for b, GT 1 missed.
  assert.deepEqual(m.matrix, [[0, 0, 0], [0, 1, 0], [1, 0, 0]]);
});

test('np.interp and smooth behave as numpy (hand-computed)', () => {
  assert.equal(interp(0.5, [0, 1], [0, 10], -1, -2), 5);
  assert.equal(interp(-1, [0, 1], [0, 10], -1, -2), -1);
  assert.equal(interp(2, [0, 1], [0, 10], -1, -2), -2);
  assert.equal(interp(1, [0, 1], [0, 10], -1, -2), 10);
  // ties in xp: the last of the equal values ≤ x is used
  assert.equal(interp(0.5, [0, 0.5, 0.5, 1], [0, 1, 3, 5], 0, 0), 3);
  // smooth(y, 0.4) on 5 points: nf = round(5·0.4·2) // 2 + 1 = 3, edges padded with the end values.
  const three = smooth([0, 0, 3, 0, 0], 0.4);
  assert.deepEqual(three.map((v) => +v.toFixed(12)), [0, 1, 1, 1, 0]);
});

test('max-F1 confidence on a hand-computed case: 1 GT, a TP at 0.9 and an FP at 0.1', () => {
  // Above 0.9: R = 0 (np.interp left), F1 = 0. From 0.1 to 0.9: R = 1, P falls linearly from 1 to 0.5, so F1 rises
  // with confidence up to 0.9; below 0.1: P = 0.5, F1 = 2/3. The 101-point box filter's mean is highest for the last
  // window lying wholly at or below 0.9: grid index 899 (899/999 ≤ 0.9 < 900/999) minus the half-width 50 = 849.
  const curves = thresholdCurves({ score: [0.9, 0.1], categoryId: [1, 1], tp: [1, 0], numGt: new Map([[1, 1]]) });
  assert.equal(curves.maxF1.index, 849);
  assert.equal(curves.maxF1.threshold, linspace(0, 1, 1000)[849]);
  assert.ok(Math.abs(curves.maxF1.recall - 1) < 1e-12);
  // P at x = 849/999 on the line from (0.1, 0.5) to (0.9, 1).
  const x = 849 / 999;
  const p = 0.5 + 0.5 * (x - 0.1) / 0.8;
  assert.ok(Math.abs(curves.maxF1.precision - p) < 1e-9);
  assert.ok(Math.abs(curves.maxF1.f1 - (2 * p) / (p + 1)) < 1e-9);
  // Per category: the same (one category); the sampled curve at confidence 0.5 is on the same line.
  const c = curves.categories[0];
  assert.equal(c.bestF1Threshold, curves.maxF1.threshold);
  assert.ok(Math.abs(c.curve.precision[50] - (0.5 + 0.5 * 0.4 / 0.8)) < 1e-3);
  assert.equal(c.curve.recall[95], 0);
  assert.deepEqual([c.atMaxF1.tp, c.atMaxF1.fp], [1, 0]);
});

test('threshold curves: categories without ground truth are left out, and a category without detections has zero curves', () => {
  const curves = thresholdCurves({ score: [0.8, 0.7], categoryId: [1, 3], tp: [1, 0], numGt: new Map([[1, 2], [2, 1], [3, 0]]) });
  assert.deepEqual(curves.categories.map((c) => c.categoryId), [1, 2]);
  assert.equal(curves.categories[1].numDetections, 0);
  assert.ok(curves.categories[1].curve.f1.every((v) => v === 0));
  // mean F1 = (F1 of category 1 + 0) / 2 everywhere
  assert.ok(Math.abs(curves.mean.f1[0] - ((2 * 1 * 0.5) / 1.5) / 2) < 1e-12);
});
