// The curves of the evaluation view and reports, pure, read from one COCO evaluation:
//   • PR curves: pycocotools' own interpolated precision, eval['precision'][T, R, K, A, M] at area "all" and
//     maxDets 100, per category at IoU 0.5, 0.75 and averaged over .50:.95, and averaged over categories;
//   • threshold curves: precision, recall and F1 against confidence as Ultralytics' ap_per_class draws them, and the
//     max-F1 confidence it picks.
import { COCO_IOU_THRESHOLDS, COCO_MAX_DETS, COCO_RECALL_THRESHOLDS, type CocoEvalResult } from '../coco/cocoEval.ts';
import { denseScoreRanks } from '../coco/matching.ts';
import { countingOrder } from '../ranking.ts';

/** Ultralytics' confidence grid: np.linspace(0, 1, 1000). */
export const THRESHOLD_GRID_POINTS = 1000;
/** Per-category threshold curves are kept at these many confidences (0, 0.01, …, 1): plotting resolution. */
export const CATEGORY_CURVE_POINTS = 101;
/** Ultralytics' ap_per_class smooths the mean F1 with a box filter of this fraction before its argmax. */
export const F1_SMOOTHING_FRACTION = 0.1;
/** ap_per_class's eps (1e-16). */
const EPS = 1e-16;

export interface PrCurveSet {
  /** Interpolated precision at the 101 recall thresholds; −1 where undefined (no ground truth), as pycocotools. */
  iou50: number[];
  iou75: number[];
  /** Mean over the 10 IoU thresholds of the defined (> −1) entries at each recall threshold; −1 when none. */
  iouMean: number[];
  /** Score of the detection that reaches each recall threshold at IoU 0.5 (0 where never reached), pycocotools' eval['scores']. */
  scores50: number[];
}

export interface CategoryPrCurves extends PrCurveSet {
  categoryId: number;
}

export interface PrCurves {
  /** COCO's 101 recall thresholds, np.linspace(0, 1, 101). */
  recall: number[];
  /** Averaged over categories: mean of the defined per-category precisions at each recall threshold (as summarize() does). */
  mean: Omit<PrCurveSet, 'scores50'>;
  categories: CategoryPrCurves[];
}

export interface ThresholdCurve {
  /** Confidences the values are taken at. */
  confidence: number[];
  precision: number[];
  recall: number[];
  f1: number[];
}

export interface CategoryThresholdCurves {
  categoryId: number;
  /** Non-crowd ground truths (ap_per_class's n_l) and counted detections (n_p). */
  numGt: number;
  numDetections: number;
  /** P, R, F1 at CATEGORY_CURVE_POINTS confidences (np.interp of this category's curves, as ap_per_class). */
  curve: ThresholdCurve;
  /** Confidence of this category's own maximum F1 on the 1000-point grid (same box filter as the overall one). */
  bestF1Threshold: number;
  bestF1: number;
  /** This category's P, R and F1 at the overall max-F1 confidence (ap_per_class's per-class p, r, f1). */
  atMaxF1: { precision: number; recall: number; f1: number; tp: number; fp: number };
}

export interface ThresholdCurves {
  definition: string;
  /** Mean over the categories with ground truth, at the 1000 confidences np.linspace(0, 1, 1000). */
  mean: ThresholdCurve;
  /** The max-F1 confidence: argmax of smooth(mean F1, 0.1), and the mean P, R, F1 there (unsmoothed). */
  maxF1: { index: number; threshold: number; f1: number; precision: number; recall: number };
  categories: CategoryThresholdCurves[];
}

export interface EvaluationCurves {
  pr: PrCurves;
  thresholds: ThresholdCurves;
}

/** np.linspace(start, stop, num) with numpy's formula (the last element is stop exactly). */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * np.interp(x, xp, fp, left, right) for increasing xp (ties allowed): j = the last index with xp[j] ≤ x, as numpy's
 * binary search; x equal to xp[j] or to the last xp takes fp[j] exactly.
 */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left: number, right: number): number {
  const n = xp.length;
  if (n === 0) return NaN;
  if (x === xp[n - 1]) return fp[n - 1];
  if (x < xp[0]) return left;
  if (x > xp[n - 1]) return right;
  let lo = 0, hi = n; // first index with xp[i] > x
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xp[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j >= n - 1) return fp[n - 1];
  if (xp[j] === x) return fp[j];
  const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  return slope * (x - xp[j]) + fp[j];
}

/** Ultralytics' smooth(y, f): box filter of nf = round(len·f·2)//2 + 1 points, edges padded with the end values. */
export function smooth(y: ArrayLike<number>, fraction: number): number[] {
  const n = y.length;
  const nf = Math.floor(Math.round(n * fraction * 2) / 2) + 1;
  const half = Math.floor(nf / 2);
  const padded = new Float64Array(n + 2 * half);
  for (let i = 0; i < padded.length; i++) padded[i] = y[Math.min(n - 1, Math.max(0, i - half))];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < nf; k++) sum += padded[i + k] * (1 / nf);
    out[i] = sum;
  }
  return out;
}

/** First index of the maximum (np.argmax). */
function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** PR curves straight from COCOeval's precision and scores arrays (area "all", maxDets 100). */
export function prCurves(evaluation: Pick<CocoEvalResult, 'precision' | 'precisionDims' | 'scores' | 'catIds'>): PrCurves {
  const [T, R, K, A, M] = evaluation.precisionDims;
  const m = COCO_MAX_DETS.length - 1;
  const a = 0;
  const at = (t: number, r: number, k: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const t50 = COCO_IOU_THRESHOLDS.indexOf(0.5), t75 = COCO_IOU_THRESHOLDS.indexOf(0.75);
  const p = evaluation.precision;
  const categories = evaluation.catIds.map((categoryId, k): CategoryPrCurves => {
    const iouMean = new Array<number>(R);
    for (let r = 0; r < R; r++) {
      let sum = 0, count = 0;
      for (let t = 0; t < T; t++) {
        const v = p[at(t, r, k)];
        if (v > -1) { sum += v; count++; }
      }
      iouMean[r] = count ? sum / count : -1;
    }
    return {
      categoryId,
      iou50: Array.from({ length: R }, (_, r) => p[at(t50, r, k)]),
      iou75: Array.from({ length: R }, (_, r) => p[at(t75, r, k)]),
      iouMean,
      scores50: Array.from({ length: R }, (_, r) => evaluation.scores[at(t50, r, k)]),
    };
  });
  const meanOf = (pick: (c: CategoryPrCurves) => number[]) => Array.from({ length: R }, (_, r) => {
    let sum = 0, count = 0;
    for (const c of categories) {
      const v = pick(c)[r];
      if (v > -1) { sum += v; count++; }
    }
    return count ? sum / count : -1;
  });
  return {
    recall: Array.from(COCO_RECALL_THRESHOLDS),
    mean: { iou50: meanOf((c) => c.iou50), iou75: meanOf((c) => c.iou75), iouMean: meanOf((c) => c.iouMean) },
    categories,
  };
}

/** Detections as ap_per_class receives them: confidence, predicted category, and whether it is a TP at IoU 0.5. */
export interface ThresholdCurveInput {
  score: ArrayLike<number>;
  /**
   * Dense ranks of the scores (0 = highest; equal scores, equal ranks) or of a superset's scores restricted to these:
   * the same order. Computed here when absent.
   */
  rank?: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  /** 1 TP, 0 FP at IoU 0.5; detections not counted (crowd-ignored, beyond maxDets) are left out by the caller. */
  tp: ArrayLike<number>;
  /** Non-crowd ground truths per category (ap_per_class's target_cls counts); categories with 0 are left out. */
  numGt: Map<number, number>;
}

export const THRESHOLD_CURVES_DEFINITION =
  'Ultralytics ap_per_class (ultralytics/utils/metrics.py): per category with ground truth, detections sorted by confidence, '
  + 'R = cumTP / nGT and P = cumTP / (cumTP + cumFP) interpolated at 1000 confidences (np.interp, R = 0 and P = 1 above the '
  + 'highest score), F1 = 2PR / (P + R); mean over categories; max-F1 confidence = argmax of the mean F1 smoothed by a 0.1 box filter. '
  + 'TP/FP: COCOeval matching at IoU 0.5 (area all, maxDets 100; crowd-matched detections left out).';

/** Ultralytics' ap_per_class P/R/F1-vs-confidence curves and max-F1 confidence, on COCOeval's TP/FP at IoU 0.5. */
export function thresholdCurves(input: ThresholdCurveInput): ThresholdCurves {
  const x = linspace(0, 1, THRESHOLD_GRID_POINTS);
  const negX = x.map((v) => -v);
  const categoryIds = [...input.numGt.entries()].filter(([, n]) => n > 0).map(([c]) => c).sort((a, b) => a - b);
  // np.argsort(-conf): numpy's default quicksort is not stable; ties are broken here by input order (stable): a
  // counting sort by dense score rank.
  const n = input.score.length;
  const rank = input.rank ?? denseScoreRanks(input.score, n);
  let ranks = 0;
  for (let i = 0; i < n; i++) ranks = Math.max(ranks, rank[i] + 1);
  const byScore = countingOrder(n, (i) => rank[i], ranks, null);
  // Each category's detections in that order, as ranges of one index array (no list per category).
  const slot = new Map<number, number>(categoryIds.map((c, j) => [c, j]));
  const start = new Int32Array(categoryIds.length + 1);
  for (let i = 0; i < n; i++) {
    const j = slot.get(input.categoryId[i]);
    if (j !== undefined) start[j + 1]++;
  }
  for (let j = 0; j < categoryIds.length; j++) start[j + 1] += start[j];
  const ordered = new Int32Array(start[categoryIds.length]);
  const fill = start.slice(0, categoryIds.length);
  for (let k = 0; k < n; k++) {
    const i = byScore[k];
    const j = slot.get(input.categoryId[i]);
    if (j !== undefined) ordered[fill[j]++] = i;
  }
  const G = THRESHOLD_GRID_POINTS;
  const pCurves: Float64Array[] = [], rCurves: Float64Array[] = [], fCurves: Float64Array[] = [];
  const counts: { numGt: number; numDetections: number }[] = [];
  for (let j = 0; j < categoryIds.length; j++) {
    const c = categoryIds[j];
    const list = ordered.subarray(start[j], start[j + 1]);
    const nl = input.numGt.get(c)!;
    const pc = new Float64Array(G), rc = new Float64Array(G), fc = new Float64Array(G);
    if (list.length > 0) {
      const negConf = new Float64Array(list.length), recall = new Float64Array(list.length), precision = new Float64Array(list.length);
      let tpc = 0, fpc = 0;
      list.forEach((i, k) => {
        if (input.tp[i]) tpc++;
        else fpc++;
        negConf[k] = -input.score[i];
        recall[k] = tpc / (nl + EPS);
        precision[k] = tpc / (tpc + fpc);
      });
      for (let g = 0; g < G; g++) {
        rc[g] = interp(negX[g], negConf, recall, 0, recall[list.length - 1]);
        pc[g] = interp(negX[g], negConf, precision, 1, precision[list.length - 1]);
      }
    }
    for (let g = 0; g < G; g++) fc[g] = (2 * pc[g] * rc[g]) / (pc[g] + rc[g] + EPS);
    pCurves.push(pc); rCurves.push(rc); fCurves.push(fc);
    counts.push({ numGt: nl, numDetections: list.length });
  }
  const meanCurve = (curves: Float64Array[]) => Array.from({ length: G }, (_, g) => {
    let sum = 0;
    for (const c of curves) sum += c[g];
    return curves.length ? sum / curves.length : 0;
  });
  const mean: ThresholdCurve = { confidence: x, precision: meanCurve(pCurves), recall: meanCurve(rCurves), f1: meanCurve(fCurves) };
  const index = argmax(smooth(mean.f1, F1_SMOOTHING_FRACTION));
  const samples = linspace(0, 1, CATEGORY_CURVE_POINTS);
  const categories = categoryIds.map((categoryId, k): CategoryThresholdCurves => {
    const own = argmax(smooth(fCurves[k], F1_SMOOTHING_FRACTION));
    const p = pCurves[k][index], r = rCurves[k][index];
    const tp = Math.round(r * counts[k].numGt);
    // Sampled from the 1000-point curves by the same interpolation (x is increasing here).
    const sample = (curve: Float64Array) => samples.map((s) => interp(s, x, curve, curve[0], curve[G - 1]));
    return {
      categoryId, ...counts[k],
      curve: { confidence: samples, precision: sample(pCurves[k]), recall: sample(rCurves[k]), f1: sample(fCurves[k]) },
      bestF1Threshold: x[own], bestF1: fCurves[k][own],
      atMaxF1: { precision: p, recall: r, f1: fCurves[k][index], tp, fp: Math.round(tp / (p + EPS) - tp) },
    };
  });
  return {
    definition: THRESHOLD_CURVES_DEFINITION,
    mean,
    maxF1: { index, threshold: x[index], f1: mean.f1[index], precision: mean.precision[index], recall: mean.recall[index] },
    categories,
  };
}

/**
 * Threshold-curve input from a COCO evaluation: each result COCOeval counted at IoU 0.5 (area all, maxDets 100,
 * not matched to a crowd region) with its TP flag, and the non-crowd ground truths per category.
 */
export function thresholdInputFromCocoEval(
  evaluation: Pick<CocoEvalResult, 'detections' | 'perCategory'>, score: ArrayLike<number>, categoryId: ArrayLike<number>,
  scoreRanks?: ArrayLike<number>,
): ThresholdCurveInput {
  const o = evaluation.detections;
  const T = o.numThresholds;
  const counted = (d: number) => o.evaluated[d] && !o.ignored[d * T];
  let count = 0;
  for (let d = 0; d < o.numDetections; d++) if (counted(d)) count++;
  // Float32 scores stay float32 (exact, and ranked in linear time).
  const keptScore = score instanceof Float32Array ? new Float32Array(count) : new Float64Array(count), keptCategory = new Float64Array(count), tp = new Uint8Array(count);
  const keptRank = scoreRanks ? new Int32Array(count) : undefined;
  for (let d = 0, k = 0; d < o.numDetections; d++) {
    if (!counted(d)) continue;
    keptScore[k] = score[d];
    keptCategory[k] = categoryId[d];
    if (keptRank) keptRank[k] = scoreRanks![d];
    tp[k++] = o.matchedGt[d * T] >= 0 ? 1 : 0;
  }
  return {
    score: keptScore,
    rank: keptRank,
    categoryId: keptCategory,
    tp,
    numGt: new Map(evaluation.perCategory.map((c) => [c.categoryId, c.numGt])),
  };
}

/** Both kinds of curves of one COCO evaluation of `results` (scores and categories in the evaluated order). */
export function evaluationCurves(
  evaluation: Pick<CocoEvalResult, 'precision' | 'precisionDims' | 'scores' | 'catIds' | 'detections' | 'perCategory'>,
  score: ArrayLike<number>, categoryId: ArrayLike<number>, scoreRanks?: ArrayLike<number>,
): EvaluationCurves {
  return { pr: prCurves(evaluation), thresholds: thresholdCurves(thresholdInputFromCocoEval(evaluation, score, categoryId, scoreRanks)) };
}
