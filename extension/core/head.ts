// Head adapters: work out how a GFL-family model lays out its outputs from their SHAPES and the input size
// (never from names: exported names are often scrambled), then slice raw tensors into per-level
// [anchors × classes] scores and [anchors × 4(R+1)] DFL groups.
import type { HeadDescription, HeadLayout, RawTensor } from './types.ts';

/** What the caller already knows (from an explicit profile or preset); everything else is detected. */
export interface HeadHints {
  layout?: HeadLayout;
  strides?: number[];
  regMax?: number;
  numClasses?: number;
}

export interface OutputShape {
  name: string;
  dims: readonly number[];
}

/** Where one level's scores or distances live in the outputs. */
export interface TensorSlice {
  output: number;
  /** Rows [rowStart, rowStart + rows) and columns [colStart, colStart + cols) of a [.., rows, cols] tensor; NCHW tensors are transposed. */
  rowStart: number;
  colStart: number;
  cols: number;
  nchw: boolean;
  /**
   * Any other layout (Ultralytics' channel-major [1, 4+C, A] output0, the DFL softmax [1, n, 4, A]): element
   * (row, col) is at base + row·rowStride + colOffsets[col]. Takes precedence over rowStart/colStart/nchw.
   */
  strided?: { base: number; rowStride: number; colOffsets: number[] };
  /** Quantised values (QLinearSoftmax's uint8 output): value = (q − zeroPoint)·scale. */
  dequantize?: { scale: number; zeroPoint: number };
  /**
   * The four columns are boxes x, y, w, h in input pixels (output0 of a graph that integrates DFL): converted to
   * l, t, r, b distances in stride units around the level's anchor centres.
   */
  xywhDistances?: { stride: number; gridW: number; centerOffset: number };
}

export interface LevelPlan {
  stride: number;
  gridW: number;
  gridH: number;
  scores: TensorSlice;
  distances: TensorSlice;
}

/** The structure of a head: enough to slice outputs. Activation flags are settled on the first real output. */
export interface HeadPlan {
  layout: HeadLayout;
  numClasses: number;
  regMax: number;
  /** Width of a distance row: 4(R+1), or 4 when DFL is integrated. */
  distanceWidth: number;
  levels: LevelPlan[];
  notes: string[];
}

/** One level's outputs as dense row-major arrays. */
export interface HeadLevel {
  stride: number;
  gridW: number;
  gridH: number;
  /** [gridH·gridW × numClasses], anchors in row-major grid order. */
  scores: Float32Array;
  /** [gridH·gridW × distanceWidth]. */
  distances: Float32Array;
}

export class HeadLayoutError extends Error {
  constructor(modelName: string, outputs: readonly OutputShape[], problem: string) {
    const list = outputs.map((o) => `  ${o.name} [${o.dims.join(', ')}]`).join('\n');
    super(
      `${modelName}: cannot read this model as a GFL head: ${problem}\n` +
      `Outputs:\n${list}\n` +
      'GFL Lens understands: per-level score [N,C] + DFL [N,4(R+1)] pairs (NanoDet, PicoDet), one concatenated ' +
      '[1,N,C+4(R+1)] tensor (NanoDet-Plus), NCHW levels [1,C,H,W] + [1,4(R+1),H,W] (mmdet --skip-postprocess), or ' +
      'integrated [N,4] distances. A profile with "layout", "strides", "regMax" and "classNames" (its length is the class count) ' +
      'makes an unusual layout readable.',
    );
    this.name = 'HeadLayoutError';
  }
}

const COMMON_REG_MAX = [7, 16, 15, 8];
const CANDIDATE_STRIDES = [4, 8, 16, 32, 64, 128];

const gridCells = (inputW: number, inputH: number, stride: number) => Math.ceil(inputW / stride) * Math.ceil(inputH / stride);

/** Strips a leading batch dimension of 1 from rank-3 tensors. */
function rowsCols(dims: readonly number[]): [number, number] | undefined {
  if (dims.length === 2) return [dims[0], dims[1]];
  if (dims.length === 3 && dims[0] === 1) return [dims[1], dims[2]];
  return undefined;
}

function strideForCells(inputW: number, inputH: number, cells: number, allowed?: number[]): number | undefined {
  return (allowed ?? CANDIDATE_STRIDES).find((s) => gridCells(inputW, inputH, s) === cells);
}

/**
 * Detects the head layout. `inputSize` is the model input [width, height].
 * Throws HeadLayoutError (listing the outputs and the profile fields that would help) when it cannot.
 */
export function planHead(modelName: string, outputs: readonly OutputShape[], inputSize: [number, number], hints: HeadHints = {}): HeadPlan {
  const [inputW, inputH] = inputSize;
  const fail = (problem: string): never => { throw new HeadLayoutError(modelName, outputs, problem); };
  if (outputs.length === 0) fail('the model has no outputs');

  const rank4 = outputs.filter((o) => o.dims.length === 4);
  if (hints.layout === 'nchw' || (!hints.layout && rank4.length === outputs.length && rank4.length >= 2)) {
    return planNchw(outputs, inputW, inputH, hints, fail);
  }
  const shapes = outputs.map((o) => rowsCols(o.dims));
  if (shapes.some((s) => s === undefined)) {
    fail('every output must be [N, K], [1, N, K] or all outputs NCHW [1, K, H, W]');
  }
  const rc = shapes as [number, number][];
  if (hints.layout === 'concatenated' || (!hints.layout && outputs.length === 1)) {
    return planConcatenated(outputs, rc[0], inputW, inputH, hints, fail);
  }
  return planPerLevel(outputs, rc, inputW, inputH, hints, fail);
}

function planPerLevel(
  outputs: readonly OutputShape[], rc: [number, number][], inputW: number, inputH: number, hints: HeadHints,
  fail: (p: string) => never,
): HeadPlan {
  if (outputs.length % 2 !== 0) fail(`${outputs.length} outputs: per-level heads have a score and a distance output per level`);
  // Group outputs by anchor count N; each level has exactly two tensors with the same N.
  const byRows = new Map<number, number[]>();
  rc.forEach(([rows], i) => byRows.set(rows, [...(byRows.get(rows) ?? []), i]));
  for (const [rows, idx] of byRows) {
    if (idx.length !== 2) fail(`${idx.length} outputs have ${rows} anchors; expected exactly two per level (scores and distances)`);
  }
  const widths = [...new Set(rc.map(([, cols]) => cols))];
  if (widths.length !== 2) fail(`expected two output widths (classes and distance bins), found ${widths.join(', ')}`);
  const distanceWidth = pickDistanceWidth(widths, hints, fail);
  const numClasses = widths.find((w) => w !== distanceWidth)!;
  if (hints.numClasses !== undefined && hints.numClasses !== numClasses) {
    fail(`the profile lists ${hints.numClasses} class names but the score outputs have ${numClasses} classes`);
  }
  const integrated = distanceWidth === 4;
  const regMax = integrated ? (hints.regMax ?? 0) : distanceWidth / 4 - 1;
  if (hints.regMax !== undefined && !integrated && hints.regMax !== regMax) {
    fail(`the profile says regMax ${hints.regMax} but the distance outputs have ${distanceWidth} = 4·(${regMax}+1) bins`);
  }
  const levelRows = [...byRows.keys()].sort((a, b) => b - a);
  const strides = assignStrides(levelRows, inputW, inputH, hints, fail);
  const levels: LevelPlan[] = levelRows.map((rows, l) => {
    const [a, b] = byRows.get(rows)!;
    const scoreIdx = rc[a][1] === numClasses ? a : b;
    const distIdx = scoreIdx === a ? b : a;
    const stride = strides[l];
    return {
      stride, gridW: Math.ceil(inputW / stride), gridH: Math.ceil(inputH / stride),
      scores: { output: scoreIdx, rowStart: 0, colStart: 0, cols: numClasses, nchw: false },
      distances: { output: distIdx, rowStart: 0, colStart: 0, cols: distanceWidth, nchw: false },
    };
  });
  const notes = [`per-level score/distance pairs, ${levels.length} levels (strides ${strides.join('/')})`];
  if (integrated) notes.push('DFL is integrated in the graph ([N,4] distances): per-edge distributions are unavailable for this model');
  return { layout: integrated ? 'integrated' : 'per-level', numClasses, regMax, distanceWidth, levels, notes };
}

function pickDistanceWidth(widths: number[], hints: HeadHints, fail: (p: string) => never): number {
  if (hints.numClasses !== undefined) {
    const other = widths.find((w) => w !== hints.numClasses);
    if (other !== undefined && widths.includes(hints.numClasses)) return other;
  }
  if (hints.regMax !== undefined) {
    const want = 4 * (hints.regMax + 1);
    if (widths.includes(want)) return want;
  }
  if (widths.includes(4) && widths.some((w) => w !== 4)) return 4;
  const plausible = widths.filter((w) => w % 4 === 0 && COMMON_REG_MAX.includes(w / 4 - 1));
  if (plausible.length === 1) return plausible[0];
  return fail(`cannot tell which of the widths ${widths.join(' and ')} is the class count and which 4·(regMax+1); set "regMax" or "classNames" in the profile`);
}

function assignStrides(levelRows: number[], inputW: number, inputH: number, hints: HeadHints, fail: (p: string) => never): number[] {
  if (hints.strides) {
    if (hints.strides.length !== levelRows.length) fail(`the profile lists ${hints.strides.length} strides but the model has ${levelRows.length} levels`);
    const sorted = [...hints.strides].sort((a, b) => a - b);
    levelRows.forEach((rows, l) => {
      if (gridCells(inputW, inputH, sorted[l]) !== rows) fail(`stride ${sorted[l]} gives ${gridCells(inputW, inputH, sorted[l])} anchors at input ${inputW}×${inputH}, but the level has ${rows}`);
    });
    return sorted;
  }
  return levelRows.map((rows) => strideForCells(inputW, inputH, rows)
    ?? fail(`a level with ${rows} anchors matches no stride of ${CANDIDATE_STRIDES.join('/')} at input ${inputW}×${inputH}; set "strides" (and "inputSize") in the profile`));
}

function planConcatenated(
  outputs: readonly OutputShape[], [rows, cols]: [number, number], inputW: number, inputH: number, hints: HeadHints,
  fail: (p: string) => never,
): HeadPlan {
  const yoloCells = [8, 16, 32].reduce((n, s) => n + gridCells(inputW, inputH, s), 0);
  const dims = outputs[0].dims;
  if (dims.length === 3 && dims[2] === yoloCells && dims[1] < dims[2]) {
    fail('this looks like an already-decoded YOLOv8/11 output [1, 4+C, N] (boxes and scores, DFL inside the graph). ' +
      'Load it with layout "ultralytics" (the default for models with Ultralytics metadata or this output shape), which exposes the DFL softmax');
  }
  const strideSets = hints.strides ? [hints.strides] : [[8, 16, 32, 64], [8, 16, 32], [8, 16, 32, 64, 128]];
  const strides = strideSets.find((set) => set.reduce((n, s) => n + gridCells(inputW, inputH, s), 0) === rows)
    ?? fail(`${rows} anchors match no stride set (${strideSets.map((s) => s.join('/')).join(', ')}) at input ${inputW}×${inputH}; set "strides"`);
  // Split the row width into C classes + 4(R+1) bins.
  const splits = (hints.regMax !== undefined ? [hints.regMax] : COMMON_REG_MAX)
    .map((r) => ({ regMax: r, numClasses: cols - 4 * (r + 1) }))
    .filter((s) => s.numClasses > 0 && (hints.numClasses === undefined || s.numClasses === hints.numClasses));
  const split = splits.find((s) => s.numClasses === 80) ?? (splits.length === 1 || hints.regMax !== undefined || hints.numClasses !== undefined ? splits[0] : undefined)
    ?? splits.find((s) => s.regMax === 7)
    ?? fail(`cannot split the ${cols}-wide rows into classes + 4·(regMax+1) bins; set "regMax" or "classNames" in the profile`);
  const distanceWidth = 4 * (split.regMax + 1);
  let rowStart = 0;
  const levels: LevelPlan[] = [...strides].sort((a, b) => a - b).map((stride) => {
    const gridW = Math.ceil(inputW / stride), gridH = Math.ceil(inputH / stride);
    const plan: LevelPlan = {
      stride, gridW, gridH,
      scores: { output: 0, rowStart, colStart: 0, cols: split.numClasses, nchw: false },
      distances: { output: 0, rowStart, colStart: split.numClasses, cols: distanceWidth, nchw: false },
    };
    rowStart += gridW * gridH;
    return plan;
  });
  return {
    layout: 'concatenated', numClasses: split.numClasses, regMax: split.regMax, distanceWidth, levels,
    notes: [`one concatenated output: ${split.numClasses} classes + 4×${split.regMax + 1} bins, strides ${strides.join('/')}`],
  };
}

function planNchw(outputs: readonly OutputShape[], inputW: number, inputH: number, hints: HeadHints, fail: (p: string) => never): HeadPlan {
  if (outputs.some((o) => o.dims.length !== 4 || o.dims[0] !== 1)) fail('NCHW heads need every output as [1, K, H, W]');
  const asRc: [number, number][] = outputs.map((o) => [o.dims[2] * o.dims[3], o.dims[1]]);
  // Same pairing logic as per-level heads, with anchors = H·W and width = channels.
  const plan = planPerLevel(outputs, asRc, inputW, inputH, hints, fail);
  for (const level of plan.levels) {
    const o = outputs[level.scores.output];
    level.gridH = o.dims[2];
    level.gridW = o.dims[3];
    level.scores.nchw = true;
    level.distances.nchw = true;
  }
  plan.notes[0] = `NCHW per-level outputs, ${plan.levels.length} levels (strides ${plan.levels.map((l) => l.stride).join('/')})`;
  return { ...plan, layout: plan.layout === 'integrated' ? 'integrated' : 'nchw' };
}

/** Copies one slice into a dense [rows × cols] row-major array. */
function extract(tensor: RawTensor, slice: TensorSlice, rows: number): Float32Array {
  const out = new Float32Array(rows * slice.cols);
  const data = tensor.data;
  if (slice.strided) {
    const { base, rowStride, colOffsets } = slice.strided;
    const cols = slice.cols;
    for (let k = 0; k < cols; k++) {
      const offset = base + colOffsets[k];
      for (let i = 0; i < rows; i++) out[i * cols + k] = data[offset + i * rowStride];
    }
    if (slice.dequantize) {
      const { scale, zeroPoint } = slice.dequantize;
      for (let i = 0; i < out.length; i++) out[i] = (out[i] - zeroPoint) * scale;
    }
    if (slice.xywhDistances) {
      const { stride, gridW, centerOffset } = slice.xywhDistances;
      for (let i = 0; i < rows; i++) {
        const ax = ((i % gridW) + centerOffset) * stride, ay = (Math.floor(i / gridW) + centerOffset) * stride;
        const o = i * 4;
        const x = out[o], y = out[o + 1], w = out[o + 2], h = out[o + 3];
        out[o] = (ax - (x - w / 2)) / stride;
        out[o + 1] = (ay - (y - h / 2)) / stride;
        out[o + 2] = (x + w / 2 - ax) / stride;
        out[o + 3] = (y + h / 2 - ay) / stride;
      }
    }
    return out;
  }
  if (slice.nchw) {
    // [1, K, H, W] → [H·W, K]
    const hw = tensor.dims[2] * tensor.dims[3];
    for (let k = 0; k < slice.cols; k++) {
      const base = (slice.colStart + k) * hw;
      for (let i = 0; i < rows; i++) out[i * slice.cols + k] = data[base + i];
    }
    return out;
  }
  const width = tensor.dims[tensor.dims.length - 1];
  if (slice.colStart === 0 && slice.cols === width) {
    out.set(data.subarray(slice.rowStart * width, (slice.rowStart + rows) * width));
    return out;
  }
  for (let i = 0; i < rows; i++) {
    const src = (slice.rowStart + i) * width + slice.colStart;
    out.set(data.subarray(src, src + slice.cols), i * slice.cols);
  }
  return out;
}

/** Slices raw outputs into per-level dense arrays following a plan. */
export function sliceHead(plan: HeadPlan, outputs: readonly RawTensor[]): HeadLevel[] {
  return plan.levels.map((level) => {
    const rows = level.gridW * level.gridH;
    return {
      stride: level.stride, gridW: level.gridW, gridH: level.gridH,
      scores: extract(outputs[level.scores.output], level.scores, rows),
      distances: extract(outputs[level.distances.output], level.distances, rows),
    };
  });
}

/** Scores are probabilities when every value lies in [0, 1]; trained logits are overwhelmingly negative. */
export function looksActivated(levels: readonly HeadLevel[]): boolean {
  for (const level of levels) {
    const s = level.scores;
    for (let i = 0; i < s.length; i++) if (s[i] < 0 || s[i] > 1) return false;
  }
  return true;
}

/** DFL groups are already softmaxed when every group of R+1 values is non-negative and sums to 1. */
export function looksSoftmaxed(levels: readonly HeadLevel[], regMax: number): boolean {
  const bins = regMax + 1;
  for (const level of levels) {
    const d = level.distances;
    for (let g = 0; g < d.length; g += bins) {
      let sum = 0;
      for (let k = 0; k < bins; k++) {
        if (d[g + k] < 0) return false;
        sum += d[g + k];
      }
      if (Math.abs(sum - 1) > 1e-3) return false;
    }
  }
  return true;
}

/** The serialisable description of a head, once activations are settled. */
export function describeHead(plan: HeadPlan, scoresActivated: boolean, distributionsActivated: boolean): HeadDescription {
  const notes = [...plan.notes];
  notes.push(scoresActivated ? 'scores are already probabilities' : 'scores are logits: sigmoid applied');
  if (plan.layout !== 'integrated' && plan.layout !== 'ultralytics') notes.push(distributionsActivated ? 'DFL groups are already softmaxed' : 'DFL groups are logits: softmax applied');
  return {
    layout: plan.layout,
    numClasses: plan.numClasses,
    strides: plan.levels.map((l) => l.stride),
    regMax: plan.regMax,
    scoresActivated,
    distributionsActivated,
    hasDistributions: plan.layout !== 'integrated',
    notes,
  };
}
