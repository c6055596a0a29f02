// COCOeval corner cases with hand-derived expectations (pycocotools cannot run here: no PyPI). Each case states
// the pycocotools steps that decide it: evaluateImg (crowd / area ignore, greedy matching), accumulate (stable
// score sort across images in sorted image-id order, cumulative TP/FP, precision envelope, searchsorted 'left'
// on the 101 recall thresholds) and summarize (mean over entries > −1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import type { CocoAnnotation, CocoDataset } from '../../extension/core/coco/cocoLoad.ts';

type Box = [number, number, number, number];

function dataset(imageIds: number[], categoryIds: number[], anns: [id: number, imageId: number, categoryId: number, bbox: Box, area?: number, crowd?: 0 | 1][]): CocoDataset {
  const annotations: CocoAnnotation[] = anns.map(([id, image_id, category_id, bbox, area, crowd]) => ({
    id, image_id, category_id, bbox, area: area ?? bbox[2] * bbox[3], iscrowd: crowd ?? 0,
  }));
  return {
    images: imageIds.map((id) => ({ id, file_name: `${id}.jpg`, width: 640, height: 480 })),
    categories: categoryIds.map((id) => ({ id, name: `c${id}` })),
    annotations,
    warnings: [],
  };
}

const det = (image_id: number, category_id: number, bbox: Box, score: number): CocoResult => ({ image_id, category_id, bbox, score });

function assertStats(actual: number[], expected: number[]): void {
  const keys = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];
  expected.forEach((value, i) => assert.ok(Math.abs(actual[i] - value) <= 1e-12, `${keys[i]}: got ${actual[i]}, expected ${value}`));
}

test('crowd regions: matched detections are ignored, crowd IoU = intersection / detection area, a crowd absorbs many detections', () => {
  // One GT (area 100, small) and one crowd region [20,0,20,20]. Detections by score:
  //   d5 0.97 [35,0,10,10]: overlaps the crowd by 5×10 = 50 → crowd IoU 50/100 = 0.5 (standard IoU would be 0.11):
  //      matched (ignored) at t = 0.5, a false positive for t ≥ 0.55.
  //   d2 0.95, d3 0.92 inside the crowd: crowd IoU 1 → ignored at every t (the crowd is matched twice).
  //   d1 0.90 on the GT → TP.  d4 0.60 elsewhere → FP.
  // t = 0.5: sequence ig, ig, ig, TP, FP → rc [0,0,0,1,1], pr [0,0,0,1,.5] → envelope [1,1,1,1,.5]; every recall
  //   threshold finds precision 1 → AP 1.
  // t ≥ 0.55: FP, ig, ig, TP, FP → rc [0,0,0,1,1], pr [0,0,0,.5,1/3] → envelope .5 everywhere → AP .5.
  // AP = (1 + 9 · 0.5) / 10 = 0.55. AR1: the top detection of the image is d5 (ignored or FP) → recall 0.
  // Everything is small (GT area 100): APs = AP, medium/large have no GT → −1.
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 10, 10]], [2, 1, 1, [20, 0, 20, 20], 400, 1]]);
  const dets = [
    det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [20, 0, 10, 10], 0.95), det(1, 1, [22, 2, 10, 10], 0.92),
    det(1, 1, [50, 50, 10, 10], 0.6), det(1, 1, [35, 0, 10, 10], 0.97),
  ];
  const result = evaluateCoco(gt, dets);
  assertStats(result.stats, [0.55, 1, 0.5, 0.55, -1, -1, 0, 1, 1, 1, -1, -1]);
  // Per-detection outcome at t = 0.5 (index 0) and 0.55 (index 1).
  const T = result.detections.numThresholds;
  assert.equal(result.detections.ignored[4 * T + 0], 1);
  assert.equal(result.detections.ignored[4 * T + 1], 0);
  assert.equal(result.detections.matchedGt[1 * T + 9], 1); // d2 matched to the crowd (annotation index 1) even at 0.95
});

test('area ranges use the annotation area for GT and w·h for detections', () => {
  // GT box 40×40 (w·h 1600, medium) but area 900 (small, as a segment area can be). A false positive of w·h 1600
  // scores above the true positive.
  // all:    FP, TP → rc [0,1], pr [0,.5] → envelope .5 → AP .5 at every t.
  // small:  the GT counts (900 ≤ 1024); the unmatched FP has w·h 1600 > 1024 → ignored → TP alone → AP 1.
  // medium: the GT is outside [1024, 9216] → no positives → −1 (a w·h-based evaluator would say medium instead).
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 40, 40], 900]]);
  const result = evaluateCoco(gt, [det(1, 1, [0, 0, 40, 40], 0.9), det(1, 1, [100, 100, 40, 40], 0.95)]);
  assertStats(result.stats, [0.5, 0.5, 0.5, 1, -1, -1, 0, 1, 1, 1, -1, -1]);
});

test('an area exactly on a range bound belongs to both ranges (bounds are inclusive)', () => {
  // area 1024 = 32²: small is [0, 1024], medium [1024, 9216]; pycocotools ignores only area < lo or area > hi.
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 32, 32], 1024]]);
  const result = evaluateCoco(gt, [det(1, 1, [0, 0, 32, 32], 0.5)]);
  assertStats(result.stats, [1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1]);
});

test('tied scores across images: stable sort in sorted image-id order, not results order', () => {
  // Image 1: a false positive with score 0.5. Image 2: a true positive with score 0.5. The results list the
  // image-2 detection first, but accumulate() concatenates per-image results in sorted image-id order and
  // mergesort keeps that order for ties: FP, TP → rc [0, .5], pr [0, .5] → envelope [.5, .5].
  // searchsorted: recall thresholds 0 … 0.50 (51 of them; 50 · 0.01 == 0.5 exactly) → .5; 0.51 … 1 → 0.
  // AP = 51 · 0.5 / 101 = 25.5 / 101 at every t. (TP first would give 51/101.)
  const gt = dataset([1, 2], [1], [[1, 1, 1, [0, 0, 10, 10]], [2, 2, 1, [0, 0, 10, 10]]]);
  const dets = [det(2, 1, [0, 0, 10, 10], 0.5), det(1, 1, [200, 200, 10, 10], 0.5)];
  const result = evaluateCoco(gt, dets);
  const ap = 25.5 / 101;
  assertStats(result.stats, [ap, ap, ap, ap, -1, -1, 0.5, 0.5, 0.5, 0.5, -1, -1]);
});

test('tied scores inside an image: the earlier result gets the GT, the later one is the duplicate', () => {
  // Two identical boxes with equal scores on one GT: mergesort keeps results order, so result 0 matches.
  const gt = dataset([1], [1], [[7, 1, 1, [0, 0, 10, 10]]]);
  const result = evaluateCoco(gt, [det(1, 1, [0, 0, 10, 10], 0.7), det(1, 1, [0, 0, 10, 10], 0.7)]);
  const T = result.detections.numThresholds;
  assert.equal(result.detections.matchedGt[0 * T], 0);
  assert.equal(result.detections.matchedGt[1 * T], -1);
  assertStats(result.stats, [1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1]);
});

test('more than 100 detections per image: only the top 100 per (image, category) are evaluated', () => {
  // 100 false positives scored 0.99 … 0.5 and the only true positive scored 0.1 (rank 101). COCOeval keeps
  // the top 100, so TP never appears: rc all 0, pr all 0 → precision 0 at every threshold → AP 0 (defined: the GT
  // exists), recall 0. Without the cut the TP would add precision 1/101 at recall 1.
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 10, 10]]]);
  const dets: CocoResult[] = [];
  for (let i = 0; i < 100; i++) dets.push(det(1, 1, [100 + (i % 10) * 20, 100 + Math.floor(i / 10) * 20, 10, 10], 0.99 - i * 0.005));
  dets.push(det(1, 1, [0, 0, 10, 10], 0.1));
  const result = evaluateCoco(gt, dets);
  assertStats(result.stats, [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  assert.equal(result.detections.evaluated[100], 0);
  assert.equal(result.perCategory[0].numDetections, 100);
});

test('maxDets 1 / 10 / 100 cut per (image, category) by score', () => {
  // Three GTs and three exact detections (0.9, 0.8, 0.7): with maxDets 1 only the top one counts → recall 1/3.
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 10, 10]], [2, 1, 1, [20, 0, 10, 10]], [3, 1, 1, [40, 0, 10, 10]]]);
  const result = evaluateCoco(gt, [det(1, 1, [40, 0, 10, 10], 0.7), det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [20, 0, 10, 10], 0.8)]);
  assertStats(result.stats, [1, 1, 1, 1, -1, -1, 1 / 3, 1, 1, 1, -1, -1]);
});

test('sparse category ids, a category without GT, an image without GT, detections outside the GT', () => {
  // Categories 7, 55, 1000 (55 has no GT: precision stays −1 and is left out of the means).
  // Category 7: image 10 has the GT and a TP (0.9); image 30 has no GT but a FP (0.95) that still counts
  // (imgIds are all GT images). FP, TP → envelope .5 → AP .5.  Category 1000: one TP → AP 1.
  // mAP = (0.5 + 1) / 2 = 0.75; all boxes are small. AR: both categories reach recall 1 within 10 detections;
  // with maxDets 1 category 7 keeps image 10's TP (the cut is per image) → AR1 = 1 too.
  // Results on image 99 (not in the GT) and for category 3 (not in the GT) are never evaluated.
  const gt = dataset([30, 10, 20], [1000, 7, 55], [[1, 10, 7, [0, 0, 10, 10]], [2, 20, 1000, [0, 0, 20, 20]]]);
  const dets = [
    det(10, 7, [0, 0, 10, 10], 0.9), det(30, 7, [0, 0, 10, 10], 0.95), det(20, 1000, [0, 0, 20, 20], 0.5),
    det(20, 55, [0, 0, 20, 20], 0.9), det(99, 7, [0, 0, 10, 10], 0.99), det(10, 3, [0, 0, 10, 10], 0.99),
  ];
  const result = evaluateCoco(gt, dets);
  assertStats(result.stats, [0.75, 0.75, 0.75, 0.75, -1, -1, 1, 1, 1, 1, -1, -1]);
  assert.deepEqual(result.catIds, [7, 55, 1000]);
  assert.deepEqual(result.imgIds, [10, 20, 30]);
  assert.equal(result.detectionsOutsideGt, 2);
  assert.deepEqual(result.perCategory.map((c) => [c.categoryId, c.numGt, c.numDetections]), [[7, 1, 2], [55, 0, 1], [1000, 1, 1]]);
  // Precision is tp / (fp + tp + np.spacing(1)): a perfect category scores 1 / (1 + 2^-52) = 0.9999999999999998 in
  // pycocotools, not 1, while 1 / (2 + 2^-52) rounds to exactly 0.5.
  assert.deepEqual(result.perCategory.map((c) => c.ap), [0.5, -1, 0.9999999999999998]);
});

test('no detections at all: AP 0 for categories with GT, recall 0', () => {
  // With GT but no detections accumulate() still runs (evalImg exists) and leaves precision 0, recall 0.
  const gt = dataset([1], [1, 2], [[1, 1, 1, [0, 0, 100, 100]]]);
  const result = evaluateCoco(gt, []);
  assertStats(result.stats, [0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1, 0]);
});

test('a lower-IoU ignored GT does not steal a match from a non-ignored GT, and greedy order follows score', () => {
  // Two GTs of one category: A [0,0,10,10] (area 100, small) and B [0,0,10,12] (area 120 but 2000 stated: medium).
  // Detection [0,0,10,11] (0.9): IoU with A = 100/110 = 0.909, with B = 110/120 = 0.917.
  // area "small": B is ignored and sorted last; the loop stops at the first ignored GT once a non-ignored match
  //   exists, so the detection matches A → TP → APs = 1.
  // area "all": both count; the detection takes B (higher IoU) and A stays unmatched → AP at recall .5 →
  //   precision 1 for thresholds 0 … 0.5 (51 of 101) → AP = 51/101 at every t where both IoUs pass
  //   (0.909 and 0.917 pass t ≤ 0.9; at t = 0.95 nothing matches → 0).
  //   AP = (9 · 51/101 + 0) / 10.
  const gt = dataset([1], [1], [[1, 1, 1, [0, 0, 10, 10], 100], [2, 1, 1, [0, 0, 10, 12], 2000]]);
  const result = evaluateCoco(gt, [det(1, 1, [0, 0, 10, 11], 0.9)]);
  const apAll = (9 * (51 / 101)) / 10;
  assert.ok(Math.abs(result.stats[0] - apAll) <= 1e-12, `AP ${result.stats[0]}`);
  // APs: t ≤ 0.9 TP (IoU 0.909 with A); t = 0.95 FP → (9 · 1 + 0) / 10.
  assert.ok(Math.abs(result.stats[3] - 0.9) <= 1e-12, `APs ${result.stats[3]}`);
});
