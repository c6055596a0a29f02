// Failure groups of the sidebar, pure (no vscode): which detections (or missed ground truths) fall in each group
// and in which order, read from the run's one analysis. The tree view only renders what this module decides.
//
// Population: by default the detections scoring at least the operating threshold (core/operatingPoint.ts), the
// boxes a deployed detector shows; `minScore: null` lists every stored detection (TIDE's population, down to the
// run's score floor). Groups are ordered by impact: TIDE's dAP of the group's error type (Bolya et al. 2020,
// mAP gained by fixing only that type), largest first; the groups TIDE does not define follow in a fixed order.
//
// Groups and severity (items sorted by descending severity, ties by image then detection order):
//   Miss            all scores: a ground truth TIDE counts as missed (no detection fixes it). At a threshold: a
//                   non-crowd ground truth no true positive scoring ≥ the threshold matched (a false negative at
//                   the operating point, as Ultralytics' confusion matrix counts it).  Severity: GT area in px²
//                   (a large missed object is the most visible failure).
//   Loc, Cls, Both, Dupe, Bkg   TIDE's false-positive error types at IoU 0.5.  Severity: the detection's score —
//                   a false positive costs AP in proportion to how many true positives it outranks.
//   Overconfident   score ≥ 0.5 and score − IoU ≥ 0.3 (IoU with the best same-class GT, 0 when none): the score
//                   promises a localisation quality the box does not have (QFL trains score ≈ IoU).
//                   Severity: score − IoU.
//   Underconfident  a true positive with IoU ≥ 0.7 and IoU − score ≥ 0.3: a good box the score undersells (it may
//                   be suppressed or thresholded away).  Severity: IoU − score.
//   Ambiguous       box ambiguity ≥ 0.5 and score ≥ 0.3 (ambiguity = max over edges of 1 − the DFL two-bin mass;
//                   a uniform 8-bin edge scores 0.75).  Severity: ambiguity × score.
// A detection may appear in several groups (a Loc error can also be overconfident).
import { AMBIGUOUS_MIN_SCORE, detectionRow, NO_ERROR, OUTCOME_CODE, TIDE_FP_ERRORS, type DetectionRow, type GflAnalysis, type MissedGroundTruth } from '../core/analytics/analysis.ts';
import { SIZE_NAMES } from '../core/analytics/scoreIoU.ts';
import type { CocoAnnotation } from '../core/coco/cocoLoad.ts';
import type { RunTable } from '../core/runTable.ts';

export const FAILURE_KINDS = ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg', 'Overconfident', 'Underconfident', 'Ambiguous'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The groups TIDE defines (each has a dAP); the others follow them in FAILURE_KINDS order. */
const TIDE_KINDS = new Set<FailureKind>(['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg']);
/** Groups that need ground truth (all but Ambiguous): without it they are "no ground truth", not 0. */
export const NEEDS_GROUND_TRUTH: ReadonlySet<FailureKind> = new Set<FailureKind>(['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg', 'Overconfident', 'Underconfident']);

export const FAILURE_DESCRIPTIONS: Record<FailureKind, string> = {
  Miss: 'ground truth no detection found (TIDE Miss at all scores; at a threshold: no true positive scoring at least it), largest first',
  Loc: 'right class, box IoU between 0.1 and 0.5 (TIDE Loc), highest score first',
  Cls: 'box on a ground truth of another class (TIDE Cls), highest score first',
  Both: 'wrong class and poorly localised (TIDE Both), highest score first',
  Dupe: 'second detection of an already matched object (TIDE Dupe), highest score first',
  Bkg: 'detection on background (TIDE Bkg), highest score first',
  Overconfident: 'score ≥ 0.5 and score − IoU ≥ 0.3, largest gap first',
  Underconfident: 'true positive with IoU ≥ 0.7 and IoU − score ≥ 0.3, largest gap first',
  Ambiguous: `box ambiguity (1 − DFL two-bin mass of the worst edge) ≥ 0.5 at score ≥ ${AMBIGUOUS_MIN_SCORE}`,
};

/** Items a group lists at first, and how many more each "show more" adds (the counts always cover all). */
export const FAILURE_PAGE_SIZE = 500;

export const OVERCONFIDENT_MIN_SCORE = 0.5;
export const CONFIDENCE_GAP = 0.3;
export const UNDERCONFIDENT_MIN_IOU = 0.7;
export const AMBIGUOUS_MIN = 0.5;
/** Thresholds are inclusive; scores and IoUs are float32, so differences are compared with this slack (0.7 − 0.4 ≠ 0.3). */
const SLACK = 1e-6;

export type FailureItem =
  | { kind: 'detection'; group: FailureKind; severity: number; row: DetectionRow }
  | { kind: 'missed'; group: 'Miss'; severity: number; missed: MissedGroundTruth };

export interface FailureGroup {
  kind: FailureKind;
  count: number;
  /** The most severe items, as many as the query's limit for this group. */
  items: FailureItem[];
  /** TIDE's dAP of this error type in AP points (0..100), over every detection; null for non-TIDE groups or without ground truth. */
  dAP: number | null;
}

/** Narrows the groups to one class, size and/or image (the session's view filter); null fields do not narrow. */
export interface FailureFilter {
  categoryId: number | null;
  size: (typeof SIZE_NAMES)[number] | null;
  imageIndex: number | null;
}

export interface FailureQuery {
  /** Detections scoring at least this are listed; null: every stored detection (TIDE's population). */
  minScore: number | null;
  filter: FailureFilter;
  /** Items listed per group (default FAILURE_PAGE_SIZE): "show more" raises one group's limit. */
  limits: Partial<Record<FailureKind, number>>;
}

export const DEFAULT_FAILURE_QUERY: Readonly<FailureQuery> = Object.freeze({
  minScore: null, filter: Object.freeze({ categoryId: null, size: null, imageIndex: null }), limits: Object.freeze({}),
});

/** Ground truth the threshold population needs for its false negatives (the run's covered images only). */
export interface FailureGroundTruth {
  annotations: readonly CocoAnnotation[];
}

const sizeCode = (area: number) => (area < 32 * 32 ? 0 : area < 96 * 96 ? 1 : 2);

/**
 * Groups failures and sorts each group by severity, keeping the `limit` most severe items of each (the counts cover
 * the whole filtered population). Groups with no items are kept (count 0) so the list is stable; the groups are
 * ordered by TIDE dAP when the run has ground truth.
 */
export function groupFailures(
  table: Pick<RunTable, 'images' | 'detections'>,
  analysis: Pick<GflAnalysis, 'rows' | 'missed' | 'source'> & Partial<Pick<GflAnalysis, 'evaluation'>>,
  query: Partial<FailureQuery> = {},
  groundTruth: FailureGroundTruth | null = null,
): FailureGroup[] {
  const { minScore, filter, limits } = { ...DEFAULT_FAILURE_QUERY, ...query };
  const limitOf = (kind: FailureKind) => limits[kind] ?? FAILURE_PAGE_SIZE;
  const { rows } = analysis;
  const { detections } = table;
  const sizeFilter = filter.size === null ? -1 : SIZE_NAMES.indexOf(filter.size);
  const candidates = new Map<FailureKind, { d: number; severity: number }[]>(FAILURE_KINDS.map((k) => [k, []]));
  for (let d = 0; d < rows.count; d++) {
    const score = detections.score[d];
    if (minScore !== null && score < minScore) continue;
    if (filter.categoryId !== null && rows.categoryId[d] !== filter.categoryId) continue;
    if (filter.imageIndex !== null && detections.imageIndex[d] !== filter.imageIndex) continue;
    if (sizeFilter >= 0 && rows.size[d] !== sizeFilter) continue;
    if (rows.error[d] !== NO_ERROR) candidates.get(TIDE_FP_ERRORS[rows.error[d]])!.push({ d, severity: score });
    const iou = rows.iou[d];
    if (!Number.isNaN(iou) && rows.outcome[d] !== OUTCOME_CODE.ignored && rows.outcome[d] !== OUTCOME_CODE.unmapped) {
      const gap = score - iou;
      if (score >= OVERCONFIDENT_MIN_SCORE - SLACK && gap >= CONFIDENCE_GAP - SLACK) candidates.get('Overconfident')!.push({ d, severity: gap });
      if (rows.outcome[d] === OUTCOME_CODE.tp && iou >= UNDERCONFIDENT_MIN_IOU - SLACK && -gap >= CONFIDENCE_GAP - SLACK) candidates.get('Underconfident')!.push({ d, severity: -gap });
    }
    const ambiguity = rows.ambiguity[d];
    if (ambiguity >= AMBIGUOUS_MIN - SLACK && score >= AMBIGUOUS_MIN_SCORE - SLACK) candidates.get('Ambiguous')!.push({ d, severity: ambiguity * score });
  }
  const missed = (minScore === null || !groundTruth ? analysis.missed : falseNegativesAt(table, analysis, groundTruth, minScore))
    .filter((m) => (filter.categoryId === null || m.categoryId === filter.categoryId)
      && (filter.imageIndex === null || m.imageIndex === filter.imageIndex)
      && (sizeFilter < 0 || sizeCode(m.area) === sizeFilter));
  const tide = analysis.evaluation?.tide ?? null;
  const groups = FAILURE_KINDS.map((kind): FailureGroup => {
    const dAP = tide && TIDE_KINDS.has(kind) ? tide.dAP[kind as keyof typeof tide.dAP] : null;
    if (kind === 'Miss') {
      const items = missed.map((m): FailureItem => ({ kind: 'missed', group: 'Miss', severity: m.area, missed: m }));
      items.sort(compareItems);
      return { kind, count: items.length, items: items.slice(0, limitOf(kind)), dAP };
    }
    const list = candidates.get(kind)!;
    // Detection rows are in image order, then detection order: the row index breaks severity ties.
    list.sort((a, b) => b.severity - a.severity || a.d - b.d);
    const items = list.slice(0, limitOf(kind)).map(({ d, severity }): FailureItem => ({ kind: 'detection', group: kind, severity, row: detectionRow(table, analysis, d) }));
    return { kind, count: list.length, items, dAP };
  });
  if (!tide) return groups;
  // By impact: the TIDE groups by dAP (ties keep the documented order), then the rest as documented.
  const order = (g: FailureGroup) => FAILURE_KINDS.indexOf(g.kind);
  return groups.sort((a, b) => (a.dAP === null) !== (b.dAP === null) ? (a.dAP === null ? 1 : -1) : (b.dAP ?? 0) - (a.dAP ?? 0) || order(a) - order(b));
}

/**
 * False negatives at a score threshold: non-crowd ground truths of the run's images that no COCOeval true positive
 * (IoU 0.5, area all, maxDets 100) scoring ≥ minScore matched. COCOeval matches in descending score order, so the
 * true positives above a threshold are exactly the matches of the detections above it.
 */
export function falseNegativesAt(
  table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows'>, groundTruth: FailureGroundTruth, minScore: number,
): MissedGroundTruth[] {
  const { rows } = analysis;
  const found = new Set<number>();
  for (let d = 0; d < rows.count; d++) {
    if (rows.outcome[d] === OUTCOME_CODE.tp && table.detections.score[d] >= minScore && !Number.isNaN(rows.matchedGt[d])) found.add(rows.matchedGt[d]);
  }
  const imageIndexOf = new Map<number, number>();
  for (let i = 0; i < table.images.count; i++) imageIndexOf.set(table.images.imageId[i], i);
  const missed: MissedGroundTruth[] = [];
  for (const a of groundTruth.annotations) {
    const imageIndex = imageIndexOf.get(a.image_id);
    if (a.iscrowd === 1 || imageIndex === undefined || found.has(a.id)) continue;
    missed.push({ gtId: a.id, imageId: a.image_id, imageIndex, categoryId: a.category_id, bbox: [a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]], area: a.area });
  }
  return missed;
}

function compareItems(a: FailureItem, b: FailureItem): number {
  if (b.severity !== a.severity) return b.severity - a.severity;
  const [ai, ad] = a.kind === 'missed' ? [a.missed.imageIndex, a.missed.gtId] : [a.row.imageIndex, a.row.detIndex];
  const [bi, bd] = b.kind === 'missed' ? [b.missed.imageIndex, b.missed.gtId] : [b.row.imageIndex, b.row.detIndex];
  return ai - bi || ad - bd;
}

/** JSON copied by "Copy Record as JSON": the detection and its match facts, or the missed annotation. */
export function failureRecord(item: FailureItem, file: string, className: string): Record<string, unknown> {
  if (item.kind === 'missed') {
    const m = item.missed;
    return { group: item.group, file, annotation: { id: m.gtId, image_id: m.imageId, category_id: m.categoryId, bbox: m.bbox, area: m.area }, className, severity: item.severity };
  }
  const r = item.row;
  return {
    group: item.group, file, imageIndex: r.imageIndex, detIndex: r.detIndex, className, classIndex: r.classIndex,
    score: r.score, bbox: r.bbox, level: r.level, outcome: r.outcome, tideError: r.error, iou: r.iou,
    matchedGtId: r.matchedGt, bestSameClassGtId: r.sameClassGt, ambiguity: r.ambiguity, drivingEdge: r.drivingEdge,
    severity: item.severity,
  };
}
