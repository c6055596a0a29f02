// NanoDet-m-320 over the first images of ../shared/data/val2017-128: a real run with distributions and its ground
// truth, for the analysis tests that compare implementations on real model output.
import fs from 'node:fs';
import path from 'node:path';
import type { CocoDataset } from '../../../extension/core/coco/cocoLoad.ts';
import type { RunImageRecord } from '../../../extension/core/runFormat.ts';
import { runTableFromRecords, type RunTable } from '../../../extension/core/runTable.ts';
import { Detector } from '../../../extension/inference/detector.ts';
import { cocoImageItems } from '../../../extension/io/imageSources.ts';
import { loadGroundTruth } from '../../../extension/io/runAnalysis.ts';

const shared = path.resolve(__dirname, '../../../../shared');
const valDir = path.join(shared, 'data/val2017-128');
const model = path.join(shared, 'models/nanodet-m-320.onnx');

export interface Val2017Run {
  /** The instances file of the first `count` images, written into the caller's folder. */
  annotations: string;
  gt: CocoDataset;
  table: RunTable;
}

/** Writes the instances of the first `count` val2017-128 images into `dir` and runs NanoDet-m-320 (CPU) over them. */
export async function val2017Run(count: number, dir: string): Promise<Val2017Run> {
  const instances = JSON.parse(fs.readFileSync(path.join(valDir, 'annotations/instances.json'), 'utf8'));
  const images = instances.images.slice(0, count);
  const ids = new Set(images.map((i: { id: number }) => i.id));
  const annotations = path.join(dir, 'instances.json');
  fs.writeFileSync(annotations, JSON.stringify({ ...instances, images, annotations: instances.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)) }));
  const gt = await loadGroundTruth(annotations);
  const imagesDir = path.join(valDir, 'images');
  const detector = await Detector.create({ modelPath: model, providers: ['cpu'] });
  const records: RunImageRecord[] = [];
  try {
    for await (const { item, result, error } of detector.detectMany(cocoImageItems(gt, imagesDir).items)) {
      if (!result) throw error;
      records.push({
        record: 'image', file: item.label, imageId: item.imageId, width: result.transform.originalWidth, height: result.transform.originalHeight,
        transform: result.transform, timingMs: result.timingMs, detections: result.detections,
      });
    }
    return { annotations, gt, table: runTableFromRecords(detector.runHeader({ annotations, imagesDir }), records, [], true) };
  } finally {
    await detector.dispose();
  }
}
