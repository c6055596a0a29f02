// How well the detection score (QFL's joint class × IoU score) tracks the real IoU.
//
// The IoU of a detection is its IoU with the best-overlapping non-crowd ground truth of its own category, 0 when
// there is none (DetectionMatch.sameClassIoU): exactly the target QFL trains the score towards.
// Two populations, as in the literature:
//   • TPs (IoU-Net, Jiang et al. 2018): detections that are true positives at IoU 0.5 (COCOeval matching) —
//     does the score rank the localisation quality of correct boxes?
//   • all detections (QFL, Li et al. 2020): every detection with its IoU target (0 for background) — does the score
//     act as a joint classification-localisation quality?
// Pearson's r and Spearman's rho (average ranks for ties), with percentile bootstrap intervals, overall and per class,
// FPN level and COCO object size. Size uses COCO's area bins on the area of the matched ground truth (its COCO `area`
// field, as COCOeval does) when the detection is a TP, else the detection's own box area: small < 32², medium
// < 96², large ≥ 96² (COCOeval's ranges share their boundary values; here a boundary area goes to the larger bin).

import { cappedBootstrap, correlationWithBootstrap, DEFAULT_BOOTSTRAP, type BootstrapOptions, type CorrelationWithInterval } from './statistics.ts';

export const SIZE_NAMES = ['small', 'medium', 'large'] as const;
export type SizeName = (typeof SIZE_NAMES)[number];

/** COCO size bucket of an area in pixels². */
export function cocoSize(area: number): SizeName {
  return area < 32 * 32 ? 'small' : area < 96 * 96 ? 'medium' : 'large';
}

export interface ScoreIoUInput {
  scores: ArrayLike<number>;
  /** IoU with the best same-class ground truth (0 if none). */
  ious: ArrayLike<number>;
  /** 1 for a true positive at IoU 0.5. */
  tp: ArrayLike<number>;
  classIndex: ArrayLike<number>;
  level: ArrayLike<number>;
  /** Area used for the size bucket (matched GT area for TPs, else the detection's area). */
  sizeArea: ArrayLike<number>;
  classNames?: readonly string[];
  /** FPN strides by level, for labels. */
  strides?: readonly number[];
}

export interface ScoreIoUOptions {
  bootstrap: BootstrapOptions;
  /**
   * Bootstrap work cap: groups larger than this many detections get proportionally fewer resamples (never fewer
   * than `minResamples`), keeping 100k-detection runs fast while small groups keep the full count.
   */
  bootstrapFullUpTo: number;
  minResamples: number;
  /** 2-D histogram bins (score axis, IoU axis). */
  histogramScoreBins: number;
  histogramIoUBins: number;
}

export const DEFAULT_SCORE_IOU_OPTIONS: Readonly<ScoreIoUOptions> = Object.freeze({
  bootstrap: DEFAULT_BOOTSTRAP,
  bootstrapFullUpTo: 20000,
  minResamples: 200,
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

export interface ScoreIoUAnalysis {
  overall: ScoreIoUGroup;
  byClass: ScoreIoUGroup[];
  byLevel: ScoreIoUGroup[];
  bySize: ScoreIoUGroup[];
  histogram: ScoreIoUHistogram;
  bootstrap: { resamples: number; seed: number; level: number; fullUpTo: number; minResamples: number };
}

function groupCorrelations(
  input: ScoreIoUInput,
  indices: number[],
  key: string,
  label: string,
  options: ScoreIoUOptions,
): ScoreIoUGroup {
  const allScores = new Float64Array(indices.length);
  const allIoUs = new Float64Array(indices.length);
  let tpCount = 0;
  for (let k = 0; k < indices.length; k++) {
    allScores[k] = input.scores[indices[k]];
    allIoUs[k] = input.ious[indices[k]];
    if (input.tp[indices[k]]) tpCount++;
  }
  const tpScores = new Float64Array(tpCount);
  const tpIoUs = new Float64Array(tpCount);
  let t = 0;
  for (let k = 0; k < indices.length; k++) {
    if (!input.tp[indices[k]]) continue;
    tpScores[t] = allScores[k];
    tpIoUs[t++] = allIoUs[k];
  }
  const bootstrapFor = (n: number): BootstrapOptions => cappedBootstrap(n, options.bootstrap, options.bootstrapFullUpTo, options.minResamples);
  return {
    key,
    label,
    tp: correlationWithBootstrap(tpScores, tpIoUs, bootstrapFor(tpCount)),
    all: correlationWithBootstrap(allScores, allIoUs, bootstrapFor(indices.length)),
  };
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

function partition(n: number, keyOf: (i: number) => number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = keyOf(i);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}

/** Score-vs-IoU correlations (overall, per class, level and size) with bootstrap intervals, and the 2-D histogram. */
export function analyzeScoreIoU(input: ScoreIoUInput, options: Partial<ScoreIoUOptions> = {}): ScoreIoUAnalysis {
  const o: ScoreIoUOptions = { ...DEFAULT_SCORE_IOU_OPTIONS, ...options };
  const n = input.scores.length;
  const everything = Array.from({ length: n }, (_, i) => i);
  const byClass = [...partition(n, (i) => input.classIndex[i])].map(([c, indices]) =>
    groupCorrelations(input, indices, String(c), input.classNames?.[c] ?? `class ${c}`, o));
  const byLevel = [...partition(n, (i) => input.level[i])].map(([l, indices]) =>
    groupCorrelations(input, indices, String(l), input.strides?.[l] !== undefined ? `level ${l} (stride ${input.strides[l]})` : `level ${l}`, o));
  const bySize = [...partition(n, (i) => SIZE_NAMES.indexOf(cocoSize(input.sizeArea[i])))].map(([s, indices]) =>
    groupCorrelations(input, indices, SIZE_NAMES[s], SIZE_NAMES[s], o));
  return {
    overall: groupCorrelations(input, everything, 'all', 'all detections', o),
    byClass,
    byLevel,
    bySize,
    histogram: scoreIoUHistogram(input, o.histogramScoreBins, o.histogramIoUBins),
    bootstrap: { resamples: o.bootstrap.resamples, seed: o.bootstrap.seed, level: o.bootstrap.level, fullUpTo: o.bootstrapFullUpTo, minResamples: o.minResamples },
  };
}
