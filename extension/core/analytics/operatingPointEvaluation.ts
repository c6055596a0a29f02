// What depends on the operating threshold (core/operatingPoint.ts), pure: TP/FP/FN per category and overall, the
// per-image table (AP50, #FP, #FN, worst failure, worst images first) and the Ultralytics-style confusion matrix.
// Recomputed (in the analysis worker) when the threshold changes; AP and the curves do not depend on it.
//
// TP/FP/FN at threshold t: COCOeval's matching at IoU 0.5 (area all, maxDets 100) restricted to detections scoring
// above t. COCOeval matches greedily in score order, so cutting at t keeps every match above t unchanged: TP = TPs
// scoring > t, FP = FPs scoring > t (crowd-matched ones are neither), FN = non-crowd ground truths minus TP.
import type { CocoAnnotation } from '../coco/cocoLoad.ts';
import { COCO_RECALL_THRESHOLDS } from '../coco/cocoEval.ts';
import type { TideErrorType } from '../types.ts';
import { CONFUSION_IOU_THRESHOLD, detectionConfusionMatrix, type ConfusionImage, type DetectionConfusionMatrix } from './confusionMatrix.ts';

/** A detection's COCOeval verdict at IoU 0.5, as this module reads it. */
export const VERDICT = { tp: 0, fp: 1, notCounted: 2 } as const;

/** The detections of a run or a results file as columns; `ref` is the caller's id (run row or result index). */
export interface ScoredDetections {
  count: number;
  ref: ArrayLike<number>;
  /** Index into `images`. */
  imageIndex: ArrayLike<number>;
  /** Dataset category, −1 for a class without one. */
  categoryId: ArrayLike<number>;
  score: ArrayLike<number>;
  /** count × 4, xyxy in image pixels. */
  bbox: ArrayLike<number>;
  /** VERDICT code: COCOeval TP / FP at IoU 0.5, or not counted (crowd-matched, beyond maxDets, unmapped). */
  verdict: ArrayLike<number>;
  /** TIDE error of an FP (null otherwise), for the per-image "worst failure". */
  error: (d: number) => TideErrorType | null;
  /** Id of the ground truth a TP matched (COCOeval at IoU 0.5), null otherwise. */
  matchedGtId: (d: number) => number | null;
}

export interface OperatingGroundTruth {
  annotations: Pick<CocoAnnotation, 'id' | 'image_id' | 'category_id' | 'bbox' | 'area' | 'iscrowd'>[];
  categories: { id: number; name: string }[];
}

export type WorstFailure =
  | { kind: 'fp'; ref: number; error: TideErrorType | null; score: number; categoryId: number }
  | { kind: 'missed'; gtId: number; categoryId: number; area: number };

export interface ImageEvaluation {
  imageIndex: number;
  imageId: number;
  /** COCO AP at IoU 0.5 of this image alone (COCOeval with imgIds = [this image]); null when it has no ground truth. */
  ap50: number | null;
  numGt: number;
  tp: number;
  fp: number;
  fn: number;
  /** The highest-scoring false positive above the threshold, else the largest missed ground truth; null when neither. */
  worst: WorstFailure | null;
}

export interface CategoryCounts {
  categoryId: number;
  numGt: number;
  tp: number;
  fp: number;
  fn: number;
  /** TP / (TP + FP), null without detections above the threshold; TP / numGt, null without ground truth. */
  precision: number | null;
  recall: number | null;
}

export interface OperatingPointEvaluation {
  threshold: number;
  definition: string;
  perCategory: CategoryCounts[];
  overall: { tp: number; fp: number; fn: number; precision: number | null; recall: number | null };
  /** Every image of the run, worst first (see rankImages). */
  perImage: ImageEvaluation[];
  rankingDefinition: string;
  confusion: DetectionConfusionMatrix;
}

export const OPERATING_POINT_DEFINITION =
  'At the operating threshold t (scores > t count, as Ultralytics\' conf): TP and FP are COCOeval\'s matches at IoU 0.5 (area all, maxDets 100) '
  + 'among detections scoring > t (crowd-matched detections are neither); FN = non-crowd ground truths − TP.';

export const IMAGE_RANKING_DEFINITION =
  'Worst first: lowest AP50 of the image alone (mmdetection analyze_results); images without ground truth rank as AP50 0 when they have a false positive, '
  + 'else 1; ties by #FP + #FN (descending), then image order.';

/** pycocotools' 101-point interpolated AP of one (image, category): detections in score order (stable), nGt non-crowd. */
function interpolatedAP(tpFlags: number[], numGt: number): number {
  const nd = tpFlags.length;
  const rc = new Float64Array(nd), pr = new Float64Array(nd);
  let tp = 0, fp = 0;
  for (let i = 0; i < nd; i++) {
    if (tpFlags[i]) tp++;
    else fp++;
    rc[i] = tp / numGt;
    pr[i] = tp / (fp + tp + 2.220446049250313e-16);
  }
  for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  let sum = 0;
  let j = 0;
  for (const threshold of COCO_RECALL_THRESHOLDS) {
    while (j < nd && rc[j] < threshold) j++; // np.searchsorted(rc, recThrs, side='left')
    sum += j < nd ? pr[j] : 0;
  }
  return sum / COCO_RECALL_THRESHOLDS.length;
}

/** Ranks images worst first (IMAGE_RANKING_DEFINITION). */
export function rankImages(images: ImageEvaluation[]): ImageEvaluation[] {
  const key = (e: ImageEvaluation) => e.ap50 ?? (e.fp > 0 ? 0 : 1);
  return [...images].sort((a, b) => key(a) - key(b) || (b.fp + b.fn) - (a.fp + a.fn) || a.imageIndex - b.imageIndex);
}

const xywhToXyxy = (b: readonly number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

/**
 * Counts, per-image table and confusion matrix at `threshold`. `images[i]` is image i of the detections' imageIndex;
 * ground truths of other images are ignored (a partial run covers only its images).
 */
export function evaluateOperatingPoint(
  detections: ScoredDetections, images: { id: number }[], groundTruth: OperatingGroundTruth, threshold: number,
  iouThreshold = CONFUSION_IOU_THRESHOLD,
): OperatingPointEvaluation {
  const imageIndexOf = new Map(images.map((image, i) => [image.id, i]));
  const categoryIds = groundTruth.categories.map((c) => c.id);
  const categoryIndexOf = new Map(categoryIds.map((id, k) => [id, k]));
  const perImageGt: CocoAnnotation[][] = images.map(() => []);
  for (const a of groundTruth.annotations) {
    const i = imageIndexOf.get(a.image_id);
    if (i !== undefined && categoryIndexOf.has(a.category_id)) perImageGt[i].push(a as CocoAnnotation);
  }
  // Detections grouped by image (ascending within an image): one index array, not a list per image.
  const I = images.length;
  const imageStart = new Int32Array(I + 1);
  for (let d = 0; d < detections.count; d++) {
    const i = detections.imageIndex[d];
    if (i >= 0 && i < I) imageStart[i + 1]++;
  }
  for (let i = 0; i < I; i++) imageStart[i + 1] += imageStart[i];
  const byImage = new Int32Array(imageStart[I]);
  {
    const fill = imageStart.slice(0, I);
    for (let d = 0; d < detections.count; d++) {
      const i = detections.imageIndex[d];
      if (i >= 0 && i < I) byImage[fill[i]++] = d;
    }
  }
  const detectionsOf = (i: number) => byImage.subarray(imageStart[i], imageStart[i + 1]);
  const box = (d: number) => [detections.bbox[4 * d], detections.bbox[4 * d + 1], detections.bbox[4 * d + 2], detections.bbox[4 * d + 3]];
  const { score, verdict, categoryId } = detections;

  const counts = new Map<number, CategoryCounts>(categoryIds.map((id) => [id, { categoryId: id, numGt: 0, tp: 0, fp: 0, fn: 0, precision: null, recall: null }]));
  const perImage: ImageEvaluation[] = images.map((image, i): ImageEvaluation => {
    const gts = perImageGt[i].filter((a) => !a.iscrowd);
    // Non-crowd ground truths per category, in first-appearance order (the order the image's AP50 averages in).
    const gtPerCategory = new Map<number, number>();
    for (const a of gts) {
      gtPerCategory.set(a.category_id, (gtPerCategory.get(a.category_id) ?? 0) + 1);
      counts.get(a.category_id)!.numGt++;
    }
    // One pass over the image's detections: the counts above the threshold (counted ones only), the highest-scoring
    // FP (the first on ties), and the counted detections of categories with ground truth here (for AP50).
    let tp = 0, fpCount = 0, worstFp = -1;
    const forAp: number[] = [];
    const dets = detectionsOf(i);
    for (let k = 0; k < dets.length; k++) {
      const d = dets[k];
      const v = verdict[d];
      if (v === VERDICT.notCounted) continue;
      if (gtPerCategory.has(categoryId[d])) forAp.push(d);
      if (!(score[d] > threshold)) continue;
      const c = counts.get(categoryId[d]);
      if (v === VERDICT.tp) {
        tp++;
        if (c) c.tp++;
      } else {
        fpCount++;
        if (c) c.fp++;
        if (worstFp < 0 || score[d] > score[worstFp]) worstFp = d;
      }
    }
    // AP50 of this image alone: per category with ground truth here, its counted detections (any score) in score order.
    forAp.sort((a, b) => score[b] - score[a] || a - b);
    const byCategory = new Map<number, number[]>();
    for (const category of gtPerCategory.keys()) byCategory.set(category, []);
    for (const d of forAp) byCategory.get(categoryId[d])!.push(d);
    let apSum = 0;
    for (const [category, list] of byCategory) apSum += interpolatedAP(list.map((d) => (verdict[d] === VERDICT.tp ? 1 : 0)), gtPerCategory.get(category)!);
    let worst: WorstFailure | null = null;
    if (worstFp >= 0) {
      const d = worstFp;
      worst = { kind: 'fp', ref: detections.ref[d], error: detections.error(d), score: score[d], categoryId: categoryId[d] };
    }
    const fn = gts.length - tp;
    if (!worst && fn > 0) {
      // Missed at this threshold: non-crowd ground truths no TP scoring above it matched.
      const matched = new Set<number | null>();
      for (const d of dets) if (verdict[d] !== VERDICT.notCounted && score[d] > threshold) matched.add(detections.matchedGtId(d));
      const missed = gts.filter((a) => !matched.has(a.id));
      const largest = missed.reduce<CocoAnnotation | null>((best, a) => (!best || a.area > best.area ? a : best), null);
      if (largest) worst = { kind: 'missed', gtId: largest.id, categoryId: largest.category_id, area: largest.area };
    }
    return { imageIndex: i, imageId: image.id, ap50: byCategory.size ? apSum / byCategory.size : null, numGt: gts.length, tp, fp: fpCount, fn, worst };
  });
  let tp = 0, fp = 0, fn = 0;
  const perCategory = [...counts.values()].map((c) => {
    c.fn = c.numGt - c.tp;
    c.precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : null;
    c.recall = c.numGt > 0 ? c.tp / c.numGt : null;
    tp += c.tp; fp += c.fp; fn += c.fn;
    return c;
  });

  const confusionImages = function* (): Generator<ConfusionImage> {
    for (let i = 0; i < images.length; i++) {
      yield {
        imageIndex: i,
        groundTruth: perImageGt[i].filter((a) => !a.iscrowd).map((a) => ({ id: a.id, categoryIndex: categoryIndexOf.get(a.category_id)!, box: xywhToXyxy(a.bbox) })),
        crowd: perImageGt[i].filter((a) => a.iscrowd).map((a) => ({ categoryIndex: categoryIndexOf.get(a.category_id)!, box: xywhToXyxy(a.bbox) })),
        // Only those the matrix counts (score above the threshold): most of a run's detections are below it.
        detections: Array.from(detectionsOf(i)).filter((d) => detections.score[d] > threshold)
          .map((d) => ({ ref: detections.ref[d], categoryIndex: categoryIndexOf.get(detections.categoryId[d]) ?? -1, score: detections.score[d], box: box(d) })),
      };
    }
  };
  const confusion = detectionConfusionMatrix(confusionImages(), categoryIds, groundTruth.categories.map((c) => c.name), threshold, iouThreshold);
  return {
    threshold, definition: OPERATING_POINT_DEFINITION, perCategory,
    overall: { tp, fp, fn, precision: tp + fp > 0 ? tp / (tp + fp) : null, recall: tp + fn > 0 ? tp / (tp + fn) : null },
    perImage: rankImages(perImage), rankingDefinition: IMAGE_RANKING_DEFINITION, confusion,
  };
}

/**
 * COCO results (a results file: `gfl-lens eval`) as ScoredDetections: refs are result indices, verdicts from the
 * COCO evaluation of exactly these results, TIDE errors and matched ground truths from their match records.
 */
export function scoredDetectionsOfResults(
  results: readonly { image_id: number; category_id: number; bbox: readonly number[]; score: number }[],
  evaluation: { detections: { numThresholds: number; evaluated: Uint8Array; ignored: Uint8Array; matchedGt: Int32Array } },
  matches: readonly { error: TideErrorType | null; matchedGtId50: number | null }[],
  images: { id: number }[],
): ScoredDetections {
  const n = results.length;
  const imageIndexOf = new Map(images.map((image, i) => [image.id, i]));
  const o = evaluation.detections;
  const T = o.numThresholds;
  const bbox = new Float64Array(4 * n);
  const verdict = new Uint8Array(n);
  const imageIndex = new Int32Array(n);
  results.forEach((r, d) => {
    bbox.set([r.bbox[0], r.bbox[1], r.bbox[0] + r.bbox[2], r.bbox[1] + r.bbox[3]], 4 * d);
    verdict[d] = !o.evaluated[d] || o.ignored[d * T] ? VERDICT.notCounted : o.matchedGt[d * T] >= 0 ? VERDICT.tp : VERDICT.fp;
    imageIndex[d] = imageIndexOf.get(r.image_id) ?? -1;
  });
  return {
    count: n, ref: Int32Array.from({ length: n }, (_, d) => d), imageIndex, categoryId: results.map((r) => r.category_id),
    score: results.map((r) => r.score), bbox, verdict,
    error: (d) => (verdict[d] === VERDICT.fp ? matches[d]?.error ?? null : null),
    matchedGtId: (d) => (verdict[d] === VERDICT.tp ? matches[d]?.matchedGtId50 ?? null : null),
  };
}
