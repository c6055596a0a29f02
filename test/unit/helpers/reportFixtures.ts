// Fixtures for the report tests: a small hand-built run with known answers, and a real run made by the detector.
import fs from 'node:fs';
import path from 'node:path';
import type { CocoDataset } from '../../../extension/core/coco/cocoLoad.ts';
import { RUN_FORMAT, RUN_FORMAT_VERSION, type Run, type RunHeader, type RunImageRecord } from '../../../extension/core/runFormat.ts';
import type { Detection, XYXY } from '../../../extension/core/types.ts';
import { Detector } from '../../../extension/inference/detector.ts';
import { RunStoreWriter } from '../../../extension/io/runStore.ts';

export const XSS_NAME = '<img src=x onerror=alert(1)>';
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const VAL_DIR = path.join(REPO_ROOT, '..', 'shared', 'data', 'val2017-128');
export const NANODET_M = path.join(REPO_ROOT, '..', 'shared', 'models', 'nanodet-m-320.onnx');

const REG_MAX = 7;
/** Mass split evenly over bins 3 and 4: mean 3.5, all mass on the two bins DFL trains → ambiguity 0. */
export const SHARP_EDGE = [0, 0, 0, 0.5, 0.5, 0, 0, 0];
/** Uniform over 8 bins: entropy 1, top-1 1/8, ambiguity 1 − 2/8 = 0.75, std √((8² − 1)/12) = √5.25 bins. */
export const FLAT_EDGE = new Array(8).fill(1 / 8);

function detection(bbox: XYXY, score: number, classIndex: number, edges: number[][]): Detection {
  return {
    bbox, score, classIndex, level: 0, stride: 8, anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2],
    distances: [3.5, 3.5, 3.5, 3.5], edgeProbs: edges.flat(),
  };
}

function imageRecord(file: string, imageId: number, detections: Detection[]): RunImageRecord {
  return {
    record: 'image', file, imageId, width: 200, height: 100,
    transform: { originalWidth: 200, originalHeight: 100, inputWidth: 320, inputHeight: 320, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
    timingMs: { preprocessMs: 1, inferenceMs: 2, decodeMs: 0.5 }, detections,
  };
}

/**
 * Two classes ("cat", and the XSS payload as a second class name), two images whose file names need CSV quoting.
 * Image 1: a cat detection exactly on the cat GT (TP, IoU 1, sharp edges) and a cat detection on empty background
 * (Bkg false positive, flat edges). Image 2: a detection of class 1 exactly on its GT (TP). So AP = 1 for both
 * categories (each has one GT, found by the top-scoring detection), the Bkg detection ranks below the TP.
 */
export function syntheticRun(withGroundTruth = true): { run: Run; groundTruth: CocoDataset } {
  const classNames = ['cat', XSS_NAME];
  const header: RunHeader = {
    record: 'header', format: RUN_FORMAT, version: RUN_FORMAT_VERSION, createdAt: '2026-01-02T03:04:05.000Z',
    tool: { name: 'gfl-lens', version: '0.1.0' },
    model: { path: '/models/m "quoted".onnx', fileName: 'm "quoted" <b>.onnx', sha256: 'ab'.repeat(32), bytes: 1234, inputName: 'data', outputs: [] },
    profile: {
      name: 'custom </script><script>alert(2)</script>', inputSize: [320, 320], strides: [8, 16, 32], regMax: REG_MAX, centerOffset: 0,
      scoreActivation: 'auto', distributionActivation: 'auto', colorOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1],
      resize: 'letterbox', letterboxAlign: 'center', padValue: 0, classNames,
    },
    head: { layout: 'per-level', numClasses: 2, strides: [8, 16, 32], regMax: REG_MAX, scoresActivated: true, distributionsActivated: true, hasDistributions: true, notes: [] },
    decode: { scoreThreshold: 0.05, topKPerLevel: 1000, nmsIoU: 0.6, maxPerImage: 100, classAgnosticNms: false },
    provider: { active: 'cpu', fallbacks: [] },
    dataset: withGroundTruth ? { annotations: 'gt.json', imagesDir: 'images' } : { imagesDir: 'images' },
  };
  const sharp4 = [SHARP_EDGE, SHARP_EDGE, SHARP_EDGE, SHARP_EDGE];
  const flat4 = [FLAT_EDGE, FLAT_EDGE, FLAT_EDGE, FLAT_EDGE];
  const images = [
    imageRecord('a,b "c".jpg', 1, [detection([10, 10, 50, 40], 0.9, 0, sharp4), detection([150, 60, 190, 95], 0.6, 0, flat4)]),
    imageRecord('line\nbreak.jpg', 2, [detection([20, 20, 80, 70], 0.8, 1, sharp4)]),
  ];
  const run: Run = {
    header, images, errors: [],
    footer: { record: 'footer', complete: true, images: 2, errors: 0, detections: 3, timingMs: { wall: 10, preprocessMs: 2, inferenceMs: 4, decodeMs: 1 }, finishedAt: '2026-01-02T03:04:06.000Z' },
    complete: true,
  };
  const groundTruth: CocoDataset = {
    images: [{ id: 1, file_name: 'a,b "c".jpg', width: 200, height: 100 }, { id: 2, file_name: 'line\nbreak.jpg', width: 200, height: 100 }],
    annotations: [
      { id: 101, image_id: 1, category_id: 1, bbox: [10, 10, 40, 30], area: 1200, iscrowd: 0 },
      { id: 102, image_id: 2, category_id: 2, bbox: [20, 20, 60, 50], area: 3000, iscrowd: 0 },
    ],
    categories: [{ id: 1, name: 'cat' }, { id: 2, name: XSS_NAME }],
    warnings: [],
  };
  return { run, groundTruth };
}

/**
 * Runs NanoDet-m-320 over the first `count` images of val2017-128 and writes, into `dir`: "gt.json" (the COCO
 * instances restricted to those images; category 1 renamed to `personName`), and "run.gflrun" (class 0 renamed to
 * the same, so the class still maps to category 1 by name). Returns the run path.
 */
export async function detectSmallRun(dir: string, count: number, personName = 'person'): Promise<string> {
  const instances = JSON.parse(fs.readFileSync(path.join(VAL_DIR, 'annotations', 'instances.json'), 'utf8'));
  const images = instances.images.slice(0, count);
  const ids = new Set(images.map((image: { id: number }) => image.id));
  const subset = {
    ...instances, images,
    annotations: instances.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)),
    categories: instances.categories.map((c: { id: number; name: string }) => (c.id === 1 ? { ...c, name: personName } : c)),
  };
  const gtPath = path.join(dir, 'gt.json');
  fs.writeFileSync(gtPath, JSON.stringify(subset));
  const imagesDir = path.join(VAL_DIR, 'images');
  const detector = await Detector.create({ modelPath: NANODET_M });
  const runPath = path.join(dir, 'run.gflrun');
  try {
    const header = detector.runHeader({ annotations: gtPath, imagesDir });
    header.profile = { ...header.profile, classNames: header.profile.classNames.map((name, i) => (i === 0 ? personName : name)) };
    const writer = await RunStoreWriter.create(runPath, header);
    const items = images.map((image: { id: number; file_name: string }) => ({ source: path.join(imagesDir, image.file_name), label: image.file_name, imageId: image.id }));
    for await (const { item, result, error } of detector.detectMany<{ source: string; label: string; imageId: number }>(items)) {
      if (!result) throw error;
      await writer.addImage({
        record: 'image', file: item.label, imageId: item.imageId, width: result.transform.originalWidth, height: result.transform.originalHeight,
        transform: result.transform, timingMs: result.timingMs, detections: result.detections,
      });
    }
    await writer.complete();
  } finally {
    await detector.dispose();
  }
  return runPath;
}
