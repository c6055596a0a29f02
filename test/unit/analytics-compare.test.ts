// compareRuns on hand-built runs with known flips: one GT found only by A, one only by B, one better localised by B,
// one duplicate introduced by B, one background FP that B no longer makes. Every list and Δ is checked against the
// construction; the calibration Δ against analyzeRun's own (separately implemented) calibration metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSameDataset, compareRuns, DEFAULT_COMPARE_OPTIONS } from '../../extension/core/analytics/compare.ts';
import { createRng } from '../../extension/core/analytics/statistics.ts';
import { toCocoResults } from '../../extension/core/coco/categoryMapping.ts';
import type { CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';
import type { RunImageRecord } from '../../extension/core/runFormat.ts';
import type { Detection } from '../../extension/core/types.ts';
import { compareOpenedRuns, groundTruthHash } from '../../extension/io/runComparison.ts';
import type { OpenedRun } from '../../extension/io/runAnalysis.ts';
import { buildCompareHtml, buildCompareMarkdown } from '../../extension/core/report/compareReport.ts';
import crypto from 'node:crypto';
import { BOOT, CLASS_TO_CATEGORY, det, GT, header, image, RUN_A, RUN_B, side } from './helpers/compareFixtures.ts';

const close = (actual: number | null | undefined, expected: number, tolerance = 1e-6) => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

test('compareRuns: flips, localisation change, new and vanished confident FPs exactly as constructed', () => {
  const a = side('a', RUN_A), b = side('b', RUN_B);
  const c = compareRuns(a, b, { operatingThreshold: 0.25, bootstrap: BOOT });
  assert.deepEqual(c.flips.counts, { groundTruths: 6, foundByBoth: 4, foundOnlyByA: 1, foundOnlyByB: 1, foundByNeither: 0, localisationChanges: 1 });
  assert.deepEqual(c.flips.foundOnlyByA.map((f) => [f.gtId, f.reason, f.missedBy, f.found.detIndex, f.imageIndexA, f.imageIndexB]), [[2, 'no-detection', null, 1, 0, 0]]);
  assert.deepEqual(c.flips.foundOnlyByB.map((f) => [f.gtId, f.reason, f.missedBy, f.found.detIndex, f.file]), [[6, 'no-detection', null, 1, '2.jpg']]);
  assert.deepEqual(c.flips.localisation.map((p) => [p.gtId, p.a.detIndex, p.b.detIndex]), [[3, 2, 2]]);
  close(c.flips.localisation[0].a.iou, 2 / 3);
  close(c.flips.localisation[0].b.iou, 1);
  close(c.flips.localisation[0].deltaIoU, 1 / 3);

  assert.equal(c.confidentFalsePositives.countA, 1);
  assert.equal(c.confidentFalsePositives.countB, 1);
  assert.deepEqual(c.confidentFalsePositives.newInB.map((f) => [f.imageId, f.detection.detIndex, f.detection.error, f.categoryName]), [[1, 1, 'Dupe', 'person']]);
  assert.deepEqual(c.confidentFalsePositives.vanishedFromA.map((f) => [f.imageId, f.detection.detIndex, f.detection.error]), [[1, 4, 'Bkg']]);

  // Matched pairs (any score): G1, G3, G4, G5; scores are unchanged, only G3's IoU moves.
  assert.equal(c.shifts.pairs, 4);
  close(c.shifts.meanScoreShift, 0, 0);
  close(c.shifts.meanIoUShift, (1 / 3) / 4);
  assert.equal(c.shifts.score.counts.reduce((s, n) => s + n, 0), 4);
  assert.equal(c.shifts.score.counts[DEFAULT_COMPARE_OPTIONS.histogramBins / 2], 4, 'the four zero shifts fall in the bin starting at 0');

  // Distribution Δ: only G3's pair changed, from flat to sharp.
  assert.ok(c.distribution);
  assert.equal(c.distribution.pairs, 4);
  assert.deepEqual(c.distribution.perEdge.map((e) => e.sharperShare), [0.25, 0.25, 0.25, 0.25]);
  assert.ok(c.distribution.perEdge.every((e) => e.deltaEntropy < 0 && e.deltaStdPx < 0));
  assert.equal(c.distribution.ambiguityChanges[0].gtId, 3);
  close(c.distribution.ambiguityChanges[0].deltaAmbiguity, -0.75, 1e-4);
});

test('compareRuns: Δ of COCO stats and per-class AP equal separate evaluations; calibration equals analyzeRun\'s', () => {
  const a = side('a', RUN_A), b = side('b', RUN_B);
  const c = compareRuns(a, b, { bootstrap: BOOT });
  const statsA = evaluateCoco(GT, toCocoResults(RUN_A, CLASS_TO_CATEGORY)).stats;
  const statsB = evaluateCoco(GT, toCocoResults(RUN_B, CLASS_TO_CATEGORY)).stats;
  c.stats.values.forEach((v, i) => {
    if (statsA[i] < 0 || statsB[i] < 0) return assert.equal(v.delta, null);
    close(v.a, statsA[i], 0);
    close(v.delta, statsB[i] - statsA[i], 1e-12);
  });
  // Per class, the largest drop first: person loses G2 and gains a duplicate and G6; car is unchanged.
  const perA = evaluateCoco(GT, toCocoResults(RUN_A, CLASS_TO_CATEGORY)).perCategory;
  const perB = evaluateCoco(GT, toCocoResults(RUN_B, CLASS_TO_CATEGORY)).perCategory;
  for (const p of c.perClass) {
    const x = perA.find((q) => q.categoryId === p.categoryId)!.ap, y = perB.find((q) => q.categoryId === p.categoryId)!.ap;
    close(p.ap.delta, y - x, 1e-12);
  }
  assert.ok((c.perClass[0].ap.delta ?? 0) <= (c.perClass[1].ap.delta ?? 0));
  // TIDE: A has one Bkg error, B one Dupe.
  const tide = Object.fromEntries(c.tide.types.map((t, i) => [t, c.tide.dAP[i]]));
  close(tide.Bkg.delta, b.analysis.evaluation!.tide.dAP.Bkg - a.analysis.evaluation!.tide.dAP.Bkg, 1e-12);
  close(tide.Dupe.delta, b.analysis.evaluation!.tide.dAP.Dupe - a.analysis.evaluation!.tide.dAP.Dupe, 1e-12);

  // Point values from per-image sufficient statistics = analyzeRun's calibration.ts / scoreIoU.ts values.
  const [laece, laace, dece, pearsonDelta] = c.calibration.metrics;
  for (const [metric, valueA, valueB] of [
    [laece, a.analysis.calibration!.laece0.value, b.analysis.calibration!.laece0.value],
    [laace, a.analysis.calibration!.laace0.value, b.analysis.calibration!.laace0.value],
    [dece, a.analysis.calibration!.dece.value, b.analysis.calibration!.dece.value],
    [pearsonDelta, a.analysis.scoreIoU!.overall.tp.pearson, b.analysis.scoreIoU!.overall.tp.pearson],
  ] as const) {
    close(metric.a, valueA!, 1e-12);
    // B's true positives all have IoU 1: Pearson's r is undefined in both implementations.
    if (valueB === null) assert.equal(metric.b, null, metric.name);
    else close(metric.b, valueB, 1e-12);
  }
  assert.equal(pearsonDelta.b, null);
});

test('compareRuns: a run compared with itself gives zeros and no flips', () => {
  const a = side('a', RUN_B);
  const c = compareRuns(a, side('a', RUN_B), { bootstrap: BOOT });
  assert.ok(c.stats.values.every((v) => v.delta === null || v.delta === 0));
  assert.ok(c.perClass.every((p) => p.ap.delta === 0 && p.ap50.delta === 0));
  assert.ok(c.tide.dAP.every((v) => v.delta === 0));
  assert.deepEqual([c.flips.foundOnlyByA, c.flips.foundOnlyByB, c.flips.localisation], [[], [], []]);
  assert.deepEqual([c.confidentFalsePositives.newInB, c.confidentFalsePositives.vanishedFromA], [[], []]);
  assert.equal(c.shifts.meanScoreShift, 0);
  assert.equal(c.shifts.meanIoUShift, 0);
  for (const m of c.calibration.metrics) {
    if (m.a === null) continue;
    assert.equal(m.delta, 0, m.name);
    assert.deepEqual(m.interval, [0, 0], m.name);
  }
  assert.ok(c.distribution && c.distribution.perEdge.every((e) => e.deltaStdPx === 0 && e.deltaEntropy === 0 && e.sharperShare === 0));
});

/** Twenty images of jittered copies of the hand-built scene: enough images for a bootstrap over images. */
function jittered(seed: number, scoreShift: number): { images: RunImageRecord[]; gt: CocoDataset } {
  const random = createRng(seed);
  const images: RunImageRecord[] = [];
  const gt: CocoDataset = { images: [], annotations: [], categories: GT.categories, warnings: [] };
  for (let k = 0; k < 20; k++) {
    const id = 100 + k;
    gt.images.push({ id, file_name: `${id}.jpg`, width: 1000, height: 1000 });
    const detections: Detection[] = [];
    for (let j = 0; j < 5; j++) {
      const x = 150 * j, y = 10 * k;
      gt.annotations.push({ id: id * 10 + j, image_id: id, category_id: 1 + (j % 2), bbox: [x, y, 100, 100], area: 10000, iscrowd: 0 });
      const dx = (random() - 0.5) * 40;
      detections.push(det([x + dx, y, x + dx + 100, y + 100], Math.min(0.99, Math.max(0.01, random() + scoreShift)), j % 2));
    }
    images.push(image(id, detections));
  }
  return { images, gt };
}

test('compareRuns: the paired bootstrap is deterministic with a seed and the interval brackets the Δ', () => {
  const { gt, images: imagesA } = jittered(1, 0);
  const imagesB = jittered(2, -0.1).images;
  const a = side('a', imagesA, gt), b = side('b', imagesB, gt);
  const first = compareRuns(a, b, { bootstrap: { ...BOOT, seed: 11 } });
  const again = compareRuns(a, b, { bootstrap: { ...BOOT, seed: 11 } });
  const other = compareRuns(a, b, { bootstrap: { ...BOOT, seed: 12 } });
  assert.deepEqual(first.calibration, again.calibration);
  assert.notDeepEqual(first.calibration.metrics.map((m) => m.interval), other.calibration.metrics.map((m) => m.interval));
  for (const m of first.calibration.metrics.slice(0, 3)) {
    assert.equal(m.resamples, 200);
    assert.ok(m.interval && m.interval[0] <= m.delta! && m.delta! <= m.interval[1], `${m.name}: ${m.delta} in ${m.interval}`);
  }
});

test('dataset identity: different ground truth is refused with the first difference; a subset is compared on the intersection', () => {
  const moved: CocoDataset = { ...GT, annotations: GT.annotations.map((g) => (g.id === 4 ? { ...g, bbox: [0, 210, 100, 100] } : g)) };
  assert.throws(() => checkSameDataset(side('a', RUN_A), side('b', RUN_B, moved)),
    /different ground truth.*annotation 4 is \(image 1, category 2, bbox \[0, 200, 100, 100\].*\) in A's and \(image 1, category 2, bbox \[0, 210, 100, 100\]/);
  assert.notEqual(groundTruthHash(GT), groundTruthHash(moved));
  assert.equal(groundTruthHash(GT), groundTruthHash({ ...GT, annotations: [...GT.annotations].reverse() }), 'order does not change the hash');

  const opened = (model: string, images: RunImageRecord[]): OpenedRun => ({
    sourcePath: `/runs/${model}.gflrun`, kind: 'run', table: runTableFromRecords(header(model), images, [], true), groundTruth: GT,
    annotationsPath: '/data/instances.json', mapping: { classToCategory: CLASS_TO_CATEGORY, problems: [] }, notes: [],
  });
  const c = compareOpenedRuns({ opened: opened('a', RUN_A) }, { opened: opened('b', RUN_B.slice(0, 1)) }, { bootstrap: BOOT });
  assert.match(c.dataset.subsetNote ?? '', /compared on the 1 images both hold; 1 of A's are left out/);
  assert.equal(c.dataset.images, 1);
  assert.equal(c.flips.counts.groundTruths, 4, 'image 2 and its GTs are left out of both runs');
  assert.deepEqual(c.flips.foundOnlyByA.map((f) => f.gtId), [2]);
  assert.deepEqual(c.flips.foundOnlyByB, []);
  // Both runs were re-evaluated on image 1 only: A's AP is that of A's image-1 detections against image-1 GT.
  const gt1 = { ...GT, images: GT.images.slice(0, 1), annotations: GT.annotations.filter((g) => g.image_id === 1) };
  close(c.stats.values[0].a, evaluateCoco(gt1, toCocoResults(RUN_A.slice(0, 1), CLASS_TO_CATEGORY)).stats[0], 0);
  assert.throws(() => compareOpenedRuns({ opened: opened('a', RUN_A.slice(0, 1)) }, { opened: opened('b', RUN_B.slice(1)) }), /no image id in common/);
  // Runs on images the ground truth does not hold (the wrong --annotations): refused, not compared on nothing.
  const elsewhere = (images: RunImageRecord[]) => images.map((r) => ({ ...r, imageId: r.imageId + 1000 }));
  assert.throws(() => compareOpenedRuns({ opened: opened('a', elsewhere(RUN_A)) }, { opened: opened('b', elsewhere(RUN_B)) }),
    /none of the 2 images the runs share is in the ground truth \/data\/instances\.json \(image ids such as 1001, 1002; it has ids such as 1, 2\)/);
});

test('comparison reports: every section present, names escaped, the HTML policy admits only its stylesheet', () => {
  const evil = { ...GT, categories: [{ id: 1, name: '<img src=x onerror=alert(1)>' }, { id: 2, name: 'car|`x`' }] };
  const c = compareRuns(side('a', RUN_A, evil), side('b', RUN_B, evil), { bootstrap: BOOT });
  const html = buildCompareHtml(c, (s) => crypto.createHash('sha256').update(s).digest('base64'));
  for (const id of ['stats', 'per-class', 'tide', 'flips', 'fps', 'shifts', 'calibration', 'distributions']) assert.match(html, new RegExp(`id="${id}"`));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(!/<script/i.test(html));
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'sha256-[A-Za-z0-9+/=]+';/);
  const md = buildCompareMarkdown(c, 'cmp');
  assert.match(md.markdown, /## Per-GT flips/);
  assert.match(md.markdown, /car\\\|\\`x\\`/);
  assert.deepEqual(md.charts.map((x) => x.name), ['cmp-score-shift.svg', 'cmp-iou-shift.svg']);
});
