// Failure grouping and severity order of the sidebar (extension/views/failureGroups.ts), on hand-made rows whose
// group membership follows from the documented rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureRecord, FAILURE_KINDS, groupFailures, type FailureItem } from '../../extension/views/failureGroups.ts';
import type { DetectionRow, MissedGroundTruth } from '../../extension/state/runModel.ts';

function row(imageIndex: number, detIndex: number, fields: Partial<DetectionRow>): DetectionRow {
  return {
    imageIndex, detIndex, classIndex: 0, score: 0.5, bbox: [0, 0, 10, 10], level: 0, outcome: 'fp', error: null, iou: 0,
    gtBox: null, ambiguity: NaN, drivingEdge: 0, ...fields,
  };
}

function missed(imageIndex: number, id: number, area: number): MissedGroundTruth {
  return { imageIndex, annotation: { id, image_id: imageIndex + 1, category_id: 1, bbox: [0, 0, Math.sqrt(area), Math.sqrt(area)], area, iscrowd: 0 } };
}

const keys = (items: FailureItem[]) => items.map((i) => (i.kind === 'missed' ? `m${i.missed.annotation.id}` : `${i.row.imageIndex}:${i.row.detIndex}`));

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
  assert.ok(Math.abs(groups.Overconfident.items[0].severity - 0.3) < 1e-12);
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
