// Acceptance: `gfl-lens analyze` on the shared YOLOv8n (dynamic int8) with no profile flag works, reports the four
// edge distributions for every detection, and its COCO AP matches an independent Ultralytics-style pipeline written
// here from scratch: its own image decode and letterbox (cv2.resize INTER_LINEAR + 114 padding, as
// ultralytics/data/augment.py LetterBox), the model's own output0 (no graph surgery), Ultralytics' NMS recipe
// (conf 0.001 multi-label, top 30,000, boxes offset by class × 7680 then one plain greedy NMS at IoU 0.7, 300 per
// image, ultralytics/utils/nms.py) and scale_boxes back to the image.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import sharp from 'sharp';
import type { CocoResult } from '../../extension/core/coco/categoryMapping.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import { OnnxModel } from '../../extension/inference/onnxSession.ts';
import { imageRecordAt } from '../../extension/core/runTable.ts';
import { readRun } from '../../extension/io/runStore.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const modelFile = path.join(shared, 'models/yolov8n-int8.onnx');
const data = path.join(shared, 'data/val2017-128');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-yolo-ref-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Ultralytics' coco80_to_coco91_class() (ultralytics/data/converter.py).
const COCO91 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84,
  85, 86, 87, 88, 89, 90];

/** cv2.resize INTER_LINEAR on 8-bit RGB: src = (dst + 0.5)·scale − 0.5, clamped at the borders, rounded. */
function resizeLinear(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const sx = sw / dw, sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    let fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    const y0 = Math.min(Math.floor(fy), sh - 1), y1 = Math.min(y0 + 1, sh - 1), wy = Math.min(fy - y0, 1);
    for (let x = 0; x < dw; x++) {
      let fx = (x + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      const x0 = Math.min(Math.floor(fx), sw - 1), x1 = Math.min(x0 + 1, sw - 1), wx = Math.min(fx - x0, 1);
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => src[(yy * sw + xx) * 3 + c];
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx, bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out[(y * dw + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

/** LetterBox(new_shape=640, auto=False, center=True): returns the CHW /255 tensor, gain and padding. */
async function letterbox(file: string): Promise<{ tensor: Float32Array; gain: number; left: number; top: number; width: number; height: number }> {
  const { data: rgb, info } = await sharp(file).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const r = Math.min(640 / height, 640 / width);
  const nw = Math.round(width * r), nh = Math.round(height * r);
  const resized = nw === width && nh === height ? new Uint8Array(rgb) : resizeLinear(rgb, width, height, nw, nh);
  const dw = (640 - nw) / 2, dh = (640 - nh) / 2;
  const top = Math.round(dh - 0.1), left = Math.round(dw - 0.1);
  const tensor = new Float32Array(3 * 640 * 640).fill(114 / 255);
  for (let y = 0; y < nh; y++) for (let x = 0; x < nw; x++) for (let c = 0; c < 3; c++) {
    tensor[c * 640 * 640 + (y + top) * 640 + (x + left)] = resized[(y * nw + x) * 3 + c] / 255;
  }
  return { tensor, gain: r, left, top, width, height };
}

function iou(a: number[], b: number[]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** non_max_suppression(conf 0.001, iou 0.7, multi_label, max_nms 30000, max_det 300) on output0 [1, 84, A]. */
function ultralyticsNms(o: Float32Array, A: number): { box: number[]; score: number; cls: number }[] {
  const cands: { box: number[]; score: number; cls: number }[] = [];
  for (let a = 0; a < A; a++) {
    for (let c = 0; c < 80; c++) {
      const score = o[(4 + c) * A + a];
      if (score <= 0.001) continue;
      const [x, y, w, h] = [o[a], o[A + a], o[2 * A + a], o[3 * A + a]];
      cands.push({ box: [x - w / 2, y - h / 2, x + w / 2, y + h / 2], score, cls: c });
    }
  }
  cands.sort((p, q) => q.score - p.score);
  const top = cands.slice(0, 30000);
  const kept: { box: number[]; score: number; cls: number; offset: number[] }[] = [];
  for (const cand of top) {
    const offset = cand.box.map((v) => v + cand.cls * 7680);
    if (kept.some((k) => iou(k.offset, offset) > 0.7)) continue;
    kept.push({ ...cand, offset });
    if (kept.length === 300) break;
  }
  return kept;
}

it('analyze on yolov8n-int8 with no profile flag: distributions on every detection, AP equal to an independent Ultralytics-style pipeline', { skip: !fs.existsSync(modelFile) && 'needs ../shared' }, async (t) => {
  const annotations = path.join(data, 'annotations/instances.json');
  const out = path.join(tmp, 'yolo.gflrun');
  const cli = spawnSync(process.execPath, [path.join(repo, 'bin/gfl-lens.js'), 'analyze', '--model', modelFile, '--coco', annotations,
    '--images', path.join(data, 'images'), '--out', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /COCO {2}AP 0\.\d+/);
  const table = await readRun(out);
  assert.equal(table.images.count, 128);
  const images = Array.from({ length: table.images.count }, (_, i) => imageRecordAt(table, i));
  let detections = 0;
  for (const image of images) {
    for (const d of image.detections) {
      detections++;
      assert.equal(d.edgeProbs?.length, 64);
      for (let e = 0; e < 4; e++) {
        // Stored quantised to 1/65535 per bin.
        const sum = d.edgeProbs!.slice(e * 16, e * 16 + 16).reduce((s, p) => s + p, 0);
        assert.ok(Math.abs(sum - 1) < 2e-4, `edge group sums to ${sum}`);
      }
    }
  }
  const gt = parseCocoInstances(fs.readFileSync(annotations, 'utf8'), annotations);
  const ours: CocoResult[] = images.flatMap((image) => image.detections.map((d) => ({
    image_id: image.imageId!, category_id: COCO91[d.classIndex], score: d.score,
    bbox: [d.bbox[0], d.bbox[1], d.bbox[2] - d.bbox[0], d.bbox[3] - d.bbox[1]] as [number, number, number, number],
  })));

  const model = await OnnxModel.load(fs.readFileSync(modelFile), 'yolov8n-int8.onnx');
  const reference: CocoResult[] = [];
  try {
    assert.deepEqual(model.outputs.map((o) => o.name), ['output0']);
    for (const image of gt.images) {
      const lb = await letterbox(path.join(data, 'images', image.file_name));
      const [output0] = await model.run(lb.tensor, 640, 640);
      for (const { box, score, cls } of ultralyticsNms(output0.data, output0.dims[2])) {
        const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
        const x1 = clip((box[0] - lb.left) / lb.gain, lb.width), y1 = clip((box[1] - lb.top) / lb.gain, lb.height);
        const x2 = clip((box[2] - lb.left) / lb.gain, lb.width), y2 = clip((box[3] - lb.top) / lb.gain, lb.height);
        reference.push({ image_id: image.id, category_id: COCO91[cls], score, bbox: [x1, y1, x2 - x1, y2 - y1] });
      }
    }
  } finally {
    await model.dispose();
  }
  const a = evaluateCoco(gt, ours).stats, b = evaluateCoco(gt, reference).stats;
  t.diagnostic(`GFL Lens: ${detections} detections, AP ${a[0].toFixed(4)} AP50 ${a[1].toFixed(4)} AP75 ${a[2].toFixed(4)}; ` +
    `reference: ${reference.length} detections, AP ${b[0].toFixed(4)} AP50 ${b[1].toFixed(4)} AP75 ${b[2].toFixed(4)}`);
  // Remaining differences: GFL Lens decodes boxes from the float softmax where output0 used its int8-quantised copy
  // (up to a few px on some anchors: see the oracle test), and clips boxes to the input before NMS.
  assert.ok(Math.abs(a[0] - b[0]) <= 0.005, `AP ${a[0]} vs ${b[0]}`);
  assert.ok(Math.abs(a[1] - b[1]) <= 0.005, `AP50 ${a[1]} vs ${b[1]}`);
  assert.ok(Math.abs(detections - reference.length) <= 0.02 * reference.length, `${detections} vs ${reference.length} detections`);
});
