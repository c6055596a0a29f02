// Failure grouping and severity order of the sidebar (extension/views/failureGroups.ts), on hand-made rows whose
// group membership follows from the documented rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureRecord, FAILURE_KINDS, FAILURE_PAGE_SIZE, groupFailures as groupAnalysis, type FailureItem, type FailureQuery } from '../../extension/views/failureGroups.ts';
import type { CocoAnnotation } from '../../extension/core/coco/cocoLoad.ts';
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
  categoryId?: number;
  size?: number;
  matchedGt?: number;
}

function row(imageIndex: number, detIndex: number, fields: Partial<RowSpec>): RowSpec {
  return { imageIndex, detIndex, score: 0.5, outcome: 'fp', error: null, iou: 0, ambiguity: NaN, drivingEdge: 0, ...fields };
}

function missed(imageIndex: number, id: number, area: number): MissedGroundTruth {
  return { gtId: id, imageId: imageIndex + 1, imageIndex, categoryId: 1, bbox: [0, 0, Math.sqrt(area), Math.sqrt(area)], area };
}

/** The run's columns and the analysis' columns for hand-made rows (rows in image, then detection order). */
function groupFailures(specs: RowSpec[], missedGts: MissedGroundTruth[], query: Partial<FailureQuery> = {}, extra: { tide?: Partial<Record<string, number>>; groundTruth?: CocoAnnotation[] } = {}) {
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
  for (let d = 0; d < n; d++) {
    rows.categoryId[d] = sorted[d].categoryId ?? 1;
    rows.size[d] = sorted[d].size ?? 0;
    rows.matchedGt[d] = sorted[d].matchedGt ?? NaN;
  }
  const evaluation = extra.tide ? { tide: { dAP: { Cls: 0, Loc: 0, Both: 0, Dupe: 0, Bkg: 0, Miss: 0, ...extra.tide } } } : null;
  const analysis = { rows, missed: missedGts, source: {}, evaluation } as unknown as Pick<GflAnalysis, 'rows' | 'missed' | 'source' | 'evaluation'>;
  return groupAnalysis(table, analysis, query, extra.groundTruth ? { annotations: extra.groundTruth } : null);
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

test('at an operating threshold only detections scoring at least it are listed; the counts cover the filtered population', () => {
  const rows = [
    row(0, 0, { error: 'Loc', score: 0.9, iou: 0.3 }),
    row(0, 1, { error: 'Loc', score: 0.25, iou: 0.3 }), // exactly at the threshold: listed
    row(0, 2, { error: 'Loc', score: 0.2499, iou: 0.3 }),
    row(1, 0, { error: 'Bkg', score: 0.06, iou: 0 }),
  ];
  const at = Object.fromEntries(groupFailures(rows, [], { minScore: 0.25 }).map((g) => [g.kind, g]));
  assert.deepEqual(keys(at.Loc.items), ['0:0', '0:1']);
  assert.equal(at.Bkg.count, 0);
  const all = Object.fromEntries(groupFailures(rows, [], { minScore: null }).map((g) => [g.kind, g]));
  assert.equal(all.Loc.count, 3);
  assert.equal(all.Bkg.count, 1);
});

test('Miss at a threshold: non-crowd ground truths no true positive scoring at least it matched (checked by hand)', () => {
  const gt = (id: number, image: number, area: number, iscrowd: 0 | 1 = 0): CocoAnnotation => ({ id, image_id: image + 1, category_id: 1, bbox: [0, 0, Math.sqrt(area), Math.sqrt(area)], area, iscrowd });
  const groundTruth = [gt(10, 0, 400), gt(11, 0, 900), gt(12, 1, 2500), gt(13, 1, 100, 1), gt(14, 1, 50)];
  const rows = [
    row(0, 0, { outcome: 'tp', score: 0.8, iou: 0.9, matchedGt: 10 }), // found above 0.25
    row(0, 1, { outcome: 'tp', score: 0.1, iou: 0.8, matchedGt: 11 }), // found only below 0.25
    row(1, 0, { outcome: 'fp', error: 'Loc', score: 0.9, iou: 0.3 }), // 12 is near a Loc error, not matched
  ];
  // TIDE's Miss (all scores) is the analysis' list: 14 only (12 is fixable by the Loc error, 11 was matched).
  const tideMiss = [missed(1, 14, 50)];
  const miss = (minScore: number | null) => groupFailures(rows, tideMiss, { minScore }, { groundTruth }).find((g) => g.kind === 'Miss')!;
  assert.deepEqual(keys(miss(null).items), ['m14']);
  // At 0.25: 11 (its only match scores 0.1), 12 and 14; the crowd region 13 is never a false negative. Largest first.
  assert.deepEqual(keys(miss(0.25).items), ['m12', 'm11', 'm14']);
  assert.deepEqual(miss(0.25).items.map((i) => i.kind === 'missed' && i.missed.imageIndex), [1, 0, 1]);
  assert.deepEqual(keys(miss(0.05).items), ['m12', 'm14']);
});

test('the filter narrows every group by class, size and image; Miss by the ground truth\'s own class, size and image', () => {
  const rows = [
    row(0, 0, { error: 'Bkg', score: 0.9, categoryId: 1, size: 0 }),
    row(0, 1, { error: 'Bkg', score: 0.8, categoryId: 2, size: 0 }),
    row(1, 0, { error: 'Bkg', score: 0.7, categoryId: 1, size: 2 }),
  ];
  const misses = [{ ...missed(0, 7, 100), categoryId: 2 }, missed(1, 8, 100 * 100), missed(0, 9, 500)];
  const pick = (filter: Partial<FailureQuery['filter']>) => {
    const groups = groupFailures(rows, misses, { filter: { categoryId: null, size: null, imageIndex: null, ...filter } });
    return [...keys(groups.find((g) => g.kind === 'Bkg')!.items), ...keys(groups.find((g) => g.kind === 'Miss')!.items)];
  };
  assert.deepEqual(pick({}), ['0:0', '0:1', '1:0', 'm8', 'm9', 'm7']);
  assert.deepEqual(pick({ categoryId: 1 }), ['0:0', '1:0', 'm8', 'm9']);
  assert.deepEqual(pick({ size: 'large' }), ['1:0', 'm8']);
  assert.deepEqual(pick({ size: 'small', imageIndex: 0 }), ['0:0', '0:1', 'm9', 'm7']);
  assert.deepEqual(pick({ categoryId: 2, imageIndex: 1 }), []);
});

test('with ground truth the TIDE groups are ordered by dAP, largest first, and carry it; the others follow', () => {
  const groups = groupFailures([], [], {}, { tide: { Miss: 7.5, Loc: 9.1, Cls: 1.2, Bkg: 3.3, Dupe: 0, Both: 0.4 } });
  assert.deepEqual(groups.map((g) => g.kind), ['Loc', 'Miss', 'Bkg', 'Cls', 'Both', 'Dupe', 'Overconfident', 'Underconfident', 'Ambiguous']);
  assert.deepEqual(groups.map((g) => g.dAP), [9.1, 7.5, 3.3, 1.2, 0.4, 0, null, null, null]);
  // Without ground truth: no dAP, the documented order.
  assert.deepEqual(groupFailures([], []).map((g) => g.dAP), FAILURE_KINDS.map(() => null));
});

test('paging: a group lists FAILURE_PAGE_SIZE items, a larger limit lists the next ones in the same order', () => {
  const n = FAILURE_PAGE_SIZE + 120;
  const rows = Array.from({ length: n }, (_, i) => row(i, 0, { error: 'Bkg', score: 0.3 + 0.6 * ((i * 37) % n) / n }));
  const first = groupFailures(rows, []).find((g) => g.kind === 'Bkg')!;
  assert.equal(first.count, n);
  assert.equal(first.items.length, FAILURE_PAGE_SIZE);
  const more = groupFailures(rows, [], { limits: { Bkg: 2 * FAILURE_PAGE_SIZE } }).find((g) => g.kind === 'Bkg')!;
  assert.equal(more.items.length, n);
  assert.deepEqual(keys(more.items.slice(0, FAILURE_PAGE_SIZE)), keys(first.items));
  const scores = more.items.map((i) => (i.kind === 'detection' ? i.row.score : 0));
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'sorted by score (severity) across pages');
});
