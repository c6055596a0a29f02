// Slicing Ultralytics-layout outputs: output0's channel-major scores and each anchor's 4 × n bins from the exposed
// softmax, whatever its axis order (the opset-11 sandwich exposes [1, A, 4, n]), one softmax over all anchors or one
// per level ([1, 17, l, 4] as PP-YOLOE), quantised or not. Synthetic tensors whose every element encodes its own
// (anchor, edge, bin) make any mis-indexing visible.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDetections } from '../../extension/core/decode.ts';
import { sliceHead } from '../../extension/core/head.ts';
import type { DflTap } from '../../extension/core/onnx/dflSurgery.ts';
import type { RawTensor } from '../../extension/core/types.ts';
import { planUltralyticsHead } from '../../extension/core/ultralyticsHead.ts';

const INPUT: [number, number] = [64, 64];
const LEVEL_ANCHORS = [64, 16, 4]; // strides 8, 16, 32 at 64×64
const A = 84, C = 2;
const code = (anchor: number, edge: number, bin: number) => anchor * 1000 + edge * 100 + bin;

function output0(): RawTensor {
  const data = new Float32Array((4 + C) * A);
  for (let c = 0; c < C; c++) for (let a = 0; a < A; a++) data[(4 + c) * A + a] = a + c / 10;
  return { name: 'output0', dims: [1, 4 + C, A], data };
}

/** A tensor of `dims` whose element at (bin, edge, anchor) — placed on the given axes — holds code(anchorOffset + anchor, edge, bin). */
function binsTensor(name: string, dims: number[], axes: { bin: number; edge: number; anchor: number }, anchorOffset: number, encode = (v: number) => v): RawTensor {
  const data = new Float32Array(dims.reduce((p, d) => p * d, 1));
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((p, d) => p * d, 1));
  for (let a = 0; a < dims[axes.anchor]; a++) for (let e = 0; e < 4; e++) for (let k = 0; k < dims[axes.bin]; k++) {
    data[a * strides[axes.anchor] + e * strides[axes.edge] + k * strides[axes.bin]] = encode(code(anchorOffset + a, e, k));
  }
  return { name, dims, data };
}

function assertSlicedBins(levels: ReturnType<typeof sliceHead>, bins: number) {
  let start = 0;
  levels.forEach((level, l) => {
    const n = level.gridW * level.gridH;
    assert.equal(n, LEVEL_ANCHORS[l]);
    for (let a = 0; a < n; a++) {
      for (let c = 0; c < C; c++) assert.equal(level.scores[a * C + c], Math.fround(start + a + c / 10));
      for (let e = 0; e < 4; e++) for (let k = 0; k < bins; k++) {
        assert.equal(level.distances[a * 4 * bins + e * bins + k], code(start + a, e, k), `level ${l} anchor ${a} edge ${e} bin ${k}`);
      }
    }
    start += n;
  });
}

const tap = (tensor: string, bins: number, transposes: number[][] = [], extra: Partial<DflTap> = {}): DflTap =>
  ({ tensor, node: tensor, bins, transposes, projection: 'conv', path: ['Softmax', 'Conv'], ...extra });

describe('Ultralytics head slicing', () => {
  it('one softmax [1, n, 4, A] over all anchors (opset ≥ 13)', () => {
    const outputs = [output0(), binsTensor('sm', [1, 16, 4, A], { bin: 1, edge: 2, anchor: 3 }, 0)];
    const plan = planUltralyticsHead('m.onnx', outputs, INPUT, [{ tap: tap('sm', 16), output: 1 }], { centerOffset: 0.5 });
    assert.equal(plan.layout, 'ultralytics');
    assert.equal(plan.regMax, 15);
    assert.deepEqual(plan.levels.map((l) => l.stride), [8, 16, 32]);
    assertSlicedBins(sliceHead(plan, outputs), 16);
  });

  it('the opset-11 sandwich exposes [1, A, 4, n]; the composed transposes put the bins back', () => {
    const outputs = [output0(), binsTensor('sm', [1, A, 4, 16], { bin: 3, edge: 2, anchor: 1 }, 0)];
    const plan = planUltralyticsHead('m.onnx', outputs, INPUT, [{ tap: tap('sm', 16, [[0, 3, 2, 1]]), output: 1 }], { centerOffset: 0.5 });
    assertSlicedBins(sliceHead(plan, outputs), 16);
  });

  it('one softmax per level [1, 17, l, 4] (PP-YOLOE), matched to levels by anchor count', () => {
    let offset = 0;
    const perLevel = LEVEL_ANCHORS.map((l, i) => {
      const t = binsTensor(`sm${i}`, [1, 17, l, 4], { bin: 1, edge: 3, anchor: 2 }, offset);
      offset += l;
      return t;
    });
    // Listed out of order: the planner matches by anchor count, not by position.
    const outputs = [output0(), perLevel[2], perLevel[0], perLevel[1]];
    const taps = [{ tap: tap('sm2', 17), output: 1 }, { tap: tap('sm0', 17), output: 2 }, { tap: tap('sm1', 17), output: 3 }];
    const plan = planUltralyticsHead('m.onnx', outputs, INPUT, taps, { centerOffset: 0.5 });
    assertSlicedBins(sliceHead(plan, outputs), 17);
  });

  it('a quantised softmax (QLinearSoftmax uint8) is dequantised with its scale and zero point', () => {
    const scale = 0.5, zeroPoint = 3;
    const outputs = [output0(), binsTensor('q', [1, 8, 4, A], { bin: 1, edge: 2, anchor: 3 }, 0, (v) => v / scale + zeroPoint)];
    const plan = planUltralyticsHead('m.onnx', outputs, INPUT, [{ tap: tap('q', 8, [], { dequantize: { scale, zeroPoint } }), output: 1 }], { centerOffset: 0.5 });
    assertSlicedBins(sliceHead(plan, outputs), 8);
  });

  it('bins that do not fit the projection, or no 4-wide edge axis, are reported', () => {
    const outputs = [output0(), binsTensor('sm', [1, 16, 4, A], { bin: 1, edge: 2, anchor: 3 }, 0)];
    assert.throws(() => planUltralyticsHead('m.onnx', outputs, INPUT, [{ tap: tap('sm', 17), output: 1 }], { centerOffset: 0.5 }),
      /m\.onnx: .*DFL softmax "sm": the bin axis has 16 entries but the projection weights have 17/s);
    assert.throws(() => planUltralyticsHead('m.onnx', [output0()], [96, 96], [], { centerOffset: 0.5 }), /no output is Ultralytics' \[1, 4\+C, A\]/);
  });
});

describe('Ultralytics NMS on unclipped boxes', () => {
  it('clipBeforeNms false runs NMS on the boxes as decoded and clips to the image afterwards', () => {
    // Two anchors (stride 8, centres x 4 and 12) whose boxes leave the 16×8 input on the left:
    // A = [-20, 0, 10, 8], B = [-4, 0, 10, 8]: IoU 14/30 unclipped, 1 once both are clipped to [0, 0, 10, 8].
    const level = {
      stride: 8, gridW: 2, gridH: 1,
      scores: Float32Array.from([0.9, 0.8]),
      distances: Float32Array.from([3, 0.5, 0.75, 0.5, 2, 0.5, -0.25, 0.5]),
    };
    const head = { numClasses: 1, regMax: 0, hasDistributions: false, scoresActivated: true, distributionsActivated: false, centerOffset: 0.5, clipBoxes: true };
    const t = { originalWidth: 16, originalHeight: 8, inputWidth: 16, inputHeight: 8, scaleX: 1, scaleY: 1, padX: 0, padY: 0 };
    const options = { scoreThreshold: 0.5, topKPerLevel: 100, nmsIoU: 0.7, maxPerImage: 10, classAgnosticNms: false };
    const gfl = decodeDetections([level], head, t, options);
    const ultralytics = decodeDetections([level], head, t, { ...options, clipBeforeNms: false });
    assert.deepEqual(gfl.map((d) => d.bbox), [[0, 0, 10, 8]]);
    assert.deepEqual(ultralytics.map((d) => d.bbox), [[0, 0, 10, 8], [0, 0, 10, 8]]);
  });
});
