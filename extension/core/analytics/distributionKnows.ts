// "Does the distribution know?" For true positives with a matched ground truth: is an edge's DFL spread (std in
// pixels) larger where that edge is really wrong, and does the box ambiguity flag poorly localised boxes?
//
//  • Edge error = |predicted edge − matched ground-truth edge| in original pixels (x1, y1, x2, y2 ↔ l, t, r, b).
//  • Correlations (Pearson, Spearman with bootstrap CIs) of stdPx vs error per edge and pooled over edges. Both grow
//    with object size, which inflates a raw correlation, so the pooled figure is also given size-normalised: std and
//    error divided by the ground-truth width (left/right) or height (top/bottom).
//  • AUROC (rank-based, ties count ½) of the box ambiguity for "IoU < 0.75" among TPs at 0.5, next to the AUROC
//    of (1 − score) for the same question, so the distribution is compared with what the score already knows.

import { EDGE_NAMES, type EdgeName } from '../types.ts';
import { aurocByRanks, correlationsWithBudget, DEFAULT_BOOTSTRAP, spearman, type BootstrapOptions, type CorrelationWithInterval } from './statistics.ts';

export interface DistributionKnowsInput {
  /** Considered detections (true positives at IoU 0.5 with a distribution). */
  count: number;
  /** Predicted boxes xyxy (original pixels), 4 per detection. */
  boxes: ArrayLike<number>;
  /** Matched ground-truth boxes xyxy (original pixels), 4 per detection, same order. */
  gtBoxes: ArrayLike<number>;
  /** Per detection 4 edge stds in pixels (index 4·k + edge). */
  stdPx: ArrayLike<number>;
  ambiguity: ArrayLike<number>;
  /** IoU with the matched ground truth. */
  iou: ArrayLike<number>;
  score: ArrayLike<number>;
}

export interface EdgeErrorCorrelation {
  edge: EdgeName;
  /** Mean absolute error and mean std of this edge, pixels. */
  meanErrorPx: number | null;
  meanStdPx: number | null;
  correlation: CorrelationWithInterval;
}

export interface DistributionKnowsAnalysis {
  /** True positives at IoU 0.5 with a distribution that were analysed. */
  detections: number;
  perEdge: EdgeErrorCorrelation[];
  /** All edges pooled, in pixels. */
  pooled: CorrelationWithInterval;
  /** All edges pooled, std and error divided by the GT's width (l/r) or height (t/b). */
  pooledSizeNormalised: CorrelationWithInterval;
  ambiguityAUROC: {
    iouThreshold: number;
    /** TPs with IoU < threshold (positives) and ≥ threshold. */
    positives: number;
    negatives: number;
    /** AUROC of the box ambiguity; of (1 − score) as the baseline. Null without both classes. */
    auroc: number | null;
    scoreBaselineAUROC: number | null;
  };
  /** Spearman's rho between ambiguity and IoU among the analysed TPs (negative = ambiguity flags bad boxes). */
  ambiguityIoUSpearman: number | null;
}

/** Correlations of edge spread with real edge error, and how well ambiguity predicts IoU < `iouThreshold`. */
export function analyzeDistributionKnows(
  input: DistributionKnowsInput,
  options: { iouThreshold?: number; bootstrap?: BootstrapOptions } = {},
): DistributionKnowsAnalysis {
  const iouThreshold = options.iouThreshold ?? 0.75;
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const n = input.count;
  const { boxes, gtBoxes } = input;
  const pooledStd = new Float64Array(4 * n);
  const pooledError = new Float64Array(4 * n);
  const normStd = new Float64Array(4 * n);
  const normError = new Float64Array(4 * n);
  const perEdge: Omit<EdgeErrorCorrelation, 'correlation'>[] = [];
  const edgeSamples: { x: Float64Array; y: Float64Array }[] = [];
  for (let e = 0; e < 4; e++) {
    const std = new Float64Array(n);
    const error = new Float64Array(n);
    let sumStd = 0;
    let sumError = 0;
    for (let k = 0; k < n; k++) {
      // Edge e ↔ coordinate e of xyxy: left ↔ x1, top ↔ y1, right ↔ x2, bottom ↔ y2.
      const err = Math.abs(boxes[4 * k + e] - gtBoxes[4 * k + e]);
      const s = input.stdPx[4 * k + e];
      std[k] = s;
      error[k] = err;
      sumStd += s;
      sumError += err;
      const extent = e === 0 || e === 2 ? gtBoxes[4 * k + 2] - gtBoxes[4 * k] : gtBoxes[4 * k + 3] - gtBoxes[4 * k + 1];
      const o = 4 * k + e;
      pooledStd[o] = s;
      pooledError[o] = err;
      normStd[o] = extent > 0 ? s / extent : 0;
      normError[o] = extent > 0 ? err / extent : 0;
    }
    perEdge.push({
      edge: EDGE_NAMES[e],
      meanErrorPx: n > 0 ? sumError / n : null,
      meanStdPx: n > 0 ? sumStd / n : null,
    });
    edgeSamples.push({ x: std, y: error });
  }

  const positive = new Uint8Array(n);
  const inverseScore = new Float64Array(n);
  let positives = 0;
  for (let k = 0; k < n; k++) {
    positive[k] = input.iou[k] < iouThreshold ? 1 : 0;
    positives += positive[k];
    inverseScore[k] = 1 - input.score[k];
  }
  // Each edge and each pooled figure is its own population with its own bootstrap budget, so the four edges get
  // the same kind of interval.
  const edgeCorrelations = edgeSamples.map((sample) => correlationsWithBudget([sample], bootstrap)[0]);
  const [pooled] = correlationsWithBudget([{ x: pooledStd, y: pooledError }], bootstrap);
  const [pooledSizeNormalised] = correlationsWithBudget([{ x: normStd, y: normError }], bootstrap);
  return {
    detections: n,
    perEdge: perEdge.map((edge, e) => ({ ...edge, correlation: edgeCorrelations[e] })),
    pooled,
    pooledSizeNormalised,
    ambiguityAUROC: {
      iouThreshold,
      positives,
      negatives: n - positives,
      auroc: aurocByRanks(input.ambiguity, positive),
      scoreBaselineAUROC: aurocByRanks(inverseScore, positive),
    },
    ambiguityIoUSpearman: spearman(input.ambiguity, input.iou),
  };
}
