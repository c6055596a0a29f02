// Port of pycocotools COCOeval (iouType "bbox", useCats 1) giving the same numbers, plus per-category AP and
// PR curves. Same algorithm, restructured for speed: IoU once per (image, category), typed arrays, one stable
// score sort per category shared by all area ranges and maxDets (a stable sort of a subsequence equals the
// subsequence of the stable sort, so filtering by per-image rank replaces pycocotools' re-sorts).
import { sharedArray } from '../sharedMemory.ts';
import type { CocoResult } from './categoryMapping.ts';
import type { CocoAnnotation, CocoCategory, CocoImage } from './cocoLoad.ts';

/** What COCOeval reads from the ground truth. */
export interface CocoGroundTruth {
  images: Pick<CocoImage, 'id'>[];
  annotations: CocoAnnotation[];
  categories: Pick<CocoCategory, 'id' | 'name'>[];
}

/**
 * A ground truth as typed-array columns (annotations in file order), its image order and categories: what a worker
 * thread receives without a copy (the analysis' jobs evaluate it as they would the objects).
 */
export interface CocoGroundTruthColumns {
  imageIds: Float64Array;
  categories: { id: number; name: string }[];
  annotationId: Float64Array;
  imageId: Float64Array;
  categoryId: Float64Array;
  /** x, y, width, height per annotation. */
  bbox: Float64Array;
  area: Float64Array;
  crowd: Uint8Array;
}

/** A ground truth's objects as columns, in shared memory (a worker thread reads them without a copy). */
export function cocoGroundTruthColumns(gt: CocoGroundTruth): CocoGroundTruthColumns {
  const g = gt.annotations.length;
  const columns: CocoGroundTruthColumns = {
    imageIds: Float64Array.from(gt.images, (image) => image.id),
    categories: gt.categories.map((c) => ({ id: c.id, name: c.name })),
    annotationId: sharedArray(Float64Array, g), imageId: sharedArray(Float64Array, g), categoryId: sharedArray(Float64Array, g),
    bbox: sharedArray(Float64Array, 4 * g), area: sharedArray(Float64Array, g), crowd: sharedArray(Uint8Array, g),
  };
  gt.annotations.forEach((a, n) => {
    columns.annotationId[n] = a.id; columns.imageId[n] = a.image_id; columns.categoryId[n] = a.category_id;
    columns.bbox[4 * n] = a.bbox[0]; columns.bbox[4 * n + 1] = a.bbox[1]; columns.bbox[4 * n + 2] = a.bbox[2]; columns.bbox[4 * n + 3] = a.bbox[3];
    columns.area[n] = a.area; columns.crowd[n] = a.iscrowd ? 1 : 0;
  });
  return columns;
}

export type AreaRangeLabel = 'all' | 'small' | 'medium' | 'large';

/** np.linspace(start, stop, num): y[i] = i · ((stop − start) / (num − 1)) + start, last element = stop exactly. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** COCOeval Params for bbox: iouThrs = linspace(.5, .95, 10), recThrs = linspace(0, 1, 101). */
export const COCO_IOU_THRESHOLDS: Float64Array = linspace(0.5, 0.95, 10);
export const COCO_RECALL_THRESHOLDS: Float64Array = linspace(0, 1, 101);
export const COCO_MAX_DETS: readonly number[] = [1, 10, 100];
export const COCO_AREA_RANGES: readonly (readonly [number, number])[] = [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]];
export const COCO_AREA_LABELS: readonly AreaRangeLabel[] = ['all', 'small', 'medium', 'large'];
export const COCO_STAT_KEYS: readonly string[] = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

/** np.spacing(1): the distance from 1.0 to the next double, pycocotools' guard against 0/0 precision. */
const EPS_AT_ONE = 2.220446049250313e-16;

export interface CategoryMetrics {
  categoryId: number;
  name: string;
  /** COCO AP@[.5:.95], AP50, AP75 and the area-range APs, area "all" maxDets 100 unless named; −1 when undefined. */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  /** AR@[.5:.95] with maxDets 100. */
  ar100: number;
  /** Non-crowd ground truths and evaluated detections (top 100 per image) of this category. */
  numGt: number;
  numDetections: number;
}

export interface PrCurve {
  /** The 101 recall thresholds. */
  recall: Float64Array;
  /** Interpolated precision at each recall threshold (0 beyond the maximum recall), or all −1 when undefined. */
  precision: Float64Array;
  /** Score of the detection that reaches each recall threshold. */
  scores: Float64Array;
}

/**
 * COCOeval's per-detection outcome at each kept IoU threshold for area "all" and maxDets 100, indexed by
 * `d * numThresholds + k` where d is the detection's index in the results array passed to evaluateCoco and
 * thresholds[k] the IoU threshold (all of iouThresholds unless CocoEvalOptions.outcomeThresholds chose some).
 */
export interface DetectionOutcomes {
  numDetections: number;
  numThresholds: number;
  /** The IoU threshold of each kept column. */
  thresholds: Float64Array;
  /** Index into gt.annotations of the matched ground truth, or −1. */
  matchedGt: Int32Array;
  /** 1 when COCOeval ignores the detection (matched to a crowd / ignored GT, or unmatched and outside the area range). */
  ignored: Uint8Array;
  /** 1 when the detection took part in evaluation: known image and category, within the top 100 of its (image, category). */
  evaluated: Uint8Array;
}

export interface CocoEvalResult {
  /** The 12 summarize() numbers, in COCO_STAT_KEYS order. */
  stats: number[];
  imgIds: number[];
  catIds: number[];
  iouThresholds: Float64Array;
  recallThresholds: Float64Array;
  maxDets: readonly number[];
  areaLabels: readonly AreaRangeLabel[];
  /** precision[T][R][K][A][M] row-major (numpy layout); −1 where undefined. */
  precision: Float64Array;
  precisionDims: [number, number, number, number, number];
  /** recall[T][K][A][M] row-major; −1 where undefined. */
  recall: Float64Array;
  recallDims: [number, number, number, number];
  /** scores[T][R][K][A][M], same layout as precision. */
  scores: Float64Array;
  perCategory: CategoryMetrics[];
  detections: DetectionOutcomes;
  /** Detections whose image or category is not in the ground truth: never evaluated (as pycocotools with imgIds/catIds). */
  detectionsOutsideGt: number;
  /** PR curve of one category (by id) at IoU threshold index t (0 = 0.5), area index and maxDets index. */
  prCurve(categoryId: number, iouIndex?: number, areaIndex?: number, maxDetsIndex?: number): PrCurve;
}

export interface CocoEvalOptions {
  /** Evaluate a subset of images (pycocotools params.imgIds); default all ground-truth images. */
  imgIds?: number[];
  /**
   * IoU thresholds (among COCO_IOU_THRESHOLDS) whose per-detection outcomes `detections` keeps; default all. The
   * summary numbers do not depend on it; a 4.6M-detection run that reads only 0.5 and 0.75 saves 8 × 23 MB per
   * million detections, and what-if evaluations that read only the stats keep none.
   */
  outcomeThresholds?: readonly number[];
  /**
   * Only the 12 summary stats are read (what-if evaluations): accumulate() skips what summarize() never reads
   * (precision and scores at maxDets 1 and 10, recall there beyond area "all"), which stay −1 in the arrays.
   */
  statsOnly?: boolean;
}

/** numpy's pairwise summation (pairwise_sum_DOUBLE), so means match np.mean to the last bit. */
function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 += a[p]; r1 += a[p + 1]; r2 += a[p + 2]; r3 += a[p + 3];
      r4 += a[p + 4]; r5 += a[p + 5]; r6 += a[p + 6]; r7 += a[p + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** Merge buffer of sortByScoreStable, grown as needed (sorting allocates nothing per call). */
let mergeBuffer = new Int32Array(1024);

/**
 * Stable sort of `index` by descending `scores[index]` (np.argsort(-scores, kind='mergesort')): insertion sort for
 * short runs, then bottom-up merges that take the left element on ties — no comparator closure.
 */
function sortByScoreStable(index: Int32Array, start: number, n: number, scores: Float64Array): void {
  if (n < 2) return;
  const RUN = 16;
  for (let from = start; from < start + n; from += RUN) {
    const to = Math.min(from + RUN, start + n);
    for (let i = from + 1; i < to; i++) {
      const v = index[i];
      const s = scores[v];
      let j = i - 1;
      while (j >= from && scores[index[j]] < s) { index[j + 1] = index[j]; j--; }
      index[j + 1] = v;
    }
  }
  if (n <= RUN) return;
  if (mergeBuffer.length < n) mergeBuffer = new Int32Array(Math.max(n, 2 * mergeBuffer.length));
  let source: Int32Array = index, target: Int32Array = mergeBuffer, sourceStart = start, targetStart = 0;
  for (let width = RUN; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const middle = Math.min(left + width, n), right = Math.min(left + 2 * width, n);
      let i = left, j = middle, k = left;
      while (i < middle && j < right) {
        // The right element goes first only when strictly higher: ties keep their order.
        if (scores[source[sourceStart + j]] > scores[source[sourceStart + i]]) target[targetStart + k++] = source[sourceStart + j++];
        else target[targetStart + k++] = source[sourceStart + i++];
      }
      while (i < middle) target[targetStart + k++] = source[sourceStart + i++];
      while (j < right) target[targetStart + k++] = source[sourceStart + j++];
    }
    [source, target] = [target, source];
    [sourceStart, targetStart] = [targetStart, sourceStart];
  }
  if (source !== index) index.set(source.subarray(sourceStart, sourceStart + n), start);
}

/**
 * bbox IoU as pycocotools' maskApi bbIou: boxes [x, y, w, h]; for a crowd GT the union is the detection's area.
 * Fills out[d * numGt + g].
 */
function boxIoUs(
  detBoxes: Float64Array, detOrder: Int32Array, detStart: number, numDets: number,
  gtBoxes: Float64Array, gtCrowd: Uint8Array, gtOrder: Int32Array, gtStart: number, numGt: number,
  out: Float64Array,
): void {
  for (let g = 0; g < numGt; g++) {
    const gi = gtOrder[gtStart + g] * 4;
    const gx = gtBoxes[gi], gy = gtBoxes[gi + 1], gw = gtBoxes[gi + 2], gh = gtBoxes[gi + 3];
    const ga = gw * gh;
    const crowd = gtCrowd[gtOrder[gtStart + g]] === 1;
    for (let d = 0; d < numDets; d++) {
      const di = detOrder[detStart + d] * 4;
      const dx = detBoxes[di], dy = detBoxes[di + 1], dw = detBoxes[di + 2], dh = detBoxes[di + 3];
      const da = dw * dh;
      out[d * numGt + g] = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w <= 0) continue;
      const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (h <= 0) continue;
      const inter = w * h;
      const union = crowd ? da : da + ga - inter;
      out[d * numGt + g] = inter / union;
    }
  }
}

/** Ground truth and detections as typed arrays, grouped by (category, image) with a counting sort (stable). */
interface Grouped {
  I: number;
  K: number;
  gtBoxes: Float64Array;
  gtArea: Float64Array;
  gtCrowd: Uint8Array;
  gtIdOf: Float64Array;
  /** Annotation indices of group g (= k · I + i) are gtOrder[gtStart[g] .. gtStart[g + 1]), file order. */
  gtStart: Int32Array;
  gtOrder: Int32Array;
  detBoxes: Float64Array;
  detScore: Float64Array;
  /** Result indices of group g, results order (sorted by score during matching). */
  dtStart: Int32Array;
  dtOrder: Int32Array;
  detectionsOutsideGt: number;
}

/**
 * Detections as columns (the same fields as COCO results, bbox as x, y, width, height per detection): what-if
 * experiments on a 500k-detection run evaluate without building 500k result objects.
 */
export interface CocoResultColumns {
  count: number;
  imageId: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  /** count × 4: x, y, width, height. */
  bbox: ArrayLike<number>;
  score: ArrayLike<number>;
}

/** COCO results as the columns the evaluation reads. */
export function cocoResultColumns(dets: CocoResult[]): CocoResultColumns {
  const n = dets.length;
  const columns = { count: n, imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(4 * n), score: new Float64Array(n) };
  for (let d = 0; d < n; d++) {
    const det = dets[d];
    columns.imageId[d] = det.image_id;
    columns.categoryId[d] = det.category_id;
    columns.bbox[4 * d] = det.bbox[0]; columns.bbox[4 * d + 1] = det.bbox[1]; columns.bbox[4 * d + 2] = det.bbox[2]; columns.bbox[4 * d + 3] = det.bbox[3];
    columns.score[d] = det.score;
  }
  return columns;
}

function groupInputs(gt: CocoGroundTruthColumns, input: CocoResult[] | CocoResultColumns, imgIndex: Map<number, number>, catIndex: Map<number, number>): Grouped {
  const dets: CocoResultColumns = Array.isArray(input) ? cocoResultColumns(input) : input;
  const I = imgIndex.size, K = catIndex.size;
  const groups = K * I;
  // Ground truth grouped by (category, image), file order kept inside a group (counting sort is stable); its boxes,
  // areas, crowd flags and ids are read from the columns in place.
  const numAnns = gt.annotationId.length;
  const gtGroup = new Int32Array(numAnns);
  const gtStart = new Int32Array(groups + 1);
  for (let n = 0; n < numAnns; n++) {
    const i = imgIndex.get(gt.imageId[n]), k = catIndex.get(gt.categoryId[n]);
    if (i === undefined || k === undefined) { gtGroup[n] = -1; continue; }
    gtGroup[n] = k * I + i;
    gtStart[k * I + i + 1]++;
  }
  for (let g = 0; g < groups; g++) gtStart[g + 1] += gtStart[g];
  const gtOrder = new Int32Array(gtStart[groups]);
  {
    const fill = gtStart.slice(0, groups);
    for (let n = 0; n < numAnns; n++) if (gtGroup[n] >= 0) gtOrder[fill[gtGroup[n]]++] = n;
  }

  // Detections grouped the same way, results order kept inside a group.
  const numDets = dets.count;
  // Float64 input columns are read in place (a 4.6M-detection run would otherwise hold a second copy).
  const detBoxes = dets.bbox instanceof Float64Array && dets.bbox.length === numDets * 4 ? dets.bbox : new Float64Array(numDets * 4);
  const detScore = dets.score instanceof Float64Array && dets.score.length === numDets ? dets.score : new Float64Array(numDets);
  const detGroup = new Int32Array(numDets);
  const dtStart = new Int32Array(groups + 1);
  let detectionsOutsideGt = 0;
  for (let d = 0; d < numDets; d++) {
    const i = imgIndex.get(dets.imageId[d]), k = catIndex.get(dets.categoryId[d]);
    const b = dets.bbox;
    if (detBoxes !== b) { detBoxes[d * 4] = b[4 * d]; detBoxes[d * 4 + 1] = b[4 * d + 1]; detBoxes[d * 4 + 2] = b[4 * d + 2]; detBoxes[d * 4 + 3] = b[4 * d + 3]; }
    if (detScore !== dets.score) detScore[d] = dets.score[d];
    if (i === undefined || k === undefined) { detGroup[d] = -1; detectionsOutsideGt++; continue; }
    detGroup[d] = k * I + i;
    dtStart[k * I + i + 1]++;
  }
  for (let g = 0; g < groups; g++) dtStart[g + 1] += dtStart[g];
  const dtOrder = new Int32Array(dtStart[groups]);
  {
    const fill = dtStart.slice(0, groups);
    for (let d = 0; d < numDets; d++) if (detGroup[d] >= 0) dtOrder[fill[detGroup[d]]++] = d;
  }

  return { I, K, gtBoxes: gt.bbox, gtArea: gt.area, gtCrowd: gt.crowd, gtIdOf: gt.annotationId, gtStart, gtOrder, detBoxes, detScore, dtStart, dtOrder, detectionsOutsideGt };
}

/** evaluate() and accumulate() of every category: pycocotools' arrays and the per-detection outcomes. */
interface Evaluated {
  precision: Float64Array;
  recall: Float64Array;
  scores: Float64Array;
  /** Evaluated detections (top 100 per image) of each category. */
  categoryCount: Int32Array;
  detections: DetectionOutcomes;
}

/** Typed arrays shared by the per-(image, category, area) matching; one object so its shape stays stable. */
interface MatchScratch {
  gtArea: Float64Array;
  gtCrowd: Uint8Array;
  gtIdOf: Float64Array;
  gtOrder: Int32Array;
  /**
   * pycocotools' loadRes area (width · height) of the group's detections in score order, computed once per group
   * (reading it from the run-sized box column at every threshold and range missed the cache).
   */
  detArea: Float64Array;
  dtOrder: Int32Array;
  ious: Float64Array;
  sortedGt: Int32Array;
  sortedIgnore: Uint8Array;
  gtTaken: Uint8Array;
  /** GT ignore flags of the group per area range: gtIgnore[a · maxGroupGt + g]. */
  gtIgnore: Uint8Array;
  maxGroupGt: number;
  maxGroupDets: number;
  /** Per area range, detection and threshold: how it matched (MATCHED_IGNORED | MATCHED_ID), for copyGroupArea. */
  matchState: Uint8Array;
  areaLo: Float64Array;
  areaHi: Float64Array;
  thresholds: Float64Array;
  outcome: Uint8Array;
  matchedGt: Int32Array;
  ignored: Uint8Array;
  /** Column of threshold t in matchedGt / ignored (−1: not kept), and the number of kept columns. */
  keptColumn: Int32Array;
  keptCount: number;
  /** The last matched threshold's matched annotation and ignore flag per detection of the group. */
  lastMatched: Int32Array;
  lastIgnored: Uint8Array;
}

/**
 * evaluateImg for one (image, category) and area range at every IoU threshold: writes the outcome codes of the
 * group's D detections (positions p0 …) and returns the number of non-ignored GT (its share of npig).
 */
function matchGroupArea(c: MatchScratch, g0: number, G: number, d0: number, D: number, p0: number, a: number, keepState: boolean): number {
  const { gtCrowd, gtIdOf, gtOrder, detArea, dtOrder, ious, sortedGt, sortedIgnore, gtTaken, gtIgnore, thresholds, outcome, matchedGt, ignored: ignoredAt } = c;
  const { keptColumn, keptCount: K, lastMatched, lastIgnored, matchState } = c;
  const T = thresholds.length;
  const AT = COCO_AREA_RANGES.length * T;
  const lo = c.areaLo[a], hi = c.areaHi[a];
  const ignoreAt = a * c.maxGroupGt;
  const stateAt = a * c.maxGroupDets * T;
  // evaluateImg: ignored GT (crowd or outside the area range, see groupIgnorePatterns) sorted last (stable).
  let nonIgnored = 0;
  for (let g = 0; g < G; g++) if (!gtIgnore[ignoreAt + g]) nonIgnored++;
  let front = 0, back = nonIgnored;
  for (let g = 0; g < G; g++) {
    if (gtIgnore[ignoreAt + g]) { sortedGt[back] = g; sortedIgnore[back++] = 1; } else { sortedGt[front] = g; sortedIgnore[front++] = 0; }
  }
  // Lowest IoU among the previous threshold's matches: when it also reaches this threshold, every detection makes
  // the same choice again (its best candidate is still a candidate, and the candidates only shrank), so the
  // matching repeats and is copied.
  let weakestMatch = -1;
  for (let t = 0; t < T; t++) {
    const threshold = thresholds[t];
    const column = a * T + t;
    if (weakestMatch >= threshold) {
      for (let d = 0; d < D; d++) {
        const at = (p0 + d) * AT + column;
        outcome[at] = outcome[at - 1];
        if (keepState) matchState[stateAt + d * T + t] = matchState[stateAt + d * T + t - 1];
        if (a === 0 && keptColumn[t] >= 0) {
          const det = dtOrder[d0 + d];
          matchedGt[det * K + keptColumn[t]] = lastMatched[d];
          ignoredAt[det * K + keptColumn[t]] = lastIgnored[d];
        }
      }
      continue;
    }
    for (let s = 0; s < G; s++) gtTaken[s] = 0;
    let matches = 0;
    weakestMatch = Infinity;
    for (let d = 0; d < D; d++) {
      let best = threshold;
      let m = -1;
      const row = d * G;
      // pycocotools stops at the first ignored GT once it holds a non-ignored match: the non-ignored GT (sorted
      // first) are searched, and the ignored ones only when none of them matched.
      for (let s = 0; s < nonIgnored; s++) {
        if (gtTaken[s]) continue; // a non-ignored GT is never a crowd region
        const v = ious[row + sortedGt[s]];
        if (v < best) continue;
        best = v;
        m = s;
      }
      if (m === -1) {
        for (let s = nonIgnored; s < G; s++) {
          const g = sortedGt[s];
          if (gtTaken[s] && !gtCrowd[gtOrder[g0 + g]]) continue;
          const v = ious[row + g];
          if (v < best) continue;
          best = v;
          m = s;
        }
      }
      let ignored = 0;
      let matchedId = 0;
      let matchedAnn = -1;
      if (m !== -1) {
        ignored = sortedIgnore[m];
        matchedAnn = gtOrder[g0 + sortedGt[m]];
        matchedId = gtIdOf[matchedAnn];
        gtTaken[m] = 1;
        matches++;
        if (best < weakestMatch) weakestMatch = best;
      }
      // What another area range with the same ignored GT repeats (copyGroupArea): the match, before the area test.
      if (keepState) matchState[stateAt + d * T + t] = (ignored ? MATCHED_IGNORED : 0) | (matchedId !== 0 ? MATCHED_ID : 0);
      // dtm holds the GT id, so (as in pycocotools) a GT with id 0 reads as "no match".
      const det = dtOrder[d0 + d];
      if (matchedId === 0) {
        const area = detArea[d];
        if (area < lo || area > hi) ignored = 1;
      }
      outcome[(p0 + d) * AT + column] = ignored ? 2 : matchedId !== 0 ? 1 : 0;
      if (a === 0) {
        lastMatched[d] = matchedAnn;
        lastIgnored[d] = ignored;
        if (keptColumn[t] >= 0) {
          matchedGt[det * K + keptColumn[t]] = matchedAnn;
          ignoredAt[det * K + keptColumn[t]] = ignored;
        }
      }
    }
    if (matches === 0) {
      // Nothing reached this threshold (no GT was taken, so every IoU is below it): nothing reaches a
      // higher one either, and the remaining thresholds repeat this one's outcomes.
      for (let d = 0; d < D; d++) {
        const from = (p0 + d) * AT + column;
        const det = dtOrder[d0 + d];
        for (let rest = t + 1; rest < T; rest++) {
          outcome[from + rest - t] = outcome[from];
          if (keepState) matchState[stateAt + d * T + rest] = 0;
          if (a === 0 && keptColumn[rest] >= 0) ignoredAt[det * K + keptColumn[rest]] = lastIgnored[d];
        }
      }
      break;
    }
  }
  return nonIgnored;
}

const MATCHED_IGNORED = 1;
const MATCHED_ID = 2;

/**
 * The GT ignore flags of one (image, category) group for every area range (crowd, or area outside the range:
 * evaluateImg's gtIg), and for each range the first range with the same flags. Matching reads the area range only
 * through these flags and the unmatched detections' area test, so ranges with the same flags match alike
 * (copyGroupArea); a group of one medium GT, for instance, matches twice, not four times.
 */
function groupIgnorePatterns(c: MatchScratch, g0: number, G: number, sameAs: Int32Array): void {
  const { gtArea, gtCrowd, gtOrder, gtIgnore, maxGroupGt } = c;
  const A = COCO_AREA_RANGES.length;
  for (let a = 0; a < A; a++) {
    const lo = c.areaLo[a], hi = c.areaHi[a];
    const at = a * maxGroupGt;
    for (let g = 0; g < G; g++) {
      const ann = gtOrder[g0 + g];
      gtIgnore[at + g] = gtCrowd[ann] === 1 || gtArea[ann] < lo || gtArea[ann] > hi ? 1 : 0;
    }
    sameAs[a] = a;
    for (let earlier = 0; earlier < a && sameAs[a] === a; earlier++) {
      if (sameAs[earlier] !== earlier) continue;
      let same = true;
      for (let g = 0; g < G && same; g++) same = gtIgnore[earlier * maxGroupGt + g] === gtIgnore[at + g];
      if (same) sameAs[a] = earlier;
    }
  }
}

/**
 * matchGroupArea's outcomes for area range a from range `from`, whose GT ignore flags are the same: the same
 * matches, and pycocotools' area test (an unmatched detection outside the range is ignored) for a's range.
 * Returns the number of non-ignored GT, as matchGroupArea does.
 */
function copyGroupArea(c: MatchScratch, G: number, D: number, p0: number, a: number, from: number): number {
  const { detArea, outcome, matchState, gtIgnore, thresholds } = c;
  const T = thresholds.length;
  const AT = COCO_AREA_RANGES.length * T;
  const lo = c.areaLo[a], hi = c.areaHi[a];
  const stateAt = from * c.maxGroupDets * T;
  for (let d = 0; d < D; d++) {
    const area = detArea[d];
    const outside = area < lo || area > hi;
    const at = (p0 + d) * AT + a * T;
    for (let t = 0; t < T; t++) {
      const state = matchState[stateAt + d * T + t];
      outcome[at + t] = (state & MATCHED_IGNORED) || (!(state & MATCHED_ID) && outside) ? 2 : state & MATCHED_ID ? 1 : 0;
    }
  }
  let nonIgnored = 0;
  for (let g = 0; g < G; g++) if (!gtIgnore[a * c.maxGroupGt + g]) nonIgnored++;
  return nonIgnored;
}

/**
 * evaluateImg for every (category, image, area) with maxDets 100, then accumulate() of that category before the next
 * one: the outcome codes are held for one category at a time (the largest), not for every detection of the run.
 */
function evaluateGroups(input: Grouped, kept: readonly number[], statsOnly: boolean): Evaluated {
  const { I, K, gtBoxes, gtArea, gtCrowd, gtIdOf, gtStart, gtOrder, detBoxes, detScore, dtStart, dtOrder } = input;
  const iouThrs = COCO_IOU_THRESHOLDS;
  const T = iouThrs.length, A = COCO_AREA_RANGES.length;
  const maxDetLast = COCO_MAX_DETS[COCO_MAX_DETS.length - 1];
  const numDets = detScore.length;
  // Evaluated detections of one category in (image, score rank) order: position p. Outcome codes at
  // outcome[p · A · T + a · T + t]: 0 = false positive, 1 = true positive, 2 = ignored.
  let largestCategory = 0, mostGt = 0, maxGroupGt = 0;
  for (let k = 0; k < K; k++) {
    let evaluated = 0, groundTruths = 0;
    for (let i = 0; i < I; i++) {
      const g = k * I + i;
      evaluated += Math.min(dtStart[g + 1] - dtStart[g], maxDetLast);
      groundTruths += gtStart[g + 1] - gtStart[g];
      maxGroupGt = Math.max(maxGroupGt, gtStart[g + 1] - gtStart[g]);
    }
    largestCategory = Math.max(largestCategory, evaluated);
    mostGt = Math.max(mostGt, groundTruths);
  }
  const AT = A * T;
  const outcome = new Uint8Array(AT * largestCategory);
  const evalScore = new Float64Array(largestCategory);
  const evalRank = new Int32Array(largestCategory);
  const categoryCount = new Int32Array(K);
  const npig = new Int32Array(A);

  const keptColumn = new Int32Array(T).fill(-1);
  kept.forEach((t, k) => { keptColumn[t] = k; });
  const detections: DetectionOutcomes = {
    numDetections: numDets,
    numThresholds: kept.length,
    thresholds: Float64Array.from(kept, (t) => iouThrs[t]),
    matchedGt: new Int32Array(kept.length * numDets).fill(-1),
    ignored: new Uint8Array(kept.length * numDets),
    evaluated: new Uint8Array(numDets),
  };

  const ious = new Float64Array(maxDetLast * Math.max(1, maxGroupGt));
  const sortedGt = new Int32Array(maxGroupGt);
  const sortedIgnore = new Uint8Array(maxGroupGt);
  const gtTaken = new Uint8Array(maxGroupGt);
  const gtIgnore = new Uint8Array(A * maxGroupGt);
  const sameAs = new Int32Array(A);
  const keepState = new Uint8Array(A);

  const areaLo = Float64Array.from(COCO_AREA_RANGES, (range) => range[0]);
  const areaHi = Float64Array.from(COCO_AREA_RANGES, (range) => range[1]);
  const thresholds = Float64Array.from(iouThrs, (threshold) => Math.min(threshold, 1 - 1e-10));
  const scratch: MatchScratch = {
    gtArea, gtCrowd, gtIdOf, gtOrder, detArea: new Float64Array(maxDetLast), dtOrder, ious, sortedGt, sortedIgnore, gtTaken,
    gtIgnore, maxGroupGt, maxGroupDets: maxDetLast, matchState: new Uint8Array(A * maxDetLast * T),
    areaLo, areaHi, thresholds, outcome, matchedGt: detections.matchedGt, ignored: detections.ignored,
    keptColumn, keptCount: kept.length, lastMatched: new Int32Array(maxDetLast), lastIgnored: new Uint8Array(maxDetLast),
  };
  const accumulator = accumulateScratch(K, outcome, evalScore, largestCategory, mostGt);
  for (let k = 0; k < K; k++) {
    let p0 = 0;
    npig.fill(0);
    for (let i = 0; i < I; i++) {
      const group = k * I + i;
      const g0 = gtStart[group], G = gtStart[group + 1] - g0;
      const allDets = dtStart[group + 1] - dtStart[group];
      const D = Math.min(allDets, maxDetLast);
      if (G === 0 && D === 0) continue;
      // computeIoU: detections sorted by score (stable), truncated to maxDets[-1]; GT in file order.
      const d0 = dtStart[group];
      if (allDets > 1) sortByScoreStable(dtOrder, d0, allDets, detScore);
      for (let d = 0; d < D; d++) {
        const det = dtOrder[d0 + d];
        evalScore[p0 + d] = detScore[det];
        evalRank[p0 + d] = d;
        detections.evaluated[det] = 1;
        scratch.detArea[d] = detBoxes[4 * det + 2] * detBoxes[4 * det + 3];
      }
      if (G > 0 && D > 0) boxIoUs(detBoxes, dtOrder, d0, D, gtBoxes, gtCrowd, gtOrder, g0, G, ious);

      groupIgnorePatterns(scratch, g0, G, sameAs);
      keepState.fill(0);
      for (let a = 0; a < A; a++) if (sameAs[a] !== a) keepState[sameAs[a]] = 1;
      for (let a = 0; a < A; a++) {
        npig[a] += sameAs[a] === a ? matchGroupArea(scratch, g0, G, d0, D, p0, a, keepState[a] === 1) : copyGroupArea(scratch, G, D, p0, a, sameAs[a]);
      }
      p0 += D;
    }
    categoryCount[k] = p0;
    accumulateCategory(accumulator, k, p0, evalRank, npig, statsOnly);
  }
  return { precision: accumulator.precision, recall: accumulator.recall, scores: accumulator.scores, categoryCount, detections };
}

/** Arrays shared by the per-(category, area, maxDets) accumulation; one object so its shape stays stable. */
interface AccumulateScratch {
  K: number;
  outcome: Uint8Array;
  evalScore: Float64Array;
  /** Positions of the selected detections in score order. */
  selected: Int32Array;
  tpCount: Int32Array;
  fpCount: Int32Array;
  /** Per threshold: precision and position (in score order) of each true positive; a TP count never exceeds npig. */
  tpPrecision: Float64Array;
  tpPosition: Int32Array;
  maxPositives: number;
  precision: Float64Array;
  recall: Float64Array;
  scores: Float64Array;
}

/**
 * accumulate() for one (category k, area a, maxDets m) over the nd selected detections, all thresholds in one
 * pass. Precision is only read where np.searchsorted(rc, recThrs, 'left') lands: for a recall threshold > 0 that
 * is a true positive (recall grows only there), and the envelope max(pr[q:]) at a true positive is the maximum
 * over the later true positives (between true positives precision only falls). So keeping precision at true
 * positives alone gives the same numbers as pycocotools' full arrays.
 */
function accumulateArea(c: AccumulateScratch, k: number, a: number, m: number, nd: number, positives: number): void {
  const { K, outcome, evalScore, selected, tpCount, fpCount, tpPrecision, tpPosition, maxPositives, precision, recall, scores } = c;
  const recThrs = COCO_RECALL_THRESHOLDS;
  const T = COCO_IOU_THRESHOLDS.length, R = recThrs.length, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETS.length;
  const AT = A * T;
  for (let t = 0; t < T; t++) { tpCount[t] = 0; fpCount[t] = 0; }
  for (let j = 0; j < nd; j++) {
    const from = selected[j] * AT + a * T;
    for (let t = 0; t < T; t++) {
      const code = outcome[from + t];
      if (code === 1) {
        const n = tpCount[t]++;
        const tp = n + 1;
        tpPrecision[t * maxPositives + n] = tp / (fpCount[t] + tp + EPS_AT_ONE);
        tpPosition[t * maxPositives + n] = j;
      } else if (code === 0) {
        fpCount[t]++;
      }
    }
  }
  for (let t = 0; t < T; t++) {
    const tps = tpCount[t];
    const base = t * maxPositives;
    recall[((t * K + k) * A + a) * M + m] = nd > 0 ? tps / positives : 0;
    // Precision envelope (monotone from the right) over the true positives.
    for (let n = tps - 2; n >= 0; n--) if (tpPrecision[base + n + 1] > tpPrecision[base + n]) tpPrecision[base + n] = tpPrecision[base + n + 1];
    let n = 0;
    for (let r = 0; r < R; r++) {
      const at = (((t * R + r) * K + k) * A + a) * M + m;
      const threshold = recThrs[r];
      if (nd > 0 && threshold <= 0) {
        // searchsorted lands on position 0 (a TP or not); the envelope there is the best TP precision.
        precision[at] = tps > 0 ? tpPrecision[base] : 0;
        scores[at] = evalScore[selected[0]];
        continue;
      }
      // First TP whose recall (n + 1) / npig reaches the threshold; none → 0 from here on (IndexError).
      while (n < tps && (n + 1) / positives < threshold) n++;
      if (nd === 0 || n >= tps) {
        for (let rest = r; rest < R; rest++) {
          const restAt = (((t * R + rest) * K + k) * A + a) * M + m;
          precision[restAt] = 0;
          scores[restAt] = 0;
        }
        break;
      }
      precision[at] = tpPrecision[base + n];
      scores[at] = evalScore[selected[tpPosition[base + n]]];
    }
  }
}

/** maxDets[m] selects the same detections as maxDets[m + 1] for category k: copy its results. */
function copyFromNextMaxDets(c: AccumulateScratch, k: number, m: number): void {
  const { K, precision, recall, scores } = c;
  const T = COCO_IOU_THRESHOLDS.length, R = COCO_RECALL_THRESHOLDS.length, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETS.length;
  for (let a = 0; a < A; a++) {
    for (let t = 0; t < T; t++) {
      recall[((t * K + k) * A + a) * M + m] = recall[((t * K + k) * A + a) * M + m + 1];
      for (let r = 0; r < R; r++) {
        const at = (((t * R + r) * K + k) * A + a) * M + m;
        precision[at] = precision[at + 1];
        scores[at] = scores[at + 1];
      }
    }
  }
}

/** accumulate()'s arrays: precision [T,R,K,A,M], recall [T,K,A,M] and scores [T,R,K,A,M], −1 where undefined. */
function accumulateScratch(K: number, outcome: Uint8Array, evalScore: Float64Array, largestCategory: number, maxPositives: number): AccumulateScratch {
  const T = COCO_IOU_THRESHOLDS.length, R = COCO_RECALL_THRESHOLDS.length, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETS.length;
  return {
    K, outcome, evalScore,
    selected: new Int32Array(largestCategory),
    tpCount: new Int32Array(T),
    fpCount: new Int32Array(T),
    tpPrecision: new Float64Array(T * maxPositives),
    tpPosition: new Int32Array(T * maxPositives),
    maxPositives,
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
    scores: new Float64Array(T * R * K * A * M).fill(-1),
  };
}

/**
 * accumulate() for category k, whose `count` evaluated detections sit at positions 0..count−1 of the outcome,
 * score and rank buffers; npig[a] is its number of non-ignored GT per area range.
 */
function accumulateCategory(c: AccumulateScratch, k: number, count: number, evalRank: Int32Array, npig: Int32Array, statsOnly: boolean): void {
  const maxDets = COCO_MAX_DETS;
  const A = COCO_AREA_RANGES.length, M = maxDets.length;
  const { selected, evalScore } = c;
  // Score order (stable: ties keep their position), shared by every area range and maxDets.
  const order = new Int32Array(count);
  for (let p = 0; p < count; p++) order[p] = p;
  sortByScoreStable(order, 0, count, evalScore);
  let maxRank = -1;
  for (let j = 0; j < count; j++) if (evalRank[j] > maxRank) maxRank = evalRank[j];
  for (let m = M - 1; m >= 0; m--) {
    // No (image, category) has more than maxDets[m] detections: the same selection as the next maxDets.
    if (m < M - 1 && maxRank < maxDets[m]) { copyFromNextMaxDets(c, k, m); continue; }
    let nd = 0;
    for (let j = 0; j < count; j++) if (evalRank[order[j]] < maxDets[m]) selected[nd++] = order[j];
    for (let a = 0; a < A; a++) {
      const positives = npig[a];
      if (!(positives > 0)) continue;
      // summarize() reads maxDets 1 and 10 only as recall over area "all" (AR1, AR10).
      if (statsOnly && m < M - 1) {
        if (a === 0) accumulateRecall(c, k, a, m, nd, positives);
        continue;
      }
      accumulateArea(c, k, a, m, nd, positives);
    }
  }
}

/** accumulateArea's recall alone (its true positives over npig at each threshold), for the stats-only evaluation. */
function accumulateRecall(c: AccumulateScratch, k: number, a: number, m: number, nd: number, positives: number): void {
  const { K, outcome, selected, tpCount, recall } = c;
  const T = COCO_IOU_THRESHOLDS.length, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETS.length;
  const AT = A * T;
  for (let t = 0; t < T; t++) tpCount[t] = 0;
  for (let j = 0; j < nd; j++) {
    const from = selected[j] * AT + a * T;
    for (let t = 0; t < T; t++) if (outcome[from + t] === 1) tpCount[t]++;
  }
  for (let t = 0; t < T; t++) recall[((t * K + k) * A + a) * M + m] = nd > 0 ? tpCount[t] / positives : 0;
}

/**
 * Gathers the entries > −1 of precision[t0..t1, :, k0..k1, a, m] (ap) or recall[t0..t1, k0..k1, a, m] into
 * scratch in numpy's C order and returns how many (summarize()'s s[s > -1]). Thresholds are a contiguous index
 * range: all of them, or the one equal to iouThr (empty when iouThr is not among them).
 * Nothing follows the loop but `return count`: V8 reuses on-stack-replacement code compiled before any code after
 * a hot loop ever ran, and a type-feedback bailout there repeats on every call.
 */
function gatherDefined(ap: boolean, values: Float64Array, K: number, t0: number, t1: number, a: number, m: number, k0: number, k1: number, scratch: Float64Array): number {
  const R = ap ? COCO_RECALL_THRESHOLDS.length : 1, A = COCO_AREA_RANGES.length, M = COCO_MAX_DETS.length;
  let count = 0;
  for (let t = t0; t < t1; t++) {
    for (let r = 0; r < R; r++) {
      for (let k = k0; k < k1; k++) {
        const value = values[(((t * R + r) * K + k) * A + a) * M + m];
        if (value > -1) scratch[count++] = value;
      }
    }
  }
  return count;
}

/** np.mean(s[s > -1]), or −1 when there is nothing (pycocotools' summarize). */
function summarizeRange(ap: boolean, values: Float64Array, K: number, t0: number, t1: number, a: number, m: number, k0: number, k1: number, scratch: Float64Array): number {
  const count = gatherDefined(ap, values, K, t0, t1, a, m, k0, k1, scratch);
  return count === 0 ? -1 : (0 + pairwiseSum(scratch, 0, count)) / count;
}

/** [t0, t1) of the thresholds equal to iouThr (np.where(iouThr == p.iouThrs)), or all when undefined. */
function thresholdRange(iouThr: number | undefined): [number, number] {
  if (iouThr === undefined) return [0, COCO_IOU_THRESHOLDS.length];
  for (let t = 0; t < COCO_IOU_THRESHOLDS.length; t++) if (COCO_IOU_THRESHOLDS[t] === iouThr) return [t, t + 1];
  return [0, 0];
}

/** Evaluates bbox detections against COCO ground truth exactly as pycocotools COCOeval evaluate/accumulate/summarize. */
/** Most categories evaluateCoco accepts: 10,000 × 97 KB ≈ 0.9 GiB per precision/score array (LVIS has 1,203). */
export const MAX_EVAL_CATEGORIES = 10_000;

export function evaluateCoco(gt: CocoGroundTruth | CocoGroundTruthColumns, dets: CocoResult[] | CocoResultColumns, options: CocoEvalOptions = {}): CocoEvalResult {
  const iouThrs = COCO_IOU_THRESHOLDS;
  const recThrs = COCO_RECALL_THRESHOLDS;
  const maxDets = COCO_MAX_DETS;
  const T = iouThrs.length, R = recThrs.length, A = COCO_AREA_RANGES.length, M = maxDets.length;

  // The ground truth as columns (the analysis' jobs pass them; objects are converted once).
  const columns = 'annotationId' in gt ? gt : cocoGroundTruthColumns(gt);
  const imgIds = Array.from(new Set(options.imgIds ?? Array.from(columns.imageIds))).sort((a, b) => a - b);
  const catIds = Array.from(new Set(gt.categories.map((category) => category.id))).sort((a, b) => a - b);
  const I = imgIds.length, K = catIds.length;
  // pycocotools' precision and score arrays hold T·R·K·A·M doubles (97 KB per category): 200k categories would
  // need 19 GB each. Refused with the reason instead of failing inside the allocator.
  if (K > MAX_EVAL_CATEGORIES) {
    throw new Error(`the ground truth lists ${K} categories; COCO evaluation supports at most ${MAX_EVAL_CATEGORIES} ` +
      `(its per-category arrays would need ${((T * R * K * A * M * 8) / 2 ** 30).toFixed(1)} GiB each)`);
  }
  const imgIndex = new Map<number, number>();
  imgIds.forEach((id, i) => imgIndex.set(id, i));
  const catIndex = new Map<number, number>();
  catIds.forEach((id, k) => catIndex.set(id, k));

  const grouped = groupInputs(columns, dets, imgIndex, catIndex);
  const kept: number[] = [];
  for (let t = 0; t < T; t++) if (!options.outcomeThresholds || options.outcomeThresholds.includes(iouThrs[t])) kept.push(t);
  if (options.outcomeThresholds) {
    for (const threshold of options.outcomeThresholds) if (!iouThrs.includes(threshold)) throw new Error(`IoU threshold ${threshold} is not among COCO's (${Array.from(iouThrs).join(', ')})`);
  }
  const { precision, recall, scores, categoryCount, detections } = evaluateGroups(grouped, kept, options.statsOnly === true);
  const { gtStart, gtOrder, gtCrowd } = grouped;

  // summarize()
  const scratch = new Float64Array(T * R * Math.max(K, 1));
  const [all0, all1] = thresholdRange(undefined), [t50a, t50b] = thresholdRange(0.5), [t75a, t75b] = thresholdRange(0.75);
  const areaAll = 0, areaSmall = 1, areaMedium = 2, areaLarge = 3;
  const max1 = 0, max10 = 1, max100 = 2;
  const stats = [
    summarizeRange(true, precision, K, all0, all1, areaAll, max100, 0, K, scratch),
    summarizeRange(true, precision, K, t50a, t50b, areaAll, max100, 0, K, scratch),
    summarizeRange(true, precision, K, t75a, t75b, areaAll, max100, 0, K, scratch),
    summarizeRange(true, precision, K, all0, all1, areaSmall, max100, 0, K, scratch),
    summarizeRange(true, precision, K, all0, all1, areaMedium, max100, 0, K, scratch),
    summarizeRange(true, precision, K, all0, all1, areaLarge, max100, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaAll, max1, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaAll, max10, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaAll, max100, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaSmall, max100, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaMedium, max100, 0, K, scratch),
    summarizeRange(false, recall, K, all0, all1, areaLarge, max100, 0, K, scratch),
  ];

  const categoryName = new Map<number, string>();
  for (const category of gt.categories) categoryName.set(category.id, category.name);
  const perCategory: CategoryMetrics[] = catIds.map((categoryId, k) => {
    let numGt = 0;
    for (let i = 0; i < I; i++) {
      const group = k * I + i;
      for (let n = gtStart[group]; n < gtStart[group + 1]; n++) if (!gtCrowd[gtOrder[n]]) numGt++;
    }
    return {
      categoryId,
      name: categoryName.get(categoryId) ?? String(categoryId),
      ap: summarizeRange(true, precision, K, all0, all1, areaAll, max100, k, k + 1, scratch),
      ap50: summarizeRange(true, precision, K, t50a, t50b, areaAll, max100, k, k + 1, scratch),
      ap75: summarizeRange(true, precision, K, t75a, t75b, areaAll, max100, k, k + 1, scratch),
      apSmall: summarizeRange(true, precision, K, all0, all1, areaSmall, max100, k, k + 1, scratch),
      apMedium: summarizeRange(true, precision, K, all0, all1, areaMedium, max100, k, k + 1, scratch),
      apLarge: summarizeRange(true, precision, K, all0, all1, areaLarge, max100, k, k + 1, scratch),
      ar100: summarizeRange(false, recall, K, all0, all1, areaAll, max100, k, k + 1, scratch),
      numGt,
      numDetections: categoryCount[k],
    };
  });

  const precisionAt = (t: number, r: number, k: number, a: number, m: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const prCurve = (categoryId: number, t = 0, a = 0, m = M - 1): PrCurve => {
    const k = catIndex.get(categoryId);
    if (k === undefined) throw new Error(`category ${categoryId} is not in the ground truth`);
    if (!(t >= 0 && t < T && a >= 0 && a < A && m >= 0 && m < M)) throw new Error(`PR curve index out of range (iou ${t}, area ${a}, maxDets ${m})`);
    const curvePrecision = new Float64Array(R), curveScores = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      curvePrecision[r] = precision[precisionAt(t, r, k, a, m)];
      curveScores[r] = scores[precisionAt(t, r, k, a, m)];
    }
    return { recall: recThrs.slice(), precision: curvePrecision, scores: curveScores };
  };

  return {
    stats,
    imgIds,
    catIds,
    iouThresholds: iouThrs,
    recallThresholds: recThrs,
    maxDets,
    areaLabels: COCO_AREA_LABELS,
    precision,
    precisionDims: [T, R, K, A, M],
    recall,
    recallDims: [T, K, A, M],
    scores,
    perCategory,
    detections,
    detectionsOutsideGt: grouped.detectionsOutsideGt,
    prCurve,
  };
}

/** Python's '{:0.3f}': exact binary value, ties (only x = odd/16 at 3 decimals) rounded half to even. */
function formatFixed3(x: number): string {
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && Math.abs(sixteenths) % 2 === 1) {
    const thousandths = x * 1000;
    const down = Math.floor(thousandths), up = Math.ceil(thousandths);
    return ((down % 2 === 0 ? down : up) / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

/** The 12 lines COCOeval.summarize() prints, character for character. */
export function formatSummary(stats: number[]): string {
  const lines: [boolean, string | undefined, AreaRangeLabel, number][] = [
    [true, undefined, 'all', 100], [true, '0.50', 'all', 100], [true, '0.75', 'all', 100],
    [true, undefined, 'small', 100], [true, undefined, 'medium', 100], [true, undefined, 'large', 100],
    [false, undefined, 'all', 1], [false, undefined, 'all', 10], [false, undefined, 'all', 100],
    [false, undefined, 'small', 100], [false, undefined, 'medium', 100], [false, undefined, 'large', 100],
  ];
  return lines.map(([ap, iou, area, maxDet], i) => {
    const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const type = ap ? '(AP)' : '(AR)';
    const iouText = (iou ?? '0.50:0.95').padEnd(9);
    return ` ${title} ${type} @[ IoU=${iouText} | area=${area.padStart(6)} | maxDets=${String(maxDet).padStart(3)} ] = ${formatFixed3(stats[i])}`;
  }).join('\n');
}
