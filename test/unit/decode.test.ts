// Decoder, head planning, geometry and NMS on hand-made tensors with known answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDetections, softmaxExpectation, type DecodeHead } from '../../extension/core/decode.ts';
import { computeTransform, inputBoxToOriginal, originalPointToInput } from '../../extension/core/geometry.ts';
import { HeadLayoutError, looksActivated, looksSoftmaxed, planHead, sliceHead, type HeadLevel } from '../../extension/core/head.ts';
import { imageToTensor } from '../../extension/core/imageTensor.ts';
import { nms } from '../../extension/core/nms.ts';
import { DEFAULT_DECODE_OPTIONS, type InputTransform, type RawTensor } from '../../extension/core/types.ts';

const identity = (size: number): InputTransform => ({
  originalWidth: size, originalHeight: size, inputWidth: size, inputHeight: size, scaleX: 1, scaleY: 1, padX: 0, padY: 0,
});

/** DFL logits that put (almost) all mass on one bin: softmax of [.., 50 at `bin`, ..] ≈ one-hot. */
function oneHotLogits(bins: number, bin: number): number[] {
  return Array.from({ length: bins }, (_, k) => (k === bin ? 50 : 0));
}

/** Logits whose softmax is exactly `probs` (log-probabilities). */
const logitsOf = (probs: number[]) => probs.map((p) => Math.log(p));

const head = (over: Partial<DecodeHead> = {}): DecodeHead => ({
  numClasses: 2, regMax: 7, hasDistributions: true, scoresActivated: true, distributionsActivated: false, centerOffset: 0.5, clipBoxes: true, ...over,
});

function level(stride: number, gridW: number, gridH: number, C: number, bins: number): HeadLevel {
  return { stride, gridW, gridH, scores: new Float32Array(gridW * gridH * C), distances: new Float32Array(gridW * gridH * 4 * bins) };
}

describe('softmaxExpectation', () => {
  it('gives the expectation Σ i·p_i of the softmax', () => {
    const out = new Float64Array(8);
    // Half the mass on bin 2, half on bin 3 → expectation 2.5 (what DFL trains for a target of 2.5).
    const e = softmaxExpectation(logitsOf([1e-12, 1e-12, 0.5, 0.5, 1e-12, 1e-12, 1e-12, 1e-12]), 0, 8, out, 0, false);
    assert.ok(Math.abs(e - 2.5) < 1e-9, `expectation ${e}`);
    assert.ok(Math.abs(out[2] - 0.5) < 1e-9 && Math.abs(out[3] - 0.5) < 1e-9);
    // Uniform logits → uniform probabilities → expectation 3.5 for 8 bins.
    assert.ok(Math.abs(softmaxExpectation([0, 0, 0, 0, 0, 0, 0, 0], 0, 8, out, 0, false) - 3.5) < 1e-12);
  });
  it('passes already-softmaxed groups through', () => {
    const out = new Float64Array(4);
    assert.equal(softmaxExpectation([0.25, 0.25, 0, 0.5], 0, 4, out, 0, true), 0.25 + 1.5);
    assert.deepEqual([...out], [0.25, 0.25, 0, 0.5]);
  });
});

describe('decodeDetections', () => {
  it('turns known distributions into known boxes around (x + 0.5)·stride centres', () => {
    // One 4×4 level, stride 8, input 32×32. Anchor (x=1, y=2) → centre (12, 20).
    const L = level(8, 4, 4, 2, 8);
    const a = 2 * 4 + 1;
    L.scores[a * 2 + 1] = 0.9; // class 1
    const edgeBins = [1, 2, 3, 0]; // l, t, r, b in bins (stride units)
    edgeBins.forEach((bin, e) => L.distances.set(oneHotLogits(8, bin), a * 32 + e * 8));
    const [det] = decodeDetections([L], head(), identity(32), DEFAULT_DECODE_OPTIONS);
    assert.equal(det.classIndex, 1);
    assert.equal(det.score, Math.fround(0.9));
    assert.deepEqual(det.anchor, [12, 20]);
    assert.equal(det.stride, 8);
    assert.equal(det.level, 0);
    // x1 = 12 − 1·8, y1 = 20 − 2·8, x2 = 12 + 3·8 → clipped to 32, y2 = 20 + 0.
    const expected = [4, 4, 32, 20];
    det.bbox.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `bbox ${det.bbox}`));
    det.distances.forEach((v, i) => assert.ok(Math.abs(v - edgeBins[i]) < 1e-6));
    assert.equal(det.edgeProbs!.length, 32);
    assert.ok(det.edgeProbs![8 + 2] > 0.999, 'top edge mass on bin 2');
  });

  it('leaves amodal boxes past the border unclipped when the profile says clipBoxes: false', () => {
    // Same head as above, 2× letterbox: input 32×32 holds a 16×16 original at scale 2 (no padding). The right edge
    // at 12 + 3·8 = 36 in input pixels is 18 in original pixels, past the 16-pixel image.
    const L = level(8, 4, 4, 2, 8);
    const a = 2 * 4 + 1;
    L.scores[a * 2 + 1] = 0.9;
    [1, 2, 3, 0].forEach((bin, e) => L.distances.set(oneHotLogits(8, bin), a * 32 + e * 8));
    const halfSize: InputTransform = { ...identity(32), originalWidth: 16, originalHeight: 16, scaleX: 2, scaleY: 2 };
    const [amodal] = decodeDetections([L], head({ clipBoxes: false }), halfSize, DEFAULT_DECODE_OPTIONS);
    [2, 2, 18, 10].forEach((v, i) => assert.ok(Math.abs(amodal.bbox[i] - v) < 1e-6, `amodal bbox ${amodal.bbox}`));
    const [clipped] = decodeDetections([L], head(), halfSize, DEFAULT_DECODE_OPTIONS);
    [2, 2, 16, 10].forEach((v, i) => assert.ok(Math.abs(clipped.bbox[i] - v) < 1e-6, `clipped bbox ${clipped.bbox}`));
  });

  it('applies sigmoid to logit scores and thresholds in logit space', () => {
    const L = level(8, 2, 2, 1, 8);
    L.scores.fill(-10);
    L.scores[0] = Math.log(0.3 / 0.7); // sigmoid → 0.3
    L.scores[1] = Math.log(0.04 / 0.96); // below 0.05
    for (let a = 0; a < 4; a++) for (let e = 0; e < 4; e++) L.distances.set(oneHotLogits(8, 1), a * 32 + e * 8);
    const dets = decodeDetections([L], head({ numClasses: 1, scoresActivated: false }), identity(16), DEFAULT_DECODE_OPTIONS);
    assert.equal(dets.length, 1);
    assert.ok(Math.abs(dets[0].score - 0.3) < 1e-7);
  });

  it('uses integrated [N,4] distances and keeps no distributions', () => {
    const L: HeadLevel = { stride: 16, gridW: 2, gridH: 2, scores: new Float32Array([0, 0, 0.8, 0]), distances: new Float32Array(16) };
    L.distances.set([0.5, 0.25, 1, 1.5], 2 * 4); // anchor 2 = (x 0, y 1) → centre (8, 24)
    const [det] = decodeDetections([L], head({ numClasses: 1, hasDistributions: false, regMax: 0 }), identity(32), DEFAULT_DECODE_OPTIONS);
    assert.deepEqual(det.bbox, [0, 20, 24, 32]);
    assert.equal(det.edgeProbs, undefined);
  });

  it('maps boxes back through the letterbox', () => {
    // 64×32 image into 32×32 letterbox: scale 0.5, resized 32×16, padY 8.
    const t = computeTransform(64, 32, { inputSize: [32, 32], resize: 'letterbox', letterboxAlign: 'center' });
    const L = level(8, 4, 4, 1, 8);
    const a = 1 * 4 + 1; // centre (12, 12) in input
    L.scores[a] = 0.7;
    for (let e = 0; e < 4; e++) L.distances.set(oneHotLogits(8, 1), a * 32 + e * 8);
    const [det] = decodeDetections([L], head({ numClasses: 1 }), t, DEFAULT_DECODE_OPTIONS);
    // input box [4, 4, 20, 20] → original [(4−0)/0.5, (4−8)/0.5 → clipped 0, 40, (20−8)/0.5] = [8, 0, 40, 24]
    det.bbox.forEach((v, i) => assert.ok(Math.abs(v - [8, 0, 40, 24][i]) < 1e-6, `bbox ${det.bbox}`));
  });

  it('keeps the per-level top-k, suppresses overlaps per class, and caps detections per image', () => {
    const L = level(8, 4, 4, 2, 8);
    for (let a = 0; a < 16; a++) {
      L.scores[a * 2] = 0.5 + a / 100; // class 0 everywhere
      for (let e = 0; e < 4; e++) L.distances.set(oneHotLogits(8, 0), a * 32 + e * 8); // zero-size boxes never overlap
    }
    L.scores[5 * 2 + 1] = 0.95;
    const all = decodeDetections([L], head(), identity(32), DEFAULT_DECODE_OPTIONS);
    assert.equal(all.length, 17);
    assert.equal(all[0].classIndex, 1);
    const topk = decodeDetections([L], head(), identity(32), { ...DEFAULT_DECODE_OPTIONS, topKPerLevel: 3 });
    // Anchors by best score: 5 (0.95), 15 (0.65), 14 (0.64) → candidates 5/c1, 5/c0, 15/c0, 14/c0.
    assert.deepEqual(topk.map((d) => d.score), [0.95, 0.65, 0.64, 0.55].map(Math.fround));
    const capped = decodeDetections([L], head(), identity(32), { ...DEFAULT_DECODE_OPTIONS, maxPerImage: 2 });
    assert.deepEqual(capped.map((d) => d.score), [0.95, 0.65].map(Math.fround));
  });
});

describe('nms', () => {
  const boxes = [0, 0, 10, 10, 1, 1, 11, 11, 0, 0, 10, 10, 20, 20, 30, 30];
  it('suppresses only above the threshold (strictly greater)', () => {
    // IoU(box0, box1) = 81 / 119 ≈ 0.681
    assert.deepEqual(nms(boxes.slice(0, 8), [0.9, 0.8], 0.69), [0, 1]);
    assert.deepEqual(nms(boxes.slice(0, 8), [0.9, 0.8], 0.68), [0]);
    // identical boxes, IoU exactly 1, threshold 1 → both kept (not strictly greater)
    assert.deepEqual(nms([0, 0, 10, 10, 0, 0, 10, 10], [0.5, 0.6], 1), [1, 0]);
  });
  it('keeps input order on tied scores', () => {
    assert.deepEqual(nms(boxes, [0.5, 0.5, 0.5, 0.5], 0.5), [0, 3]);
  });
  it('never compares different classes', () => {
    assert.deepEqual(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.5, [0, 0, 1, 1]), [0, 2, 3]);
  });
  it('handles empty input and degenerate boxes', () => {
    assert.deepEqual(nms([], [], 0.5), []);
    assert.deepEqual(nms([5, 5, 5, 5, 5, 5, 5, 5], [0.9, 0.8], 0.5), [0, 1]); // zero area: IoU 0
  });
});

describe('geometry', () => {
  it('inverts the letterbox exactly for points inside the image', () => {
    for (const [w, h] of [[640, 480], [333, 517], [1, 1000], [320, 320]]) {
      const t = computeTransform(w, h, { inputSize: [320, 320], resize: 'letterbox', letterboxAlign: 'center' });
      for (const [x, y] of [[0, 0], [w, h], [w / 3, h / 7]]) {
        const [ix, iy] = originalPointToInput(x, y, t);
        const [bx, by] = inputBoxToOriginal([ix, iy, ix, iy], t);
        assert.ok(Math.abs(bx - x) < 1e-9 && Math.abs(by - y) < 1e-9, `${w}×${h}: (${x},${y}) → (${bx},${by})`);
      }
      assert.ok(t.padX >= 0 && t.padY >= 0 && (t.padX === 0 || t.padY === 0 || w === h));
    }
  });
  it('matches NanoDet-style centred letterbox numbers', () => {
    const t = computeTransform(640, 427, { inputSize: [320, 320], resize: 'letterbox', letterboxAlign: 'center' });
    assert.equal(t.scaleX, 0.5);
    assert.equal(Math.round(427 * 0.5), 214);
    assert.equal(t.padY, Math.floor((320 - 214) / 2));
    assert.equal(t.padX, 0);
  });
  it('stretches without padding', () => {
    const t = computeTransform(640, 480, { inputSize: [416, 416], resize: 'stretch', letterboxAlign: 'center' });
    assert.deepEqual([t.scaleX, t.scaleY, t.padX, t.padY], [416 / 640, 416 / 480, 0, 0]);
  });
});

describe('imageToTensor', () => {
  it('resizes like OpenCV INTER_LINEAR, pads, and normalises in the model colour order', () => {
    // 4×2 image, R ramps 0,10,20,30 along x; G = 100; B = 200. Downscale to 2×1 (stretch):
    // cv2 half-pixel centres: dst x0 ← src x 0.5 → (0+10)/2 = 5; x1 ← src 2.5 → 25.
    const data = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data.set([x * 10, 100, 200], (y * 4 + x) * 3);
    const t = computeTransform(4, 2, { inputSize: [2, 1], resize: 'stretch', letterboxAlign: 'center' });
    const rgb = imageToTensor({ data, width: 4, height: 2, channels: 3 }, t, { colorOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], padValue: 0 });
    assert.deepEqual([...rgb], [5, 25, 100, 100, 200, 200]);
    const bgr = imageToTensor({ data, width: 4, height: 2, channels: 3 }, t, { colorOrder: 'BGR', mean: [200, 100, 5], std: [2, 1, 5], padValue: 0 });
    assert.deepEqual([...bgr], [0, 0, 0, 0, 0, 4]);
  });
  it('fills the letterbox padding with the pad value', () => {
    const data = new Uint8Array(2 * 1 * 3).fill(50);
    const t = computeTransform(2, 1, { inputSize: [2, 2], resize: 'letterbox', letterboxAlign: 'center' });
    const out = imageToTensor({ data, width: 2, height: 1, channels: 3 }, t, { colorOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], padValue: 114 });
    // resized 2×1 at padY 0 (floor(1/2)); row 1 is padding.
    assert.deepEqual([...out.slice(0, 4)], [50, 50, 114, 114]);
  });
});

describe('planHead', () => {
  const shapes = (list: [string, number[]][]) => list.map(([name, dims]) => ({ name, dims }));
  it('pairs NanoDet-m outputs by shape even when names are scrambled', () => {
    // The shared nanodet-m-320.onnx: `bbox_pred0` is a [400, 80] score tensor.
    const plan = planHead('nanodet-m-320.onnx', shapes([
      ['cls_score0', [1600, 80]], ['bbox_pred0', [400, 80]], ['cls_score1', [100, 80]],
      ['bbox_pred1', [1600, 32]], ['cls_score2', [400, 32]], ['bbox_pred2', [100, 32]],
    ]), [320, 320]);
    assert.equal(plan.layout, 'per-level');
    assert.equal(plan.numClasses, 80);
    assert.equal(plan.regMax, 7);
    assert.deepEqual(plan.levels.map((l) => [l.stride, l.scores.output, l.distances.output]), [[8, 0, 3], [16, 1, 4], [32, 2, 5]]);
  });
  it('reads PicoDet [1,N,C] outputs with four levels at 416 (ceil grids)', () => {
    const plan = planHead('picodet', shapes([
      ['a', [1, 2704, 80]], ['b', [1, 676, 80]], ['c', [1, 169, 80]], ['d', [1, 49, 80]],
      ['e', [1, 2704, 32]], ['f', [1, 676, 32]], ['g', [1, 169, 32]], ['h', [1, 49, 32]],
    ]), [416, 416]);
    assert.deepEqual(plan.levels.map((l) => [l.stride, l.gridW]), [[8, 52], [16, 26], [32, 13], [64, 7]]);
  });
  it('splits a NanoDet-Plus concatenated tensor', () => {
    const plan = planHead('plus', shapes([['output', [1, 2125, 112]]]), [320, 320]);
    assert.equal(plan.layout, 'concatenated');
    assert.deepEqual([plan.numClasses, plan.regMax], [80, 7]);
    assert.deepEqual(plan.levels.map((l) => [l.stride, l.scores.rowStart]), [[8, 0], [16, 1600], [32, 2000], [64, 2100]]);
    const data = new Float32Array(2125 * 112).map((_, i) => i);
    const levels = sliceHead(plan, [{ name: 'output', dims: [1, 2125, 112], data }]);
    assert.equal(levels[1].scores[0], 1600 * 112); // first class of the first stride-16 anchor
    assert.equal(levels[1].distances[0], 1600 * 112 + 80);
    assert.equal(levels[3].distances.length, 25 * 32);
  });
  it('transposes mmdet NCHW levels', () => {
    const plan = planHead('mmdet', shapes([
      ['c0', [1, 3, 4, 4]], ['c1', [1, 3, 2, 2]], ['r0', [1, 68, 4, 4]], ['r1', [1, 68, 2, 2]],
    ]), [32, 32], { regMax: 16 });
    assert.equal(plan.layout, 'nchw');
    assert.deepEqual([plan.numClasses, plan.regMax], [3, 16]);
    const c1 = new Float32Array(12).map((_, i) => i); // channel k at [k·4 .. k·4+3]
    const out: RawTensor[] = [
      { name: 'c0', dims: [1, 3, 4, 4], data: new Float32Array(48) }, { name: 'c1', dims: [1, 3, 2, 2], data: c1 },
      { name: 'r0', dims: [1, 68, 4, 4], data: new Float32Array(68 * 16) }, { name: 'r1', dims: [1, 68, 2, 2], data: new Float32Array(68 * 4) },
    ];
    const levels = sliceHead(plan, out);
    // anchor 1 (x 1, y 0) of level 1: classes are channels 0..2 at spatial index 1 → 1, 5, 9
    assert.deepEqual([...levels[1].scores.slice(3, 6)], [1, 5, 9]);
  });
  it('recognises integrated DFL ([N,4]) and says distributions are unavailable', () => {
    const plan = planHead('half', shapes([['a', [1600, 80]], ['b', [400, 80]], ['c', [100, 80]], ['d', [1600, 4]], ['e', [400, 4]], ['f', [100, 4]]]), [320, 320]);
    assert.equal(plan.layout, 'integrated');
    assert.match(plan.notes.join(' '), /distributions are unavailable/);
  });
  it('explains an unreadable head, listing outputs and the profile fields that help', () => {
    assert.throws(() => planHead('classifier.onnx', shapes([['logits', [1, 1000]]]), [224, 224]), (e: Error) =>
      e instanceof HeadLayoutError && /classifier\.onnx/.test(e.message) && /logits \[1, 1000\]/.test(e.message) && /"strides"/.test(e.message));
    assert.throws(() => planHead('yolo.onnx', shapes([['output0', [1, 84, 8400]]]), [640, 640]), /already-decoded YOLOv8/);
    assert.throws(() => planHead('odd', shapes([['a', [1600, 64]], ['b', [1600, 32]]]), [320, 320]), /cannot tell which/);
    // The same model becomes readable with a hint.
    assert.equal(planHead('odd', shapes([['a', [1600, 64]], ['b', [1600, 32]]]), [320, 320], { numClasses: 64 }).regMax, 7);
  });
});

describe('activation detection', () => {
  it('tells probabilities from logits and softmaxed groups from logits', () => {
    const L = level(8, 1, 1, 2, 2);
    L.scores.set([0.2, 0.9]);
    L.distances.set([0.5, 0.5, 1, 0, 0.25, 0.75, 0, 1]);
    assert.equal(looksActivated([L]), true);
    assert.equal(looksSoftmaxed([L], 1), true);
    L.scores[0] = -3;
    L.distances[0] = 2;
    assert.equal(looksActivated([L]), false);
    assert.equal(looksSoftmaxed([L], 1), false);
  });
});

describe('decodeBmp', () => {
  // Builds a BMP: 14-byte file header + 40-byte BITMAPINFOHEADER (+ palette) + padded rows.
  function bmp(width: number, height: number, bitCount: number, rows: number[][], palette: number[][] = []): Uint8Array {
    const rowBytes = Math.floor((bitCount * width + 31) / 32) * 4;
    const offset = 54 + palette.length * 4;
    const buf = Buffer.alloc(offset + rowBytes * Math.abs(height));
    buf.write('BM', 0, 'latin1');
    buf.writeUInt32LE(buf.length, 2); buf.writeUInt32LE(offset, 10); buf.writeUInt32LE(40, 14);
    buf.writeInt32LE(width, 18); buf.writeInt32LE(height, 22); buf.writeUInt16LE(1, 26); buf.writeUInt16LE(bitCount, 28);
    buf.writeUInt32LE(palette.length, 46);
    palette.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 54 + i * 4));
    rows.forEach((row, i) => buf.set(row, offset + i * rowBytes));
    return buf;
  }
  it('reads bottom-up 24-bit rows as RGB', async () => {
    const { decodeBmp } = await import('../../extension/core/bmp.ts');
    // Stored bottom row first: [blue pixel] then the top row [red pixel]; bytes are B, G, R.
    const img = decodeBmp(bmp(1, 2, 24, [[255, 0, 0], [0, 0, 255]]));
    assert.deepEqual([...img.data], [255, 0, 0, 0, 0, 255]);
  });
  it('reads top-down 8-bit palette images and refuses RLE and truncation', async () => {
    const { decodeBmp } = await import('../../extension/core/bmp.ts');
    const img = decodeBmp(bmp(3, -1, 8, [[2, 0, 1]], [[10, 20, 30], [40, 50, 60], [70, 80, 90]]));
    assert.deepEqual([...img.data], [70, 80, 90, 10, 20, 30, 40, 50, 60]);
    const rle = Buffer.from(bmp(1, 1, 8, [[0]], [[0, 0, 0]]));
    rle.writeUInt32LE(1, 30);
    assert.throws(() => decodeBmp(rle), /RLE/);
    assert.throws(() => decodeBmp(bmp(4, 4, 24, []).subarray(0, 60)), /truncated/);
  });
});
