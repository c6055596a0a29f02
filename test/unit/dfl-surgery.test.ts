// DFL graph surgery on tiny hand-built graphs of each real export variant: the softmax is found by structure,
// exposed as an extra output by appending a ModelProto fragment, and onnxruntime then returns it — checked against
// the graph's own projection output (Σ k·p_k), which the graph computes independently of GFL Lens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectGraph, prepareGraph, resolveTapAxes, withExtraOutputs } from '../../extension/core/onnx/dflSurgery.ts';
import { decodeModel } from '../../extension/core/onnx/onnxProto.ts';
import { floatToHalf, halfToFloat } from '../../extension/core/onnx/tensorData.ts';
import type { RawTensor } from '../../extension/core/types.ts';
import { OnnxModel } from '../../extension/inference/onnxSession.ts';
import { attr, buildGraph, node, tensor } from './helpers/onnxGraph.ts';
import * as ort from 'onnxruntime-node';

const ramp = (n: number, scale = 1) => Array.from({ length: n }, (_, k) => k * scale);

/** Runs a graph with any input types (OnnxModel feeds images only), returning every output as onnxruntime gives it. */
async function runGraph(bytes: Uint8Array, feeds: Record<string, { type: 'float32' | 'float16' | 'uint8'; data: ArrayLike<number> & object; dims: number[] }>) {
  const session = await ort.InferenceSession.create(bytes);
  const results = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.type, v.data as Float32Array, v.dims)])));
  const out: Record<string, ort.Tensor> = {};
  for (const name of session.outputNames) out[name] = results[name];
  await session.release();
  return out;
}

/** Pseudo-random logits, deterministic. */
function logits(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 8 - 4);
}

describe('DFL surgery', () => {
  it('opset 11 sandwich Transpose → Softmax → Transpose with dynamic dims: found, exposed, Σ k·p equals the graph\'s projection', async () => {
    const n = 16, A = 7;
    // Ultralytics' DFL at opset 11: Reshape [1,4,n,A] → Transpose [1,n,4,A] → (Transpose → Softmax(last) → Transpose) → Conv.
    const bytes = buildGraph({
      opset: 11,
      inputs: [{ name: 'box', type: 'float', dims: [1, 4 * n, 'anchors'] }],
      outputs: [{ name: 'dist', type: 'float', dims: [1, 4, 'anchors'] }],
      initializers: [tensor('shape4', 'int64', [4], [1, 4, n, -1]), tensor('shape3', 'int64', [3], [1, 4, -1]), tensor('proj', 'float', [1, n, 1, 1], ramp(n))],
      nodes: [
        node('Reshape', ['box', 'shape4'], ['r']),
        node('Transpose', ['r'], ['t'], [attr.ints('perm', [0, 2, 1, 3])]),
        node('Transpose', ['t'], ['t_in'], [attr.ints('perm', [0, 3, 2, 1])]),
        node('Softmax', ['t_in'], ['sm'], [attr.int('axis', 3)]),
        node('Transpose', ['sm'], ['t_out'], [attr.ints('perm', [0, 3, 2, 1])]),
        node('Conv', ['t_out', 'proj'], ['c']),
        node('Reshape', ['c', 'shape3'], ['dist']),
      ],
    });
    const prepared = prepareGraph(bytes, 'sandwich.onnx');
    assert.equal(prepared.inspection.opset, 11);
    assert.equal(prepared.inspection.taps.length, 1);
    const [tap] = prepared.inspection.taps;
    assert.equal(tap.tensor, 'sm');
    assert.equal(tap.bins, 16);
    assert.deepEqual(tap.transposes, [[0, 3, 2, 1]]);
    assert.deepEqual(tap.path, ['Softmax', 'Transpose', 'Conv']);
    // The appended fragment adds exactly one output; the original bytes are untouched in front.
    assert.deepEqual(decodeModel(prepared.bytes).graph!.output.map((o) => o.name), ['dist', 'sm']);
    assert.ok(Buffer.from(prepared.bytes.subarray(0, bytes.length)).equals(Buffer.from(bytes)));

    const box = logits(4 * n * A, 3);
    const out = await runGraph(prepared.bytes, { box: { type: 'float32', data: box, dims: [1, 4 * n, A] } });
    const sm = out.sm, dist = out.dist.data as Float32Array;
    assert.deepEqual(sm.dims, [1, A, 4, n]);
    const axes = resolveTapAxes(tap, sm.dims);
    assert.deepEqual(axes, { binAxis: 3, edgeAxis: 2, anchorAxis: 1 });
    const p = sm.data as Float32Array;
    for (let a = 0; a < A; a++) {
      for (let e = 0; e < 4; e++) {
        let sum = 0, expectation = 0;
        for (let k = 0; k < n; k++) {
          const v = p[(a * 4 + e) * n + k];
          sum += v;
          expectation += k * v;
        }
        assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
        assert.ok(Math.abs(expectation - dist[e * A + a]) < 1e-4, `anchor ${a} edge ${e}: ${expectation} vs ${dist[e * A + a]}`);
      }
    }
  });

  it('QOperator QLinearSoftmax (uint8 output): found with its scale and zero point; dequantised groups are distributions matching QLinearConv', async () => {
    const n = 8, A = 6;
    const bytes = buildGraph({
      opset: 13, domains: [{ domain: 'com.microsoft', version: 1 }],
      inputs: [{ name: 'x', type: 'uint8', dims: [1, n, 4, A] }],
      outputs: [{ name: 'y', type: 'uint8', dims: [1, 1, 4, A] }],
      initializers: [
        tensor('x_scale', 'float', [], [0.05]), tensor('x_zero', 'uint8', [], [128]), tensor('p_scale', 'float', [], [1 / 256]), tensor('p_zero', 'uint8', [], [0]),
        tensor('w', 'int8', [1, n, 1, 1], ramp(n, 16)), tensor('w_scale', 'float', [], [1 / 16]), tensor('w_zero', 'int8', [], [0]),
        tensor('y_scale', 'float', [], [0.05]), tensor('y_zero', 'uint8', [], [0]),
      ],
      nodes: [
        node('QLinearSoftmax', ['x', 'x_scale', 'x_zero', 'p_scale', 'p_zero'], ['p'], [attr.int('axis', 1), attr.int('opset', 13)], 'com.microsoft'),
        node('QLinearConv', ['p', 'p_scale', 'p_zero', 'w', 'w_scale', 'w_zero', 'y_scale', 'y_zero'], ['y']),
      ],
    });
    const prepared = prepareGraph(bytes, 'qlinear.onnx');
    assert.equal(prepared.inspection.taps.length, 1);
    const [tap] = prepared.inspection.taps;
    assert.deepEqual(tap.dequantize, { scale: 1 / 256, zeroPoint: 0 });
    assert.deepEqual(tap.path, ['QLinearSoftmax', 'QLinearConv']);
    const x = Uint8Array.from({ length: n * 4 * A }, (_, i) => (i * 37 + 11) % 256);
    const out = await runGraph(prepared.bytes, { x: { type: 'uint8', data: x, dims: [1, n, 4, A] } });
    assert.equal(out.p.type, 'uint8');
    const axes = resolveTapAxes(tap, out.p.dims);
    assert.deepEqual(axes, { binAxis: 1, edgeAxis: 2, anchorAxis: 3 });
    const q = out.p.data as Uint8Array, y = out.y.data as Uint8Array;
    for (let e = 0; e < 4; e++) {
      for (let a = 0; a < A; a++) {
        let sum = 0, expectation = 0;
        for (let k = 0; k < n; k++) {
          const v = (q[(k * 4 + e) * A + a] - tap.dequantize!.zeroPoint) * tap.dequantize!.scale;
          sum += v;
          expectation += k * v;
        }
        // n values each within half a step of the true probability.
        assert.ok(Math.abs(sum - 1) <= n / 512 + 1e-9, `sum ${sum}`);
        // QLinearConv's own output is the same expectation, quantised with step 0.05.
        assert.ok(Math.abs(expectation - y[e * A + a] * 0.05) <= 0.025 + 1e-6, `edge ${e} anchor ${a}: ${expectation} vs ${y[e * A + a] * 0.05}`);
      }
    }
  });

  it('float16 Softmax(axis 1) → Transpose → MatMul: exposed output arrives as Uint16Array and is converted', async () => {
    const n = 17, A = 3;
    const bytes = buildGraph({
      inputs: [{ name: 'x', type: 'float16', dims: [1, n, 4, A] }],
      outputs: [{ name: 'y', type: 'float16', dims: [1, 4, A, 1] }],
      initializers: [tensor('w', 'float16', [n, 1], ramp(n))],
      nodes: [
        node('Softmax', ['x'], ['p'], [attr.int('axis', 1)]),
        node('Transpose', ['p'], ['pt'], [attr.ints('perm', [0, 2, 3, 1])]),
        node('MatMul', ['pt', 'w'], ['y']),
      ],
    });
    const prepared = prepareGraph(bytes, 'half.onnx');
    const [tap] = prepared.inspection.taps;
    assert.equal(tap.bins, 17);
    assert.equal(tap.projection, 'matmul');
    const x = Uint16Array.from(logits(n * 4 * A, 5), floatToHalf);
    const out = await runGraph(prepared.bytes, { x: { type: 'float16', data: x, dims: [1, n, 4, A] } });
    assert.ok(out.p.data instanceof Uint16Array);
    assert.deepEqual(resolveTapAxes(tap, out.p.dims), { binAxis: 1, edgeAxis: 2, anchorAxis: 3 });
    const p = out.p.data as Uint16Array, y = out.y.data as Uint16Array;
    for (let e = 0; e < 4; e++) for (let a = 0; a < A; a++) {
      let expectation = 0;
      for (let k = 0; k < n; k++) expectation += k * halfToFloat(p[(k * 4 + e) * A + a]);
      // float16 rounding of 17 products: a few ulps at values up to 16.
      assert.ok(Math.abs(expectation - halfToFloat(y[(e * A + a)])) < 0.02, `${expectation} vs ${halfToFloat(y[e * A + a])}`);
    }
  });

  it('QDQ static int8 (Softmax → QuantizeLinear → DequantizeLinear → Conv with DequantizeLinear weights): the float softmax is exposed', () => {
    const n = 16;
    const bytes = buildGraph({
      inputs: [{ name: 'x', type: 'float', dims: [1, n, 4, 10] }],
      outputs: [{ name: 'y', type: 'float', dims: [1, 1, 4, 10] }],
      initializers: [
        tensor('s', 'float', [], [1 / 255]), tensor('z', 'uint8', [], [0]),
        tensor('w_q', 'int8', [1, n, 1, 1], ramp(n, 8)), tensor('w_s', 'float', [], [1 / 8]), tensor('w_z', 'int8', [], [0]),
      ],
      nodes: [
        node('Softmax', ['x'], ['p'], [attr.int('axis', 1)]),
        node('QuantizeLinear', ['p', 's', 'z'], ['p_q']),
        node('DequantizeLinear', ['p_q', 's', 'z'], ['p_dq']),
        node('DequantizeLinear', ['w_q', 'w_s', 'w_z'], ['w']),
        node('Conv', ['p_dq', 'w'], ['y']),
      ],
    });
    const { inspection } = prepareGraph(bytes, 'qdq.onnx');
    assert.equal(inspection.taps.length, 1);
    assert.deepEqual(inspection.taps[0].path, ['Softmax', 'QuantizeLinear', 'DequantizeLinear', 'Conv']);
    assert.equal(inspection.taps[0].bins, 16);
  });

  it('PP-YOLOE: one Softmax per level over [B, 17, 4, l], projected by a 1×1 conv 0..16: three taps', () => {
    const levels = [64, 16, 4];
    const nodes = levels.flatMap((l, i) => [
      node('Softmax', [`x${i}`], [`p${i}`], [attr.int('axis', 1)]),
      node('Conv', [`p${i}`, 'proj'], [`y${i}`]),
    ]);
    const bytes = buildGraph({
      inputs: levels.map((l, i) => ({ name: `x${i}`, type: 'float' as const, dims: [1, 17, 4, l] })),
      outputs: levels.map((l, i) => ({ name: `y${i}`, type: 'float' as const, dims: [1, 1, 4, l] })),
      initializers: [tensor('proj', 'float', [1, 17, 1, 1], ramp(17))],
      nodes,
    });
    const { inspection } = prepareGraph(bytes, 'ppyoloe.onnx');
    assert.deepEqual(inspection.taps.map((t) => [t.tensor, t.bins]), [['p0', 17], ['p1', 17], ['p2', 17]]);
    assert.deepEqual(resolveTapAxes(inspection.taps[0], [1, 17, 4, 64]), { binAxis: 1, edgeAxis: 2, anchorAxis: 3 });
    assert.match(String(resolveTapAxes(inspection.taps[0], [1, 17, 5, 64])), /no axis of size 4/);
    assert.match(String(resolveTapAxes(inspection.taps[0], [2, 17, 4, 64])), /batch dimension 2/);
  });

  it('softmaxes that are not DFL are rejected with the reason: wrong projection weights, no projection', () => {
    const bytes = buildGraph({
      inputs: [{ name: 'x', type: 'float', dims: [1, 8, 4, 10] }],
      outputs: [{ name: 'y', type: 'float', dims: [1, 1, 4, 10] }, { name: 'cls', type: 'float', dims: [1, 8, 4, 10] }],
      initializers: [tensor('w', 'float', [1, 8, 1, 1], [0, 1, 2, 3, 4, 5, 7, 6])],
      nodes: [
        node('Softmax', ['x'], ['p'], [attr.int('axis', 1)]),
        node('Conv', ['p', 'w'], ['y']),
        node('Softmax', ['x'], ['cls'], [attr.int('axis', 1)]),
      ],
    });
    const inspection = inspectGraph(decodeModel(bytes));
    assert.deepEqual(inspection.taps, []);
    assert.equal(inspection.rejected.length, 2);
    assert.match(inspection.rejected[0], /Softmax_p: .*Conv weights are not 0\.\.7/);
    assert.match(inspection.rejected[1], /Softmax_cls: its output does not reach a projection/);
  });

  it('an appended output fragment is a valid ModelProto on its own (protobuf merge semantics)', () => {
    const bytes = buildGraph({
      inputs: [{ name: 'x', type: 'float', dims: [1] }], outputs: [{ name: 'y', type: 'float', dims: [1] }],
      nodes: [node('Identity', ['x'], ['y'])],
    });
    const merged = decodeModel(withExtraOutputs(bytes, ['x', 'y2']));
    assert.deepEqual(merged.graph!.output.map((o) => o.name), ['y', 'x', 'y2']);
    assert.deepEqual(merged.graph!.node.map((n) => n.opType), ['Identity']);
  });
});

describe('float16 conversion', () => {
  it('round-trips representable values and rounds to nearest even like numpy', () => {
    // Known bit patterns: 1 = 0x3c00, −2 = 0xc000, 65504 = 0x7bff (max), 2^−24 = 0x0001 (smallest subnormal), 0.1 ≈ 0x2e66.
    assert.equal(floatToHalf(1), 0x3c00);
    assert.equal(floatToHalf(-2), 0xc000);
    assert.equal(floatToHalf(65504), 0x7bff);
    assert.equal(floatToHalf(2 ** -24), 0x0001);
    assert.equal(floatToHalf(0.1), 0x2e66);
    assert.equal(floatToHalf(1e6), 0x7c00);
    // 1 + 2^−11 is halfway between 1 and 1 + 2^−10: ties to even → 1.
    assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00);
    assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02);
    for (const bits of [0x0001, 0x03ff, 0x0400, 0x3c00, 0x3555, 0x7bff, 0xbc00]) assert.equal(floatToHalf(halfToFloat(bits)), bits);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  });

  it('OnnxModel converts float16 outputs (and feeds float16 inputs) for half-precision exports', async () => {
    const bytes = buildGraph({
      inputs: [{ name: 'images', type: 'float16', dims: [1, 3, 4, 4] }], outputs: [{ name: 'y', type: 'float16', dims: [1, 3, 4, 4] }],
      nodes: [node('Relu', ['images'], ['y'])],
    });
    const model = await OnnxModel.load(bytes, 'half.onnx');
    try {
      assert.equal(model.input.type, 'float16');
      const input = Float32Array.from({ length: 48 }, (_, i) => (i - 24) / 8);
      const [y]: RawTensor[] = await model.run(input, 4, 4);
      assert.ok(y.data instanceof Float32Array);
      assert.deepEqual(Array.from(y.data), Array.from(input, (v) => Math.max(0, v)));
    } finally {
      await model.dispose();
    }
  });
});
