// Per-detection match records, TIDE error types and dAP, confusion matrix — on small cases worked out by hand
// following dbolya/tide (quantify.py TIDERun/TIDEExample, errors/main_errors.py, errors/error.py BestGTMatch, ap.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import type { CocoAnnotation, CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { matchDetections } from '../../extension/core/coco/matching.ts';

type Box = [number, number, number, number];
const CAT = 1, DOG = 2;

function dataset(anns: [id: number, imageId: number, categoryId: number, bbox: Box, crowd?: 0 | 1][], imageIds = [1]): CocoDataset {
  const annotations: CocoAnnotation[] = anns.map(([id, image_id, category_id, bbox, crowd]) => ({
    id, image_id, category_id, bbox, area: bbox[2] * bbox[3], iscrowd: crowd ?? 0,
  }));
  return {
    images: imageIds.map((id) => ({ id, file_name: `${id}.jpg`, width: 640, height: 480 })),
    categories: [{ id: CAT, name: 'cat' }, { id: DOG, name: 'dog' }],
    annotations,
    warnings: [],
  };
}
const det = (image_id: number, category_id: number, bbox: Box, score: number): CocoResult => ({ image_id, category_id, bbox, score });
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: got ${actual}, expected ${expected}`);

// One image, one example of every error type:
//   GT: g1 cat [0,0,10,10], g2 dog [100,0,10,10], g3 cat [200,0,10,10] (nobody near it), g4 cat [300,0,10,10].
//   p1 cat on g1 (0.9)             → TP.
//   p2 cat on g1 (0.8)             → same-class IoU 1 but g1 is used: not Loc (1 > 0.5), not Cls → Dupe.
//   p3 cat on g2 (0.7)             → same-class IoU 0, other-class IoU 1 ≥ 0.5 → Cls (g2 unused → fixable).
//   p4 cat [305,0,10,10] (0.6)     → IoU with g4 = 50/150 = 1/3 ∈ [0.1, 0.5] → Loc (g4 unused → fixable).
//   p5 dog far away (0.5)          → max IoU 0 ≤ 0.1 → Bkg.
//   p6 dog [0,5,10,10] (0.4)       → IoU 1/3 with g1 (cat): no same-class overlap, other-class 1/3 < 0.5, no used
//                                     same-class GT, max IoU 1/3 > 0.1 → Both.
//   g3: unmatched and no Cls/Loc error points at it → Miss. g2 and g4 are "usable" (a fix exists) → not Miss.
const gt = dataset([[11, 1, CAT, [0, 0, 10, 10]], [12, 1, DOG, [100, 0, 10, 10]], [13, 1, CAT, [200, 0, 10, 10]], [14, 1, CAT, [300, 0, 10, 10]]]);
const dets = [
  det(1, CAT, [0, 0, 10, 10], 0.9), det(1, CAT, [0, 0, 10, 10], 0.8), det(1, CAT, [100, 0, 10, 10], 0.7),
  det(1, CAT, [305, 0, 10, 10], 0.6), det(1, DOG, [400, 0, 10, 10], 0.5), det(1, DOG, [0, 5, 10, 10], 0.4),
];
const result = matchDetections(gt, dets);

test('every TIDE error type is assigned with TIDE precedence; Miss lists the GT no error could fix', () => {
  assert.deepEqual(result.matches.map((m) => m.error), [null, 'Dupe', 'Cls', 'Loc', 'Bkg', 'Both']);
  assert.deepEqual(result.tide.counts, { Cls: 1, Loc: 1, Both: 1, Dupe: 1, Bkg: 1, Miss: 1 });
  assert.deepEqual(result.missedGtIds, [13]);
  // COCOeval at 0.5 leaves g2 (no dog TP), g3 and g4 unmatched.
  assert.deepEqual(result.unmatchedGtIds50, [12, 13, 14]);
});

test('match records: best same-class and any-class GT with IoU, COCOeval TP at 0.5 / 0.75', () => {
  const [p1, p2, p3, p4, p5, p6] = result.matches;
  assert.deepEqual([p1.tp50, p1.tp75, p1.matchedGtId50, p1.sameClassGtId, p1.sameClassIoU, p1.cocoOutcome50], [true, true, 11, 11, 1, 'tp']);
  assert.deepEqual([p2.tp50, p2.matchedGtId50, p2.sameClassGtId, p2.sameClassIoU, p2.cocoOutcome50], [false, null, 11, 1, 'fp']);
  assert.deepEqual([p3.sameClassGtId, p3.sameClassIoU, p3.anyClassGtId, p3.anyClassIoU, p3.anyClassCategoryId], [null, 0, 12, 1, DOG]);
  assert.deepEqual([p4.sameClassGtId, p4.anyClassGtId], [14, 14]);
  close(p4.sameClassIoU, 1 / 3, 'p4 IoU');
  assert.deepEqual([p5.sameClassGtId, p5.anyClassGtId, p5.anyClassIoU], [null, null, 0]);
  assert.deepEqual([p6.sameClassGtId, p6.anyClassGtId, p6.anyClassCategoryId], [null, 11, CAT]);
  assert.deepEqual(result.matches.map((m) => [m.imageId, m.detIndex, m.categoryId, m.score]), dets.map((d, i) => [1, i, d.category_id, d.score]));
});

test('TIDE AP and dAP per error type, derived by hand', () => {
  // TIDE AP (ap.py): per class, points sorted by score, 101 recall points x = i/100, searchsorted 'left'.
  //   cat (3 GT): T F F F → recall 1/3 at every point, precision envelope 1 → x ≤ 1/3 (x = 0 … 0.33, 34 points)
  //     get precision 1, the rest 0 → AP = 34/101 · 100.   dog (1 GT): F F → 0.   mAP = 34/101 · 50.
  const cat0 = (34 / 101) * 100;
  close(result.tide.ap, cat0 / 2, 'AP');
  // Cls fixed: p3 becomes a dog TP (0.7) → dog T F F with 1 GT → 100; cat T F F → 34/101 · 100.
  close(result.tide.dAP.Cls, (cat0 + 100) / 2 - cat0 / 2, 'dAP Cls'); // = 50
  // Loc fixed: p4 becomes a cat TP (0.6); p2 and p3 stay cat FPs → cat T F F T: recall 1/3, 1/3, 1/3, 2/3;
  //   precision 1, 1/2, 1/3, 1/2 → envelope 1, 1/2, 1/2, 1/2 → 34 points at 1, x = 0.34 … 0.66 (33 points) at
  //   1/2 → (34 + 16.5)/101 · 100 = 50; dog 0.
  close(result.tide.dAP.Loc, 50 / 2 - cat0 / 2, 'dAP Loc');
  // Dupe / Bkg / Both fixed: the FP vanishes, but every one of them ranks below the last TP of its class → no change.
  close(result.tide.dAP.Dupe, 0, 'dAP Dupe');
  close(result.tide.dAP.Bkg, 0, 'dAP Bkg');
  close(result.tide.dAP.Both, 0, 'dAP Both');
  // Miss fixed: cat has 2 GT → recall 1/2 → 51 points at 1 → 51/101 · 100.
  close(result.tide.dAP.Miss, ((51 / 101) * 100) / 2 - cat0 / 2, 'dAP Miss');
  // FalsePos: FPs rescored 0, TPs 1 → the order here is unchanged → 0.
  close(result.tide.specialDAP.FalsePos, 0, 'FalsePos');
  // FalseNeg: unmatched GT removed (cat: g3, g4; dog: g2) → cat 1 GT → 100; dog 0 GT but points → 0. mAP 50.
  close(result.tide.specialDAP.FalseNeg, 50 - cat0 / 2, 'FalseNeg');
});

test('confusion matrix at IoU 0.5 with background row and column', () => {
  // rows: true cat, dog, background; columns: predicted cat, dog, background.
  //   p1 TP → [cat][cat]; p3 FP on a dog → [dog][cat]; p2 (duplicate), p4 (IoU 1/3) → [bg][cat];
  //   p5, p6 (best IoU < 0.5) → [bg][dog]; unmatched g3, g4 → [cat][bg]; g2 → [dog][bg].
  assert.deepEqual(result.confusion.labels, ['cat', 'dog', 'background']);
  assert.deepEqual(result.confusion.counts, [[1, 0, 2], [1, 0, 1], [2, 2, 0]]);
  // A score threshold drops detections below it; their GT then count as missed.
  const high = matchDetections(gt, dets, undefined, { confusionScoreThreshold: 0.95 });
  assert.deepEqual(high.confusion.counts, [[0, 0, 3], [0, 0, 1], [0, 0, 0]]);
});

test('crowd regions are TIDE ignore regions (same class, crowd IoU > 0.5); an image with only a crowd gives Bkg', () => {
  // Image 1 has only a cat crowd region. A cat inside it is ignored by TIDE (no AP point, no error) and by
  // COCOeval (matched to the crowd). A dog inside it is not ignored (other class) and, with no non-crowd GT in
  // the image, is Background.
  const crowdGt = dataset([[1, 1, CAT, [0, 0, 100, 100], 1], [2, 2, CAT, [0, 0, 10, 10]]], [1, 2]);
  const crowdDets = [det(1, CAT, [10, 10, 10, 10], 0.9), det(1, DOG, [10, 10, 10, 10], 0.8), det(2, CAT, [0, 0, 10, 10], 0.7)];
  const crowd = matchDetections(crowdGt, crowdDets);
  assert.deepEqual(crowd.matches.map((m) => [m.error, m.cocoOutcome50, m.tp50]), [[null, 'ignored', false], ['Bkg', 'fp', false], [null, 'tp', true]]);
  // The crowd is not a "same-class GT" for the records.
  assert.equal(crowd.matches[0].sameClassGtId, null);
  // TIDE AP: cat 1 GT, one TP → 100; dog: one FP, no GT → 0; mAP 50. Fixing Bkg removes the dog FP → dog empty → 100.
  close(crowd.tide.ap, 50, 'AP');
  close(crowd.tide.dAP.Bkg, 50, 'dAP Bkg');
  assert.deepEqual(crowd.missedGtIds, []);
});

test('two Cls errors on one GT: only the higher-scoring one is fixed, the GT is not a Miss', () => {
  // GT: one dog. Two cat boxes on it (0.9, 0.6) and a dog FP far away (0.8). Both cats are Cls errors pointing at
  // the dog GT (BestGTMatch keeps 0.9). Original: dog F (0.8) with 1 GT → 0; cat two FPs, no GT → 0 → mAP 0.
  // Fix Cls: the 0.9 becomes a dog TP, the 0.6 disappears; dog: T(0.9) F(0.8) → 100; cat has no points left and
  // no GT → not counted → mAP 100. If both were fixed, dog would be T T F over 1 GT → still 100, but the cat
  // class would keep nothing either way; so also check the records.
  const oneDog = dataset([[5, 1, DOG, [0, 0, 10, 10]]]);
  const cats = [det(1, CAT, [0, 0, 10, 10], 0.9), det(1, DOG, [300, 300, 10, 10], 0.8), det(1, CAT, [0, 0, 10, 10], 0.6)];
  const both = matchDetections(oneDog, cats);
  assert.deepEqual(both.matches.map((m) => m.error), ['Cls', 'Bkg', 'Cls']);
  assert.deepEqual(both.missedGtIds, []);
  close(both.tide.ap, 0, 'AP');
  close(both.tide.dAP.Cls, 100, 'dAP Cls');
  // Fix Bkg: the far dog FP vanishes → dog has 1 GT and no points → 0; cat FPs → 0. No gain.
  close(both.tide.dAP.Bkg, 0, 'dAP Bkg');
});

test('equal-score Cls errors on one GT: the first one (TIDE order) is the one fixed', () => {
  // All three score 0.5, results order A, far dog FP, B; TIDE's stable sort keeps it. BestGTMatch replaces its
  // best only on a strictly higher score, so A is kept. Fixing Cls inserts A as a dog TP before the dog FP
  // (error order), ties keep insertion order → dog T, F → AP 100 (had B been kept: F, T → 50). mAP 0 → 100.
  const oneDog = dataset([[5, 1, DOG, [0, 0, 10, 10]]]);
  const tied = [det(1, CAT, [0, 0, 10, 10], 0.5), det(1, DOG, [300, 300, 10, 10], 0.5), det(1, CAT, [0, 0, 10, 10], 0.5)];
  const result = matchDetections(oneDog, tied);
  assert.deepEqual(result.matches.map((m) => m.error), ['Cls', 'Bkg', 'Cls']);
  close(result.tide.dAP.Cls, 100, 'dAP Cls');
});

test('detIndex comes from the results order within each image unless the result carries one', () => {
  const twoImages = dataset([[1, 1, CAT, [0, 0, 10, 10]], [2, 2, CAT, [0, 0, 10, 10]]], [1, 2]);
  const mixed = [det(2, CAT, [0, 0, 10, 10], 0.5), det(1, CAT, [0, 0, 10, 10], 0.5), det(2, CAT, [50, 50, 10, 10], 0.4)];
  assert.deepEqual(matchDetections(twoImages, mixed).matches.map((m) => [m.imageId, m.detIndex]), [[2, 0], [1, 0], [2, 1]]);
  const withIndex = mixed.map((r, i) => ({ ...r, detIndex: 10 + i }));
  assert.deepEqual(matchDetections(twoImages, withIndex).matches.map((m) => m.detIndex), [10, 11, 12]);
});
