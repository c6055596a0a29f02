// Per-detection match facts, the TIDE error taxonomy and its dAP, and a confusion matrix.
// TIDE follows dbolya/tide (tidecv/quantify.py, errors/main_errors.py, errors/error.py, ap.py) step for step:
// its own greedy matching (top 100 detections per image across classes, IoU ≥ foreground threshold), crowd
// regions as ignore regions (crowd IoU > threshold, same class), the error precedence Loc → Cls → Dupe → Bkg →
// Both, oracle fixes with "best GT match" suppression, and its own 101-point AP (in AP points, 0..100).
import { countingOrder, denseRanksOfFloat32 } from '../ranking.ts';
import type { DetectionMatch, TideErrorType } from '../types.ts';
import type { CocoResult } from './categoryMapping.ts';
import type { CocoAnnotation, CocoCategory, CocoImage } from './cocoLoad.ts';
import { cocoGroundTruthColumns, cocoResultColumns, evaluateCoco, type CocoEvalResult, type CocoGroundTruthColumns, type CocoResultColumns } from './cocoEval.ts';

export type TideMainError = TideErrorType | 'Miss';
export const TIDE_MAIN_ERRORS: readonly TideMainError[] = ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss'];

export interface MatchingGroundTruth {
  /** Images in file order (TIDE visits them in this order, which decides score-tie order in its AP). */
  images: Pick<CocoImage, 'id'>[];
  annotations: CocoAnnotation[];
  categories: Pick<CocoCategory, 'id' | 'name'>[];
}

export interface MatchingOptions {
  /** TIDE foreground IoU threshold (pos_threshold). */
  foregroundIoU?: number;
  /** TIDE background IoU threshold (background_threshold). */
  backgroundIoU?: number;
  /** TIDE max detections per image across classes (Data.max_dets for COCO). */
  tideMaxDets?: number;
  /** Detections scoring below this are left out of the confusion matrix (their GT then counts as missed). */
  confusionScoreThreshold?: number;
  /**
   * Receives each detection's record as it is made. With `keepMatches: false` the records are not also collected in
   * `matches` (a 500k-detection run would hold 500k objects only to have them copied into columns).
   */
  onMatch?: (d: number, match: DetectionMatch) => void;
  keepMatches?: boolean;
}

export interface TideSummary {
  foregroundIoU: number;
  backgroundIoU: number;
  /** TIDE's mAP at the foreground threshold, in AP points (0..100) as TIDE reports it. */
  ap: number;
  /** dAP of each main error type: mAP after oracle-fixing only that type, minus ap, floored at 0. */
  dAP: Record<TideMainError, number>;
  /** FalsePos: all false positives scored 0; FalseNeg: all missed GT removed. Not floored (as TIDE). */
  specialDAP: { FalsePos: number; FalseNeg: number };
  counts: Record<TideMainError, number>;
}

export interface ConfusionMatrix {
  /** Category ids in row/column order; index categoryIds.length is background. */
  categoryIds: number[];
  labels: string[];
  /**
   * counts[trueRow][predictedColumn] at IoU 0.5: a COCOeval true positive adds to the diagonal; a false positive
   * whose best-overlapping GT (IoU ≥ 0.5) has another category adds to [that category][predicted]; any other
   * false positive to [background][predicted]; a non-crowd GT left unmatched adds to [its category][background].
   */
  counts: number[][];
}

export interface CocoMatchingResult {
  /** One record per input result, in input order. */
  matches: DetectionMatch[];
  /** TIDE "Miss": non-crowd GT ids neither matched nor fixable by a Cls/Loc error. */
  missedGtIds: number[];
  /** Non-crowd GT ids COCOeval leaves unmatched at IoU 0.5 (area all, maxDets 100). */
  unmatchedGtIds50: number[];
  tide: TideSummary;
  confusion: ConfusionMatrix;
}

/** Standard bbox IoU of [x, y, w, h] boxes (pycocotools bbIou); `crowd` makes the union the detection's area. */
export function boxIoU(d: readonly number[], g: readonly number[], crowd = false): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = d[2] * d[3];
  return inter / (crowd ? da : da + g[2] * g[3] - inter);
}

/** Detections as columns for matching; detIndex (the detection's index in its image's list) is optional. */
export interface MatchingResultColumns extends CocoResultColumns {
  /** NaN (or no column): the detection's position among its image's results. */
  detIndex?: ArrayLike<number>;
}

// ---------- TIDE's AP bookkeeping (tidecv/ap.py) ----------
//
// TIDE keeps, per class, data points (score, is_true) in insertion order and sorts them by descending score
// with Python's stable sort. Points here carry a dense score rank (0 = highest score) and are sorted once,
// globally, by (rank, insertion index); distributing that order to classes gives each class's sorted list,
// so every oracle-fixed variant costs one linear pass instead of a sort per class.

/** Indices 0..count−1 ordered by (rank, index), rank of i being ranks[of[i]] (dense ranks): a stable counting sort. */
function orderByRank(count: number, ranks: Int32Array, of?: Int32Array): Int32Array {
  const rankOf = of ? (i: number) => ranks[of[i]] : (i: number) => ranks[i];
  let maxRank = -1;
  for (let i = 0; i < count; i++) maxRank = Math.max(maxRank, rankOf(i));
  return countingOrder(count, rankOf, maxRank + 1, null);
}

const TIDE_RECALL_POINTS: number[] = Array.from({ length: 101 }, (_, i) => i / 100);

/**
 * APDataObject.get_ap on one class's points already in TIDE's sorted order (correct[order[from .. from + n)]):
 * running precision/recall, envelope from the right, np.searchsorted(recalls, i/100, 'left'), mean of 101 bars, in
 * AP points (×100).
 */
function tideAp(numGt: number, correct: Uint8Array, order: Int32Array, from: number, n: number, precisions: Float64Array, recalls: Float64Array): number {
  if (numGt === 0) return 0;
  let numTrue = 0, numFalse = 0;
  for (let j = 0; j < n; j++) {
    if (correct[order[from + j]]) numTrue++; else numFalse++;
    precisions[j] = numTrue / (numTrue + numFalse);
    recalls[j] = numTrue / numGt;
  }
  for (let j = n - 1; j > 0; j--) if (precisions[j] > precisions[j - 1]) precisions[j - 1] = precisions[j];
  let sum = 0;
  let j = 0;
  for (const x of TIDE_RECALL_POINTS) {
    while (j < n && recalls[j] < x) j++;
    if (j < n) sum += precisions[j];
  }
  return (sum / TIDE_RECALL_POINTS.length) * 100;
}

/**
 * A growing list of integers in a typed array (TIDE's per-point and per-error records), of the narrowest type its
 * values need: flags and error codes take a byte each on a run with millions of them.
 */
class TypedList<T extends Int32Array | Int8Array | Uint8Array> {
  private data: T;
  length = 0;
  constructor(private readonly Type: { new (length: number): T }, capacity = 1024) {
    this.data = new Type(Math.max(1, capacity));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new this.Type(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  /** The values (a view: copying them out would briefly hold them twice). */
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

class IntList extends TypedList<Int32Array> {
  constructor(capacity?: number) {
    super(Int32Array, capacity);
  }
}

/**
 * Data points (dense class, correct) in TIDE's sorted order, appended by one variant; meanAp distributes them to
 * classes with a stable counting sort, so each class sees its own points in the same order.
 */
interface ApPoints {
  length: number;
  cls: Int32Array;
  correct: Uint8Array;
}

/**
 * ClassedAPDataObject.get_mAP: the mean over `classOrder` (dense classes, in TIDE's dict insertion order) of each
 * class's AP, skipping classes with neither points nor ground truth.
 */
function meanAp(classOrder: ArrayLike<number>, numGt: Float64Array, points: ApPoints, scratch: TideScratch): number {
  const C = numGt.length;
  const start = scratch.classStart;
  start.fill(0, 0, C + 1);
  for (let j = 0; j < points.length; j++) start[points.cls[j] + 1]++;
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const fill = scratch.classFill;
  fill.set(start.subarray(0, C));
  const byClass = scratch.byClass;
  for (let j = 0; j < points.length; j++) byClass[fill[points.cls[j]]++] = j;
  let sum = 0, count = 0;
  for (let k = 0; k < classOrder.length; k++) {
    const c = classOrder[k];
    const n = start[c + 1] - start[c];
    if (n === 0 && numGt[c] === 0) continue;
    sum += tideAp(numGt[c], points.correct, byClass, start[c], n, scratch.precisions, scratch.recalls);
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

// ---------- TIDE run (tidecv/quantify.py TIDERun) ----------

const ERROR_CODE: Record<TideMainError, number> = { Cls: 0, Loc: 1, Both: 2, Dupe: 3, Bkg: 4, Miss: 5 };

interface TideRun {
  /** AP data points in insertion order. */
  pointClass: Int32Array;
  pointRank: Int32Array;
  pointCorrect: Uint8Array;
  /** Non-ignored GT per class, classes in first-touch order. */
  numGt: Map<number, number>;
  /** Errors in TIDE's order (struct of arrays). errGt is the annotation index for Cls/Loc/Miss, else −1. */
  errType: Int8Array;
  errPred: Int32Array;
  errClass: Int32Array;
  errRank: Int32Array;
  errGt: Int32Array;
  /** Category of errGt's GT (Cls/Loc/Miss), else −1. */
  errGtClass: Int32Array;
  /** Cls/Loc: the GT was unused in its image and this is its highest-scoring error (BestGTMatch keeps it). */
  errFixable: Uint8Array;
  /** TIDE error code (ERROR_CODE) of each result index, −1 for none. */
  errorOfPred: Int8Array;
  /** Per class, how many non-ignored GT were not matched (TIDERun.false_negatives). */
  falseNegatives: Map<number, number>;
  missedGt: number[];
}

/** The ground truth as TIDE reads it: the image order, and each annotation's image, class, crowd flag and box. */
interface TideTruths {
  imageIds: ArrayLike<number>;
  imageId: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  crowd: ArrayLike<number>;
  /** x, y, width, height per annotation. */
  bbox: ArrayLike<number>;
}

function tideTruths(gt: MatchingGroundTruth | CocoGroundTruthColumns): TideTruths {
  return 'annotationId' in gt ? gt : cocoGroundTruthColumns(gt);
}

/** boxIoU with both boxes read from columns (x, y, w, h at 4·d and 4·g): the same arithmetic, no array per call. */
function columnPairIoU(boxes: ArrayLike<number>, d: number, gtBoxes: ArrayLike<number>, g: number, crowd = false): number {
  const dx = boxes[4 * d], dy = boxes[4 * d + 1], dw = boxes[4 * d + 2], dh = boxes[4 * d + 3];
  const gx = gtBoxes[4 * g], gy = gtBoxes[4 * g + 1], gw = gtBoxes[4 * g + 2], gh = gtBoxes[4 * g + 3];
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = dw * dh;
  return inter / (crowd ? da : da + gw * gh - inter);
}

/** The first n elements of a work array that grows (doubling) when n exceeds it: one allocation for many uses. */
function workArray<T extends Float64Array | Int32Array | Uint8Array>(Type: { new (length: number): T }): (n: number) => T {
  let data = new Type(256);
  return (n) => {
    if (data.length < n) data = new Type(2 * n);
    return data.subarray(0, n) as T;
  };
}

function runTide(
  gt: TideTruths, dets: MatchingResultColumns, rankOf: Int32Array,
  annotationsByImage: Map<number, number[]>, resultsByImage: ResultsByImage,
  pos: number, bg: number, maxDets: number,
): TideRun {
  const numGt = new Map<number, number>();
  const falseNegatives = new Map<number, number>();
  const missedGt: number[] = [];
  const errorOfPred = new Int8Array(dets.count).fill(-1);
  // At most one point per result: sized once (doubling would hold up to twice that, and briefly three times).
  const pointClass = new IntList(dets.count), pointRank = new IntList(dets.count), pointCorrect = new TypedList(Uint8Array, dets.count);
  const errType = new TypedList(Int8Array), errPred = new IntList(), errClass = new IntList(), errRank = new IntList();
  const errGt = new IntList(), errGtClass = new IntList(), errSuppressed = new TypedList(Uint8Array);
  // Per annotation (typed, not maps: a COCO-val-sized ground truth has hundreds of thousands).
  const numAnnotations = gt.imageId.length;
  const bestScoreOfGt = new Float64Array(numAnnotations).fill(-1);
  const bestPredOfGt = new Int32Array(numAnnotations).fill(-1);
  const usable = new Uint8Array(numAnnotations);
  const touch = (cls: number) => { if (!numGt.has(cls)) numGt.set(cls, 0); };
  const addFalseNegative = (cls: number) => falseNegatives.set(cls, (falseNegatives.get(cls) ?? 0) + 1);
  const addError = (type: TideMainError, pred: number, cls: number, gtAnn: number, suppressed: boolean) => {
    errType.push(ERROR_CODE[type]);
    errPred.push(pred);
    errClass.push(cls);
    errRank.push(pred >= 0 ? rankOf[pred] : 0);
    errGt.push(gtAnn);
    errGtClass.push(gtAnn >= 0 ? gt.categoryId[gtAnn] : -1);
    errSuppressed.push(suppressed ? 1 : 0);
    if (pred >= 0) errorOfPred[pred] = ERROR_CODE[type];
  };
  const addMiss = (n: number) => {
    addError('Miss', -1, gt.categoryId[n], n, false);
    missedGt.push(n);
  };
  // BestGTMatch: among Cls/Loc errors on a GT unused in its image, the highest-scoring one is the one a fix keeps.
  const addFixableError = (type: 'Cls' | 'Loc', pred: number, gtAnn: number, gtWasUsed: boolean) => {
    const score = dets.score[pred];
    if (!gtWasUsed) {
      usable[gtAnn] = 1;
      if (bestScoreOfGt[gtAnn] < score) { bestScoreOfGt[gtAnn] = score; bestPredOfGt[gtAnn] = pred; }
    }
    addError(type, pred, dets.categoryId[pred], gtAnn, gtWasUsed);
  };
  const seen = new Set<number>();
  // Per-image work arrays, grown as needed (5,000 images would otherwise allocate 30,000); used and gtUsed are cleared.
  const scratch = {
    keys: workArray(Float64Array), preds: workArray(Int32Array), iou: workArray(Float64Array), sameClass: workArray(Uint8Array),
    used: workArray(Uint8Array), gtUsed: workArray(Uint8Array), buffer: workArray(Float64Array),
  };

  for (let image = 0; image < gt.imageIds.length; image++) {
    const imageId = gt.imageIds[image];
    // Data.images is a dict keyed by image id: a repeated id is one image.
    if (seen.has(imageId)) continue;
    seen.add(imageId);
    const anns = annotationsByImage.get(imageId) ?? [];
    const truths = anns.filter((n) => !gt.crowd[n]);
    const ignoreRegions = anns.filter((n) => gt.crowd[n]);
    for (const n of truths) {
      const cls = gt.categoryId[n];
      numGt.set(cls, (numGt.get(cls) ?? 0) + 1);
    }
    const group = resultsByImage.groupOf.get(imageId);
    const first = group === undefined ? 0 : resultsByImage.start[group];
    const imageCount = group === undefined ? 0 : resultsByImage.start[group + 1] - first;
    if (imageCount === 0) {
      for (const n of truths) {
        addFalseNegative(gt.categoryId[n]);
        addMiss(n);
      }
      continue;
    }
    // preds.sort(key=-score) is stable; then preds[:max_dets]. Dense ranks order scores (equal scores, equal ranks)
    // and the image's results are in input order: sorting (rank, position) keys is that stable sort.
    const keys = scratch.keys(imageCount);
    for (let k = 0; k < imageCount; k++) keys[k] = rankOf[resultsByImage.order[first + k]] * imageCount + k;
    keys.sort();
    const P = Math.min(imageCount, maxDets), G = truths.length;
    const preds = scratch.preds(P);
    for (let p = 0; p < P; p++) preds[p] = resultsByImage.order[first + (keys[p] % imageCount)];
    const iou = scratch.iou(P * G);
    const sameClass = scratch.sameClass(P * G);
    for (let p = 0; p < P; p++) {
      for (let g = 0; g < G; g++) {
        const n = truths[g];
        iou[p * G + g] = columnPairIoU(dets.bbox, preds[p], gt.bbox, n);
        sameClass[p * G + g] = dets.categoryId[preds[p]] === gt.categoryId[n] ? 1 : 0;
      }
    }
    // used: 0 False, 1 True, 2 None (ignored by a crowd region).
    const used = scratch.used(P).fill(0);
    const gtUsed = scratch.gtUsed(G).fill(0);
    if (G > 0) {
      const buffer = scratch.buffer(P * G);
      for (let k = 0; k < P * G; k++) buffer[k] = sameClass[k] ? iou[k] : 0;
      for (let p = 0; p < P; p++) {
        let best = 0;
        for (let g = 1; g < G; g++) if (buffer[p * G + g] > buffer[p * G + best]) best = g;
        if (buffer[p * G + best] >= pos) {
          used[p] = 1;
          gtUsed[best] = 1;
          for (let q = 0; q < P; q++) buffer[q * G + best] = 0;
        }
      }
    }
    for (const region of ignoreRegions) {
      const regionClass = gt.categoryId[region];
      for (let p = 0; p < P; p++) {
        if (used[p] === 0 && columnPairIoU(dets.bbox, preds[p], gt.bbox, region, true) > pos && regionClass === dets.categoryId[preds[p]]) used[p] = 2;
      }
    }
    for (let p = 0; p < P; p++) {
      const pred = preds[p];
      const category = dets.categoryId[pred];
      if (used[p] !== 2) {
        touch(category);
        pointClass.push(category);
        pointRank.push(rankOf[pred]);
        pointCorrect.push(used[p] === 1 ? 1 : 0);
      }
      if (used[p] !== 0) continue;
      if (G === 0) { addError('Bkg', pred, category, -1, false); continue; }
      const row = p * G;
      // argmax returns the first maximum, as numpy does.
      let idx = 0;
      for (let g = 1; g < G; g++) if ((sameClass[row + g] ? iou[row + g] : 0) > (sameClass[row + idx] ? iou[row + idx] : 0)) idx = g;
      const clsIoU = sameClass[row + idx] ? iou[row + idx] : 0;
      if (bg <= clsIoU && clsIoU <= pos) { addFixableError('Loc', pred, truths[idx], gtUsed[idx] === 1); continue; }
      idx = 0;
      for (let g = 1; g < G; g++) if ((sameClass[row + g] ? 0 : iou[row + g]) > (sameClass[row + idx] ? 0 : iou[row + idx])) idx = g;
      if ((sameClass[row + idx] ? 0 : iou[row + idx]) >= pos) { addFixableError('Cls', pred, truths[idx], gtUsed[idx] === 1); continue; }
      let usedSameClass = 0;
      for (let g = 0; g < G; g++) if (gtUsed[g] && sameClass[row + g] && iou[row + g] > usedSameClass) usedSameClass = iou[row + g];
      if (usedSameClass >= pos) { addError('Dupe', pred, category, -1, false); continue; }
      let maxAny = 0;
      for (let g = 0; g < G; g++) if (iou[row + g] > maxAny) maxAny = iou[row + g];
      if (maxAny <= bg) { addError('Bkg', pred, category, -1, false); continue; }
      addError('Both', pred, category, -1, false);
    }
    for (let g = 0; g < G; g++) {
      if (gtUsed[g]) continue;
      const n = truths[g];
      addFalseNegative(gt.categoryId[n]);
      if (!usable[n]) addMiss(n);
    }
  }
  const run: TideRun = {
    pointClass: pointClass.done(), pointRank: pointRank.done(), pointCorrect: pointCorrect.done(), numGt,
    errType: errType.done(), errPred: errPred.done(), errClass: errClass.done(), errRank: errRank.done(), errGt: errGt.done(),
    errGtClass: errGtClass.done(), errFixable: new Uint8Array(errType.length), errorOfPred, falseNegatives, missedGt,
  };
  const suppressed = errSuppressed.done();
  for (let e = 0; e < run.errType.length; e++) {
    const type = run.errType[e];
    const fixable = (type === ERROR_CODE.Cls || type === ERROR_CODE.Loc) && !suppressed[e] && bestPredOfGt[run.errGt[e]] === run.errPred[e];
    run.errFixable[e] = fixable ? 1 : 0;
  }
  return run;
}

/** Buffers every variant reuses. */
interface TideScratch {
  classStart: Int32Array;
  classFill: Int32Array;
  byClass: Int32Array;
  precisions: Float64Array;
  recalls: Float64Array;
  points: ApPoints;
}

/** The sorted orders and dense class indices every variant reuses. */
interface TideOrders {
  /** All original points by (rank, insertion). */
  points: Int32Array;
  /** Original true-positive point indices by (rank, insertion). */
  truePoints: Int32Array;
  /** Error indices by (rank, error order). */
  errors: Int32Array;
  /** Dense class (position in numGt's insertion order) of each point, each error's class and its GT's class (−1). */
  pointClass: Int32Array;
  errClass: Int32Array;
  errGtClass: Int32Array;
  /** Non-ignored GT and false negatives per dense class. */
  numGt: Float64Array;
  falseNegatives: Float64Array;
  scratch: TideScratch;
}

function tideOrders(run: TideRun): TideOrders {
  const truePointIndex = new IntList();
  for (let i = 0; i < run.pointCorrect.length; i++) if (run.pointCorrect[i]) truePointIndex.push(i);
  const truePoints = truePointIndex.done();
  const trueOrder = orderByRank(truePoints.length, run.pointRank, truePoints);
  const maxPoints = run.pointClass.length + run.errType.length;
  // Every class a point or error names was entered in numGt (touched or counted) before: its dense index.
  const classes = [...run.numGt.keys()];
  const denseOf = new Map(classes.map((cls, c) => [cls, c]));
  const dense = (cls: number) => {
    const c = denseOf.get(cls);
    if (c === undefined) throw new Error(`TIDE: class ${cls} has no ground-truth count`);
    return c;
  };
  const C = classes.length;
  const truePointOrder = new Int32Array(trueOrder.length);
  for (let k = 0; k < trueOrder.length; k++) truePointOrder[k] = truePoints[trueOrder[k]];
  const pointClass = new Int32Array(run.pointClass.length);
  for (let i = 0; i < pointClass.length; i++) pointClass[i] = dense(run.pointClass[i]);
  const errClass = new Int32Array(run.errType.length), errGtClass = new Int32Array(run.errType.length);
  for (let e = 0; e < errClass.length; e++) {
    errClass[e] = dense(run.errClass[e]);
    errGtClass[e] = run.errGt[e] >= 0 ? dense(run.errGtClass[e]) : -1;
  }
  // Most points one class can have in any variant (its points, plus every error that can land in it): the per-class
  // precision and recall buffers need no more (a whole run's worth would be 120 MB on a COCO-val-sized run).
  const perClass = new Int32Array(C);
  for (let i = 0; i < pointClass.length; i++) perClass[pointClass[i]]++;
  for (let e = 0; e < errClass.length; e++) {
    perClass[errClass[e]]++;
    if (errGtClass[e] >= 0 && errGtClass[e] !== errClass[e]) perClass[errGtClass[e]]++;
  }
  const largestClass = perClass.reduce((a, b) => Math.max(a, b), 0);
  return {
    points: orderByRank(run.pointClass.length, run.pointRank),
    truePoints: truePointOrder,
    errors: orderByRank(run.errType.length, run.errRank),
    pointClass,
    errClass,
    errGtClass,
    numGt: Float64Array.from(classes, (cls) => run.numGt.get(cls)!),
    falseNegatives: Float64Array.from(classes, (cls) => run.falseNegatives.get(cls) ?? 0),
    scratch: {
      classStart: new Int32Array(C + 1),
      classFill: new Int32Array(C),
      byClass: new Int32Array(maxPoints),
      precisions: new Float64Array(largestClass),
      recalls: new Float64Array(largestClass),
      points: { length: 0, cls: new Int32Array(maxPoints), correct: new Uint8Array(maxPoints) },
    },
  };
}

function baseMeanAp(run: TideRun, orders: TideOrders): number {
  const points = orders.scratch.points;
  points.length = 0;
  for (const i of orders.points) {
    points.cls[points.length] = orders.pointClass[i];
    points.correct[points.length++] = run.pointCorrect[i];
  }
  return meanAp(Int32Array.from(orders.numGt, (_, c) => c), orders.numGt, points, orders.scratch);
}

/**
 * TIDERun.fix_errors then get_mAP: errors of `fixType` oracle-fixed (Cls → TP in the GT's class, Loc → TP in the
 * predicted class, only for the GT's best error; Dupe/Bkg/Both vanish; Miss lowers the GT count), or every point
 * rescored (FalsePos: TP 1, FP 0), or unmatched GT removed (FalseNeg). Insertion order is TIDE's: error points
 * first (in error order), then the original true positives, then the GT counts.
 */
function fixedMeanAp(run: TideRun, orders: TideOrders, fixType: TideMainError | null, rescoreFalsePositives: boolean, removeFalseNegatives: boolean): number {
  const fixCode = fixType === null ? -1 : ERROR_CODE[fixType];
  const numGt = orders.numGt.slice();
  const C = numGt.length;
  const E = run.errType.length;
  const errorPointClass = new Int32Array(E);
  const errorPointCorrect = new Int8Array(E).fill(-1);
  const classOrder = new IntList();
  const listed = new Uint8Array(C);
  const list = (c: number) => { if (!listed[c]) { listed[c] = 1; classOrder.push(c); } };
  for (let e = 0; e < E; e++) {
    const type = run.errType[e];
    if (type === fixCode) {
      if (type === ERROR_CODE.Miss) {
        numGt[orders.errGtClass[e]]--;
      } else if (run.errFixable[e]) {
        const c = type === ERROR_CODE.Cls ? orders.errGtClass[e] : orders.errClass[e];
        errorPointClass[e] = c;
        errorPointCorrect[e] = 1;
        list(c);
      }
      continue;
    }
    if (type !== ERROR_CODE.Miss) {
      errorPointClass[e] = orders.errClass[e];
      errorPointCorrect[e] = 0;
      list(orders.errClass[e]);
    }
  }
  // Then the original true positives, class by class in the original class order, then every GT count.
  const withTruePositives = new Uint8Array(C);
  for (let i = 0; i < run.pointClass.length; i++) if (run.pointCorrect[i]) withTruePositives[orders.pointClass[i]] = 1;
  for (let c = 0; c < C; c++) if (withTruePositives[c]) list(c);
  for (let c = 0; c < C; c++) list(c);
  if (removeFalseNegatives) for (let c = 0; c < C; c++) numGt[c] -= orders.falseNegatives[c];

  // Error points and true positives, each in (rank, insertion) order, merged by rank with error points first on
  // ties (they were inserted first): restricted to one class, the same order as merging that class's own lists.
  // Rescored: true positives (score 1) before the rest (0).
  const points = orders.scratch.points;
  points.length = 0;
  const pushError = (e: number) => {
    if (errorPointCorrect[e] < 0) return;
    points.cls[points.length] = errorPointClass[e];
    points.correct[points.length++] = errorPointCorrect[e];
  };
  const pushTrue = (i: number) => {
    points.cls[points.length] = orders.pointClass[i];
    points.correct[points.length++] = 1;
  };
  if (rescoreFalsePositives) {
    for (let i = 0; i < run.pointClass.length; i++) if (run.pointCorrect[i]) pushTrue(i);
    for (let e = 0; e < E; e++) pushError(e);
  } else {
    const errors = orders.errors, trues = orders.truePoints;
    let a = 0, b = 0;
    while (a < errors.length || b < trues.length) {
      if (a < errors.length && errorPointCorrect[errors[a]] < 0) { a++; continue; }
      if (b >= trues.length || (a < errors.length && run.errRank[errors[a]] <= run.pointRank[trues[b]])) pushError(errors[a++]);
      else pushTrue(trues[b++]);
    }
  }
  return meanAp(classOrder.done(), numGt, points, orders.scratch);
}

/**
 * Per-detection match records, TIDE errors and dAP, and the confusion matrix. `evaluation` is evaluateCoco's
 * result for the same inputs (computed here when absent).
 */
export function matchDetections(
  gt: MatchingGroundTruth, dets: CocoResult[], evaluation?: CocoEvalResult, options: MatchingOptions = {},
): CocoMatchingResult {
  // Converted once: the evaluation (when not given) reads the same columns.
  const columns: MatchingResultColumns = { ...cocoResultColumns(dets), detIndex: Float64Array.from(dets, (det) => det.detIndex ?? NaN) };
  return matchDetectionColumns(gt, columns, evaluation ?? evaluateCoco(gt, columns), options);
}

/** matchDetections on columns (no object per detection in; the records go to onMatch / matches as options say). */
export function matchDetectionColumns(
  gt: MatchingGroundTruth, dets: MatchingResultColumns, evaluation?: CocoEvalResult, options: MatchingOptions = {},
): CocoMatchingResult {
  const tide = tideErrors(gt, dets, options);
  const records = matchRecordColumns(gt, dets, evaluation ?? evaluateCoco(gt, dets), options, tide.errorOfPred);
  return { ...records, missedGtIds: Array.from(tide.missedGt, (n) => gt.annotations[n].id), tide: tide.summary };
}

/** TIDE on a set of results: each result's error, the missed ground truths and the dAP summary. */
export interface TideResult {
  /** Index into TIDE_MAIN_ERRORS of each result's error, −1 for none. */
  errorOfPred: Int8Array;
  /** TIDE "Miss": annotation indices (into gt.annotations) neither matched nor fixable by a Cls/Loc error. */
  missedGt: Int32Array;
  summary: TideSummary;
}

/** The results of each image (input order within an image) as ranges of one index array: no list per image. */
interface ResultsByImage {
  groupOf: Map<number, number>;
  start: Int32Array;
  order: Int32Array;
}

function resultsGroupedByImage(dets: MatchingResultColumns): ResultsByImage {
  const groupOf = new Map<number, number>();
  const group = new Int32Array(dets.count);
  for (let d = 0; d < dets.count; d++) {
    let g = groupOf.get(dets.imageId[d]);
    if (g === undefined) groupOf.set(dets.imageId[d], (g = groupOf.size));
    group[d] = g;
  }
  const order = countingOrder(dets.count, (d) => group[d], groupOf.size, null);
  const start = new Int32Array(groupOf.size + 1);
  for (let d = 0; d < dets.count; d++) start[group[d] + 1]++;
  for (let g = 0; g < groupOf.size; g++) start[g + 1] += start[g];
  return { groupOf, start, order };
}

/** Each result's detIndex, or (where it has none) its position among its image's results. */
function positionsInImages(dets: MatchingResultColumns): Int32Array {
  const given = dets.detIndex;
  const out = new Int32Array(dets.count);
  // Every result carries one (a run's columns): nothing to count.
  let complete = given !== undefined;
  for (let d = 0; d < dets.count && complete; d++) {
    if (Number.isNaN(given![d])) complete = false;
    else out[d] = given![d];
  }
  if (complete) return out;
  // Otherwise each result takes the next position in its image, unless it carries its own.
  const seenInImage = new Map<number, number>();
  for (let d = 0; d < dets.count; d++) {
    const position = seenInImage.get(dets.imageId[d]) ?? 0;
    seenInImage.set(dets.imageId[d], position + 1);
    const own = given ? given[d] : NaN;
    out[d] = Number.isNaN(own) ? position : own;
  }
  return out;
}

/** The annotations of each image (indices, file order), from each annotation's image id. */
function annotationsOfImages(imageIdOf: ArrayLike<number>): Map<number, number[]> {
  const annotationsByImage = new Map<number, number[]>();
  for (let n = 0; n < imageIdOf.length; n++) {
    const list = annotationsByImage.get(imageIdOf[n]);
    if (list) list.push(n); else annotationsByImage.set(imageIdOf[n], [n]);
  }
  return annotationsByImage;
}

/**
 * Dense score ranks, highest score first (equal scores share a rank): sorted in a typed array and found by binary
 * search, so a 4.6M-detection run holds no set or map of its scores.
 */
export function denseScoreRanks(scores: ArrayLike<number>, count: number): Int32Array {
  // A run's float32 scores are ranked in linear time (the same ranks).
  if (scores instanceof Float32Array && scores.length === count) {
    const ranked = denseRanksOfFloat32(scores);
    if (ranked) {
      // Descending, in the ascending ranks' own memory.
      const descending = new Int32Array(ranked.rank.buffer, ranked.rank.byteOffset, count);
      for (let d = 0; d < count; d++) descending[d] = ranked.distinct - 1 - ranked.rank[d];
      return descending;
    }
  }
  const sorted = new Float64Array(count);
  for (let d = 0; d < count; d++) sorted[d] = scores[d];
  sorted.sort();
  let distinct = 0;
  for (let k = 0; k < count; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[distinct++] = sorted[k];
  const rankOf = new Int32Array(count);
  for (let d = 0; d < count; d++) {
    const score = scores[d];
    let lo = 0, hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < score) lo = mid + 1; else hi = mid;
    }
    rankOf[d] = distinct - 1 - lo;
  }
  return rankOf;
}

/**
 * TIDE's errors and dAP (tidecv TIDERun + fix_errors). Independent of COCOeval's matching, so it can run beside it
 * (the analysis hands it to a worker thread).
 */
export function tideErrors(
  gt: MatchingGroundTruth | CocoGroundTruthColumns, dets: MatchingResultColumns,
  options: Pick<MatchingOptions, 'foregroundIoU' | 'backgroundIoU' | 'tideMaxDets'> & { scoreRanks?: Int32Array } = {},
): TideResult {
  const pos = options.foregroundIoU ?? 0.5;
  const bg = options.backgroundIoU ?? 0.1;
  const tideMaxDets = options.tideMaxDets ?? 100;
  // denseScoreRanks(dets.score) when the caller has them already (the analysis ranks its scores once).
  const rankOf = options.scoreRanks && options.scoreRanks.length === dets.count ? options.scoreRanks : denseScoreRanks(dets.score, dets.count);
  const truths = tideTruths(gt);
  const tide = runTide(truths, dets, rankOf, annotationsOfImages(truths.imageId), resultsGroupedByImage(dets), pos, bg, tideMaxDets);

  // TIDE summary: dAP per main error (non-progressive, floored at 0) and the special errors.
  const orders = tideOrders(tide);
  const baseAp = baseMeanAp(tide, orders);
  const dAP = {} as Record<TideMainError, number>;
  const counts = {} as Record<TideMainError, number>;
  for (const type of TIDE_MAIN_ERRORS) {
    dAP[type] = Math.max(fixedMeanAp(tide, orders, type, false, false) - baseAp, 0);
    counts[type] = 0;
  }
  for (const code of tide.errType) counts[TIDE_MAIN_ERRORS[code]]++;
  const specialDAP = {
    FalsePos: fixedMeanAp(tide, orders, null, true, false) - baseAp,
    FalseNeg: fixedMeanAp(tide, orders, null, false, true) - baseAp,
  };
  return {
    errorOfPred: tide.errorOfPred,
    missedGt: Int32Array.from(tide.missedGt),
    summary: { foregroundIoU: pos, backgroundIoU: bg, ap: baseAp, dAP, specialDAP, counts },
  };
}

/**
 * The per-detection records (COCOeval outcome, best same-class and any-class GT) and the confusion matrix.
 * `errorOfPred` is TIDE's error per result (tideErrors), or null when it comes later: the records then say no error.
 */
export function matchRecordColumns(
  gt: MatchingGroundTruth, dets: MatchingResultColumns, cocoEval: CocoEvalResult, options: MatchingOptions, errorOfPred: Int8Array | null,
): Pick<CocoMatchingResult, 'matches' | 'unmatchedGtIds50' | 'confusion'> {
  const confusionThreshold = options.confusionScoreThreshold ?? -Infinity;
  const numDets = dets.count;
  if (cocoEval.detections.numDetections !== numDets) throw new Error(`evaluation was computed on ${cocoEval.detections.numDetections} detections, not these ${numDets}`);
  const numThresholds = cocoEval.detections.numThresholds;
  const t50 = indexOfThreshold(cocoEval.detections.thresholds, 0.5);
  const t75 = indexOfThreshold(cocoEval.detections.thresholds, 0.75);
  const detIndexOf = positionsInImages(dets);

  const keepMatches = options.keepMatches !== false;
  const matches: DetectionMatch[] = keepMatches ? new Array(numDets) : [];
  // The confusion matrix is counted as the records are made (see ConfusionMatrix for the rule).
  const catIds = cocoEval.catIds;
  const K = catIds.length;
  const rowOf = new Map<number, number>();
  catIds.forEach((id, k) => rowOf.set(id, k));
  const counts2d: number[][] = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  const matchedAnn = new Uint8Array(gt.annotations.length);
  const matchedAnnConfident = new Uint8Array(gt.annotations.length);
  // Each image's non-crowd annotations, read as columns: every detection's best-IoU search reads them, and a run's
  // detections come image by image (the last image's list is reused).
  const { bbox: gtBox, categoryId: gtCategory, annotationId: gtId, imageId: gtImage, crowd: gtCrowd } = cocoGroundTruthColumns(gt);
  const nonCrowdOfImage = new Map<number, Int32Array>();
  for (const [imageId, list] of annotationsOfImages(gtImage)) nonCrowdOfImage.set(imageId, Int32Array.from(list.filter((n) => !gtCrowd[n])));
  const none = new Int32Array(0);
  let lastImage = NaN, nonCrowd: Int32Array = none;
  for (let d = 0; d < numDets; d++) {
    const imageId = dets.imageId[d], categoryId = dets.categoryId[d], score = dets.score[d];
    let sameId: number | null = null, sameIoU = 0, anyId: number | null = null, anyIoU = 0, anyCategory: number | null = null;
    if (imageId !== lastImage) {
      nonCrowd = nonCrowdOfImage.get(imageId) ?? none;
      lastImage = imageId;
    }
    for (let k = 0; k < nonCrowd.length; k++) {
      const n = nonCrowd[k];
      const v = columnPairIoU(dets.bbox, d, gtBox, n);
      if (v > anyIoU) { anyIoU = v; anyId = gtId[n]; anyCategory = gtCategory[n]; }
      if (gtCategory[n] === categoryId && v > sameIoU) { sameIoU = v; sameId = gtId[n]; }
    }
    const outcome50 = cocoOutcome(cocoEval, gt, d, t50);
    const matched50 = cocoEval.detections.matchedGt[d * numThresholds + t50];
    const errorCode = errorOfPred ? errorOfPred[d] : -1;
    const match: DetectionMatch = {
      imageId,
      detIndex: detIndexOf[d],
      categoryId,
      score,
      sameClassGtId: sameId,
      sameClassIoU: sameIoU,
      anyClassGtId: anyId,
      anyClassIoU: anyIoU,
      anyClassCategoryId: anyCategory,
      tp50: outcome50 === 'tp',
      tp75: cocoOutcome(cocoEval, gt, d, t75) === 'tp',
      matchedGtId50: outcome50 === 'tp' ? gt.annotations[matched50].id : null,
      error: errorCode >= 0 ? (TIDE_MAIN_ERRORS[errorCode] as TideErrorType) : null,
      cocoOutcome50: outcome50,
    };
    if (keepMatches) matches[d] = match;
    options.onMatch?.(d, match);
    const column = rowOf.get(match.categoryId);
    if (match.tp50) {
      matchedAnn[matched50] = 1;
      if (match.score >= confusionThreshold) matchedAnnConfident[matched50] = 1;
    }
    if (column === undefined || match.cocoOutcome50 === 'ignored' || match.cocoOutcome50 === 'unevaluated' || match.score < confusionThreshold) continue;
    if (match.tp50) counts2d[column][column]++;
    else if (match.anyClassIoU >= 0.5 && match.anyClassCategoryId !== match.categoryId) counts2d[rowOf.get(match.anyClassCategoryId!)!][column]++;
    else counts2d[K][column]++;
  }

  // COCOeval-unmatched GT at 0.5, and the matrix's missed-GT column.
  const unmatchedGtIds50: number[] = [];
  const evaluatedImages = new Set(cocoEval.imgIds);
  gt.annotations.forEach((ann, n) => {
    if (ann.iscrowd || !evaluatedImages.has(ann.image_id)) return;
    if (!matchedAnn[n]) unmatchedGtIds50.push(ann.id);
    const row = rowOf.get(ann.category_id);
    if (row !== undefined && !matchedAnnConfident[n]) counts2d[row][K]++;
  });
  const nameOf = new Map<number, string>();
  for (const category of gt.categories) nameOf.set(category.id, category.name);

  return {
    matches,
    unmatchedGtIds50,
    confusion: { categoryIds: catIds.slice(), labels: [...catIds.map((id) => nameOf.get(id) ?? String(id)), 'background'], counts: counts2d },
  };
}

type CocoOutcome = 'tp' | 'fp' | 'ignored' | 'unevaluated';

function cocoOutcome(cocoEval: CocoEvalResult, gt: MatchingGroundTruth, d: number, t: number): CocoOutcome {
  const outcomes = cocoEval.detections;
  if (!outcomes.evaluated[d]) return 'unevaluated';
  const at = d * outcomes.numThresholds + t;
  if (outcomes.ignored[at]) return 'ignored';
  const matched = outcomes.matchedGt[at];
  // pycocotools counts a match as positive through the GT id, so a GT with id 0 never makes a true positive.
  return matched >= 0 && gt.annotations[matched].id !== 0 ? 'tp' : 'fp';
}

function indexOfThreshold(thresholds: Float64Array, value: number): number {
  for (let t = 0; t < thresholds.length; t++) if (thresholds[t] === value) return t;
  throw new Error(`IoU threshold ${value} is not among the thresholds the evaluation kept outcomes for`);
}
