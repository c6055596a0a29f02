import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptiveCalibrationError,
  countedIndices,
  detectionECE,
  equalWidthBin,
  expectedCalibrationError,
  localisationAwareACE,
  localisationAwareECE,
  reliabilityDiagram,
  type CalibrationInput,
} from '../../extension/core/analytics/calibration.ts';
import { cocoBoxIoU, matchAtThreshold, matchAtThresholds, type MatchDetection, type MatchGroundTruth } from '../../extension/core/analytics/thresholdMatching.ts';

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-12) => {
  assert.ok(actual !== null && actual !== undefined, `expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

test('equalWidthBin: first bin closed [0, 1/B], then (j/B, (j+1)/B]', () => {
  assert.equal(equalWidthBin(0, 25), 0);
  assert.equal(equalWidthBin(0.04, 25), 0); // the upper edge of bin 0 belongs to it
  assert.equal(equalWidthBin(0.0401, 25), 1);
  assert.equal(equalWidthBin(0.5, 10), 4); // (0.4, 0.5]
  assert.equal(equalWidthBin(1, 25), 24);
  assert.equal(equalWidthBin(1.2, 10), 9);
  assert.equal(equalWidthBin(-0.1, 10), 0);
});

test('expectedCalibrationError: hand-computed, including one detection, all-equal scores and no detections', () => {
  // Bins of width 0.1: {0.82, 0.88} in (0.8, 0.9]: mean score 0.85, mean target 0.7 → gap 0.15, weight 2/3;
  // {0.25}: gap |0.25 − 0.4| = 0.15, weight 1/3 → ECE = 0.15.
  const scores = [0.82, 0.88, 0.25];
  const targets = [0.9, 0.5, 0.4];
  close(expectedCalibrationError(scores, targets, [0, 1, 2], 10), 0.15);
  // Separate bins: (|0.85 − 0.7| + |0.75 − 0| + |0.25 − 0.4|) / 3 = 0.35.
  close(expectedCalibrationError([0.85, 0.75, 0.25], [0.7, 0, 0.4], [0, 1, 2], 10), 0.35);
  // One detection: |p − t|.
  close(expectedCalibrationError([0.6], [0.2], [0], 25), 0.4);
  // All-equal scores 0.5 with mean target 0.5: perfectly calibrated.
  close(expectedCalibrationError([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 1], [0, 1, 2, 3], 25), 0);
  assert.equal(expectedCalibrationError([0.5], [1], [], 25), null);
});

test('reliabilityDiagram: counts, means, and null for empty bins', () => {
  const bins = reliabilityDiagram([0.82, 0.88, 0.25], [0.9, 0.5, 0.4], [0, 1, 2], 4);
  assert.equal(bins.length, 4);
  assert.deepEqual(bins.map((b) => b.count), [1, 0, 0, 2]);
  assert.deepEqual([bins[0].lower, bins[0].upper, bins[3].lower, bins[3].upper], [0, 0.25, 0.75, 1]);
  close(bins[3].meanScore, 0.85);
  close(bins[3].meanTarget, 0.7);
  assert.equal(bins[1].meanScore, null);
  assert.equal(bins[2].meanTarget, null);
});

test('adaptiveCalibrationError: equal-mass bins and the one-detection-per-bin LaACE₀ form', () => {
  const scores = [0.4, 0.1, 0.3, 0.2];
  const targets = [1, 0, 1, 0];
  // Sorted by score: {0.1, 0.2} mean 0.15 vs 0 → 0.15; {0.3, 0.4} mean 0.35 vs 1 → 0.65; weights ½ → 0.4.
  close(adaptiveCalibrationError(scores, targets, [0, 1, 2, 3], 2), 0.4);
  // 3 bins over 4 detections: sizes 2, 1, 1 → 0.5·0.15 + 0.25·|0.3 − 1| + 0.25·|0.4 − 1| = 0.4.
  close(adaptiveCalibrationError(scores, targets, [0, 1, 2, 3], 3), 0.4);
  // One detection per bin: mean |p − t| = (0.6 + 0.1 + 0.7 + 0.2) / 4 = 0.4.
  close(adaptiveCalibrationError(scores, targets, [0, 1, 2, 3], null), 0.4);
  close(adaptiveCalibrationError([0.9], [0.6], [0], null), 0.3);
  assert.equal(adaptiveCalibrationError([], [], [], null), null);
});

function classwiseInput(): CalibrationInput {
  // Category 1: scores 0.82, 0.88 with IoU targets 0.9, 0.5. Category 2: one FP at 0.6 (target 0).
  // Category 3 has detections but no ground truth (left out, as in the reference code); detection 4 is ignored.
  return {
    scores: [0.82, 0.88, 0.6, 0.7, 0.95],
    targets: [0.9, 0.5, 0, 0, 0.9],
    categories: [1, 1, 2, 3, 1],
    ignored: [0, 0, 0, 0, 1],
    categoriesWithGroundTruth: new Set([1, 2, 4]),
  };
}

test('LaECE: class-wise mean of binned errors over classes with ground truth and detections', () => {
  const input = classwiseInput();
  // Category 1 (25 bins of 0.04): 0.82 ∈ (0.80, 0.84] and 0.88 ∈ (0.84, 0.88] are separate bins:
  // (|0.82 − 0.9| + |0.88 − 0.5|) / 2 = (0.08 + 0.38) / 2 = 0.23. Category 2: |0.6 − 0| = 0.6. Mean = 0.415.
  const laece = localisationAwareECE(input, 0);
  assert.equal(laece.name, 'LaECE0');
  close(laece.value, 0.415);
  assert.equal(laece.classes, 2);
  assert.deepEqual(laece.perClass.map((c) => [c.categoryId, c.detections]), [[1, 2], [2, 1]]);
  close(laece.perClass[0].value, 0.23);
  // With 10 bins both category-1 detections share (0.8, 0.9]: |0.85 − 0.7| = 0.15 → (0.15 + 0.6) / 2 = 0.375.
  close(localisationAwareECE(input, 0.1, 10).value, 0.375);
  assert.equal(localisationAwareECE(input, 0.1, 10).name, 'LaECE@0.1');
});

test('LaACE₀: class-wise mean |p − IoU|', () => {
  const laace = localisationAwareACE(classwiseInput(), 0);
  // Category 1: (0.08 + 0.38) / 2 = 0.23; category 2: 0.6 → 0.415.
  close(laace.value, 0.415);
  assert.equal(laace.binning, 'per-detection');
});

test('D-ECE: pooled over classes, binary target; no TPs gives the mean score', () => {
  const input: CalibrationInput = {
    scores: [0.82, 0.88, 0.25, 0.6],
    targets: [1, 0, 1, 0],
    categories: [1, 1, 2, 2],
    ignored: [0, 0, 0, 0],
    categoriesWithGroundTruth: new Set([1, 2]),
  };
  // 10 bins: (0.8, 0.9] holds 0.82, 0.88 → |0.85 − 0.5| = 0.35 (weight ½); 0.25 → 0.75 (¼); 0.6 → 0.6 (¼).
  // D-ECE = 0.175 + 0.1875 + 0.15 = 0.5125.
  const dece = detectionECE(input, 0.5);
  close(dece.value, 0.5125);
  assert.equal(dece.perClass.length, 2);
  close(dece.perClass[1].value, (0.75 + 0.6) / 2);
  // No true positives at all: every bin's precision is 0, so D-ECE is the mean score.
  const noTp = detectionECE({ ...input, targets: [0, 0, 0, 0] }, 0.5);
  close(noTp.value, (0.82 + 0.88 + 0.25 + 0.6) / 4);
  // Nothing counted: null, not 0.
  const none = detectionECE({ ...input, ignored: [1, 1, 1, 1] }, 0.5);
  assert.equal(none.value, null);
  assert.equal(localisationAwareECE({ ...input, ignored: [1, 1, 1, 1] }, 0).value, null);
  assert.deepEqual(countedIndices({ ...input, ignored: [0, 1, 0, 0] }), [0, 2, 3]);
});

test('cocoBoxIoU: union, crowd (union = detection area), disjoint', () => {
  close(cocoBoxIoU([1, 0, 10, 10], [0, 0, 10, 10], false), 90 / 110);
  close(cocoBoxIoU([0, 0, 5, 5], [0, 0, 10, 10], true), 1);
  assert.equal(cocoBoxIoU([0, 0, 5, 5], [6, 0, 5, 5], false), 0);
});

test('matchAtThreshold: COCOeval greedy matching at τ = 0.5 and its IoU-0 matches at τ = 0', () => {
  const gts: MatchGroundTruth[] = [
    { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], iscrowd: false }, // A
    { imageId: 1, categoryId: 1, bbox: [20, 0, 10, 10], iscrowd: false }, // B
    { imageId: 1, categoryId: 1, bbox: [40, 0, 10, 10], iscrowd: true }, // crowd C
  ];
  const dets: MatchDetection[] = [
    { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.9 }, // IoU 1 with A
    { imageId: 1, categoryId: 1, bbox: [1, 0, 10, 10], score: 0.8 }, // 90/110 with A (taken), 0 with B
    { imageId: 1, categoryId: 1, bbox: [20, 0, 10, 5], score: 0.7 }, // 0.5 with B
    { imageId: 1, categoryId: 1, bbox: [40, 0, 5, 5], score: 0.6 }, // inside the crowd region
    { imageId: 2, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.9 }, // image without ground truth
    { imageId: 1, categoryId: 7, bbox: [0, 0, 10, 10], score: 0.9 }, // category without ground truth
  ];
  const at50 = matchAtThreshold(gts, dets, 0.5);
  assert.deepEqual([...at50.matchedGt], [0, -1, 1, 2, -1, -1]);
  assert.deepEqual([...at50.ignored], [0, 0, 0, 1, 1, 1]);
  close(at50.iou[2], 0.5);
  // τ = 0: the 0.8 detection takes B with IoU 0 (COCOeval accepts IoU ≥ 0), so the 0.7 detection finds A and B
  // taken and falls through to the crowd region (IoU 0 ≥ 0): matched to a crowd → ignored, exactly as pycocotools.
  const at0 = matchAtThreshold(gts, dets, 0);
  assert.deepEqual([...at0.matchedGt], [0, 1, 2, 2, -1, -1]);
  assert.deepEqual([...at0.ignored], [0, 0, 1, 1, 1, 1]);
  assert.equal(at0.iou[1], 0);
  assert.equal(at0.iou[2], 0);
  // Several thresholds in one pass give the same answers as one at a time.
  const [both0, both50] = matchAtThresholds(gts, dets, [0, 0.5]);
  assert.deepEqual(both0, at0);
  assert.deepEqual(both50, at50);
});

test('matchAtThreshold: only the top maxDets detections per image and category count', () => {
  const gts: MatchGroundTruth[] = [{ imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], iscrowd: false }];
  const dets: MatchDetection[] = [
    { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.2 },
    { imageId: 1, categoryId: 1, bbox: [50, 0, 10, 10], score: 0.9 },
  ];
  const result = matchAtThreshold(gts, dets, 0.5, 1);
  assert.deepEqual([...result.ignored], [1, 0]);
  assert.deepEqual([...result.matchedGt], [-1, -1]);
});
