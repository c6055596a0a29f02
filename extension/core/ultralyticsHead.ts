// Head plan for Ultralytics-layout graphs (YOLOv8/YOLO11, and per-level DFL softmaxes such as PP-YOLOE's): class
// scores come from output0 [1, 4+C(+extra), A], channel-major, already sigmoid; each anchor's four edge
// distributions from the DFL softmax that graph surgery exposed ([1, n, 4, A] or a transpose of it). Without an
// exposed softmax (reg_max 1 heads such as YOLO26, or a DFL that could not be found) the boxes in output0 give
// detections without distributions.
import { HeadLayoutError, type HeadLevel, type HeadPlan, type LevelPlan, type OutputShape, type TensorSlice } from './head.ts';
import { resolveTapAxes, type DflTap } from './onnx/dflSurgery.ts';

/** Stride sets of Ultralytics detect heads: P3–P5 (default), P3–P6 (-p6 models), P2–P5 (-p2 models). */
const ULTRALYTICS_STRIDE_SETS = [[8, 16, 32], [8, 16, 32, 64], [4, 8, 16, 32]];

const cells = (inputW: number, inputH: number, stride: number) => Math.ceil(inputW / stride) * Math.ceil(inputH / stride);

export interface UltralyticsHints {
  /** Class count (from the metadata's names or a profile's classNames); otherwise output0's channels − 4. */
  numClasses?: number;
  strides?: number[];
  centerOffset: number;
}

/** Anchor count and stride set for an output0 [1, K, A], or undefined when A matches no Ultralytics stride set. */
function strideSetFor(anchors: number, inputW: number, inputH: number, strides?: number[]): number[] | undefined {
  const sets = strides ? [[...strides].sort((a, b) => a - b)] : ULTRALYTICS_STRIDE_SETS;
  return sets.find((set) => set.reduce((n, s) => n + cells(inputW, inputH, s), 0) === anchors);
}

/** Whether an output looks like Ultralytics' decoded output0 [1, 4+C, A] at this input size. */
export function looksLikeUltralyticsOutput(dims: readonly number[], inputSize: [number, number]): boolean {
  return dims.length === 3 && dims[0] === 1 && dims[1] > 4 && dims[1] < dims[2] && strideSetFor(dims[2], inputSize[0], inputSize[1]) !== undefined;
}

/**
 * Plans the head. `outputs` carry the run-time dims; `taps[i].output` is the index of the exposed softmax.
 * Throws HeadLayoutError with the reason when the outputs do not fit.
 */
export function planUltralyticsHead(
  modelName: string, outputs: readonly OutputShape[], inputSize: [number, number],
  taps: readonly { tap: DflTap; output: number }[], hints: UltralyticsHints,
): HeadPlan {
  const [inputW, inputH] = inputSize;
  const fail = (problem: string): never => { throw new HeadLayoutError(modelName, outputs, problem); };
  const tapOutputs = new Set(taps.map((t) => t.output));
  const candidates = outputs.map((o, i) => ({ o, i })).filter(({ o, i }) => !tapOutputs.has(i) && o.dims.length === 3 && o.dims[0] === 1);
  const nmsLike = candidates.find(({ o }) => o.dims[1] <= 1000 && o.dims[2] >= 6 && o.dims[2] < 64 && !strideSetFor(o.dims[2], inputW, inputH));
  const main = candidates.find(({ o }) => strideSetFor(o.dims[2], inputW, inputH, hints.strides) !== undefined);
  if (!main) {
    if (nmsLike) {
      fail(`output [${nmsLike.o.dims.join(', ')}] holds final boxes after NMS (an nms=True or end2end export): which anchor produced each box, and ` +
        "so its DFL distributions, is lost. Re-export with model.export(format='onnx', nms=False) (YOLOv10/YOLO26: also end2end=False)");
    }
    fail(`no output is Ultralytics' [1, 4+C, A] with A anchors of strides ${ULTRALYTICS_STRIDE_SETS.map((s) => s.join('/')).join(' or ')} at input ${inputW}×${inputH}`);
  }
  const output0 = main!.o, output0Index = main!.i;
  const anchors = output0.dims[2];
  const strides = strideSetFor(anchors, inputW, inputH, hints.strides)!;
  const numClasses = hints.numClasses ?? output0.dims[1] - 4;
  if (numClasses < 1 || output0.dims[1] < 4 + numClasses) {
    fail(`output0 has ${output0.dims[1]} channels, fewer than 4 box channels + ${numClasses} classes`);
  }
  const extra = output0.dims[1] - 4 - numClasses;

  // Distributions: one softmax over all anchors (Ultralytics), or one per level (PP-YOLOE).
  // A 4-anchor level's softmax has two axes of size 4: take the edge axis the unambiguous softmaxes use.
  const unambiguous = taps.map(({ tap, output }) => resolveTapAxes(tap, outputs[output].dims))
    .find((axes, i) => typeof axes !== 'string' && outputs[taps[i].output].dims[axes.anchorAxis] !== 4);
  const preferredEdgeAxis = typeof unambiguous === 'object' ? unambiguous.edgeAxis : undefined;
  const resolved = taps.map(({ tap, output }) => {
    const axes = resolveTapAxes(tap, outputs[output].dims, preferredEdgeAxis);
    if (typeof axes === 'string') fail(`DFL softmax "${tap.tensor}": ${axes}`);
    return { tap, output, axes: axes as Exclude<typeof axes, string>, anchors: outputs[output].dims[(axes as Exclude<typeof axes, string>).anchorAxis] };
  });
  const bins = resolved.length ? resolved[0].tap.bins : 0;
  if (resolved.some((r) => r.tap.bins !== bins)) fail(`the DFL softmaxes have different bin counts (${resolved.map((r) => r.tap.bins).join(', ')})`);

  let levelStart = 0;
  const levels: LevelPlan[] = strides.map((stride) => {
    const gridW = Math.ceil(inputW / stride), gridH = Math.ceil(inputH / stride);
    const n = gridW * gridH;
    const scores: TensorSlice = {
      output: output0Index, rowStart: 0, colStart: 0, cols: numClasses, nchw: false,
      strided: { base: levelStart, rowStride: 1, colOffsets: Array.from({ length: numClasses }, (_, c) => (4 + c) * anchors) },
    };
    let distances: TensorSlice;
    if (resolved.length) {
      // The softmax covering this level: the one over all anchors, or the per-level one with this level's count.
      const whole = resolved.find((r) => r.anchors === anchors);
      const own = whole ?? resolved.find((r) => r.anchors === n);
      if (!own) fail(`no DFL softmax covers the ${n} anchors of stride ${stride} (softmax anchor counts: ${resolved.map((r) => r.anchors).join(', ')})`);
      const { axes, output, tap } = own!;
      const dims = outputs[output].dims;
      const axisStride = (axis: number) => dims.slice(axis + 1).reduce((p, d) => p * d, 1);
      const sA = axisStride(axes.anchorAxis), sE = axisStride(axes.edgeAxis), sB = axisStride(axes.binAxis);
      const colOffsets: number[] = [];
      for (let e = 0; e < 4; e++) for (let k = 0; k < bins; k++) colOffsets.push(e * sE + k * sB);
      distances = {
        output, rowStart: 0, colStart: 0, cols: 4 * bins, nchw: false,
        strided: { base: (whole ? levelStart : 0) * sA, rowStride: sA, colOffsets },
        ...(tap.dequantize ? { dequantize: tap.dequantize } : {}),
      };
    } else {
      distances = {
        output: output0Index, rowStart: 0, colStart: 0, cols: 4, nchw: false,
        strided: { base: levelStart, rowStride: 1, colOffsets: [0, anchors, 2 * anchors, 3 * anchors] },
        xywhDistances: { stride, gridW, centerOffset: hints.centerOffset },
      };
    }
    levelStart += n;
    return { stride, gridW, gridH, scores, distances };
  });

  const notes = [`Ultralytics layout: output0 [${output0.dims.join(', ')}] = 4 box + ${numClasses} class channels${extra ? ` + ${extra} mask/keypoint channels (ignored)` : ''}, strides ${strides.join('/')}`];
  if (resolved.length) {
    notes.push(`DFL distributions from the graph's softmax ${resolved.map((r) => `"${r.tap.tensor}" [${outputs[r.output].dims.join(', ')}] (${r.tap.path.join(' → ')})`).join(', ')}: ${bins} bins per edge, exposed as extra graph output${resolved.length > 1 ? 's' : ''}`);
    if (resolved.some((r) => r.tap.dequantize)) notes.push('the DFL softmax is quantised (QLinearSoftmax): its uint8 output is dequantised');
    return { layout: 'ultralytics', numClasses, regMax: bins - 1, distanceWidth: 4 * bins, levels, notes };
  }
  notes.push('no DFL softmax in this graph (a reg_max 1 head such as YOLO26, or a DFL block GFL Lens could not find): detections come from ' +
    "output0's boxes, and per-edge distributions are unavailable for this model");
  return { layout: 'integrated', numClasses, regMax: 0, distanceWidth: 4, levels, notes };
}

/**
 * Checks that every anchor's edge groups are distributions (non-negative, summing to 1): the exposed tensor is then
 * the softmax over the bins and not over another axis. Quantised softmaxes may miss 1 by n half-steps.
 */
export function checkDistributions(levels: readonly HeadLevel[], bins: number, quantised: boolean): string | undefined {
  const tolerance = quantised ? 0.01 + bins / 512 : 0.01;
  for (const level of levels) {
    const d = level.distances;
    for (let g = 0; g < d.length; g += bins) {
      let sum = 0;
      for (let k = 0; k < bins; k++) {
        if (d[g + k] < -1e-6) return `negative probability ${d[g + k]} at stride ${level.stride}`;
        sum += d[g + k];
      }
      if (Math.abs(sum - 1) > tolerance) return `a group of ${bins} bins at stride ${level.stride} sums to ${sum.toFixed(4)}, not 1`;
    }
  }
  return undefined;
}
