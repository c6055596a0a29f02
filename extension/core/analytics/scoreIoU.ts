// How well the detection score (QFL's joint class × IoU score) tracks the real IoU.
//
// The IoU of a detection is its IoU with the best-overlapping non-crowd ground truth of its own category, 0 when
// there is none (DetectionMatch.sameClassIoU): exactly the target QFL trains the score towards.
// Three populations, each named by its exact definition (SCORE_IOU_POPULATIONS):
//   • COCO-matched TPs: detections that are true positives at IoU 0.5 (COCOeval's one-to-one greedy matching) —
//     does the score rank the localisation quality of correct boxes?
//   • IoU-Net (Jiang et al. ECCV 2018, Fig. 2): every detection whose IoU with a same-class ground truth is ≥ 0.5,
//     duplicates included (no one-to-one matching) — the population the IoU-Net paper plots;
//   • all detections (QFL, Li et al. 2020): every detection with its IoU target (0 for background) — does the score
//     act as a joint classification-localisation quality?
// Pearson's r and Spearman's rho (average ranks for ties), with bootstrap intervals (asymptotic Fisher-z ones for
// groups too large for the bootstrap budget, see BootstrapOptions), overall and per class,
// FPN level and COCO object size. Size uses COCO's area bins on the area of the matched ground truth (its COCO `area`
// field, as COCOeval does) when the detection is a TP, else the detection's own box area: small < 32², medium
// < 96², large ≥ 96² (COCOeval's ranges share their boundary values; here a boundary area goes to the larger bin).

import { correlationsWithBudget, DEFAULT_BOOTSTRAP, denseGroups, isIdentity, subsetDenseGroups, type BootstrapOptions, type CorrelationWithInterval, type DenseGroups } from './statistics.ts';

export const SIZE_NAMES = ['small', 'medium', 'large'] as const;
export type SizeName = (typeof SIZE_NAMES)[number];

/** COCO size bucket of an area in pixels². */
export function cocoSize(area: number): SizeName {
  return SIZE_NAMES[cocoSizeIndex(area)];
}

/** cocoSize as an index into SIZE_NAMES (0 small, 1 medium, 2 large). */
export function cocoSizeIndex(area: number): number {
  return area < 32 * 32 ? 0 : area < 96 * 96 ? 1 : 2;
}

export interface ScoreIoUInput {
  scores: ArrayLike<number>;
  /** IoU with the best same-class ground truth (0 if none). */
  ious: ArrayLike<number>;
  /** 1 for a true positive at IoU 0.5. */
  tp: ArrayLike<number>;
  classIndex: ArrayLike<number>;
  level: ArrayLike<number>;
  /** Size bucket (cocoSizeIndex) of the matched GT's area for TPs, else of the detection's area. */
  size: ArrayLike<number>;
  classNames?: readonly string[];
  /** FPN strides by level, for labels. */
  strides?: readonly number[];
}

export interface ScoreIoUOptions {
  /** Bootstrap settings; each breakdown (overall, classes, levels, sizes) × population (TPs, all) has its own budget. */
  bootstrap: BootstrapOptions;
  /** 2-D histogram bins (score axis, IoU axis). */
  histogramScoreBins: number;
  histogramIoUBins: number;
}

export const DEFAULT_SCORE_IOU_OPTIONS: Readonly<ScoreIoUOptions> = Object.freeze({
  bootstrap: DEFAULT_BOOTSTRAP,
  histogramScoreBins: 20,
  histogramIoUBins: 20,
});

export interface ScoreIoUGroup {
  /** "all", a class index, a level index or a size name. */
  key: string;
  label: string;
  /** Over true positives at IoU 0.5 (IoU-Net style). */
  tp: CorrelationWithInterval;
  /** Over all detections, IoU 0 for background (QFL style). */
  all: CorrelationWithInterval;
}

export interface ScoreIoUHistogram {
  scoreEdges: number[];
  iouEdges: number[];
  /** counts[scoreBin][iouBin] over all detections; tpCounts the same over TPs at 0.5. */
  counts: number[][];
  tpCounts: number[][];
}

/** The exact definition of each score–IoU population, for labels in the views, the CLI and the reports. */
export const SCORE_IOU_POPULATIONS = {
  tp: { label: 'COCO-matched TPs @0.5', definition: 'evaluated detections that COCOeval matches one-to-one to a ground truth at IoU 0.5 (true positives)' },
  iouNet: { label: 'IoU ≥ 0.5, duplicates included (IoU-Net)', definition: 'every evaluated detection whose IoU with a same-class non-crowd ground truth is ≥ 0.5, duplicates included (IoU-Net, Jiang et al. 2018)' },
  all: { label: 'all evaluated (QFL)', definition: 'every detection COCOeval evaluates (TP or FP at IoU 0.5), IoU 0 without a same-class ground truth (QFL, Li et al. 2020)' },
} as const;

export interface ScoreIoUAnalysis {
  overall: ScoreIoUGroup;
  /** Over every detection with same-class IoU ≥ 0.5, duplicates included (SCORE_IOU_POPULATIONS.iouNet). */
  iouNet: CorrelationWithInterval;
  byClass: ScoreIoUGroup[];
  byLevel: ScoreIoUGroup[];
  bySize: ScoreIoUGroup[];
  histogram: ScoreIoUHistogram;
  bootstrap: BootstrapOptions;
}

interface GroupSpec {
  key: string;
  label: string;
  /** Detections of the group, ascending. */
  indices: Int32Array;
}

// Correlations of every group of one breakdown; the TP and all-detection populations each share one budget. The
// tie groups of scores and IoUs are computed once for all detections and restricted to each group without sorting.
function breakdownCorrelations(input: ScoreIoUInput, groups: GroupSpec[], options: ScoreIoUOptions, global: GlobalGroups): ScoreIoUGroup[] {
  type Sample = { x: Float32Array | Float64Array; y: Float32Array | Float64Array; groupsX: DenseGroups; groupsY: DenseGroups };
  const Copy = copyType(input);
  const all: Sample[] = [];
  const tp: Sample[] = [];
  for (const { indices } of groups) {
    const tpIndices = indices.filter((i) => Boolean(input.tp[i]));
    for (const [subset, out] of [[indices, all], [tpIndices, tp]] as const) {
      const x = gather(Copy, input.scores, subset);
      const y = gather(Copy, input.ious, subset);
      out.push({ x, y, groupsX: subsetDenseGroups(global.scores, subset, global.scoreScratch), groupsY: subsetDenseGroups(global.ious, subset, global.iouScratch) });
    }
  }
  const tpResults = correlationsWithBudget(tp, options.bootstrap);
  const allResults = correlationsWithBudget(all, options.bootstrap);
  return groups.map((group, g) => ({ key: group.key, label: group.label, tp: tpResults[g], all: allResults[g] }));
}

/** Float32 copies of float32 scores and IoUs (the run's): exact, and half the memory of a dataset-sized breakdown. */
function copyType(input: ScoreIoUInput): Float32ArrayConstructor | Float64ArrayConstructor {
  return input.scores instanceof Float32Array && input.ious instanceof Float32Array ? Float32Array : Float64Array;
}

function gather(Copy: Float32ArrayConstructor | Float64ArrayConstructor, values: ArrayLike<number>, indices: Int32Array): Float32Array | Float64Array {
  // Every detection in order (the overall breakdown): the values themselves, when already of that type.
  if (values instanceof Copy && indices.length === values.length && isIdentity(indices)) return values;
  const out = new Copy(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}

interface GlobalGroups {
  scores: DenseGroups;
  ious: DenseGroups;
  /** Zeroed work buffers for subsetDenseGroups, one per variable. */
  scoreScratch: Int32Array;
  iouScratch: Int32Array;
}

function binOf(value: number, bins: number): number {
  const b = Math.floor(value * bins);
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/** Equal-width 2-D histogram of (score, IoU) on [0, 1]², the last bin of each axis closed at 1. */
export function scoreIoUHistogram(input: ScoreIoUInput, scoreBins: number, iouBins: number): ScoreIoUHistogram {
  const counts = Array.from({ length: scoreBins }, () => new Array<number>(iouBins).fill(0));
  const tpCounts = Array.from({ length: scoreBins }, () => new Array<number>(iouBins).fill(0));
  for (let i = 0; i < input.scores.length; i++) {
    const s = binOf(input.scores[i], scoreBins);
    const u = binOf(input.ious[i], iouBins);
    counts[s][u]++;
    if (input.tp[i]) tpCounts[s][u]++;
  }
  const edges = (bins: number) => Array.from({ length: bins + 1 }, (_, b) => b / bins);
  return { scoreEdges: edges(scoreBins), iouEdges: edges(iouBins), counts, tpCounts };
}

/**
 * The detections of each key (keys ascending, detections ascending within a key); keys are small non-negative
 * integers (class index, level, size code), so one counting pass sizes the groups and a second fills them.
 */
function partition(n: number, keyOf: (i: number) => number): Map<number, Int32Array> {
  const keys = new Int32Array(n);
  let maxKey = -1;
  for (let i = 0; i < n; i++) {
    const key = keyOf(i);
    if (!(Number.isInteger(key) && key >= 0 && key < 1 << 20)) throw new Error(`score–IoU breakdown key ${key} is not a small non-negative integer`);
    keys[i] = key;
    if (key > maxKey) maxKey = key;
  }
  const sizes = new Int32Array(maxKey + 1);
  for (let i = 0; i < n; i++) sizes[keys[i]]++;
  const byKey = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(maxKey + 1);
  for (let i = 0; i < n; i++) byKey[keys[i]][filled[keys[i]]++] = i;
  const groups = new Map<number, Int32Array>();
  for (let key = 0; key <= maxKey; key++) if (sizes[key] > 0) groups.set(key, byKey[key]);
  return groups;
}

/** Score-vs-IoU correlations (overall, per class, level and size) with bootstrap intervals, and the 2-D histogram. */
export function analyzeScoreIoU(input: ScoreIoUInput, options: Partial<ScoreIoUOptions> = {}): ScoreIoUAnalysis {
  const o: ScoreIoUOptions = { ...DEFAULT_SCORE_IOU_OPTIONS, ...options };
  const n = input.scores.length;
  const everything = new Int32Array(n);
  for (let i = 0; i < n; i++) everything[i] = i;
  const scoreGroups = denseGroups(input.scores);
  const iouGroups = denseGroups(input.ious);
  const global: GlobalGroups = {
    scores: scoreGroups,
    ious: iouGroups,
    scoreScratch: new Int32Array(scoreGroups.groups),
    iouScratch: new Int32Array(iouGroups.groups),
  };
  const byClass = breakdownCorrelations(input, [...partition(n, (i) => input.classIndex[i])].map(([c, indices]) =>
    ({ key: String(c), label: input.classNames?.[c] ?? `class ${c}`, indices })), o, global);
  const byLevel = breakdownCorrelations(input, [...partition(n, (i) => input.level[i])].map(([l, indices]) =>
    ({ key: String(l), label: input.strides?.[l] !== undefined ? `level ${l} (stride ${input.strides[l]})` : `level ${l}`, indices })), o, global);
  const bySize = breakdownCorrelations(input, [...partition(n, (i) => input.size[i])].map(([z, indices]) =>
    ({ key: SIZE_NAMES[z], label: SIZE_NAMES[z], indices })), o, global);
  const iouNetIndices = everything.filter((i) => input.ious[i] >= 0.5);
  const [iouNet] = correlationsWithBudget([{
    x: gather(copyType(input), input.scores, iouNetIndices), y: gather(copyType(input), input.ious, iouNetIndices),
    groupsX: subsetDenseGroups(global.scores, iouNetIndices, global.scoreScratch), groupsY: subsetDenseGroups(global.ious, iouNetIndices, global.iouScratch),
  }], o.bootstrap);
  return {
    overall: breakdownCorrelations(input, [{ key: 'all', label: 'all detections', indices: everything }], o, global)[0],
    iouNet,
    byClass,
    byLevel,
    bySize,
    histogram: scoreIoUHistogram(input, o.histogramScoreBins, o.histogramIoUBins),
    bootstrap: { ...o.bootstrap },
  };
}
