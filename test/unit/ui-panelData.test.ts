// What the views receive (extension/state/runModel.ts + extension/webviews/panelData.ts), on a hand-made run whose
// outcomes follow from the geometry: one image with a cat and a dog; detections: a perfect cat box, a cat box
// overlapping the cat by IoU 400/2800 (TIDE Loc), and a dog box far from everything (TIDE Bkg); the dog is missed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import type { Detection } from '../../extension/core/types.ts';
import { analyzeRun, detectionRow, type GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import type { RunHeader, RunImageRecord } from '../../extension/core/runFormat.ts';
import { imageRecordAt, runTableFromRecords } from '../../extension/core/runTable.ts';
import { datasetName, gtEdgeDistances, type LoadedRun } from '../../extension/state/runModel.ts';
import { ambiguityData, calibrationData, inspectorImage } from '../../extension/webviews/panelData.ts';
import { binLabelStep } from '../../webview/lib/binLabels.ts';

const peaked = [0, 0, 0.5, 0.5, 0, 0, 0, 0]; // mean 2.5, all mass on the two DFL bins → ambiguity 0
const uniform = new Array(8).fill(1 / 8); // two-bin mass 2/8 → ambiguity 0.75

function det(bbox: [number, number, number, number], score: number, classIndex: number, probs: number[]): Detection {
  const anchor: [number, number] = [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
  return {
    bbox, score, classIndex, level: 0, stride: 8, anchor,
    distances: [(anchor[0] - bbox[0]) / 8, (anchor[1] - bbox[1]) / 8, (bbox[2] - anchor[0]) / 8, (bbox[3] - anchor[1]) / 8],
    edgeProbs: [...probs, ...probs, ...probs, ...probs],
  };
}

const dataset: CocoDataset = {
  images: [{ id: 7, file_name: 'a.jpg', width: 100, height: 100 }],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [10, 10, 40, 40], area: 1600, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 2, bbox: [60, 60, 30, 30], area: 900, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  warnings: [],
};

const identity = { originalWidth: 100, originalHeight: 100, inputWidth: 100, inputHeight: 100, scaleX: 1, scaleY: 1, padX: 0, padY: 0 };

interface Analysed {
  run: LoadedRun;
  analysis: GflAnalysis;
  /** Image 0 as the analysis worker sends it to the inspector (with distributions). */
  record: RunImageRecord;
}

/** The run as the host holds it (columns without distributions) with its analysis, as the worker computes them. */
function makeRun(hasDistributions = true, minScore?: number): Analysed {
  const header = {
    record: 'header', format: 'gfl-lens-run', version: 2, createdAt: '', tool: { name: 'gfl-lens', version: '0' },
    model: { path: 'm.onnx', fileName: 'm.onnx', sha256: 'x', bytes: 1, inputName: 'image', outputs: [] },
    profile: { name: 'test', inputSize: [100, 100], strides: [8], regMax: 7, classNames: ['cat', 'dog'] },
    head: { layout: 'per-level', numClasses: 2, strides: [8], regMax: 7, scoresActivated: true, distributionsActivated: true, hasDistributions, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] }, dataset: { imagesDir: '/data' },
  } as unknown as RunHeader;
  const records: RunImageRecord[] = [{
    record: 'image', file: 'a.jpg', imageId: 7, width: 100, height: 100, transform: identity, timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
    detections: [det([10, 10, 50, 50], 0.9, 0, peaked), det([30, 30, 70, 70], 0.6, 0, uniform), det([0, 70, 10, 80], 0.35, 1, peaked)],
  }];
  const table = runTableFromRecords(header, records, [], true);
  const analysis = analyzeRun(table, dataset, [1, 2], { detail: 'summary', ...(minScore === undefined ? {} : { ambiguousMinScore: minScore }) });
  const run: LoadedRun = {
    sourcePath: '/runs/r.gflrun', kind: 'run', label: 'test run', header, classNames: ['cat', 'dog'], strides: [8], regMax: 7,
    hasDistributions, notes: [], table: { ...table, detections: { ...table.detections, probs: null } }, categories: dataset.categories,
    imagesDir: '/data', complete: true,
  };
  return { run, analysis, record: imageRecordAt(table, 0) };
}

test('GT edge distance in bins is |anchor − edge| / stride through the input transform', () => {
  // Letterbox: scale 0.5, pad (0, 40): GT x1 = 20 px → 10 input px; anchor x 50 → left distance (50 − 10)/8 = 5.
  const t = { ...identity, inputWidth: 320, inputHeight: 320, scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 40 };
  assert.deepEqual(gtEdgeDistances([50, 100], 8, [20, 60, 180, 200], t), [5, (100 - 70) / 8, (90 - 50) / 8, (140 - 100) / 8]);
});

test('outcomes, TIDE errors, IoU and missed ground truth', () => {
  const { run, analysis } = makeRun();
  const rows = [0, 1, 2].map((d) => detectionRow(run.table, analysis, d));
  assert.deepEqual(rows.map((r) => [r.outcome, r.error]), [['tp', null], ['fp', 'Loc'], ['fp', 'Bkg']]);
  assert.equal(rows[0].iou, 1);
  assert.ok(Math.abs(rows[1].iou! - 400 / 2800) < 1e-7); // float32 column
  assert.equal(rows[2].iou, 0);
  assert.deepEqual(analysis.missed.map((m) => m.gtId), [2]);
  assert.deepEqual(rows.map((r) => r.ambiguity), [0, 0.75, 0]);
});

test('calibration columns follow the τ = 0 and IoU 0.5 matchings', () => {
  const { run, analysis } = makeRun();
  const data = calibrationData(run, analysis)!;
  assert.equal(data.points.count, 3);
  assert.deepEqual([...data.points.laTarget], [1, 0, 0]);
  assert.deepEqual([...data.points.dTarget], [1, 0, 0]);
  assert.deepEqual([...data.points.tp], [1, 0, 0]);
  assert.deepEqual([...data.points.categoryId], [1, 1, 2]);
  assert.deepEqual([...data.points.size], [1, 1, 0], 'TP: matched GT area 1600 (medium); FPs: own box area 1600 (medium) and 100 (small)');
  assert.deepEqual(data.categoriesWithGroundTruth, [1, 2]);
});

test('inspector payload: boxes with outcomes and GT edge distances, ground truth named by category', () => {
  const { run, analysis, record } = makeRun();
  const image = inspectorImage(run, analysis, 0, record, dataset.annotations, 'https://img');
  assert.equal(image.boxes.length, 3);
  assert.deepEqual(image.boxes[0].gtDistances, [2.5, 2.5, 2.5, 2.5]);
  assert.deepEqual(image.boxes[1].gtDistances, [(50 - 10) / 8, (50 - 10) / 8, (50 - 50) / 8, (50 - 50) / 8]);
  assert.equal(image.boxes[2].gtDistances, null);
  assert.deepEqual(image.groundTruth!.map((g) => [g.className, g.bbox]), [['cat', [10, 10, 50, 50]], ['dog', [60, 60, 90, 90]]]);
  assert.equal(image.runPath, '/runs/r.gflrun');
});

test('ambiguity ranking: most ambiguous first, ties by score; the card carries the driving edge distribution', () => {
  const { run, analysis } = makeRun();
  const data = ambiguityData(run, analysis, () => 'u', 10);
  assert.deepEqual(data.cards.map((c) => c.ref.detIndex), [1, 0, 2]);
  const [top] = data.cards;
  assert.equal(top.ambiguity, 0.75);
  assert.equal(top.drivingEdge, 0, 'all four edges tie: the first (left) drives');
  assert.deepEqual(top.probs.map((p) => Math.round(p * 1e5) / 1e5), uniform.map((p) => Math.round(p * 1e5) / 1e5), 'stored to ±7.6e-6');
  assert.equal(top.gtDistance, 5);
  const floor = makeRun(true, 0.5);
  assert.equal(ambiguityData(floor.run, floor.analysis, () => 'u', 10).cards.length, 2, 'min score 0.5 drops the 0.35 box');
  const flat = makeRun(false);
  const integrated = ambiguityData(flat.run, flat.analysis, () => 'u');
  assert.equal(integrated.cards.length, 0);
  assert.match(integrated.emptyReason!, /integrates DFL/);
});

test('dataset display names', () => {
  assert.equal(datasetName('/data/coco128/annotations/instances.json'), 'coco128');
  assert.equal(datasetName('/ws/dataset/instances.json'), 'dataset');
  assert.equal(datasetName('C:\\d\\val\\annotations\\instances_val.json'), 'val');
  assert.equal(datasetName('instances.json'), 'instances.json');
});

test('calibration data carries the BCE/TAL score note for Ultralytics runs only', () => {
  const { run, analysis } = makeRun();
  assert.equal(calibrationData(run, analysis)!.scoreNote, null);
  const yolo: LoadedRun = { ...run, header: { ...run.header, profile: { ...run.header.profile, layout: 'ultralytics' } } };
  assert.match(calibrationData(yolo, analysis)!.scoreNote!, /BCE on task-aligned \(TAL\) targets, not as IoU estimates like GFL's QFL/);
});

test('distribution charts label every bin while they fit, then every 2nd/4th bin (16/17-bin heads)', () => {
  // The inspector's chart is 212 px of plot, the ambiguity card's 232 px.
  assert.equal(binLabelStep(8, 212), 1);
  assert.equal(binLabelStep(16, 212), 2);
  assert.equal(binLabelStep(17, 212), 2);
  assert.equal(binLabelStep(17, 150), 2);
  assert.equal(binLabelStep(17, 100), 4);
  assert.equal(binLabelStep(33, 212), 4);
});
