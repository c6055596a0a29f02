// The shipped demo model (media/demo/gfl-demo.onnx) loads with its sidecar profile and detects on freshly
// generated demo images: AP@0.5 ≥ 0.7 on the first 50 validation images (issue 8's bar).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { mapClassesToCategories, toCocoResults } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import type { Detection } from '../../extension/core/types.ts';
import { DEMO_DATASET_SEED, generateDemoDataset } from '../../extension/demo/generateDataset.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { cocoImageItems } from '../../extension/io/imageSources.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-demo-model-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('the demo model detects the generated validation shapes with AP@0.5 ≥ 0.7', async () => {
  const [val] = await generateDemoDataset({ outDir: tmp, seed: DEMO_DATASET_SEED, counts: { val: 50 } });
  const gt = parseCocoInstances(fs.readFileSync(val.annotationsFile, 'utf8'), val.annotationsFile);
  const detector = await Detector.create({ modelPath: path.resolve(__dirname, '../../media/demo/gfl-demo.onnx') });
  const images: { imageId: number; detections: Detection[] }[] = [];
  try {
    assert.equal(detector.head.hasDistributions, true);
    assert.deepEqual(detector.head.strides, [8, 16, 32]);
    assert.match(detector.head.notes[0], /gfl-demo\.onnx\.gfl-profile\.json/);
    for await (const { item, result, error } of detector.detectMany(cocoImageItems(gt, val.imagesDir).items)) {
      assert.ok(result, `${item.label}: ${error?.message}`);
      images.push({ imageId: item.imageId, detections: result.detections });
    }
  } finally {
    await detector.dispose();
  }
  // The demo's boxes are amodal: its profile turns clipping off, and truncated shapes get boxes past the border.
  assert.equal(detector.profile.clipBoxes, false);
  const pastBorder = images.flatMap((i) => i.detections).filter((d) => d.score > 0.3 && (d.bbox[0] < 0 || d.bbox[1] < 0 || d.bbox[2] > 320 || d.bbox[3] > 320));
  const truncatedGts = gt.annotations.filter((a) => a.bbox[0] < 0 || a.bbox[1] < 0 || a.bbox[0] + a.bbox[2] > 320 || a.bbox[1] + a.bbox[3] > 320);
  assert.ok(truncatedGts.length > 0 && pastBorder.length >= truncatedGts.length / 2, `${pastBorder.length} confident boxes past the border for ${truncatedGts.length} truncated objects`);
  const mapping = mapClassesToCategories(detector.profile.classNames, gt.categories);
  assert.deepEqual(mapping.problems, []);
  const [ap, ap50] = evaluateCoco(gt, toCocoResults(images, mapping.classToCategory)).stats;
  assert.ok(ap50 >= 0.7, `AP@0.5 ${ap50.toFixed(3)}`);
  assert.ok(ap > 0.5, `AP ${ap.toFixed(3)}`);
});
