// Failure groups of the sidebar, pure (no vscode): which detections (or missed ground truths) fall in each group
// and in which order, read from the run's one analysis. The tree view only renders what this module decides.
//
// Groups and severity (items sorted by descending severity, ties by image then detection order):
//   Miss            a ground truth TIDE counts as missed (no detection fixes it).  Severity: GT area in px²
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
import type { RunTable } from '../core/runTable.ts';

export const FAILURE_KINDS = ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg', 'Overconfident', 'Underconfident', 'Ambiguous'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export const FAILURE_DESCRIPTIONS: Record<FailureKind, string> = {
  Miss: 'ground truth no detection found (TIDE Miss), largest first',
  Loc: 'right class, box IoU between 0.1 and 0.5 (TIDE Loc), highest score first',
  Cls: 'box on a ground truth of another class (TIDE Cls), highest score first',
  Both: 'wrong class and poorly localised (TIDE Both), highest score first',
  Dupe: 'second detection of an already matched object (TIDE Dupe), highest score first',
  Bkg: 'detection on background (TIDE Bkg), highest score first',
  Overconfident: 'score ≥ 0.5 and score − IoU ≥ 0.3, largest gap first',
  Underconfident: 'true positive with IoU ≥ 0.7 and IoU − score ≥ 0.3, largest gap first',
  Ambiguous: `box ambiguity (1 − DFL two-bin mass of the worst edge) ≥ 0.5 at score ≥ ${AMBIGUOUS_MIN_SCORE}`,
};

/** Items each group lists (its count covers all): the sidebar shows these. */
export const MAX_ITEMS_PER_GROUP = 500;

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
  /** The `limit` most severe items. */
  items: FailureItem[];
}

/**
 * Groups failures and sorts each group by severity, keeping the `limit` most severe items of each (the counts cover
 * all). Groups with no items are kept (count 0) so the list is stable.
 */
export function groupFailures(table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows' | 'missed' | 'source'>, limit = Infinity): FailureGroup[] {
  const { rows } = analysis;
  const { detections } = table;
  const candidates = new Map<FailureKind, { d: number; severity: number }[]>(FAILURE_KINDS.map((k) => [k, []]));
  for (let d = 0; d < rows.count; d++) {
    const score = detections.score[d];
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
  return FAILURE_KINDS.map((kind): FailureGroup => {
    if (kind === 'Miss') {
      const items = analysis.missed.map((missed): FailureItem => ({ kind: 'missed', group: 'Miss', severity: missed.area, missed }));
      items.sort(compareItems);
      return { kind, count: items.length, items: items.slice(0, limit) };
    }
    const list = candidates.get(kind)!;
    // Detection rows are in image order, then detection order: the row index breaks severity ties.
    list.sort((a, b) => b.severity - a.severity || a.d - b.d);
    const items = list.slice(0, limit).map(({ d, severity }): FailureItem => ({ kind: 'detection', group: kind, severity, row: detectionRow(table, analysis, d) }));
    return { kind, count: list.length, items };
  });
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
