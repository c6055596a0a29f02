// Per-detection match facts, the TIDE error taxonomy and its dAP, and a confusion matrix.
// TIDE follows dbolya/tide (tidecv/quantify.py, errors/main_errors.py, errors/error.py, ap.py) step for step:
// its own greedy matching (top 100 detections per image across classes, IoU ≥ foreground threshold), crowd
// regions as ignore regions (crowd IoU > threshold, same class), the error precedence Loc → Cls → Dupe → Bkg →
// Both, oracle fixes with "best GT match" suppression, and its own 101-point AP (in AP points, 0..100).
import type { DetectionMatch, TideErrorType } from '../types.ts';
import type { CocoResult } from './categoryMapping.ts';
import type { CocoAnnotation, CocoCategory, CocoImage } from './cocoLoad.ts';
import { evaluateCoco, type CocoEvalResult } from './cocoEval.ts';

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

// ---------- TIDE's AP bookkeeping (tidecv/ap.py) ----------

/**
 * Points carry a score rank (0 = highest score, equal scores share a rank) instead of the score: sorting
 * rank · 2^21 + insertion index natively is the same stable descending-score sort TIDE does, without comparators.
 */
interface ApClass {
  ranks: number[];
  correct: boolean[];
  numGt: number;
}

const INSERTION_SLOTS = 2 ** 21;

/** ClassedAPDataObject: classes in first-touch order (a Python defaultdict keeps insertion order). */
class ClassedAp {
  readonly classes = new Map<number, ApClass>();
  private get(cls: number): ApClass {
    let entry = this.classes.get(cls);
    if (!entry) { entry = { ranks: [], correct: [], numGt: 0 }; this.classes.set(cls, entry); }
    return entry;
  }
  push(cls: number, rank: number, correct: boolean): void {
    const entry = this.get(cls);
    entry.ranks.push(rank);
    entry.correct.push(correct);
  }
  addGt(cls: number, count: number): void {
    this.get(cls).numGt += count;
  }
  /** get_mAP: mean AP over classes with any data point or GT. */
  mAP(): number {
    let sum = 0, n = 0;
    for (const entry of this.classes.values()) {
      if (entry.ranks.length === 0 && entry.numGt === 0) continue;
      sum += tideAp(entry);
      n++;
    }
    return n === 0 ? 0 : sum / n;
  }
}

const TIDE_RECALL_POINTS: number[] = Array.from({ length: 101 }, (_, i) => i / 100);

/** APDataObject.get_ap: stable sort by score, running precision/recall, envelope, searchsorted 'left' on i/100. */
function tideAp(entry: ApClass): number {
  if (entry.numGt === 0) return 0;
  const n = entry.ranks.length;
  if (n >= INSERTION_SLOTS) throw new Error(`TIDE AP supports at most ${INSERTION_SLOTS - 1} detections per class`);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = entry.ranks[i] * INSERTION_SLOTS + i;
  keys.sort();
  const precisions = new Float64Array(n), recalls = new Float64Array(n);
  let numTrue = 0, numFalse = 0;
  for (let j = 0; j < n; j++) {
    if (entry.correct[keys[j] % INSERTION_SLOTS]) numTrue++; else numFalse++;
    precisions[j] = numTrue / (numTrue + numFalse);
    recalls[j] = numTrue / entry.numGt;
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

// ---------- TIDE run (tidecv/quantify.py TIDERun) ----------

interface TideError {
  type: TideMainError;
  /** Result index of the prediction, −1 for Miss. */
  pred: number;
  predClass: number;
  score: number;
  /** Score rank of the prediction (see ApClass). */
  rank: number;
  /** Annotation index of the GT (Cls/Loc/Miss), −1 otherwise. */
  gt: number;
  /** Cls/Loc only: the GT was already used in its image when the error was created (BestGTMatch.suppress). */
  suppressed: boolean;
}

interface TideRun {
  errors: TideError[];
  errorOfPred: Map<number, TideErrorType>;
  apData: ClassedAp;
  /** Per class, how many non-ignored GT were not matched (TIDERun.false_negatives). */
  falseNegatives: Map<number, number>;
  bestPredOfGt: Map<number, number>;
  missedGt: number[];
}

function runTide(
  gt: MatchingGroundTruth, dets: CocoResult[], rankOf: Int32Array,
  annotationsByImage: Map<number, number[]>, resultsByImage: Map<number, number[]>,
  pos: number, bg: number, maxDets: number,
): TideRun {
  const errors: TideError[] = [];
  const errorOfPred = new Map<number, TideErrorType>();
  const apData = new ClassedAp();
  const falseNegatives = new Map<number, number>();
  const bestScoreOfGt = new Map<number, number>();
  const bestPredOfGt = new Map<number, number>();
  const usable = new Set<number>();
  const missedGt: number[] = [];
  const addFalseNegative = (cls: number) => falseNegatives.set(cls, (falseNegatives.get(cls) ?? 0) + 1);
  const seen = new Set<number>();
  const missError = (n: number): TideError => ({ type: 'Miss', pred: -1, predClass: gt.annotations[n].category_id, score: 0, rank: 0, gt: n, suppressed: false });
  // BestGTMatch: among Cls/Loc errors on a GT unused in its image, the highest-scoring one is the one a fix keeps.
  const recordError = (type: TideErrorType, pred: number, gtAnn: number, gtWasUsed: boolean) => {
    const det = dets[pred];
    if (gtAnn >= 0 && !gtWasUsed) {
      usable.add(gtAnn);
      if ((bestScoreOfGt.get(gtAnn) ?? -1) < det.score) { bestScoreOfGt.set(gtAnn, det.score); bestPredOfGt.set(gtAnn, pred); }
    }
    errors.push({ type, pred, predClass: det.category_id, score: det.score, rank: rankOf[pred], gt: gtAnn, suppressed: gtAnn >= 0 && gtWasUsed });
    errorOfPred.set(pred, type);
  };

  for (const image of gt.images) {
    // Data.images is a dict keyed by image id: a repeated id is one image.
    if (seen.has(image.id)) continue;
    seen.add(image.id);
    const anns = annotationsByImage.get(image.id) ?? [];
    const truths = anns.filter((n) => !gt.annotations[n].iscrowd);
    const ignoreRegions = anns.filter((n) => gt.annotations[n].iscrowd);
    for (const n of truths) apData.addGt(gt.annotations[n].category_id, 1);
    const imagePreds = resultsByImage.get(image.id) ?? [];
    if (imagePreds.length === 0) {
      for (const n of truths) {
        addFalseNegative(gt.annotations[n].category_id);
        errors.push(missError(n));
        missedGt.push(n);
      }
      continue;
    }
    // preds.sort(key=-score) is stable; then preds[:max_dets].
    const preds = imagePreds.slice().sort((a, b) => (dets[b].score - dets[a].score) || (a - b)).slice(0, maxDets);
    const P = preds.length, G = truths.length;
    const iou = new Float64Array(P * G);
    const sameClass = new Uint8Array(P * G);
    for (let p = 0; p < P; p++) {
      for (let g = 0; g < G; g++) {
        const ann = gt.annotations[truths[g]];
        iou[p * G + g] = boxIoU(dets[preds[p]].bbox, ann.bbox);
        sameClass[p * G + g] = dets[preds[p]].category_id === ann.category_id ? 1 : 0;
      }
    }
    // used: 0 False, 1 True, 2 None (ignored by a crowd region).
    const used = new Uint8Array(P);
    const gtUsed = new Uint8Array(G);
    if (G > 0) {
      const buffer = new Float64Array(P * G);
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
      const ann = gt.annotations[region];
      for (let p = 0; p < P; p++) {
        if (used[p] === 0 && boxIoU(dets[preds[p]].bbox, ann.bbox, true) > pos && ann.category_id === dets[preds[p]].category_id) used[p] = 2;
      }
    }
    for (let p = 0; p < P; p++) {
      const det = dets[preds[p]];
      if (used[p] !== 2) apData.push(det.category_id, rankOf[preds[p]], used[p] === 1);
      if (used[p] !== 0) continue;
      if (G === 0) { recordError('Bkg', preds[p], -1, false); continue; }
      const row = p * G;
      // argmax returns the first maximum, as numpy does.
      let idx = 0;
      for (let g = 1; g < G; g++) if ((sameClass[row + g] ? iou[row + g] : 0) > (sameClass[row + idx] ? iou[row + idx] : 0)) idx = g;
      const clsIoU = sameClass[row + idx] ? iou[row + idx] : 0;
      if (bg <= clsIoU && clsIoU <= pos) { recordError('Loc', preds[p], truths[idx], gtUsed[idx] === 1); continue; }
      idx = 0;
      for (let g = 1; g < G; g++) if ((sameClass[row + g] ? 0 : iou[row + g]) > (sameClass[row + idx] ? 0 : iou[row + idx])) idx = g;
      if ((sameClass[row + idx] ? 0 : iou[row + idx]) >= pos) { recordError('Cls', preds[p], truths[idx], gtUsed[idx] === 1); continue; }
      let usedSameClass = 0;
      for (let g = 0; g < G; g++) if (gtUsed[g] && sameClass[row + g] && iou[row + g] > usedSameClass) usedSameClass = iou[row + g];
      if (usedSameClass >= pos) { recordError('Dupe', preds[p], -1, false); continue; }
      let maxAny = 0;
      for (let g = 0; g < G; g++) if (iou[row + g] > maxAny) maxAny = iou[row + g];
      if (maxAny <= bg) { recordError('Bkg', preds[p], -1, false); continue; }
      recordError('Both', preds[p], -1, false);
    }
    for (let g = 0; g < G; g++) {
      if (gtUsed[g]) continue;
      const n = truths[g];
      addFalseNegative(gt.annotations[n].category_id);
      if (!usable.has(n)) {
        errors.push(missError(n));
        missedGt.push(n);
      }
    }
  }
  return { errors, errorOfPred, apData, falseNegatives, bestPredOfGt, missedGt };
}

/** TIDERun.fix_errors: rebuild the AP data with errors of `fixType` oracle-fixed (or a transform / FN removal). */
function fixErrors(
  run: TideRun, gt: MatchingGroundTruth,
  fixType: TideMainError | null, transform: 'none' | 'falsePositive', removeFalseNegatives: boolean,
): ClassedAp {
  const gtPositives = new Map<number, number>();
  for (const [cls, entry] of run.apData.classes) gtPositives.set(cls, entry.numGt);
  const fixed = new ClassedAp();
  // FalsePositiveError.fix rescores every point: 1 for true positives, 0 for the rest (ranks 0 and 1).
  const pushPoint = (cls: number, rank: number, correct: boolean) => {
    if (transform === 'falsePositive') fixed.push(cls, correct ? 0 : 1, correct);
    else fixed.push(cls, rank, correct);
  };
  for (const error of run.errors) {
    if (error.type === fixType) {
      if (error.type === 'Miss') {
        const cls = gt.annotations[error.gt].category_id;
        gtPositives.set(cls, (gtPositives.get(cls) ?? 0) - 1);
      } else if ((error.type === 'Cls' || error.type === 'Loc') && !error.suppressed && run.bestPredOfGt.get(error.gt) === error.pred) {
        // Cls is fixed into the GT's class, Loc keeps the predicted class; both become true positives.
        const cls = error.type === 'Cls' ? gt.annotations[error.gt].category_id : error.predClass;
        pushPoint(cls, error.rank, true);
      }
      // Dupe, Bkg, Both and non-best Cls/Loc are suppressed: the false positive disappears.
      continue;
    }
    if (error.type !== 'Miss') pushPoint(error.predClass, error.rank, false);
  }
  for (const cls of gtPositives.keys()) {
    const entry = run.apData.classes.get(cls)!;
    for (let j = 0; j < entry.ranks.length; j++) if (entry.correct[j]) pushPoint(cls, entry.ranks[j], true);
  }
  for (const [cls, count] of gtPositives) {
    fixed.addGt(cls, removeFalseNegatives ? count - (run.falseNegatives.get(cls) ?? 0) : count);
  }
  return fixed;
}

/**
 * Per-detection match records, TIDE errors and dAP, and the confusion matrix. `evaluation` is evaluateCoco's
 * result for the same inputs (computed here when absent).
 */
export function matchDetections(
  gt: MatchingGroundTruth, dets: CocoResult[], evaluation?: CocoEvalResult, options: MatchingOptions = {},
): CocoMatchingResult {
  const pos = options.foregroundIoU ?? 0.5;
  const bg = options.backgroundIoU ?? 0.1;
  const tideMaxDets = options.tideMaxDets ?? 100;
  const confusionThreshold = options.confusionScoreThreshold ?? -Infinity;
  const cocoEval = evaluation ?? evaluateCoco(gt, dets);
  const numDets = dets.length;
  if (cocoEval.detections.numDetections !== numDets) throw new Error(`evaluation was computed on ${cocoEval.detections.numDetections} detections, not these ${numDets}`);
  const numThresholds = cocoEval.detections.numThresholds;
  const t50 = indexOfThreshold(cocoEval.iouThresholds, 0.5);
  const t75 = indexOfThreshold(cocoEval.iouThresholds, 0.75);

  const annotationsByImage = new Map<number, number[]>();
  gt.annotations.forEach((ann, n) => {
    const list = annotationsByImage.get(ann.image_id);
    if (list) list.push(n); else annotationsByImage.set(ann.image_id, [n]);
  });
  const resultsByImage = new Map<number, number[]>();
  const detIndexOf = new Int32Array(numDets);
  for (let d = 0; d < numDets; d++) {
    const imageId = dets[d].image_id;
    let list = resultsByImage.get(imageId);
    if (!list) { list = []; resultsByImage.set(imageId, list); }
    detIndexOf[d] = dets[d].detIndex ?? list.length;
    list.push(d);
  }

  // Dense score ranks, highest score first.
  const distinctScores = Float64Array.from(new Set(dets.map((det) => det.score))).sort().reverse();
  const rankOfScore = new Map<number, number>();
  distinctScores.forEach((score, rank) => rankOfScore.set(score, rank));
  const rankOf = new Int32Array(numDets);
  for (let d = 0; d < numDets; d++) rankOf[d] = rankOfScore.get(dets[d].score)!;
  const tide = runTide(gt, dets, rankOf, annotationsByImage, resultsByImage, pos, bg, tideMaxDets);

  const matches: DetectionMatch[] = new Array(numDets);
  for (let d = 0; d < numDets; d++) {
    const det = dets[d];
    let sameId: number | null = null, sameIoU = 0, anyId: number | null = null, anyIoU = 0, anyCategory: number | null = null;
    for (const n of annotationsByImage.get(det.image_id) ?? []) {
      const ann = gt.annotations[n];
      if (ann.iscrowd) continue;
      const v = boxIoU(det.bbox, ann.bbox);
      if (v > anyIoU) { anyIoU = v; anyId = ann.id; anyCategory = ann.category_id; }
      if (ann.category_id === det.category_id && v > sameIoU) { sameIoU = v; sameId = ann.id; }
    }
    const outcome50 = cocoOutcome(cocoEval, gt, d, t50);
    const matched50 = cocoEval.detections.matchedGt[d * numThresholds + t50];
    matches[d] = {
      imageId: det.image_id,
      detIndex: detIndexOf[d],
      categoryId: det.category_id,
      score: det.score,
      sameClassGtId: sameId,
      sameClassIoU: sameIoU,
      anyClassGtId: anyId,
      anyClassIoU: anyIoU,
      anyClassCategoryId: anyCategory,
      tp50: outcome50 === 'tp',
      tp75: cocoOutcome(cocoEval, gt, d, t75) === 'tp',
      matchedGtId50: outcome50 === 'tp' ? gt.annotations[matched50].id : null,
      error: tide.errorOfPred.get(d) ?? null,
      cocoOutcome50: outcome50,
    };
  }

  // TIDE summary: dAP per main error (non-progressive, floored at 0) and the special errors.
  const baseAp = tide.apData.mAP();
  const dAP = {} as Record<TideMainError, number>;
  const counts = {} as Record<TideMainError, number>;
  for (const type of TIDE_MAIN_ERRORS) {
    dAP[type] = Math.max(fixErrors(tide, gt, type, 'none', false).mAP() - baseAp, 0);
    counts[type] = 0;
  }
  for (const error of tide.errors) counts[error.type]++;
  const specialDAP = {
    FalsePos: fixErrors(tide, gt, null, 'falsePositive', false).mAP() - baseAp,
    FalseNeg: fixErrors(tide, gt, null, 'none', true).mAP() - baseAp,
  };

  // COCOeval-unmatched GT at 0.5 and the confusion matrix.
  const catIds = cocoEval.catIds;
  const K = catIds.length;
  const rowOf = new Map<number, number>();
  catIds.forEach((id, k) => rowOf.set(id, k));
  const counts2d: number[][] = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  const matchedAnn = new Uint8Array(gt.annotations.length);
  const matchedAnnConfident = new Uint8Array(gt.annotations.length);
  for (let d = 0; d < numDets; d++) {
    const match = matches[d];
    const column = rowOf.get(match.categoryId);
    if (match.tp50) {
      const n = cocoEval.detections.matchedGt[d * numThresholds + t50];
      matchedAnn[n] = 1;
      if (match.score >= confusionThreshold) matchedAnnConfident[n] = 1;
    }
    if (column === undefined || match.cocoOutcome50 === 'ignored' || match.cocoOutcome50 === 'unevaluated' || match.score < confusionThreshold) continue;
    if (match.tp50) counts2d[column][column]++;
    else if (match.anyClassIoU >= 0.5 && match.anyClassCategoryId !== match.categoryId) counts2d[rowOf.get(match.anyClassCategoryId!)!][column]++;
    else counts2d[K][column]++;
  }
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
    missedGtIds: tide.missedGt.map((n) => gt.annotations[n].id),
    unmatchedGtIds50,
    tide: { foregroundIoU: pos, backgroundIoU: bg, ap: baseAp, dAP, specialDAP, counts },
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
  throw new Error(`IoU threshold ${value} is not among the evaluated thresholds`);
}
