// A hand-made evaluated run for the evaluation view's tests: one image with a cat and a dog; a perfect cat box (TP),
// a cat box overlapping the cat by IoU 400/2800 (FP, TIDE Loc), a dog box on background (FP, TIDE Bkg); the dog is
// missed. The analysis is analyzeRun's at the default operating threshold (0.25).
import type { CocoDataset } from '../../../extension/core/coco/cocoLoad.ts';
import { analyzeRun } from '../../../extension/core/analytics/analysis.ts';
import type { RunHeader, RunImageRecord } from '../../../extension/core/runFormat.ts';
import { runTableFromRecords } from '../../../extension/core/runTable.ts';
import type { LoadedRun } from '../../../extension/state/runModel.ts';

export const dataset: CocoDataset = {
  images: [{ id: 7, file_name: 'a.jpg', width: 100, height: 100 }],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [10, 10, 40, 40], area: 1600, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 2, bbox: [60, 60, 30, 30], area: 900, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  warnings: [],
};
const identity = { originalWidth: 100, originalHeight: 100, inputWidth: 100, inputHeight: 100, scaleX: 1, scaleY: 1, padX: 0, padY: 0 };
const box = (bbox: [number, number, number, number], score: number, classIndex: number) => ({
  bbox, score, classIndex, level: 0, stride: 8, anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2] as [number, number],
  distances: [1, 1, 1, 1] as [number, number, number, number], edgeProbs: null,
});
const header = {
  record: 'header', format: 'gfl-lens-run', version: 2, createdAt: '2026-01-02T03:04:05Z', tool: { name: 'gfl-lens', version: '0' },
  model: { path: 'm.onnx', fileName: 'm.onnx', sha256: 'x', bytes: 1, inputName: 'image', outputs: [] },
  profile: { name: 'test', inputSize: [100, 100], strides: [8], regMax: 7, classNames: ['cat', 'dog'] },
  head: { layout: 'per-level', numClasses: 2, strides: [8], regMax: 7, scoresActivated: true, distributionsActivated: true, hasDistributions: false, notes: [] },
  decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
  provider: { active: 'cpu', fallbacks: [] }, dataset: { imagesDir: '/data', annotations: '/data/instances.json' },
} as unknown as RunHeader;
const records = [{
  record: 'image', file: 'a.jpg', imageId: 7, width: 100, height: 100, transform: identity, timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
  detections: [box([10, 10, 50, 50], 0.9, 0), box([30, 30, 70, 70], 0.6, 0), box([0, 70, 10, 80], 0.35, 1)],
}] as unknown as RunImageRecord[];
export const table = runTableFromRecords(header, records, [], true);
export const analysis = analyzeRun(table, dataset, [1, 2], { detail: 'summary' });
export const run = {
  sourcePath: '/runs/r.gflrun', kind: 'run', label: 'm on a', header, classNames: ['cat', 'dog'], strides: [8], regMax: 7, hasDistributions: false,
  notes: [], table, categories: dataset.categories, imagesDir: '/data', complete: true,
} as unknown as LoadedRun;

