// Finds a detector's DFL block by graph structure and exposes its softmax as an extra graph output, so the four
// per-edge distributions that YOLOv8/YOLO11 (Ultralytics) and PP-YOLOE keep inside the graph can be read.
//
// The DFL block, as Ultralytics exports it (ultralytics/nn/modules/block.py, class DFL):
//   Reshape [B,4,n,A] → Transpose → Softmax(axis 1) [B,n,4,A] → Conv 1×1 with weights 0..n−1 → Reshape [B,4,A]
// so the search is: a Softmax (or com.microsoft QLinearSoftmax) whose output reaches, through layout-preserving
// ops (Transpose, Q/DQ, DynamicQuantizeLinear, Cast, Identity), the data input of a projection (Conv, ConvInteger,
// QLinearConv, MatMul, MatMulInteger, QLinearMatMul) whose weights are the ramp 0..n−1. Node names (/dfl/) are
// never relied on. onnxruntime only returns declared graph outputs; protobuf merges a repeated field appended
// to a message, so appending a serialized ModelProto{graph{output[{name}]}} to the original bytes adds outputs
// without re-encoding the model.
import { decodeModel, encodeModel, toNumber, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnxProto.ts';
import { tensorValues } from './tensorData.ts';

export interface DflTap {
  /** The softmax output exposed as a graph output. */
  tensor: string;
  /** The softmax node (name, or op type and index when unnamed). */
  node: string;
  /** Bins per edge, n = reg_max + 1 (16 for YOLOv8/11, 17 for PP-YOLOE). */
  bins: number;
  /**
   * Transposes between the softmax and the projection, in order (each a perm). Projection-input axis j is the
   * exposed tensor's axis P[j] with P composed from these: the opset-11/12 sandwich Transpose → Softmax → Transpose
   * exposes [B,A,4,n] for a projection input of [B,n,4,A].
   */
  transposes: number[][];
  /** The projection reduces over axis 1 (Conv, NCHW channels) or the last axis (MatMul). */
  projection: 'conv' | 'matmul';
  /** QLinearSoftmax's uint8 output: value = (q − zeroPoint) · scale. */
  dequantize?: { scale: number; zeroPoint: number };
  /** Op types from the softmax to the projection, e.g. Softmax → DynamicQuantizeLinear → ConvInteger. */
  path: string[];
}

export interface GraphInspection {
  taps: DflTap[];
  /** Softmax nodes that were not taken, with why (for messages when no tap is found). */
  rejected: string[];
  /** metadata_props as a map (Ultralytics: stride, names, imgsz, task, args, end2end, kpt_shape …). */
  metadata: Map<string, string>;
  /** Default-domain opset version. */
  opset: number;
  /** Declared graph inputs (initializers excluded) and outputs with their static dims (symbolic or unknown: -1). */
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[] }[];
}

const PASS_THROUGH = new Set(['Transpose', 'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'Cast', 'Identity']);
const MAX_PATH = 8;

/** Builds lookups over a graph: producers, consumers and constant values (initializers, Constant nodes, DQ of those). */
class GraphIndex {
  readonly consumers = new Map<string, { node: OnnxNode; slot: number }[]>();
  readonly producer = new Map<string, OnnxNode>();
  readonly initializers = new Map<string, OnnxTensor>();

  constructor(model: OnnxModel) {
    const graph = model.graph!;
    for (const t of graph.initializer) if (t.name) this.initializers.set(t.name, t);
    for (const node of graph.node) {
      node.input.forEach((name, slot) => {
        if (!name) return;
        const list = this.consumers.get(name) ?? [];
        list.push({ node, slot });
        this.consumers.set(name, list);
      });
      for (const out of node.output) if (out) this.producer.set(out, node);
    }
  }

  /**
   * A constant tensor's values and dims, or undefined when it is computed at run time or not readable here
   * (external data, exotic types): such a tensor cannot be a DFL projection GFL Lens recognises.
   */
  constant(name: string | undefined, depth = 0): { values: Float64Array; dims: number[] } | undefined {
    if (!name || depth > 4) return undefined;
    const read = (t: OnnxTensor) => {
      try {
        return { values: tensorValues(t), dims: (t.dims ?? []).map(toNumber) };
      } catch {
        return undefined;
      }
    };
    const init = this.initializers.get(name);
    if (init) return read(init);
    const node = this.producer.get(name);
    if (!node) return undefined;
    if (node.opType === 'Constant') {
      const value = node.attribute.find((a) => a.name === 'value')?.t;
      return value ? read(value) : undefined;
    }
    if (node.opType === 'Identity' || node.opType === 'Cast') return this.constant(node.input[0], depth + 1);
    if (node.opType === 'DequantizeLinear') {
      const x = this.constant(node.input[0], depth + 1), scale = this.constant(node.input[1], depth + 1);
      const zero = node.input[2] ? this.constant(node.input[2], depth + 1) : { values: new Float64Array([0]), dims: [] };
      if (!x || !scale || !zero) return undefined;
      const pick = (v: Float64Array, i: number) => (v.length === 1 ? v[0] : v[i]);
      if ((scale.values.length !== 1 && scale.values.length !== x.values.length) || (zero.values.length !== 1 && zero.values.length !== x.values.length)) return undefined;
      return { values: x.values.map((q, i) => (q - pick(zero.values, i)) * pick(scale.values, i)), dims: x.dims };
    }
    return undefined;
  }

  scalar(name: string | undefined): number | undefined {
    const c = this.constant(name);
    return c && c.values.length === 1 ? c.values[0] : undefined;
  }
}

/** Where a projection's weights are and how to read them as numbers (quantised weights dequantised or zero-shifted). */
function projectionWeights(index: GraphIndex, node: OnnxNode): { values: Float64Array; dims: number[]; step: number } | undefined {
  const shifted = (w: string, zero?: string, scale?: string) => {
    const c = index.constant(w);
    if (!c) return undefined;
    const zp = zero ? index.scalar(zero) : 0;
    const s = scale ? index.scalar(scale) : 1;
    if (zp === undefined || s === undefined) return undefined;
    // Integer weights are compared in their own units (a later Mul applies the scale): tolerance half a step.
    return { values: c.values.map((q) => (q - zp) * s), dims: c.dims, step: s };
  };
  switch (node.opType) {
    case 'Conv': case 'MatMul': {
      const c = index.constant(node.input[1]);
      const dq = index.producer.get(node.input[1]);
      const step = dq?.opType === 'DequantizeLinear' ? (index.scalar(dq.input[1]) ?? 0) : 0;
      return c && { ...c, step };
    }
    case 'ConvInteger': case 'MatMulInteger': return shifted(node.input[1], node.input[3]);
    case 'QLinearConv': case 'QLinearMatMul': return shifted(node.input[3], node.input[5], node.input[4]);
    default: return undefined;
  }
}

/** Weights 0, 1, …, n−1 (float, within 1e-3) or proportional to them (integer weights, within half a step). */
function binCountOfRamp(w: Float64Array, integerUnits: boolean, step: number): number | undefined {
  const n = w.length;
  if (n < 2) return undefined;
  const slope = w[n - 1] / (n - 1);
  if (!(slope > 0)) return undefined;
  if (!integerUnits && Math.abs(slope - 1) > 1e-3) return undefined;
  const tolerance = Math.max(1e-3 * slope, step / 2 + 1e-9);
  for (let k = 0; k < n; k++) if (Math.abs(w[k] - k * slope) > tolerance) return undefined;
  return n;
}

function nodeLabel(node: OnnxNode, index: number): string {
  return node.name || `${node.opType}#${index}`;
}

/** Follows a softmax output to a DFL projection; returns the tap or why not. */
function traceSoftmax(index: GraphIndex, softmax: OnnxNode, label: string): DflTap | string {
  const start = softmax.output[0];
  let dequantize: DflTap['dequantize'];
  if (softmax.opType === 'QLinearSoftmax') {
    // QLinearSoftmax(X, X_scale, X_zero_point, Y_scale, Y_zero_point): the output is quantised.
    const scale = index.scalar(softmax.input[3]);
    const zeroPoint = softmax.input[4] ? index.scalar(softmax.input[4]) : 0;
    if (scale === undefined || zeroPoint === undefined) return `${label}: its output scale and zero point are not constants`;
    dequantize = { scale, zeroPoint };
  }
  type State = { tensor: string; transposes: number[][]; path: string[] };
  const queue: State[] = [{ tensor: start, transposes: [], path: [softmax.opType] }];
  const reasons: string[] = [];
  while (queue.length) {
    const state = queue.shift()!;
    if (state.path.length > MAX_PATH) continue;
    for (const { node, slot } of index.consumers.get(state.tensor) ?? []) {
      const dataSlot = 0;
      if (PASS_THROUGH.has(node.opType) && slot === dataSlot) {
        const perm = node.opType === 'Transpose' ? node.attribute.find((a) => a.name === 'perm')?.ints?.map(toNumber) : undefined;
        if (node.opType === 'Transpose' && !perm) { reasons.push('a Transpose without perm'); continue; }
        queue.push({ tensor: node.output[0], transposes: perm ? [...state.transposes, perm] : state.transposes, path: [...state.path, node.opType] });
        continue;
      }
      if (slot !== dataSlot) continue;
      const weights = projectionWeights(index, node);
      if (!weights) {
        if (/Conv|MatMul/.test(node.opType)) reasons.push(`${node.opType} weights are not constant`);
        continue;
      }
      const isConv = node.opType.includes('Conv');
      const n = weights.values.length;
      const shapeOk = isConv ? weights.dims.length === 4 && weights.dims[0] === 1 && weights.dims[1] === n && weights.dims[2] === 1 && weights.dims[3] === 1
        : (weights.dims.length === 1 || (weights.dims.length === 2 && weights.dims[1] === 1));
      if (!shapeOk) { reasons.push(`${node.opType} weights [${weights.dims.join(',')}] are not a 1×1 projection to one channel`); continue; }
      const integerUnits = node.opType === 'ConvInteger' || node.opType === 'MatMulInteger';
      const bins = binCountOfRamp(weights.values, integerUnits, integerUnits ? 1 : weights.step);
      if (bins === undefined) { reasons.push(`${node.opType} weights are not 0..${n - 1}`); continue; }
      return {
        tensor: start, node: label, bins, transposes: state.transposes, projection: isConv ? 'conv' : 'matmul',
        ...(dequantize ? { dequantize } : {}), path: [...state.path, node.opType],
      };
    }
  }
  return `${label}: its output does not reach a projection with weights 0..n−1${reasons.length ? ` (${[...new Set(reasons)].join('; ')})` : ''}`;
}

/** Reads what GFL Lens needs from a parsed model: DFL taps, metadata, opset, declared outputs. */
export function inspectGraph(model: OnnxModel): GraphInspection {
  const graph = model.graph;
  if (!graph) throw new Error('the ONNX model has no graph');
  const index = new GraphIndex(model);
  const taps: DflTap[] = [];
  const rejected: string[] = [];
  graph.node.forEach((node, i) => {
    if (node.opType !== 'Softmax' && node.opType !== 'QLinearSoftmax') return;
    const result = traceSoftmax(index, node, nodeLabel(node, i));
    if (typeof result === 'string') rejected.push(result);
    else taps.push(result);
  });
  const staticDims = (v: OnnxValueInfo) => (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : -1));
  const opset = model.opsetImport.filter((o) => !o.domain || o.domain === 'ai.onnx').map((o) => toNumber(o.version))[0] ?? 0;
  return {
    taps, rejected, opset,
    metadata: new Map(model.metadataProps.map((p) => [p.key, p.value])),
    inputs: graph.input.filter((i) => !index.initializers.has(i.name)).map((i) => ({ name: i.name, dims: staticDims(i) })),
    outputs: graph.output.map((o) => ({ name: o.name, dims: staticDims(o) })),
  };
}

/** Appends graph outputs to a serialized model without re-encoding it (protobuf merges repeated fields). */
export function withExtraOutputs(modelBytes: Uint8Array, names: readonly string[]): Uint8Array {
  if (names.length === 0) return modelBytes;
  const fragment = encodeModel({ graph: { output: names.map((name) => ({ name })) } });
  const out = new Uint8Array(modelBytes.length + fragment.length);
  out.set(modelBytes, 0);
  out.set(fragment, modelBytes.length);
  return out;
}

export interface PreparedGraph {
  /** The bytes to load: the original, plus the exposed DFL outputs. */
  bytes: Uint8Array;
  inspection: GraphInspection;
  /** The taps whose tensors were added as outputs (those already declared as outputs are used as they are). */
  exposed: DflTap[];
}

/** Parses a model, finds its DFL taps and exposes them. Errors name the model. */
export function prepareGraph(modelBytes: Uint8Array, modelName: string): PreparedGraph {
  let model: OnnxModel;
  try {
    model = decodeModel(modelBytes);
  } catch (error) {
    throw new Error(`${modelName}: not a loadable ONNX model (not an ONNX protobuf: ${(error as Error).message})`);
  }
  if (!model.graph) throw new Error(`${modelName}: not a loadable ONNX model (the file holds no graph)`);
  const inspection = inspectGraph(model);
  const declared = new Set(inspection.outputs.map((o) => o.name));
  const exposed = inspection.taps.filter((t) => !declared.has(t.tensor));
  return { bytes: withExtraOutputs(modelBytes, exposed.map((t) => t.tensor)), inspection, exposed };
}

/** Axes of a tap's tensor once its run-time dims are known. */
export interface TapAxes {
  binAxis: number;
  edgeAxis: number;
  anchorAxis: number;
}

/**
 * Composes the tap's transposes and picks the edge (size 4) and anchor axes, or says why the dims do not fit. When
 * both candidates have size 4 (a 4-anchor level, e.g. stride 32 at 64×64), `preferredEdgeAxis` decides — the edge
 * axis of the model's other softmaxes — else the projection's H axis (Ultralytics' [B, n, 4, A]).
 */
export function resolveTapAxes(tap: DflTap, dims: readonly number[], preferredEdgeAxis?: number): TapAxes | string {
  const rank = dims.length;
  if (rank !== 4) return `the DFL softmax output has rank ${rank} ([${dims.join(', ')}]); expected [B, n, 4, A] or a transpose of it`;
  let P = [0, 1, 2, 3];
  for (const perm of tap.transposes) {
    if (perm.length !== rank) return `a Transpose on the DFL path has perm [${perm.join(',')}] for a rank-${rank} tensor`;
    P = perm.map((p) => P[p]);
  }
  const [batchAxis, binAxis, spatial] = tap.projection === 'conv' ? [P[0], P[1], [P[2], P[3]]] : [P[0], P[3], [P[1], P[2]]];
  if (dims[batchAxis] !== 1) return `batch dimension ${dims[batchAxis]}: GFL Lens runs one image at a time`;
  if (dims[binAxis] !== tap.bins) return `the bin axis has ${dims[binAxis]} entries but the projection weights have ${tap.bins}`;
  const bothFour = dims[spatial[0]] === 4 && dims[spatial[1]] === 4;
  const edgeAxis = bothFour && preferredEdgeAxis !== undefined && spatial.includes(preferredEdgeAxis) ? preferredEdgeAxis
    : dims[spatial[0]] === 4 ? spatial[0] : dims[spatial[1]] === 4 ? spatial[1] : -1;
  if (edgeAxis < 0) return `no axis of size 4 (the box edges) beside the bins in [${dims.join(', ')}]`;
  const anchorAxis = edgeAxis === spatial[0] ? spatial[1] : spatial[0];
  return { binAxis, edgeAxis, anchorAxis };
}
