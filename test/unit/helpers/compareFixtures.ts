// Hand-built runs with known differences between A and B, shared by the comparison tests: image 1 holds persons
// G1–G3 and car G4, image 2 persons G5–G6. A alone finds G2; B alone finds G6; B localises G3 exactly where A is at
// IoU 2/3 with a flat distribution; B adds a duplicate of G1; A has a confident background FP that B does not make.
import { analyzeRun } from '../../../extension/core/analytics/analysis.ts';
import { groundTruthCanonicalText, type CompareRunInput } from '../../../extension/core/analytics/compare.ts';
import { DEFAULT_BOOTSTRAP } from '../../../extension/core/analytics/statistics.ts';
import type { CocoDataset } from '../../../extension/core/coco/cocoLoad.ts';
import { runTableFromRecords } from '../../../extension/core/runTable.ts';
import type { RunHeader, RunImageRecord } from '../../../extension/core/runFormat.ts';
import type { Detection, XYXY } from '../../../extension/core/types.ts';

export const SHARP = [0, 0, 0.5, 0.5, 0, 0, 0, 0];
export const FLAT = new Array(8).fill(1 / 8);
export const CLASS_TO_CATEGORY = [1, 2];

export function det(bbox: XYXY, score: number, classIndex: number, probs = SHARP): Detection {
  return {
    bbox, score, classIndex, level: 0, stride: 8, anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], distances: [1, 1, 1, 1],
    edgeProbs: [...probs, ...probs, ...probs, ...probs],
  };
}

export function header(model: string): RunHeader {
  return {
    record: 'header', format: 'gfl-lens-run', version: 1, createdAt: '2026-01-01T00:00:00Z', tool: { name: 'gfl-lens', version: '0.1.0' },
    model: { path: model, fileName: model, sha256: model, bytes: 1, inputName: 'image', outputs: [] },
    profile: { name: 'test', inputSize: [1000, 1000], strides: [8], regMax: 7, classNames: ['person', 'car'] },
    head: { layout: 'per-level', numClasses: 2, strides: [8], regMax: 7, scoresActivated: true, distributionsActivated: true, hasDistributions: true, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] },
    dataset: {},
  } as unknown as RunHeader;
}

export function image(imageId: number, detections: Detection[]): RunImageRecord {
  return {
    record: 'image', file: `${imageId}.jpg`, imageId, width: 1000, height: 1000,
    transform: { originalWidth: 1000, originalHeight: 1000, inputWidth: 1000, inputHeight: 1000, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
    timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 }, detections,
  };
}

// Image 1: G1, G2, G3 persons, G4 a car; image 2: G5, G6 persons.
export const GT: CocoDataset = {
  images: [{ id: 1, file_name: '1.jpg', width: 1000, height: 1000 }, { id: 2, file_name: '2.jpg', width: 1000, height: 1000 }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], area: 10000, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 1, bbox: [200, 0, 100, 100], area: 10000, iscrowd: 0 },
    { id: 3, image_id: 1, category_id: 1, bbox: [400, 0, 100, 100], area: 10000, iscrowd: 0 },
    { id: 4, image_id: 1, category_id: 2, bbox: [0, 200, 100, 100], area: 10000, iscrowd: 0 },
    { id: 5, image_id: 2, category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
    { id: 6, image_id: 2, category_id: 1, bbox: [100, 100, 50, 50], area: 2500, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'person' }, { id: 2, name: 'car' }],
  warnings: [],
};

export const RUN_A = [
  image(1, [
    det([0, 0, 100, 100], 0.9, 0), // G1
    det([200, 0, 300, 100], 0.8, 0), // G2: only A finds it
    det([420, 0, 520, 100], 0.7, 0, FLAT), // G3 at IoU 8000/12000 = 2/3; B localises it exactly
    det([0, 200, 100, 300], 0.6, 1), // G4
    det([800, 800, 850, 850], 0.6, 0), // a confident background FP that B does not make
  ]),
  image(2, [det([0, 0, 50, 50], 0.5, 0)]), // G5
];
export const RUN_B = [
  image(1, [
    det([0, 0, 100, 100], 0.9, 0), // G1
    det([2, 2, 102, 102], 0.85, 0), // a duplicate of G1 that B introduces
    det([400, 0, 500, 100], 0.7, 0), // G3 exactly
    det([0, 200, 100, 300], 0.6, 1), // G4
  ]),
  image(2, [det([0, 0, 50, 50], 0.5, 0), det([100, 100, 150, 150], 0.4, 0)]), // G5, and G6 which only B finds
];

export const BOOT = { ...DEFAULT_BOOTSTRAP, resamples: 200, seed: 7 };

export function side(model: string, images: RunImageRecord[], gt: CocoDataset = GT): CompareRunInput {
  const table = runTableFromRecords(header(model), images, [], true);
  const analysis = analyzeRun(table, gt, CLASS_TO_CATEGORY, { detail: 'summary' });
  return { label: model, sourcePath: `/runs/${model}.gflrun`, table, analysis, groundTruth: gt, annotationsPath: '/data/instances.json', groundTruthHash: groundTruthCanonicalText(gt) };
}

