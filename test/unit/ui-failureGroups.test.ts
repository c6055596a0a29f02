// Failure grouping and severity order of the sidebar (extension/views/failureGroups.ts), on hand-made rows whose
// group membership follows from the documented rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureRecord, FAILURE_KINDS, groupFailures as groupAnalysis, type FailureItem } from '../../extension/views/failureGroups.ts';
import { NO_ERROR, OUTCOME_CODE, TIDE_FP_ERRORS, type DetectionOutcome, type GflAnalysis, type MissedGroundTruth } from '../../extension/core/analytics/analysis.ts';
import type { RunTable } from '../../extension/core/runTable.ts';
import type { TideErrorType } from '../../extension/core/types.ts';

interface RowSpec {
  imageIndex: number;
  detIndex: number;
  score: number;
  outcome: DetectionOutcome;
  error: TideErrorType | null;
  iou: number | null;
  ambiguity: number;
  drivingEdge: number;
}

function row(imageIndex: number, detIndex: number, fields: Partial<RowSpec>): RowSpec {
  return { imageIndex, detIndex, score: 0.5, outcome: 'fp', error: null, iou: 0, ambiguity: NaN, drivingEdge: 0, ...fields };
}

function missed(imageIndex: number, id: number, area: number): MissedGroundTruth {
  return { gtId: id, imageId: imageIndex + 1, imageIndex, categoryId: 1, bbox: [0, 0, Math.sqrt(area), Math.sqrt(area)], area };
}

/** The run's columns and the analysis' columns for hand-made rows (rows in image, then detection order). */
function groupFailures(specs: RowSpec[], missedGts: MissedGroundTruth[]) {
  const sorted = [...specs].sort((a, b) => a.imageIndex - b.imageIndex || a.detIndex - b.detIndex);
  const n = sorted.length;
  const imageCount = Math.max(1, ...sorted.map((r) => r.imageIndex + 1), ...missedGts.map((m) => m.imageIndex + 1));
  const detStart = new Int32Array(imageCount + 1);
  for (const r of sorted) detStart[r.imageIndex + 1]++;
  for (let i = 0; i < imageCount; i++) detStart[i + 1] += detStart[i];
  const table = {
    images: { count: imageCount, imageId: Float64Array.from({ length: imageCount }, (_, i) => i + 1), detStart },
    detections: {
      count: n, imageIndex: Int32Array.from(sorted, (r) => r.imageIndex), detIndex: Uint16Array.from(sorted, (r) => r.detIndex),
      classIndex: new Uint16Array(n), level: new Uint8Array(n), score: Float32Array.from(sorted, (r) => r.score), bbox: new Float32Array(4 * n),
    },
  } as unknown as Pick<RunTable, 'images' | 'detections'>;
  const rows = {
    count: n, categoryId: new Int32Array(n).fill(1), outcome: Uint8Array.from(sorted, (r) => OUTCOME_CODE[r.outcome]),
    error: Uint8Array.from(sorted, (r) => (r.error ? TIDE_FP_ERRORS.indexOf(r.error) : NO_ERROR)),
    iou: Float32Array.from(sorted, (r) => (r.iou === null ? NaN : r.iou)), ambiguity: Float32Array.from(sorted, (r) => r.ambiguity),
    drivingEdge: Uint8Array.from(sorted, (r) => r.drivingEdge), size: new Uint8Array(n), tp75: new Uint8Array(n),
    sameClassGt: new Float64Array(n).fill(NaN), matchedGt: new Float64Array(n).fill(NaN), anyClassGt: new Float64Array(n).fill(NaN),
    anyClassIoU: new Float32Array(n).fill(NaN), anyClassCategory: new Int32Array(n).fill(-1), laTarget: new Float64Array(n), laIgnored: new Uint8Array(n),
  };
  const analysis = { rows, missed: missedGts, source: {} } as unknown as Pick<GflAnalysis, 'rows' | 'missed' | 'source'>;
  return groupAnalysis(table, analysis);
}

const keys = (items: FailureItem[]) => items.map((i) => (i.kind === 'missed' ? `m${i.missed.gtId}` : `${i.row.imageIndex}:${i.row.detIndex}`));

test('every group is present, in the documented order, even when empty', () => {
  const groups = groupFailures([], []);
  assert.deepEqual(groups.map((g) => g.kind), [...FAILURE_KINDS]);
  assert.deepEqual(groups.map((g) => g.count), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('TIDE errors are grouped by type and sorted by score, ties by image then detection', () => {
  const rows = [
    row(0, 0, { error: 'Loc', score: 0.4, iou: 0.3 }),
    row(1, 2, { error: 'Loc', score: 0.9, iou: 0.3 }),
    row(0, 5, { error: 'Loc', score: 0.4, iou: 0.3 }),
    row(2, 0, { error: 'Bkg', score: 0.2, iou: 0 }),
    row(2, 1, { error: 'Dupe', score: 0.3, iou: 0.8 }),
  ];
  const groups = Object.fromEntries(groupFailures(rows, []).map((g) => [g.kind, g]));
  assert.deepEqual(keys(groups.Loc.items), ['1:2', '0:0', '0:5']);
  assert.deepEqual(keys(groups.Bkg.items), ['2:0']);
  assert.deepEqual(keys(groups.Dupe.items), ['2:1']);
  assert.equal(groups.Cls.count, 0);
});

test('Miss is sorted by ground-truth area, largest first', () => {
  const groups = groupFailures([], [missed(0, 7, 100), missed(1, 8, 4000), missed(0, 9, 900)]);
  assert.deepEqual(keys(groups[0].items), ['m8', 'm9', 'm7']);
  assert.deepEqual(groups[0].items.map((i) => i.severity), [4000, 900, 100]);
});

test('over- and underconfidence thresholds are inclusive and need ground truth', () => {
  const rows = [
    row(0, 0, { score: 0.5, iou: 0.2 }), // gap 0.3, score 0.5: overconfident (both bounds inclusive)
    row(0, 1, { score: 0.49, iou: 0 }), // score below 0.5: not
    row(0, 2, { score: 0.8, iou: 0.55, outcome: 'tp' }), // gap 0.25: not
    row(0, 3, { score: 0.9, iou: null, outcome: 'unknown' }), // no ground truth: never
    row(0, 4, { score: 0.4, iou: 0.7, outcome: 'tp' }), // TP, IoU 0.7, IoU − score 0.3: underconfident
    row(0, 5, { score: 0.4, iou: 0.7, outcome: 'fp' }), // not a TP: not
    row(0, 6, { score: 0.95, iou: 0.1, outcome: 'ignored' }), // crowd-matched: never
  ];
  const groups = Object.fromEntries(groupFailures(rows, []).map((g) => [g.kind, g]));
  assert.deepEqual(keys(groups.Overconfident.items), ['0:0']);
  assert.ok(Math.abs(groups.Overconfident.items[0].severity - 0.3) < 1e-6); // float32 scores and IoUs
  assert.deepEqual(keys(groups.Underconfident.items), ['0:4']);
});

test('Ambiguous needs ambiguity ≥ 0.5 at score ≥ 0.3 and is sorted by ambiguity × score', () => {
  const rows = [
    row(0, 0, { ambiguity: 0.75, score: 0.4 }), // severity 0.30
    row(0, 1, { ambiguity: 0.5, score: 0.8 }), // severity 0.40
    row(0, 2, { ambiguity: 0.9, score: 0.29 }), // score too low
    row(0, 3, { ambiguity: 0.49, score: 0.9 }), // not ambiguous enough
    row(0, 4, { ambiguity: NaN, score: 0.9 }), // no distribution
  ];
  const amb = groupFailures(rows, []).find((g) => g.kind === 'Ambiguous')!;
  assert.deepEqual(keys(amb.items), ['0:1', '0:0']);
});

test('a detection can be in several groups, and its record names the group', () => {
  const r = row(3, 1, { error: 'Loc', score: 0.9, iou: 0.35, ambiguity: 0.6, drivingEdge: 2 });
  const groups = groupFailures([r], []).filter((g) => g.count > 0).map((g) => g.kind);
  assert.deepEqual(groups, ['Loc', 'Overconfident', 'Ambiguous']);
  const item = groupFailures([r], []).find((g) => g.kind === 'Ambiguous')!.items[0];
  const record = failureRecord(item, 'a.jpg', 'person');
  assert.equal(record.group, 'Ambiguous');
  assert.equal(record.drivingEdge, 'right');
  assert.equal(record.tideError, 'Loc');
  assert.equal(record.file, 'a.jpg');
});
