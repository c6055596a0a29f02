// What-if rescoring: could the DFL distribution's confidence improve ranking or boxes? Two post-hoc experiments,
// each re-evaluated with COCOeval and reported as ΔAP (all 12 stats, after − before).
//
// (a) Sharpness re-ranking, in the spirit of GFLv2's Distribution-Guided Quality Predictor (Li et al. 2021), which
//     learns a quality factor from the top-k bin probabilities of each edge. Without training a predictor we use
//     the feature itself: score' = score · (mean over the 4 edges of the top-k sum, k = 4)^α. Sharper distributions
//     (mass on few bins) keep their score, flat ones are demoted. α = 1 by default.
// (b) Variance voting (He et al. 2019, "Bounding Box Regression with Uncertainty for Accurate Object Detection",
//     Alg. 1 var voting): each kept box takes, per edge, the weighted mean of that edge over all same-class boxes of
//     its image overlapping it (IoU > 0, itself included), weights p_j / σ_j² with p_j = exp(−(1 − IoU_j)² / σ_t)
//     and σ_j the edge's DFL std in pixels. σ_t = 0.02 by default (a tuned hyper-parameter in the paper; ours is
//     not tuned). Scores are unchanged.
// Approximation: the run format stores only post-NMS detections (≤ 100 per image), while var voting in the paper
// votes over the pre-NMS candidates. Here only NMS survivors vote, whose mutual IoU is at most the NMS threshold,
// so the effect is a lower bound of what voting over all candidates would do.

import { xyxyIoU } from '../geometry.ts';
import { countingOrder } from '../ranking.ts';
import type { CocoResult } from '../coco/categoryMapping.ts';
import type { CocoResultColumns } from '../coco/cocoEval.ts';
import type { XYXY } from '../types.ts';

export interface RescoringDetection {
  imageId: number;
  categoryId: number;
  /** Index of the detection in its image's list. */
  detIndex: number;
  bbox: XYXY;
  score: number;
  /** Mean over the 4 edges of the top-k (k = 4) probability mass. */
  topKMean: number;
  /** Edge stds (l, t, r, b) in original pixels. */
  stdPx: [number, number, number, number];
}

/** The 12 COCO summary stats of a set of results (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl). */
export type CocoStatsEvaluator = (results: CocoResultColumns) => number[];

export interface RescoringOptions {
  alpha: number;
  sigmaT: number;
  /** Variance floor in pixels², so a one-hot edge (std 0) gets a finite, dominant weight. */
  minVariancePx: number;
}

export const DEFAULT_RESCORING_OPTIONS: Readonly<RescoringOptions> = Object.freeze({ alpha: 1, sigmaT: 0.02, minVariancePx: 1e-6 });

export interface RescoringExperiment {
  name: string;
  description: string;
  stats: number[];
  /** stats − baseline, per stat (both −1 → 0; one −1 → null). */
  delta: (number | null)[];
  /** Detections whose score or box the experiment changed. */
  changed: number;
}

export interface RescoringAnalysis {
  statKeys: string[];
  baseline: number[];
  sharpness: RescoringExperiment;
  varianceVoting: RescoringExperiment;
  options: RescoringOptions;
  note: string;
}

/** GFLv2-style sharpness re-ranking: score · topKMean^α. */
export function sharpnessScores(detections: readonly RescoringDetection[], alpha: number): number[] {
  return detections.map((d) => d.score * Math.pow(Math.max(0, d.topKMean), alpha));
}

/** IoU of two xyxy boxes in continuous coordinates (no +1), as COCO's bbox IoU. */
export const boxIoU = (a: readonly number[], b: readonly number[]): number => xyxyIoU(a, b);

/** Var voting (He et al. 2019) over same-image, same-class boxes with per-edge σ from the DFL std. */
export function varianceVotedBoxes(
  detections: readonly RescoringDetection[],
  sigmaT: number,
  minVariancePx = DEFAULT_RESCORING_OPTIONS.minVariancePx,
): XYXY[] {
  const groups = new Map<string, number[]>();
  detections.forEach((d, i) => {
    const key = `${d.imageId}:${d.categoryId}`;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const out: XYXY[] = detections.map((d) => [...d.bbox] as XYXY);
  for (const members of groups.values()) {
    for (const i of members) {
      const numerator = [0, 0, 0, 0];
      const denominator = [0, 0, 0, 0];
      for (const j of members) {
        const iou = i === j ? 1 : boxIoU(detections[i].bbox, detections[j].bbox);
        if (iou <= 0) continue;
        const p = Math.exp(-((1 - iou) ** 2) / sigmaT);
        for (let e = 0; e < 4; e++) {
          const sigma = detections[j].stdPx[e];
          const weight = p / Math.max(minVariancePx, sigma * sigma);
          numerator[e] += weight * detections[j].bbox[e];
          denominator[e] += weight;
        }
      }
      out[i] = [0, 1, 2, 3].map((e) => numerator[e] / denominator[e]) as XYXY;
    }
  }
  return out;
}

/** Detections → COCO result columns ([x, y, w, h]) with the given scores and boxes (no per-detection objects). */
export function toResultColumns(detections: readonly RescoringDetection[], scores: readonly number[], boxes: readonly (readonly number[])[]): CocoResultColumns {
  const n = detections.length;
  const columns = { count: n, imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(4 * n), score: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = boxes[i];
    columns.imageId[i] = detections[i].imageId;
    columns.categoryId[i] = detections[i].categoryId;
    columns.bbox[4 * i] = x1; columns.bbox[4 * i + 1] = y1; columns.bbox[4 * i + 2] = x2 - x1; columns.bbox[4 * i + 3] = y2 - y1;
    columns.score[i] = scores[i];
  }
  return columns;
}

/** Detections → COCO results ([x, y, w, h]) with the given scores and boxes. */
export function toResults(detections: readonly RescoringDetection[], scores: readonly number[], boxes: readonly XYXY[]): CocoResult[] {
  return detections.map((d, i) => {
    const [x1, y1, x2, y2] = boxes[i];
    return { image_id: d.imageId, category_id: d.categoryId, bbox: [x1, y1, x2 - x1, y2 - y1], score: scores[i], detIndex: d.detIndex };
  });
}

function deltas(after: number[], before: number[]): (number | null)[] {
  return after.map((value, k) => {
    if (value === -1 && before[k] === -1) return 0;
    if (value === -1 || before[k] === -1) return null;
    return value - before[k];
  });
}

/** Detections for the what-if experiments as columns (no objects per detection). */
export interface RescoringColumns {
  count: number;
  imageId: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  /** x1, y1, x2, y2 per detection. */
  bbox: ArrayLike<number>;
  score: ArrayLike<number>;
  /** Mean over the 4 edges of the top-k (k = 4) probability mass. */
  topKMean: ArrayLike<number>;
  /** 4 edge stds (l, t, r, b) in original pixels per detection. */
  stdPx: ArrayLike<number>;
  /** The same boxes as COCO x, y, x2 − x1, y2 − y1 when the caller holds them (evaluated as they are, not copied). */
  cocoBbox?: ArrayLike<number>;
}

/** Runs both what-if experiments and the baseline through `evaluate`, returning the stats and ΔAP. */
export function compareRescoring(
  detections: readonly RescoringDetection[],
  evaluate: CocoStatsEvaluator,
  statKeys: readonly string[],
  options: Partial<RescoringOptions> = {},
  /** The stats of the detections as they are, when the caller has them already (saves one evaluation). */
  knownBaseline?: number[],
): RescoringAnalysis {
  const n = detections.length;
  const columns = { count: n, imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(4 * n), score: new Float64Array(n), topKMean: new Float64Array(n), stdPx: new Float64Array(4 * n) };
  detections.forEach((d, i) => {
    columns.imageId[i] = d.imageId; columns.categoryId[i] = d.categoryId; columns.bbox.set(d.bbox, 4 * i);
    columns.score[i] = d.score; columns.topKMean[i] = d.topKMean; columns.stdPx.set(d.stdPx, 4 * i);
  });
  return compareRescoringColumns(columns, evaluate, statKeys, options, knownBaseline);
}

/**
 * Var voting on columns: the voted x1, y1, x2, y2 of every detection (varianceVotedBoxes' arithmetic, in the same
 * order). Groups are (image, category), members in index order.
 */
export function varianceVotedColumns(detections: RescoringColumns, sigmaT: number, minVariancePx = DEFAULT_RESCORING_OPTIONS.minVariancePx): Float64Array {
  return votedBoxes(detections, sigmaT, minVariancePx, false).boxes;
}

/**
 * The voted boxes as x1, y1, x2, y2, or (cocoLayout) as COCO x, y, x2 − x1, y2 − y1 — what the evaluation reads,
 * without a second array — and how many boxes moved by more than 1e-9 on some edge.
 */
function votedBoxes(detections: RescoringColumns, sigmaT: number, minVariancePx: number, cocoLayout: boolean): { boxes: Float64Array; moved: number } {
  const n = detections.count;
  let moved = 0;
  const { imageId, categoryId, bbox, stdPx } = detections;
  // Every detection is in its own group (with IoU 1), so every box is written below.
  const out = new Float64Array(4 * n);
  // Members of each (image, category) in index order: a counting sort by image (first-appearance order), then
  // each image's detections by (category, index).
  const imageOf = new Int32Array(n);
  const imageIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let k = imageIndex.get(imageId[i]);
    if (k === undefined) imageIndex.set(imageId[i], (k = imageIndex.size));
    imageOf[i] = k;
  }
  // (image, category, index) order with two stable counting sorts: by category (ascending id), then by image.
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add(categoryId[i]);
  const categories = [...seen].sort((a, b) => a - b);
  const categoryRank = new Map(categories.map((c, r) => [c, r]));
  const rankOf = new Int32Array(n);
  for (let i = 0; i < n; i++) rankOf[i] = categoryRank.get(categoryId[i])!;
  const order = countingOrder(n, (i) => imageOf[i], imageIndex.size, countingOrder(n, (i) => rankOf[i], categories.length, null));
  let variance = new Float64Array(0);
  // Vote weights p of the pairs of one group: IoU (and so p) is symmetric, so each pair is computed once.
  let pairWeight = new Float64Array(0);
  let pairOverlaps = new Uint8Array(0);
  for (let from = 0; from < n;) {
    let to = from + 1;
    while (to < n && imageOf[order[to]] === imageOf[order[from]] && categoryId[order[to]] === categoryId[order[from]]) to++;
    const m = to - from;
    if (pairWeight.length < m * m) { pairWeight = new Float64Array(m * m); pairOverlaps = new Uint8Array(m * m); }
    // Each member's floored variance per edge, once per group (what every vote for it divides by).
    if (variance.length < 4 * m) variance = new Float64Array(4 * m);
    for (let b = 0; b < m; b++) {
      const j = order[from + b];
      for (let e = 0; e < 4; e++) {
        const sigma = stdPx[4 * j + e];
        variance[4 * b + e] = Math.max(minVariancePx, sigma * sigma);
      }
    }
    for (let a = 0; a < m; a++) {
      const i = order[from + a];
      const ax1 = bbox[4 * i], ay1 = bbox[4 * i + 1], ax2 = bbox[4 * i + 2], ay2 = bbox[4 * i + 3];
      pairWeight[a * m + a] = Math.exp(-((1 - 1) ** 2) / sigmaT);
      pairOverlaps[a * m + a] = 1;
      for (let b = a + 1; b < m; b++) {
        const j = order[from + b];
        // boxIoU, inlined.
        const bx1 = bbox[4 * j], by1 = bbox[4 * j + 1], bx2 = bbox[4 * j + 2], by2 = bbox[4 * j + 3];
        let iou = 0;
        const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
        const ih = iw > 0 ? Math.min(ay2, by2) - Math.max(ay1, by1) : 0;
        if (ih > 0) {
          const inter = iw * ih;
          const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
          iou = union > 0 ? inter / union : 0;
        }
        const overlaps = iou > 0 ? 1 : 0;
        const p = overlaps ? Math.exp(-((1 - iou) ** 2) / sigmaT) : 0;
        pairWeight[a * m + b] = p;
        pairWeight[b * m + a] = p;
        pairOverlaps[a * m + b] = overlaps;
        pairOverlaps[b * m + a] = overlaps;
      }
    }
    for (let a = 0; a < m; a++) {
      const i = order[from + a];
      // Per edge: Σ weight · coordinate and Σ weight over the voters in group order (scalars, not arrays).
      let n0 = 0, n1 = 0, n2 = 0, n3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (let b = 0; b < m; b++) {
        // Boxes that do not overlap (IoU ≤ 0) do not vote for each other.
        if (!pairOverlaps[a * m + b]) continue;
        const j = order[from + b];
        const p = pairWeight[a * m + b];
        let weight = p / variance[4 * b];
        n0 += weight * bbox[4 * j]; d0 += weight;
        weight = p / variance[4 * b + 1];
        n1 += weight * bbox[4 * j + 1]; d1 += weight;
        weight = p / variance[4 * b + 2];
        n2 += weight * bbox[4 * j + 2]; d2 += weight;
        weight = p / variance[4 * b + 3];
        n3 += weight * bbox[4 * j + 3]; d3 += weight;
      }
      const x1 = n0 / d0, y1 = n1 / d1;
      const x2 = n2 / d2, y2 = n3 / d3;
      if (Math.abs(x1 - bbox[4 * i]) > 1e-9 || Math.abs(y1 - bbox[4 * i + 1]) > 1e-9 || Math.abs(x2 - bbox[4 * i + 2]) > 1e-9 || Math.abs(y2 - bbox[4 * i + 3]) > 1e-9) moved++;
      out[4 * i] = x1; out[4 * i + 1] = y1;
      out[4 * i + 2] = cocoLayout ? x2 - x1 : x2; out[4 * i + 3] = cocoLayout ? y2 - y1 : y2;
    }
    from = to;
  }
  return { boxes: out, moved };
}

/** COCO result columns ([x, y, w, h]) of the detections with the given scores and x1, y1, x2, y2 boxes. */
function resultColumns(detections: RescoringColumns, scores: ArrayLike<number>, boxes: ArrayLike<number>): CocoResultColumns {
  const n = detections.count;
  const bbox = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const x1 = boxes[4 * i], y1 = boxes[4 * i + 1];
    bbox[4 * i] = x1; bbox[4 * i + 1] = y1; bbox[4 * i + 2] = boxes[4 * i + 2] - x1; bbox[4 * i + 3] = boxes[4 * i + 3] - y1;
  }
  return { count: n, imageId: detections.imageId, categoryId: detections.categoryId, bbox, score: scores };
}

/** compareRescoring on columns. */
export function compareRescoringColumns(
  detections: RescoringColumns,
  evaluate: CocoStatsEvaluator,
  statKeys: readonly string[],
  options: Partial<RescoringOptions> = {},
  knownBaseline?: number[],
): RescoringAnalysis {
  const o: RescoringOptions = { ...DEFAULT_RESCORING_OPTIONS, ...options };
  const n = detections.count;
  const { score, bbox, topKMean } = detections;
  const original = (scores: ArrayLike<number>): CocoResultColumns => (detections.cocoBbox
    ? { count: n, imageId: detections.imageId, categoryId: detections.categoryId, bbox: detections.cocoBbox, score: scores }
    : resultColumns(detections, scores, bbox));
  const baseline = knownBaseline ?? evaluate(original(score));

  // sharpnessScores: score · topKMean^α.
  let rescored: Float64Array | null = new Float64Array(n);
  let changedScores = 0;
  for (let i = 0; i < n; i++) {
    rescored[i] = score[i] * Math.pow(Math.max(0, topKMean[i]), o.alpha);
    if (rescored[i] !== score[i]) changedScores++;
  }
  const sharpnessStats = evaluate(original(rescored));
  // Released before the voting allocates its boxes (37 MB on a 4.6M-detection run).
  rescored = null;
  const voted = votedBoxes(detections, o.sigmaT, o.minVariancePx, true);
  const votedStats = evaluate({ count: n, imageId: detections.imageId, categoryId: detections.categoryId, bbox: voted.boxes, score });
  const movedBoxes = voted.moved;
  return {
    statKeys: [...statKeys],
    baseline,
    sharpness: {
      name: 'sharpness re-ranking',
      description: `score × (mean top-4 mass over edges)^${o.alpha} (GFLv2 DGQP feature, untrained)`,
      stats: sharpnessStats,
      delta: deltas(sharpnessStats, baseline),
      changed: changedScores,
    },
    varianceVoting: {
      name: 'variance voting',
      description: `per-edge var voting with σ from the DFL std, σ_t = ${o.sigmaT} (He et al. 2019)`,
      stats: votedStats,
      delta: deltas(votedStats, baseline),
      changed: movedBoxes,
    },
    options: o,
    note: 'The run stores post-NMS detections only (≤ 100 per image): voting uses NMS survivors, not the pre-NMS candidates of the paper.',
  };
}
