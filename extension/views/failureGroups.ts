// Failure groups of the sidebar, pure (no vscode): which detections (or missed ground truths) fall in each group
// and in which order. The tree view only renders what this module decides.
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
import type { DetectionRow, MissedGroundTruth } from '../state/runModel.ts';

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
  Ambiguous: 'box ambiguity (1 − DFL two-bin mass of the worst edge) ≥ 0.5 at score ≥ 0.3',
};

export const OVERCONFIDENT_MIN_SCORE = 0.5;
export const CONFIDENCE_GAP = 0.3;
export const UNDERCONFIDENT_MIN_IOU = 0.7;
export const AMBIGUOUS_MIN = 0.5;
export const AMBIGUOUS_MIN_SCORE = 0.3;
/** Thresholds are inclusive; differences of float32 scores are compared with this slack (0.7 − 0.4 ≠ 0.3 in floats). */
const SLACK = 1e-9;

export type FailureItem =
  | { kind: 'detection'; group: FailureKind; severity: number; row: DetectionRow }
  | { kind: 'missed'; group: 'Miss'; severity: number; missed: MissedGroundTruth };

export interface FailureGroup {
  kind: FailureKind;
  count: number;
  items: FailureItem[];
}

/** Groups failures and sorts each group by severity. Groups with no items are kept (count 0) so the list is stable. */
export function groupFailures(rows: readonly DetectionRow[], missed: readonly MissedGroundTruth[]): FailureGroup[] {
  const buckets = new Map<FailureKind, FailureItem[]>(FAILURE_KINDS.map((k) => [k, []]));
  for (const m of missed) buckets.get('Miss')!.push({ kind: 'missed', group: 'Miss', severity: m.annotation.area, missed: m });
  for (const row of rows) {
    if (row.error) buckets.get(row.error)!.push({ kind: 'detection', group: row.error, severity: row.score, row });
    if (row.iou !== null && row.outcome !== 'ignored') {
      const gap = row.score - row.iou;
      if (row.score >= OVERCONFIDENT_MIN_SCORE && gap >= CONFIDENCE_GAP - SLACK) {
        buckets.get('Overconfident')!.push({ kind: 'detection', group: 'Overconfident', severity: gap, row });
      }
      if (row.outcome === 'tp' && row.iou >= UNDERCONFIDENT_MIN_IOU && -gap >= CONFIDENCE_GAP - SLACK) {
        buckets.get('Underconfident')!.push({ kind: 'detection', group: 'Underconfident', severity: -gap, row });
      }
    }
    if (row.ambiguity >= AMBIGUOUS_MIN && row.score >= AMBIGUOUS_MIN_SCORE) {
      buckets.get('Ambiguous')!.push({ kind: 'detection', group: 'Ambiguous', severity: row.ambiguity * row.score, row });
    }
  }
  return FAILURE_KINDS.map((kind) => {
    const items = buckets.get(kind)!;
    items.sort(compareItems);
    return { kind, count: items.length, items };
  });
}

function position(item: FailureItem): [number, number] {
  return item.kind === 'missed' ? [item.missed.imageIndex, item.missed.annotation.id] : [item.row.imageIndex, item.row.detIndex];
}

function compareItems(a: FailureItem, b: FailureItem): number {
  if (b.severity !== a.severity) return b.severity - a.severity;
  const [ai, ad] = position(a);
  const [bi, bd] = position(b);
  return ai - bi || ad - bd;
}

/** JSON copied by "Copy Record as JSON": the detection and its match facts, or the missed annotation. */
export function failureRecord(item: FailureItem, file: string, className: string): Record<string, unknown> {
  if (item.kind === 'missed') {
    return { group: item.group, file, annotation: item.missed.annotation, className, severity: item.severity };
  }
  const r = item.row;
  return {
    group: item.group, file, imageIndex: r.imageIndex, detIndex: r.detIndex, className, classIndex: r.classIndex,
    score: r.score, bbox: r.bbox, level: r.level, outcome: r.outcome, tideError: r.error, iou: r.iou, gtBox: r.gtBox,
    ambiguity: Number.isNaN(r.ambiguity) ? null : r.ambiguity, drivingEdge: Number.isNaN(r.ambiguity) ? null : ['left', 'top', 'right', 'bottom'][r.drivingEdge],
    severity: item.severity,
  };
}
