import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIoU, compareRescoring, sharpnessScores, varianceVotedBoxes, type RescoringDetection } from '../../extension/core/analytics/rescoring.ts';
import { COCO_STAT_KEYS, evaluateCoco, type CocoGroundTruth } from '../../extension/core/coco/cocoEval.ts';

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-9) => {
  assert.ok(actual !== null && actual !== undefined, `expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

function det(partial: Partial<RescoringDetection> & Pick<RescoringDetection, 'bbox' | 'score'>): RescoringDetection {
  return { imageId: 1, categoryId: 1, detIndex: 0, topKMean: 1, stdPx: [1, 1, 1, 1], ...partial };
}

// One 10×10 ground-truth box (COCO area 100: small).
const GT: CocoGroundTruth = {
  images: [{ id: 1 }],
  annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
  categories: [{ id: 1, name: 'thing' }],
};
const evaluate = (results: Parameters<typeof evaluateCoco>[1]) => evaluateCoco(GT, results).stats;

test('sharpnessScores: score · topKMean^α', () => {
  const dets = [det({ bbox: [0, 0, 1, 1], score: 0.8, topKMean: 0.5 })];
  close(sharpnessScores(dets, 1)[0], 0.4);
  close(sharpnessScores(dets, 2)[0], 0.2);
  close(sharpnessScores(dets, 0)[0], 0.8);
});

test('varianceVotedBoxes: hand-computed weights exp(−(1−IoU)²/σ_t)/σ²', () => {
  // A = [0,0,10,10] (σ 1 px), B = [0,0,10,12] (σ 2 px): IoU 100/120, p = exp(−(1/6)²/0.02) = 0.249352...
  // A's bottom: (1·10 + p/4·12) / (1 + p/4) = 10.117360...; B's bottom: (12/4 + p·10) / (1/4 + p) = 11.001297...
  // The other edges coincide, so voting leaves them alone. C (other class) and D (disjoint) do not vote.
  const dets = [
    det({ bbox: [0, 0, 10, 10], score: 0.9, stdPx: [1, 1, 1, 1] }),
    det({ bbox: [0, 0, 10, 12], score: 0.8, stdPx: [2, 2, 2, 2] }),
    det({ bbox: [0, 0, 10, 30], score: 0.7, categoryId: 2 }),
    det({ bbox: [50, 50, 60, 60], score: 0.6 }),
  ];
  const p = Math.exp(-((1 / 6) ** 2) / 0.02);
  const voted = varianceVotedBoxes(dets, 0.02);
  close(voted[0][3], (10 + (p / 4) * 12) / (1 + p / 4));
  close(voted[1][3], (12 / 4 + p * 10) / (1 / 4 + p));
  close(voted[0][3], 10.117360104094098);
  assert.deepEqual(voted[0].slice(0, 3), [0, 0, 10]);
  assert.deepEqual(voted[2], [0, 0, 10, 30]);
  assert.deepEqual(voted[3], [50, 50, 60, 60]);
  close(boxIoU([0, 0, 10, 10], [0, 0, 10, 12]), 100 / 120);
});

test('compareRescoring: sharpness re-ranking lifts a sharp TP over a flat FP (ΔAP = +0.5, ΔAR1 = +1)', () => {
  const dets = [
    det({ bbox: [50, 50, 60, 60], score: 0.9, topKMean: 0.5, detIndex: 0 }), // background, flat → 0.45
    det({ bbox: [0, 0, 10, 10], score: 0.8, topKMean: 1, detIndex: 1 }), // exact, sharp → 0.8
  ];
  const r = compareRescoring(dets, evaluate, COCO_STAT_KEYS);
  // Before: FP first, TP second → precision ½ at recall 1 at every IoU threshold → AP 0.5; AR1 = 0.
  close(r.baseline[0], 0.5);
  close(r.baseline[6], 0);
  close(r.sharpness.stats[0], 1);
  close(r.sharpness.delta[0], 0.5); // AP
  close(r.sharpness.delta[3], 0.5); // APs
  assert.equal(r.sharpness.delta[4], 0); // APm: −1 before and after (no medium GT) → 0
  close(r.sharpness.delta[6], 1); // AR1
  assert.equal(r.sharpness.changed, 1);
  // Boxes do not overlap: voting changes nothing.
  assert.equal(r.varianceVoting.changed, 0);
  assert.ok(r.varianceVoting.delta.every((d) => d === 0));
  assert.deepEqual(r.statKeys, [...COCO_STAT_KEYS]);
});

test('compareRescoring: var voting pulls an uncertain edge onto a sharp neighbour (ΔAP = +0.15)', () => {
  // d0 (0.9) is 2 px too low at the bottom with σ 10 px there; d1 (0.3) is exact with σ 0.1 px.
  // Before: IoU(d0) = 100/120 = 0.833 → TP at thresholds 0.5…0.8 (AP 1), FP at 0.85, 0.9, 0.95 where d1 is the
  // TP at rank 2 (AP ½) → AP = (7·1 + 3·0.5)/10 = 0.85. After: d0's bottom = (0.01·12 + 24.935·10)/24.945 ≈ 10.0008,
  // IoU ≈ 0.9999 → TP at every threshold → AP 1.
  const dets = [
    det({ bbox: [0, 0, 10, 12], score: 0.9, stdPx: [1, 1, 1, 10], detIndex: 0 }),
    det({ bbox: [0, 0, 10, 10], score: 0.3, stdPx: [1, 1, 1, 0.1], detIndex: 1 }),
  ];
  const r = compareRescoring(dets, evaluate, COCO_STAT_KEYS);
  close(r.baseline[0], 0.85);
  close(r.varianceVoting.stats[0], 1);
  close(r.varianceVoting.delta[0], 0.15);
  close(r.varianceVoting.delta[1], 0); // AP50 already 1
  assert.equal(r.varianceVoting.changed, 2);
  assert.match(r.note, /post-NMS/);
});
