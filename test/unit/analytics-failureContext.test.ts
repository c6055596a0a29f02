// What each failure relates to (core/analytics/failureContext.ts), on hand-built images whose answers follow from
// the geometry: IoUs, gaps and edge errors below are computed by hand in the comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  boxGap, boxIoU, describeFailureContext, detectionFailureContext, edgeErrors, imageFailureContexts, missedFailureContext,
  type ContextDetection, type ContextGroundTruth,
} from '../../extension/core/analytics/failureContext.ts';
import { analyzeRun, detectionRow } from '../../extension/core/analytics/analysis.ts';
import type { CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import type { RunHeader, RunImageRecord } from '../../extension/core/runFormat.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';
import type { Detection } from '../../extension/core/types.ts';

const DOG = 1;
const CAT = 2;
const names = new Map([[DOG, 'dog'], [CAT, 'cat']]);
const nameOf = (id: number | null) => (id === null ? 'unmapped' : names.get(id) ?? `category ${id}`);

const gt = (id: number, categoryId: number, bbox: [number, number, number, number], crowd = false): ContextGroundTruth => ({ id, categoryId, bbox, crowd });
const det = (detIndex: number, categoryId: number | null, bbox: [number, number, number, number], score: number, extra: Partial<ContextDetection> = {}): ContextDetection => ({
  detIndex, categoryId, bbox, score, outcome: 'fp', error: null, sameClassGt: null, iou: null, matchedGt: null, anyClassGt: null, anyClassIoU: null, anyClassCategory: null, ...extra,
});

const dog = gt(11, DOG, [0, 0, 100, 100]);
const cat = gt(12, CAT, [200, 0, 300, 100]);
const farDog = gt(13, DOG, [400, 400, 500, 500]);
const groundTruth = [dog, cat, farDog];

test('geometry helpers: IoU, gap and signed edge errors by hand', () => {
  // [30,10,130,110] on [0,0,100,100]: intersection 70 × 90 = 6300, union 20000 − 6300 = 13700.
  assert.ok(Math.abs(boxIoU([30, 10, 130, 110], dog.bbox) - 6300 / 13700) < 1e-12);
  assert.equal(boxIoU([0, 0, 10, 10], [20, 20, 30, 30]), 0);
  // Crowd: the union is the first box's area: 25/100.
  assert.equal(boxIoU([0, 0, 10, 10], [5, 5, 100, 100], true), 0.25);
  // 100 px right and 100 px down of the far dog's corner → √2 · 100.
  assert.ok(Math.abs(boxGap([600, 600, 650, 650], farDog.bbox) - Math.SQRT2 * 100) < 1e-9);
  assert.equal(boxGap([0, 0, 10, 10], [5, 5, 20, 20]), 0);
  // Predicted [30,10,130,110] vs true [0,0,100,100]: left edge 30 px inside, top 10 inside, right 30 outside, bottom 10 outside.
  assert.deepEqual(edgeErrors([30, 10, 130, 110], dog.bbox), [-30, -10, 30, 10]);
});

const tp = det(0, DOG, [0, 0, 100, 100], 0.9, { outcome: 'tp', matchedGt: 11, sameClassGt: 11, iou: 1, anyClassGt: 11, anyClassIoU: 1, anyClassCategory: DOG });
const dupe = det(1, DOG, [2, 2, 98, 100], 0.6, { error: 'Dupe', sameClassGt: 11, iou: (96 * 98) / 10000, anyClassGt: 11, anyClassIoU: (96 * 98) / 10000, anyClassCategory: DOG });
const cls = det(2, DOG, [200, 0, 300, 100], 0.8, { error: 'Cls', sameClassGt: null, iou: 0, anyClassGt: 12, anyClassIoU: 1, anyClassCategory: CAT });
const loc = det(3, DOG, [30, 10, 130, 110], 0.7, { error: 'Loc', sameClassGt: 11, iou: 6300 / 13700, anyClassGt: 11, anyClassIoU: 6300 / 13700, anyClassCategory: DOG });
const bkg = det(4, CAT, [600, 600, 650, 650], 0.5, { error: 'Bkg' });
const wrongClassOnFarDog = det(5, CAT, [400, 400, 500, 500], 0.3, { error: 'Cls', anyClassGt: 13, anyClassIoU: 1, anyClassCategory: DOG });
const image = { detections: [tp, dupe, cls, loc, bkg, wrongClassOnFarDog], groundTruth };

test('Cls: the true class and its IoU (not the same-class IoU 0)', () => {
  const ctx = detectionFailureContext(cls, image)!;
  assert.equal(ctx.kind, 'Cls');
  assert.equal(ctx.gtId, 12);
  assert.equal(ctx.gtCategoryId, CAT);
  assert.equal(ctx.iou, 1);
  const text = describeFailureContext(ctx, nameOf);
  assert.equal(text.short, 'true class cat · IoU 1.00');
  assert.match(text.long, /sits on a cat \(ground truth #12\) at IoU 1\.00/);
});

test('Loc: the best same-class ground truth and per-edge errors in pixels', () => {
  const ctx = detectionFailureContext(loc, image)!;
  assert.equal(ctx.gtId, 11);
  assert.deepEqual(ctx.edgeErrorPx, [-30, -10, 30, 10]);
  const text = describeFailureContext(ctx, nameOf);
  assert.equal(text.short, 'IoU 0.46 · L−30 T−10 R+30 B+10 px');
  assert.match(text.long, /left −30, top −10, right \+30, bottom \+10 px; worst: left/);
});

test('Dupe: the true positive that already took the ground truth', () => {
  const ctx = detectionFailureContext(dupe, image)!;
  assert.equal(ctx.gtId, 11);
  assert.deepEqual(ctx.duplicateOf, { detIndex: 0, score: 0.9 });
  assert.equal(describeFailureContext(ctx, nameOf, (i) => `box ${i}`).short, 'duplicates box 0 (0.90)');
  // Without a COCOeval match on record, the highest-scoring other same-class box at IoU ≥ 0.5 with the GT is named.
  const noTp = { detections: [{ ...tp, outcome: 'fp' as const, matchedGt: null }, dupe], groundTruth };
  assert.equal(detectionFailureContext(dupe, noTp)!.duplicateOf?.detIndex, 0);
});

test('Bkg: the nearest ground truth, by IoU when one overlaps, else by the gap in pixels', () => {
  const far = detectionFailureContext(bkg, image)!;
  assert.equal(far.gtId, 13); // the far dog is 141 px away; the others are farther
  assert.equal(far.iou, 0);
  assert.ok(Math.abs(far.gapPx! - 141.42) < 0.01);
  assert.equal(describeFailureContext(far, nameOf).short, 'nearest dog 141 px away');
  // A background box grazing the cat: IoU 10·100 / (20000 − 1000) = 1/19.
  const graze = det(6, DOG, [290, 0, 390, 100], 0.4, { error: 'Bkg' });
  const near = detectionFailureContext(graze, image)!;
  assert.equal(near.gtId, 12);
  assert.ok(Math.abs(near.iou! - 1 / 19) < 1e-12);
  assert.equal(near.gapPx, null);
  // An image without ground truth.
  assert.equal(describeFailureContext(detectionFailureContext(bkg, { detections: [bkg], groundTruth: [] })!, nameOf).short, 'no ground truth in the image');
  // Crowd regions are not objects.
  assert.equal(detectionFailureContext(bkg, { detections: [bkg], groundTruth: [gt(99, DOG, [600, 600, 650, 650], true)] })!.gtId, null);
});

test('Miss: the best candidate of any class and why it did not match', () => {
  // Best overlap with the far dog: the cat box on it (IoU 1): wrong class.
  const wrong = missedFailureContext(farDog, image.detections);
  assert.equal(wrong.candidate?.detIndex, 5);
  assert.equal(wrong.candidate?.iou, 1);
  assert.equal(wrong.reason, 'wrong-class');
  assert.match(describeFailureContext(wrong, nameOf).long, /Best candidate: detection #5, cat 0\.30, IoU 1\.00; not a match: wrong class \(cat, not dog\)/);
  // Only a same-class box overlapping 50 × 50 of it: IoU 2500 / 17500 = 1/7 < 0.5.
  const low = missedFailureContext(farDog, [det(7, DOG, [450, 450, 550, 550], 0.2)]);
  assert.equal(low.reason, 'low-iou');
  assert.ok(Math.abs(low.candidate!.iou - 1 / 7) < 1e-12);
  // A same-class box at IoU ≥ 0.5 that COCOeval gave to another ground truth.
  const taken = missedFailureContext(farDog, [det(8, DOG, [400, 400, 500, 500], 0.9, { outcome: 'tp', matchedGt: 77 })]);
  assert.equal(taken.reason, 'matched-other');
  // Beyond maxDets.
  assert.equal(missedFailureContext(farDog, [det(9, DOG, [400, 400, 500, 500], 0.06, { outcome: 'unevaluated' })]).reason, 'not-evaluated');
  // Nothing there at all.
  const none = missedFailureContext(farDog, [tp]);
  assert.equal(none.candidate, null);
  assert.equal(none.reason, 'no-overlap');
  assert.equal(describeFailureContext(none, nameOf).short, 'no detection overlaps it');
  // Ties in IoU go to the higher score.
  assert.equal(missedFailureContext(farDog, [det(1, CAT, [400, 400, 500, 500], 0.2), det(2, CAT, [400, 400, 500, 500], 0.4)]).candidate?.detIndex, 2);
});

test('Miss at the operating threshold only: the candidate is the true positive that matched it below the threshold', () => {
  // A dog box at IoU 1 that COCOeval matched to the far dog, and a cat box overlapping it more loosely.
  const match = det(4, DOG, [400, 400, 500, 500], 0.12, { outcome: 'tp', matchedGt: farDog.id });
  const other = det(6, CAT, [420, 420, 520, 520], 0.9);
  const below = missedFailureContext(farDog, [other, match], true);
  assert.equal(below.reason, 'below-threshold');
  assert.equal(below.candidate?.detIndex, 4);
  assert.equal(below.candidate?.score, 0.12);
  assert.equal(below.candidate?.iou, 1);
  assert.match(describeFailureContext(below, nameOf).short, /^best: dog 0\.12 · IoU 1\.00 · its true positive scores below the operating threshold$/);
  // Without the flag the same ground truth is a TIDE-only miss of that true positive.
  assert.equal(missedFailureContext(farDog, [other, match]).reason, 'tide-only');
  // imageFailureContexts gives threshold misses their own entries beside TIDE's.
  assert.equal(imageFailureContexts([other, match], groundTruth, [], [farDog.id]).missed.get(farDog.id)?.reason, 'below-threshold');
});

test('imageFailureContexts: one entry per detection (null without a TIDE error) and one per missed ground truth', () => {
  const all = imageFailureContexts(image.detections, groundTruth, [13]);
  assert.deepEqual(all.detections.map((c) => c?.kind ?? null), [null, 'Dupe', 'Cls', 'Loc', 'Bkg', 'Cls']);
  assert.deepEqual([...all.missed.keys()], [13]);
});

// The same rules on the analysis' own verdicts (analyzeRun: COCOeval + TIDE), not on hand-set fields.
test('on analyzeRun rows: a cat box on a dog is Cls with the dog named, not IoU 0', () => {
  const dataset = {
    images: [{ id: 5, file_name: 'x.jpg', width: 400, height: 200 }],
    categories: [{ id: DOG, name: 'dog' }, { id: CAT, name: 'cat' }],
    annotations: [
      { id: 21, image_id: 5, category_id: DOG, bbox: [0, 0, 100, 100], area: 10000, iscrowd: 0 },
      { id: 22, image_id: 5, category_id: CAT, bbox: [200, 0, 100, 100], area: 10000, iscrowd: 0 },
    ],
  };
  const detection = (bbox: [number, number, number, number], score: number, classIndex: number): Detection => ({
    bbox, score, classIndex, level: 0, stride: 8, anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], distances: [1, 1, 1, 1],
  });
  // Class 0 = dog, 1 = cat. A dog box on the cat (Cls) and a dog box 60 px off the dog (Loc: IoU 40·100/16000 = 0.25).
  const record = {
    record: 'image', file: 'x.jpg', imageId: 5, width: 400, height: 200,
    transform: { originalWidth: 400, originalHeight: 200, inputWidth: 400, inputHeight: 200, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
    timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
    detections: [detection([200, 0, 300, 100], 0.8, 0), detection([60, 0, 160, 100], 0.7, 0)],
  } as unknown as RunImageRecord;
  const header = {
    record: 'header', format: 'gfl-lens-run', version: 2, createdAt: '', tool: { name: 'gfl-lens', version: '0' },
    model: { path: 'm.onnx', fileName: 'm.onnx', sha256: 'x', bytes: 1, inputName: 'image', outputs: [] },
    profile: { name: 'test', inputSize: [400, 200], strides: [8], regMax: 7, classNames: ['dog', 'cat'] },
    head: { layout: 'per-level', numClasses: 2, strides: [8], regMax: 7, scoresActivated: true, distributionsActivated: true, hasDistributions: false, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] }, dataset: { imagesDir: '/data' },
  } as unknown as RunHeader;
  const table = runTableFromRecords(header, [record], [], true);
  const analysis = analyzeRun(table, { ...dataset, warnings: [] } as unknown as CocoDataset, [DOG, CAT], { detail: 'summary' });
  const rows = [0, 1].map((d) => detectionRow(table, analysis, d));
  assert.deepEqual(rows.map((r) => r.error), ['Cls', 'Loc']);
  const contexts = imageFailureContexts(rows, dataset.annotations.map((a) => gt(a.id, a.category_id, [a.bbox[0], a.bbox[1], a.bbox[0] + a.bbox[2], a.bbox[1] + a.bbox[3]])), []);
  const [clsCtx, locCtx] = contexts.detections;
  assert.equal(describeFailureContext(clsCtx!, nameOf).short, 'true class cat · IoU 1.00');
  assert.deepEqual(locCtx!.edgeErrorPx, [-60, 0, 60, 0]);
  assert.ok(Math.abs(locCtx!.iou! - 0.25) < 1e-6);
});
