// A tiny float16 (half=True) Ultralytics-layout model, built with the test graph builder.
import { attr, buildGraph, node, tensor } from './onnxGraph.ts';

/**
 * A half=True Ultralytics-style export at 64×64 (A = 84 anchors, 16 bins, 2 classes), float16 from input to output0:
 * fixed box logits and scores (made input-dependent through a zero term), the DFL block, dist2bbox xywh × strides.
 */
export function halfUltralyticsModel(): Uint8Array {
  const A = 84, n = 16, C = 2;
  const grids = [8, 4, 2], strides = [8, 16, 32];
  const anchors: number[] = [], strideRow: number[] = [];
  const ax: number[] = [], ay: number[] = [];
  grids.forEach((g, l) => { for (let y = 0; y < g; y++) for (let x = 0; x < g; x++) { ax.push(x + 0.5); ay.push(y + 0.5); strideRow.push(strides[l]); } });
  anchors.push(...ax, ...ay);
  const f16 = (name: string, dims: number[], values: ArrayLike<number>) => tensor(name, 'float16', dims, values);
  return buildGraph({
    inputs: [{ name: 'images', type: 'float16', dims: [1, 3, 64, 64] }],
    outputs: [{ name: 'output0', type: 'float16', dims: [1, 4 + C, A] }],
    initializers: [
      f16('box', [1, 4 * n, A], Array.from({ length: 4 * n * A }, (_, i) => 3 * Math.sin(i * 0.7))),
      f16('cls', [1, C, A], Array.from({ length: C * A }, (_, i) => (i % 97) / 100)),
      f16('zero', [], [0]), f16('half', [], [0.5]), f16('proj', [1, n, 1, 1], Array.from({ length: n }, (_, k) => k)),
      f16('anchors', [1, 2, A], anchors), f16('strides', [1, A], strideRow),
      tensor('shape4', 'int64', [4], [1, 4, n, A]), tensor('shape3', 'int64', [3], [1, 4, A]),
      tensor('i0', 'int64', [1], [0]), tensor('i2', 'int64', [1], [2]), tensor('i4', 'int64', [1], [4]), tensor('axis1', 'int64', [1], [1]),
    ],
    nodes: [
      node('ReduceMean', ['images'], ['mean'], [attr.int('keepdims', 0)]),
      node('Mul', ['mean', 'zero'], ['z']),
      node('Add', ['box', 'z'], ['box_z']),
      node('Add', ['cls', 'z'], ['cls_z']),
      node('Reshape', ['box_z', 'shape4'], ['dfl_r']),
      node('Transpose', ['dfl_r'], ['dfl_t'], [attr.ints('perm', [0, 2, 1, 3])]),
      node('Softmax', ['dfl_t'], ['dfl_p'], [attr.int('axis', 1)]),
      node('Conv', ['dfl_p', 'proj'], ['dfl_c']),
      node('Reshape', ['dfl_c', 'shape3'], ['dist']),
      node('Slice', ['dist', 'i0', 'i2', 'axis1'], ['lt']),
      node('Slice', ['dist', 'i2', 'i4', 'axis1'], ['rb']),
      node('Sub', ['anchors', 'lt'], ['x1y1']),
      node('Add', ['anchors', 'rb'], ['x2y2']),
      node('Add', ['x1y1', 'x2y2'], ['sum']),
      node('Mul', ['sum', 'half'], ['cxy']),
      node('Sub', ['x2y2', 'x1y1'], ['wh']),
      node('Concat', ['cxy', 'wh'], ['xywh'], [attr.int('axis', 1)]),
      node('Mul', ['xywh', 'strides'], ['boxes']),
      node('Concat', ['boxes', 'cls_z'], ['output0'], [attr.int('axis', 1)]),
    ],
    metadata: { author: 'Ultralytics', task: 'detect', stride: '32', imgsz: '[64, 64]', names: "{0: 'a', 1: 'b'}", args: "{'half': True, 'nms': False}", end2end: 'False' },
  });
}
