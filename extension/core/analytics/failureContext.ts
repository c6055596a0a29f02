// What each failure relates to, from the analysis rows of one image's detections and that image's ground truth.
// Pure. The rows already hold TIDE's verdict and the best same-class / any-class ground truth; this module names the
// box a user must look at beside the failure, and why:
//   Cls, Both  the ground truth of the other class the box sits on (TIDE: any-class IoU ≥ 0.5 for Cls, in
//              (0.1, 0.5) for Both) with its IoU
//   Loc        the best same-class ground truth (TIDE: IoU in [0.1, 0.5]) and each edge's error in pixels
//   Dupe       the true positive that already took the ground truth this box overlaps at IoU ≥ 0.5 (TIDE Dupe)
//   Bkg        the nearest ground truth of any class: highest IoU (TIDE: ≤ 0.1), else the smallest gap in pixels
//   Miss       the best candidate the model had: the detection of any class and score with the highest IoU, and
//              why COCOeval's matching at IoU 0.5 did not give it this ground truth
// (TIDE: Bolya et al., ECCV 2020, §2.2, foreground IoU 0.5, background IoU 0.1.)
import { xyxyIoU } from '../geometry.ts';
import { detectionRow, type DetectionOutcome, type GflAnalysis } from './analysis.ts';
import type { RunTable } from '../runTable.ts';
import type { TideErrorType, XYXY } from '../types.ts';

export type FailureContextKind = TideErrorType | 'Miss';

/** TIDE's foreground threshold: a match needs IoU ≥ 0.5. */
export const CONTEXT_FOREGROUND_IOU = 0.5;

export interface ContextGroundTruth {
  id: number;
  categoryId: number;
  bbox: XYXY;
  crowd: boolean;
}

/** One detection of the image as the analysis sees it (DetectionRow carries every field). */
export interface ContextDetection {
  detIndex: number;
  categoryId: number | null;
  score: number;
  bbox: XYXY;
  outcome: DetectionOutcome;
  error: TideErrorType | null;
  /** Best same-class non-crowd ground truth and its IoU. */
  sameClassGt: number | null;
  iou: number | null;
  /** Ground truth COCOeval matched at IoU 0.5. */
  matchedGt: number | null;
  anyClassGt: number | null;
  anyClassIoU: number | null;
  anyClassCategory: number | null;
}

/** Why a missed ground truth's best candidate did not match it. */
export type MissReason =
  | 'no-overlap' // no detection of any class overlaps it
  | 'wrong-class' // the best-overlapping detection is of another class (or of a class the dataset lacks)
  | 'low-iou' // same class, IoU below 0.5
  | 'matched-other' // same class, IoU ≥ 0.5, but COCOeval's greedy matching gave it another ground truth
  | 'not-evaluated' // beyond maxDets (the 100 highest-scoring detections of its image) or outside the evaluation
  | 'ignored' // matched a crowd region
  | 'tide-only' // COCOeval matched it; TIDE's own matching (ECCV 2020 §2.2) still counts the ground truth as missed
  | 'below-threshold'; // a true positive matched it, but scores below the operating threshold the list is taken at

export interface MissCandidate {
  detIndex: number;
  categoryId: number | null;
  score: number;
  iou: number;
}

export interface FailureContext {
  kind: FailureContextKind;
  /** The ground truth to highlight beside the failure (for Miss: the missed one), or null when there is none. */
  gtId: number | null;
  gtCategoryId: number | null;
  /** IoU of the detection (for Miss: of the candidate) with that ground truth. */
  iou: number | null;
  /** Loc: predicted minus true edge position along each edge's outward normal (l, t, r, b), in image pixels:
   *  positive = the predicted edge lies outside the ground truth box (too large on that side). */
  edgeErrorPx: [number, number, number, number] | null;
  /** Bkg with no overlapping ground truth: the gap between the two boxes, in pixels. */
  gapPx: number | null;
  /** Dupe: the true positive it duplicates (detIndex in the image) and its score. */
  duplicateOf: { detIndex: number; score: number } | null;
  /** Miss: the best candidate and why it is not a match. */
  candidate: MissCandidate | null;
  reason: MissReason | null;
}

const EMPTY: Omit<FailureContext, 'kind'> = { gtId: null, gtCategoryId: null, iou: null, edgeErrorPx: null, gapPx: null, duplicateOf: null, candidate: null, reason: null };

/** Box IoU of two [x1, y1, x2, y2] boxes (crowd: the union is the first box's area, as pycocotools' iscrowd). */
export const boxIoU = xyxyIoU;

/** Shortest distance between two boxes' outlines when they do not overlap (0 when they do). */
export function boxGap(a: readonly number[], b: readonly number[]): number {
  const dx = Math.max(0, b[0] - a[2], a[0] - b[2]);
  const dy = Math.max(0, b[1] - a[3], a[1] - b[3]);
  return Math.hypot(dx, dy);
}

/** Edge errors (l, t, r, b) of a predicted box against a true one, positive outwards. */
export function edgeErrors(predicted: readonly number[], truth: readonly number[]): [number, number, number, number] {
  return [truth[0] - predicted[0], truth[1] - predicted[1], predicted[2] - truth[2], predicted[3] - truth[3]];
}

/** The context of one false positive (a detection with a TIDE error), or null for a detection without one. */
export function detectionFailureContext(det: ContextDetection, image: { detections: readonly ContextDetection[]; groundTruth: readonly ContextGroundTruth[] }): FailureContext | null {
  if (det.error === null) return null;
  const gtById = new Map(image.groundTruth.map((g) => [g.id, g]));
  switch (det.error) {
    case 'Cls':
    case 'Both': {
      const gt = det.anyClassGt !== null ? gtById.get(det.anyClassGt) : undefined;
      return { ...EMPTY, kind: det.error, gtId: gt?.id ?? null, gtCategoryId: gt?.categoryId ?? det.anyClassCategory, iou: det.anyClassIoU };
    }
    case 'Loc': {
      const gt = det.sameClassGt !== null ? gtById.get(det.sameClassGt) : undefined;
      return { ...EMPTY, kind: 'Loc', gtId: gt?.id ?? null, gtCategoryId: gt?.categoryId ?? null, iou: det.iou, edgeErrorPx: gt ? edgeErrors(det.bbox, gt.bbox) : null };
    }
    case 'Dupe': {
      // The ground truth it overlaps at IoU ≥ 0.5 is the best same-class one; its true positive is the detection
      // COCOeval matched to it (else the highest-scoring other same-class box overlapping it at ≥ 0.5).
      const gt = det.sameClassGt !== null ? gtById.get(det.sameClassGt) : undefined;
      let tp: ContextDetection | undefined;
      if (gt) {
        for (const other of image.detections) {
          if (other.detIndex === det.detIndex || other.outcome !== 'tp' || other.matchedGt !== gt.id) continue;
          if (!tp || other.score > tp.score) tp = other;
        }
        if (!tp) {
          for (const other of image.detections) {
            if (other.detIndex === det.detIndex || other.categoryId !== det.categoryId || boxIoU(other.bbox, gt.bbox) < CONTEXT_FOREGROUND_IOU) continue;
            if (!tp || other.score > tp.score) tp = other;
          }
        }
      }
      return { ...EMPTY, kind: 'Dupe', gtId: gt?.id ?? null, gtCategoryId: gt?.categoryId ?? null, iou: det.iou, duplicateOf: tp ? { detIndex: tp.detIndex, score: tp.score } : null };
    }
    case 'Bkg': {
      const nearest = nearestGroundTruth(det.bbox, image.groundTruth);
      if (!nearest) return { ...EMPTY, kind: 'Bkg' };
      return { ...EMPTY, kind: 'Bkg', gtId: nearest.gt.id, gtCategoryId: nearest.gt.categoryId, iou: nearest.iou, gapPx: nearest.iou > 0 ? null : nearest.gap };
    }
  }
}

/** The non-crowd ground truth with the highest IoU with `box`; when none overlaps, the one with the smallest gap. */
export function nearestGroundTruth(box: readonly number[], groundTruth: readonly ContextGroundTruth[]): { gt: ContextGroundTruth; iou: number; gap: number } | null {
  let best: { gt: ContextGroundTruth; iou: number; gap: number } | null = null;
  for (const gt of groundTruth) {
    if (gt.crowd) continue;
    const iou = boxIoU(box, gt.bbox);
    const gap = iou > 0 ? 0 : boxGap(box, gt.bbox);
    if (!best || iou > best.iou || (iou === best.iou && gap < best.gap)) best = { gt, iou, gap };
  }
  return best;
}

/** The context of a missed ground truth: the best candidate among the image's detections and why it is not a match. */
export function missedFailureContext(gt: ContextGroundTruth, detections: readonly ContextDetection[], belowOperatingThreshold = false): FailureContext {
  const base = { ...EMPTY, kind: 'Miss' as const, gtId: gt.id, gtCategoryId: gt.categoryId };
  if (belowOperatingThreshold) {
    // Missed only at the operating threshold: the candidate is the true positive COCOeval matched to it.
    const match = detections.find((d) => d.outcome === 'tp' && d.matchedGt === gt.id);
    if (match) {
      const iou = boxIoU(match.bbox, gt.bbox);
      return { ...base, iou, candidate: { detIndex: match.detIndex, categoryId: match.categoryId, score: match.score, iou }, reason: 'below-threshold' };
    }
  }
  let best: ContextDetection | null = null;
  let bestIoU = 0;
  for (const det of detections) {
    const iou = boxIoU(det.bbox, gt.bbox);
    if (iou > bestIoU || (best && iou === bestIoU && iou > 0 && det.score > best.score)) {
      best = det;
      bestIoU = iou;
    }
  }
  if (!best) return { ...base, reason: 'no-overlap' };
  const candidate: MissCandidate = { detIndex: best.detIndex, categoryId: best.categoryId, score: best.score, iou: bestIoU };
  return { ...base, iou: bestIoU, candidate, reason: missReason(gt, best, bestIoU) };
}

function missReason(gt: ContextGroundTruth, det: ContextDetection, iou: number): MissReason {
  if (det.categoryId !== gt.categoryId) return 'wrong-class';
  if (iou < CONTEXT_FOREGROUND_IOU) return 'low-iou';
  if (det.outcome === 'tp' && det.matchedGt === gt.id) return 'tide-only';
  if (det.outcome === 'tp') return 'matched-other';
  if (det.outcome === 'ignored') return 'ignored';
  if (det.outcome === 'unevaluated' || det.outcome === 'unmapped' || det.outcome === 'unknown') return 'not-evaluated';
  // A same-class false positive at IoU ≥ 0.5 lost the ground truth to a higher-scoring detection's match.
  return 'matched-other';
}

/** Every failure's context in one image: per detection (null without a TIDE error) and per missed ground truth. */
export function imageFailureContexts(detections: readonly ContextDetection[], groundTruth: readonly ContextGroundTruth[], missedGtIds: readonly number[], belowThresholdGtIds: readonly number[] = []): {
  detections: (FailureContext | null)[];
  missed: Map<number, FailureContext>;
} {
  const image = { detections, groundTruth };
  const gtById = new Map(groundTruth.map((g) => [g.id, g]));
  const missed = new Map<number, FailureContext>();
  for (const id of missedGtIds) {
    const gt = gtById.get(id);
    if (gt) missed.set(id, missedFailureContext(gt, detections));
  }
  for (const id of belowThresholdGtIds) {
    const gt = gtById.get(id);
    if (gt && !missed.has(id)) missed.set(id, missedFailureContext(gt, detections, true));
  }
  return { detections: detections.map((d) => detectionFailureContext(d, image)), missed };
}

const MISS_REASON_TEXT: Record<MissReason, string> = {
  'no-overlap': 'no detection of any class overlaps it',
  'wrong-class': 'wrong class',
  'low-iou': `IoU below ${CONTEXT_FOREGROUND_IOU}`,
  'matched-other': 'it was matched to another ground truth',
  'not-evaluated': 'beyond the 100 highest-scoring detections of its image (maxDets) or not evaluated',
  ignored: 'it matched a crowd region',
  'below-threshold': 'its true positive scores below the operating threshold',
  'tide-only': 'COCOeval matched it, TIDE\'s own matching did not',
};

export interface FailureContextText {
  /** A few words for a tree item's description or a table cell. */
  short: string;
  /** A sentence for a tooltip or the inspector. */
  long: string;
}

/** Whole pixels with their sign; 0 without one (a float32 box's −0.0001 is not "−0"). */
const signedPx = (v: number) => {
  const r = Math.round(v);
  return r === 0 ? '0' : `${r > 0 ? '+' : '−'}${Math.abs(r)}`;
};
const iouText = (v: number | null) => (v === null ? '—' : v.toFixed(2));

/** Words for a context. `categoryName` names dataset categories; `detectionLabel` names a detection of the image. */
export function describeFailureContext(
  ctx: FailureContext,
  categoryName: (categoryId: number | null) => string,
  detectionLabel: (detIndex: number) => string = (i) => `detection #${i}`,
): FailureContextText {
  const gtName = categoryName(ctx.gtCategoryId);
  const gtRef = ctx.gtId === null ? 'ground truth' : `ground truth #${ctx.gtId}`;
  switch (ctx.kind) {
    case 'Cls':
      if (ctx.gtId === null) return { short: 'true class unknown', long: 'Wrong class; the ground truth it sits on is not in this image\'s annotations.' };
      return { short: `true class ${gtName} · IoU ${iouText(ctx.iou)}`, long: `Wrong class: the box sits on a ${gtName} (${gtRef}) at IoU ${iouText(ctx.iou)} ≥ ${CONTEXT_FOREGROUND_IOU}.` };
    case 'Both':
      if (ctx.gtId === null) return { short: 'no ground truth nearby', long: 'Wrong class and poorly localised.' };
      return { short: `near ${gtName} · IoU ${iouText(ctx.iou)}`, long: `Wrong class and poorly localised: the nearest object is a ${gtName} (${gtRef}) at IoU ${iouText(ctx.iou)}, between 0.1 and ${CONTEXT_FOREGROUND_IOU}.` };
    case 'Loc': {
      if (ctx.gtId === null) return { short: `IoU ${iouText(ctx.iou)}`, long: `Poorly localised (IoU ${iouText(ctx.iou)}).` };
      const e = ctx.edgeErrorPx;
      const edges = e ? `L${signedPx(e[0])} T${signedPx(e[1])} R${signedPx(e[2])} B${signedPx(e[3])} px` : '';
      const worst = e ? ['left', 'top', 'right', 'bottom'][e.map(Math.abs).indexOf(Math.max(...e.map(Math.abs)))] : null;
      return {
        short: `IoU ${iouText(ctx.iou)}${e ? ` · ${edges}` : ''}`,
        long: `Right class, poorly localised: ${gtRef} (${gtName}) at IoU ${iouText(ctx.iou)} < ${CONTEXT_FOREGROUND_IOU}.` +
          (e ? ` Edge errors (predicted − true, + = outside the object): left ${signedPx(e[0])}, top ${signedPx(e[1])}, right ${signedPx(e[2])}, bottom ${signedPx(e[3])} px; worst: ${worst}.` : ''),
      };
    }
    case 'Dupe':
      if (!ctx.duplicateOf) return { short: `duplicate · IoU ${iouText(ctx.iou)}`, long: `Duplicate: ${gtRef} is already matched by a higher-scoring box.` };
      return {
        short: `duplicates ${detectionLabel(ctx.duplicateOf.detIndex)} (${ctx.duplicateOf.score.toFixed(2)})`,
        long: `Duplicate: ${gtRef} (${gtName}) is already matched by ${detectionLabel(ctx.duplicateOf.detIndex)}, score ${ctx.duplicateOf.score.toFixed(3)}; this box overlaps it at IoU ${iouText(ctx.iou)}.`,
      };
    case 'Bkg':
      if (ctx.gtId === null) return { short: 'no ground truth in the image', long: 'Background: the image has no ground truth this box could belong to.' };
      if (ctx.gapPx !== null) return { short: `nearest ${gtName} ${ctx.gapPx.toFixed(0)} px away`, long: `Background: no object overlaps the box; the nearest is a ${gtName} (${gtRef}), ${ctx.gapPx.toFixed(0)} px away.` };
      return { short: `nearest ${gtName} · IoU ${iouText(ctx.iou)}`, long: `Background: the best-overlapping object is a ${gtName} (${gtRef}) at IoU ${iouText(ctx.iou)} ≤ 0.1.` };
    case 'Miss': {
      const c = ctx.candidate;
      if (!c || ctx.reason === 'no-overlap') return { short: 'no detection overlaps it', long: `Missed ${gtName} (${gtRef}): no detection of any class overlaps it, at any score the run kept.` };
      const what = `${detectionLabel(c.detIndex)}, ${categoryName(c.categoryId)} ${c.score.toFixed(2)}, IoU ${c.iou.toFixed(2)}`;
      const reason = ctx.reason === 'wrong-class' ? `wrong class (${categoryName(c.categoryId)}, not ${gtName})` : MISS_REASON_TEXT[ctx.reason ?? 'no-overlap'];
      return { short: `best: ${categoryName(c.categoryId)} ${c.score.toFixed(2)} · IoU ${c.iou.toFixed(2)} · ${ctx.reason === 'wrong-class' ? 'wrong class' : MISS_REASON_TEXT[ctx.reason ?? 'no-overlap']}`, long: `Missed ${gtName} (${gtRef}). Best candidate: ${what}; not a match: ${reason}.` };
    }
  }
}

/** A COCO annotation as the ground truth holds it ([x, y, width, height]). */
export interface ContextAnnotation {
  id: number;
  category_id: number;
  bbox: readonly number[];
  iscrowd?: number;
}

export function contextGroundTruth(a: ContextAnnotation): ContextGroundTruth {
  return { id: a.id, categoryId: a.category_id, bbox: [a.bbox[0], a.bbox[1], a.bbox[0] + a.bbox[2], a.bbox[1] + a.bbox[3]], crowd: a.iscrowd === 1 };
}

/** The analysis' view of image `imageIndex`'s detections, as failure contexts read them. */
export function imageContextDetections(table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows'>, imageIndex: number): ContextDetection[] {
  const start = table.images.detStart[imageIndex];
  const end = imageIndex + 1 < table.images.count ? table.images.detStart[imageIndex + 1] : table.detections.count;
  const out: ContextDetection[] = [];
  for (let d = start; d < end; d++) out.push(detectionRow(table, analysis, d));
  return out;
}

/**
 * Failure contexts of one image of a run: per detection (indexed by detIndex; null without a TIDE error) and per
 * TIDE-missed ground truth. `annotations` are the image's ground truth.
 */
export function runImageFailureContexts(
  table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows' | 'missed'>, imageIndex: number, annotations: readonly ContextAnnotation[],
  belowThresholdGtIds: readonly number[] = [],
): { detections: (FailureContext | null)[]; missed: [number, FailureContext][] } {
  const detections = imageContextDetections(table, analysis, imageIndex);
  const missedIds = analysis.missed.filter((m) => m.imageIndex === imageIndex).map((m) => m.gtId);
  const contexts = imageFailureContexts(detections, annotations.map(contextGroundTruth), missedIds, belowThresholdGtIds);
  return { detections: contexts.detections, missed: [...contexts.missed] };
}

/** Key of a failure in a context map: a detection row of the run, or a missed ground truth. */
export const detectionContextKey = (row: number) => `d${row}`;
export const missedContextKey = (gtId: number) => `g${gtId}`;

/**
 * Contexts for a set of failures spread over the run (the items a list shows), computed image by image:
 * detection rows and missed ground truths in, one map out.
 */
export function failureContextsFor(
  table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows' | 'missed'>,
  annotationsOfImage: (imageIndex: number) => readonly ContextAnnotation[], detectionRows: Iterable<number>, missedGtIds: Iterable<number>,
  /** Ground truths a list counts as missed only at its operating threshold (a true positive below it matched them). */
  belowThreshold: Iterable<{ gtId: number; imageIndex: number }> = [],
): Map<string, FailureContext> {
  const wantedRows = new Set(detectionRows);
  const wantedMissed = new Set(missedGtIds);
  const images = new Set<number>();
  for (const d of wantedRows) images.add(table.detections.imageIndex[d]);
  for (const m of analysis.missed) if (wantedMissed.has(m.gtId)) images.add(m.imageIndex);
  const belowByImage = new Map<number, number[]>();
  for (const { gtId, imageIndex } of belowThreshold) {
    wantedMissed.add(gtId);
    images.add(imageIndex);
    const list = belowByImage.get(imageIndex);
    if (list) list.push(gtId);
    else belowByImage.set(imageIndex, [gtId]);
  }
  const out = new Map<string, FailureContext>();
  for (const imageIndex of images) {
    const { detections, missed } = runImageFailureContexts(table, analysis, imageIndex, annotationsOfImage(imageIndex), belowByImage.get(imageIndex));
    const start = table.images.detStart[imageIndex];
    detections.forEach((ctx, k) => { if (ctx && wantedRows.has(start + k)) out.set(detectionContextKey(start + k), ctx); });
    for (const [gtId, ctx] of missed) if (wantedMissed.has(gtId)) out.set(missedContextKey(gtId), ctx);
  }
  return out;
}

/**
 * Failure contexts by key (detectionContextKey / missedContextKey), carried between threads as one JSON string and
 * parsed on first use: a few thousand small objects cost the receiving thread hundreds of milliseconds to
 * deserialise with every refresh, one string costs nothing until a view asks.
 */
export class FailureContextIndex {
  private parsed: Record<string, FailureContext> | null = null;
  constructor(readonly json: string) {}

  static of(contexts: Map<string, FailureContext>): FailureContextIndex {
    return new FailureContextIndex(JSON.stringify(Object.fromEntries(contexts)));
  }

  get(key: string): FailureContext | undefined {
    this.parsed ??= JSON.parse(this.json) as Record<string, FailureContext>;
    return Object.hasOwn(this.parsed, key) ? this.parsed[key] : undefined;
  }
}
