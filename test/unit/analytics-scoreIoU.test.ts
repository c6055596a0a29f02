import { test } from 'node:test';
import { DEFAULT_BOOTSTRAP } from '../../extension/core/analytics/statistics.ts';
import assert from 'node:assert/strict';
import { analyzeScoreIoU, cocoSize, cocoSizeIndex, scoreIoUHistogram, type ScoreIoUInput } from '../../extension/core/analytics/scoreIoU.ts';
import { analyzeDistributionKnows } from '../../extension/core/analytics/distributionKnows.ts';

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-9) => {
  assert.ok(actual !== null && actual !== undefined, `expected ${expected}, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

// Four detections: three TPs at 0.5 and one background box (IoU 0).
const INPUT: ScoreIoUInput = {
  scores: [0.9, 0.8, 0.3, 0.1],
  ious: [0.9, 0.6, 0.7, 0],
  tp: [1, 1, 1, 0],
  classIndex: [0, 0, 1, 1],
  level: [0, 1, 1, 2],
  size: [500, 2000, 20000, 9216].map(cocoSizeIndex),
  classNames: ['person', 'bicycle'],
  strides: [8, 16, 32],
};

test('cocoSize: COCO area bins, boundary areas go to the larger bin', () => {
  assert.equal(cocoSize(1023), 'small');
  assert.equal(cocoSize(1024), 'medium');
  assert.equal(cocoSize(9215), 'medium');
  assert.equal(cocoSize(9216), 'large');
});

test('overall correlations: TPs (IoU-Net) and all detections (QFL), hand-computed', () => {
  const a = analyzeScoreIoU(INPUT, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 200, seed: 3 } });
  // TPs: scores (0.9, 0.8, 0.3), IoUs (0.9, 0.6, 0.7). Ranks (3,2,1) vs (3,1,2): Σd² = 2 → rho = 1 − 12/24 = 0.5.
  close(a.overall.tp.spearman, 0.5);
  // Pearson: Σdsdi = 1/30, Σds² = 0.62/3, Σdi² = 0.14/3 → r = (1/30)/√(0.62·0.14/9) = 0.339422...
  close(a.overall.tp.pearson, 1 / 30 / Math.sqrt((0.62 * 0.14) / 9));
  assert.equal(a.overall.tp.n, 3);
  // All four: ranks (4,3,2,1) vs (4,2,3,1): Σd² = 2 → rho = 1 − 12/60 = 0.8.
  close(a.overall.all.spearman, 0.8);
  assert.equal(a.overall.all.n, 4);
  assert.ok(a.overall.all.spearmanCI !== null);
  assert.ok(a.overall.all.spearmanCI[0] <= a.overall.all.spearmanCI[1]);
});

test('groups: per class, level (labelled with its stride) and size, with n and undefined statistics as null', () => {
  const a = analyzeScoreIoU(INPUT, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 50, seed: 3 } });
  assert.deepEqual(a.byClass.map((g) => [g.label, g.all.n, g.tp.n]), [['person', 2, 2], ['bicycle', 2, 1]]);
  // person: two TPs (0.9, 0.9) and (0.8, 0.6): perfectly concordant.
  close(a.byClass[0].tp.pearson, 1);
  // bicycle: one TP → undefined; all: (0.3, 0.7), (0.1, 0) → r = 1.
  assert.equal(a.byClass[1].tp.pearson, null);
  close(a.byClass[1].all.pearson, 1);
  assert.deepEqual(a.byLevel.map((g) => [g.label, g.all.n]), [['level 0 (stride 8)', 1], ['level 1 (stride 16)', 2], ['level 2 (stride 32)', 1]]);
  assert.deepEqual(a.bySize.map((g) => [g.key, g.all.n]), [['small', 1], ['medium', 1], ['large', 2]]);
  assert.equal(a.bootstrap.resamples, 50);
});

test('degenerate: no TPs, one detection, all-equal scores', () => {
  const noTp = analyzeScoreIoU({ ...INPUT, tp: [0, 0, 0, 0] });
  assert.equal(noTp.overall.tp.n, 0);
  assert.equal(noTp.overall.tp.pearson, null);
  assert.equal(noTp.overall.tp.spearmanCI, null);
  const one = analyzeScoreIoU({ ...INPUT, scores: [0.5], ious: [0.7], tp: [1], classIndex: [0], level: [0], size: [cocoSizeIndex(100)] });
  assert.equal(one.overall.all.n, 1);
  assert.equal(one.overall.all.spearman, null);
  const flat = analyzeScoreIoU({ ...INPUT, scores: [0.5, 0.5, 0.5, 0.5] });
  assert.equal(flat.overall.all.pearson, null);
  assert.equal(flat.overall.all.spearman, null);
  const empty = analyzeScoreIoU({ ...INPUT, scores: [], ious: [], tp: [], classIndex: [], level: [], size: [] });
  assert.equal(empty.overall.all.n, 0);
  assert.deepEqual(empty.byClass, []);
});

test('2-D histogram: equal-width bins, 1.0 in the last bin, TP counts separately', () => {
  const h = scoreIoUHistogram(INPUT, 2, 2);
  assert.deepEqual(h.scoreEdges, [0, 0.5, 1]);
  // (0.9, 0.9) and (0.8, 0.6) → [1][1]; (0.3, 0.7) → [0][1]; (0.1, 0) → [0][0].
  assert.deepEqual(h.counts, [[1, 1], [0, 2]]);
  assert.deepEqual(h.tpCounts, [[0, 1], [0, 2]]);
  const edge = scoreIoUHistogram({ ...INPUT, scores: [1], ious: [1], tp: [1] }, 4, 4);
  assert.equal(edge.counts[3][3], 1);
});

test('distribution knows: per-edge std vs error, size-normalised pooling, ambiguity AUROC vs the score baseline', () => {
  // Three TPs; errors on every edge grow with std (left: std 1, 2, 3 px ↔ errors 0.5, 1, 4 px).
  const gt = [0, 0, 100, 100];
  const boxes = [
    [0.5, 1, 100.2, 100.1],
    [1, 2, 100.4, 100.3],
    [4, 3, 100.9, 100.6],
  ];
  const stdPx = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
  const a = analyzeDistributionKnows({
    count: 3,
    boxes: boxes.flat(),
    gtBoxes: [gt, gt, gt].flat(),
    stdPx,
    ambiguity: [0.9, 0.2, 0.5],
    iou: [0.6, 0.9, 0.8],
    score: [0.5, 0.9, 0.4],
  }, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 100, seed: 1 } });
  assert.equal(a.detections, 3);
  assert.deepEqual(a.perEdge.map((e) => e.edge), ['left', 'top', 'right', 'bottom']);
  for (const edge of a.perEdge) close(edge.correlation.spearman, 1);
  close(a.perEdge[0].meanErrorPx, (0.5 + 1 + 4) / 3);
  close(a.perEdge[0].meanStdPx, 2);
  // Pooled in pixels and size-normalised by the 100-px GT: the same ranks, so the same rho.
  close(a.pooledSizeNormalised.spearman, a.pooled.spearman!);
  // Only detection 0 has IoU < 0.75; its ambiguity 0.9 beats both negatives → AUROC 1.
  assert.deepEqual([a.ambiguityAUROC.positives, a.ambiguityAUROC.negatives], [1, 2]);
  close(a.ambiguityAUROC.auroc, 1);
  // 1 − score: 0.5 for the positive vs 0.1 (win) and 0.6 (loss) → 0.5.
  close(a.ambiguityAUROC.scoreBaselineAUROC, 0.5);
  // Ambiguity (0.9, 0.2, 0.5) vs IoU (0.6, 0.9, 0.8): perfectly discordant.
  close(a.ambiguityIoUSpearman, -1);
});

test('distribution knows: no TPs gives empty, null figures', () => {
  const a = analyzeDistributionKnows({ count: 0, boxes: [], gtBoxes: [], stdPx: [], ambiguity: [], iou: [], score: [] });
  assert.equal(a.detections, 0);
  assert.equal(a.pooled.pearson, null);
  assert.equal(a.ambiguityAUROC.auroc, null);
  assert.equal(a.perEdge[0].meanErrorPx, null);
});

test('IoU-Net population: every detection with IoU ≥ 0.5 (a duplicate included), not only the COCO-matched TPs', () => {
  // A duplicate (FP at 0.5, IoU 0.8 with an already matched GT) joins IoU-Net's population; the background box does not.
  const input: ScoreIoUInput = { ...INPUT, scores: [0.9, 0.8, 0.3, 0.1, 0.2], ious: [0.9, 0.6, 0.7, 0, 0.8], tp: [1, 1, 1, 0, 0], classIndex: [0, 0, 1, 1, 0], level: [0, 1, 1, 2, 0], size: [500, 2000, 20000, 9216, 500].map(cocoSizeIndex) };
  const a = analyzeScoreIoU(input, { bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 0 } });
  assert.equal(a.overall.tp.n, 3);
  assert.equal(a.iouNet.n, 4);
  // Pearson over (0.9,0.9), (0.8,0.6), (0.3,0.7), (0.2,0.8), by hand: means 0.55 and 0.75.
  const xs = [0.9, 0.8, 0.3, 0.2], ys = [0.9, 0.6, 0.7, 0.8];
  const sxy = xs.reduce((s, x, i) => s + (x - 0.55) * (ys[i] - 0.75), 0);
  const sxx = xs.reduce((s, x) => s + (x - 0.55) ** 2, 0), syy = ys.reduce((s, y) => s + (y - 0.75) ** 2, 0);
  close(a.iouNet.pearson, sxy / Math.sqrt(sxx * syy), 1e-6);
});
