// Small, exact statistics used by the GFL analytics: correlations, average ranks, rank AUROC and a seeded
// bootstrap. Pure and allocation-light (typed arrays) so 100k detections stay well under a second.

import { denseRanksOfFloat32 } from '../ranking.ts';

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same bootstrap intervals on every machine. */
export function createRng(seed: number): () => number {
  // State kept as int32 (| 0, not >>> 0) so V8 never boxes it: same sequence, half the time per draw.
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pearson's r; null when fewer than 2 points or either variable is constant (r is undefined there). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  return weightedPearson(x, y, null);
}

/** Pearson's r with integer multiplicities (a bootstrap resample expressed as counts); null when undefined. */
export function weightedPearson(x: ArrayLike<number>, y: ArrayLike<number>, weights: ArrayLike<number> | null): number | null {
  const n = x.length;
  let total = 0;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    total += w;
    sumX += w * x[i];
    sumY += w * y[i];
  }
  if (total < 2) return null;
  const meanX = sumX / total;
  const meanY = sumY / total;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    sxx += w * dx * dx;
    syy += w * dy * dy;
    sxy += w * dx * dy;
  }
  // Relative tolerance: a "constant" column of floats can leave rounding residue in its variance.
  if (sxx <= 1e-24 * total || syy <= 1e-24 * total) return null;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Dense tie groups: groupOf[i] = position of values[i] among the distinct values in ascending order. Built with a
 * native numeric sort and binary searches (no comparator callbacks), which is what keeps ranking 100k values cheap.
 * Values must not be NaN.
 */
export function denseGroups(values: ArrayLike<number>): DenseGroups {
  // A run's float32 columns are ranked in linear time (the same groups).
  if (values instanceof Float32Array) {
    const ranked = denseRanksOfFloat32(values);
    if (ranked) return { groupOf: ranked.rank, groups: ranked.distinct };
  }
  const n = values.length;
  // new Float64Array(arrayLike) copies directly; Float64Array.from would go through the iterator protocol.
  const sorted = new Float64Array(values as ArrayLike<number>).sort();
  const distinct = dedupeSorted(sorted);
  const groupOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) groupOf[i] = lowerBound(sorted, distinct, values[i]);
  return { groupOf, groups: distinct };
}

/** Removes repeats from a sorted array in place; returns how many distinct values lead it. */
function dedupeSorted(sorted: Float64Array | Uint32Array): number {
  let distinct = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[distinct - 1]) sorted[distinct++] = sorted[k];
  return distinct;
}

/** Index of the first of sorted[0..length) that is ≥ v (binary search). */
function lowerBound(sorted: Float64Array | Uint32Array, length: number, v: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface DenseGroups {
  groupOf: Uint32Array;
  groups: number;
}

/**
 * Dense groups of a subset (given by indices) from the dense groups of the whole variable, without sorting again:
 * the subset's distinct global group ids are relabelled 0..k−1 in order. Small subsets sort their few ids; large
 * ones mark the ids present and walk the global groups once.
 */
export function subsetDenseGroups(global: DenseGroups, indices: ArrayLike<number>, scratch?: Int32Array): DenseGroups {
  const m = indices.length;
  // The whole variable in order: its own groups (every group is present, already numbered 0..groups−1).
  if (m === global.groupOf.length && isIdentity(indices)) return global;
  const groupOf = new Uint32Array(m);
  for (let k = 0; k < m; k++) groupOf[k] = global.groupOf[indices[k]];
  if (m * 16 < global.groups) {
    const sorted = groupOf.slice().sort();
    const distinct = dedupeSorted(sorted);
    for (let k = 0; k < m; k++) groupOf[k] = lowerBound(sorted, distinct, groupOf[k]);
    return { groupOf, groups: distinct };
  }
  // `scratch` (length ≥ global.groups, all zero) avoids a large allocation per subset; it is left all zero again.
  const compact = scratch && scratch.length >= global.groups ? scratch : new Int32Array(global.groups);
  for (let k = 0; k < m; k++) compact[groupOf[k]] = -1;
  let distinct = 0;
  for (let g = 0; g < global.groups; g++) if (compact[g] === -1) compact[g] = ++distinct;
  for (let k = 0; k < m; k++) groupOf[k] = compact[groupOf[k]] - 1;
  compact.fill(0, 0, global.groups);
  return { groupOf, groups: distinct };
}

/** Whether indices are 0, 1, 2, … (the whole of something, in order). */
export function isIdentity(indices: ArrayLike<number>): boolean {
  for (let k = 0; k < indices.length; k++) if (indices[k] !== k) return false;
  return true;
}

// Average ranks when element i appears counts[i] times (counts = null: once each): the copies of the g-th distinct
// value occupy the next (sum of their counts) rank positions, each getting the mean of those positions.
function ranksWithCounts(
  groupOf: Uint32Array,
  groups: number,
  counts: Uint32Array | null,
  groupCount: Float64Array,
  out: Float64Array,
): void {
  groupCount.fill(0, 0, groups);
  const n = groupOf.length;
  if (counts) for (let i = 0; i < n; i++) groupCount[groupOf[i]] += counts[i];
  else for (let i = 0; i < n; i++) groupCount[groupOf[i]] += 1;
  // groupCount[g] becomes the mean rank of group g.
  let below = 0;
  for (let g = 0; g < groups; g++) {
    const c = groupCount[g];
    groupCount[g] = below + (c + 1) / 2;
    below += c;
  }
  for (let i = 0; i < n; i++) out[i] = groupCount[groupOf[i]];
}

/** 1-based ranks with ties given their average rank (the convention of Spearman's rho and the Mann–Whitney U). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const { groupOf, groups } = denseGroups(values);
  const ranks = new Float64Array(values.length);
  ranksWithCounts(groupOf, groups, null, new Float64Array(groups), ranks);
  return ranks;
}

/** Spearman's rho = Pearson's r of the average ranks (ties averaged); null when undefined. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length < 2) return null;
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Rank-based AUROC (Mann–Whitney U / (n₊·n₋)) of `scores` for the binary `positive` labels: the probability that a
 * random positive scores higher than a random negative, ties counting one half. Null without both classes.
 */
export function aurocByRanks(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): number | null {
  const ranks = averageRanks(scores);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (positive[i]) {
      nPos++;
      rankSumPos += ranks[i];
    }
  }
  const nNeg = ranks.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

// One-pass weighted Pearson for the bootstrap loop. Values are shifted by a constant first (Pearson is shift
// invariant), which keeps the raw-moment formula accurate for ranks up to n ~ 1e6.
function countsPearson(x: ArrayLike<number>, y: ArrayLike<number>, counts: Uint32Array, shiftX: number, shiftY: number): number | null {
  let total = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < counts.length; i++) {
    const w = counts[i];
    if (w === 0) continue;
    const a = x[i] - shiftX;
    const b = y[i] - shiftY;
    total += w;
    sx += w * a;
    sy += w * b;
    sxx += w * a * a;
    syy += w * b * b;
    sxy += w * a * b;
  }
  if (total < 2) return null;
  const vx = sxx - (sx * sx) / total;
  const vy = syy - (sy * sy) / total;
  if (vx <= 1e-12 * Math.max(1, sxx) || vy <= 1e-12 * Math.max(1, syy)) return null;
  const r = (sxy - (sx * sy) / total) / Math.sqrt(vx * vy);
  return Math.max(-1, Math.min(1, r));
}

export interface BootstrapOptions {
  /** Resamples per statistic (percentile interval). */
  resamples: number;
  seed: number;
  /** Central coverage, e.g. 0.95. */
  level: number;
  /**
   * Work cap per population, in element-resamples (n × resamples summed over the groups of one breakdown). Groups
   * are served smallest first, so small groups — where intervals matter — always get the full count; a group the
   * remaining budget cannot give at least `minResamples` gets the asymptotic interval instead (its n is then large,
   * where the normal approximation is good and the bootstrap would only confirm a narrow interval slowly).
   */
  budget: number;
  minResamples: number;
}

// Budget 1e6: the full 1000 resamples for populations up to 1000 detections (the TPs of a 128-image COCO run),
// fewer or asymptotic intervals beyond, so a 100k-detection analysis stays around a second of CPU.
export const DEFAULT_BOOTSTRAP: Readonly<BootstrapOptions> = Object.freeze({ resamples: 1000, seed: 20240917, level: 0.95, budget: 1e6, minResamples: 200 });

/** Hands out bootstrap resamples under a work budget (see BootstrapOptions.budget). */
export class BootstrapBudget {
  private remaining: number;
  private readonly options: BootstrapOptions;
  constructor(options: BootstrapOptions) {
    this.options = options;
    this.remaining = options.budget;
  }

  /** Resamples granted to a group of n pairs: the full count, a reduced count ≥ minResamples, or 0 (asymptotic). */
  resamplesFor(n: number): number {
    if (n < 4) return 0;
    const full = this.options.resamples;
    const granted = n * full <= this.remaining ? full : Math.floor(this.remaining / n);
    if (granted < 1 || granted < Math.min(full, this.options.minResamples)) return 0;
    this.remaining -= n * granted;
    return granted;
  }
}

/** Correlations with intervals for several groups sharing one budget, served smallest group first. */
export function correlationsWithBudget(
  groups: readonly { x: ArrayLike<number>; y: ArrayLike<number>; groupsX?: DenseGroups; groupsY?: DenseGroups }[],
  options: BootstrapOptions,
): CorrelationWithInterval[] {
  const budget = new BootstrapBudget(options);
  const order = groups.map((_, g) => g).sort((a, b) => groups[a].x.length - groups[b].x.length || a - b);
  const out = new Array<CorrelationWithInterval>(groups.length);
  for (const g of order) {
    const { x, y, groupsX, groupsY } = groups[g];
    out[g] = correlationWithInterval(x, y, budget.resamplesFor(x.length), options, groupsX, groupsY);
  }
  return out;
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Per-group statistics (a class's Pearson r, its calibration errors) from fewer true positives than this are shown
 * greyed out as unreliable: with n = 2 any Pearson r is ±1, and the 95% Fisher interval at n = 10 still spans ±0.6.
 */
export const MIN_SAMPLE_FOR_STATISTICS = 10;

/**
 * Asymptotic interval in Fisher's z space: tanh(atanh(r) ± q·se), se = 1/√(n−3) for Pearson (Fisher 1921) and
 * √((1 + rho²/2)/(n−3)) for Spearman (Bonett & Wright 2000). Null for n ≤ 3; [r, r] for |r| = 1.
 */
export function fisherInterval(r: number, n: number, level: number, spearmanRho: boolean): [number, number] | null {
  if (n <= 3) return null;
  if (Math.abs(r) >= 1) return [r, r];
  const se = spearmanRho ? Math.sqrt((1 + (r * r) / 2) / (n - 3)) : 1 / Math.sqrt(n - 3);
  const q = normalQuantile(1 - (1 - level) / 2);
  const z = Math.atanh(r);
  return [Math.tanh(z - q * se), Math.tanh(z + q * se)];
}

export interface CorrelationWithInterval {
  n: number;
  /** Bootstrap resamples drawn (0 for asymptotic or no interval). */
  resamples: number;
  /** How the intervals were obtained: percentile bootstrap, asymptotic (Fisher z), or none (undefined statistic or n too small). */
  ciMethod: 'bootstrap' | 'asymptotic' | null;
  pearson: number | null;
  spearman: number | null;
  /** Percentile bootstrap intervals [low, high]; null when the statistic is undefined or n < 3. */
  pearsonCI: [number, number] | null;
  spearmanCI: [number, number] | null;
}

/** Pearson and Spearman with percentile bootstrap intervals (exactly `options.resamples` resamples, no budget). */
export function correlationWithBootstrap(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): CorrelationWithInterval {
  return correlationWithInterval(x, y, options.resamples, options);
}

/**
 * Pearson and Spearman with intervals. resamples > 0: percentile bootstrap (pairs resampled with replacement,
 * Efron's percentile method), both statistics from the same resamples; each resample is held as multiplicities and
 * re-ranked exactly in O(n) (ties averaged within the resample), so Spearman's interval needs no sort per resample.
 * Resamples where a statistic is undefined (a constant column) are skipped; no interval when fewer than half are
 * usable. resamples = 0: the asymptotic Fisher-z intervals (fisherInterval).
 */
export function correlationWithInterval(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  resamples: number,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
  knownGroupsX?: DenseGroups,
  knownGroupsY?: DenseGroups,
): CorrelationWithInterval {
  const n = x.length;
  // Tie groups once (or given by the caller): they give the ranks for Spearman and are reused by every resample.
  const groupsX = knownGroupsX ?? denseGroups(x);
  const groupsY = knownGroupsY ?? denseGroups(y);
  const ranksX = new Float64Array(n);
  const ranksY = new Float64Array(n);
  const scratchX = new Float64Array(groupsX.groups);
  const scratchY = new Float64Array(groupsY.groups);
  ranksWithCounts(groupsX.groupOf, groupsX.groups, null, scratchX, ranksX);
  ranksWithCounts(groupsY.groupOf, groupsY.groups, null, scratchY, ranksY);
  const result: CorrelationWithInterval = {
    n,
    resamples: 0,
    ciMethod: null,
    pearson: pearson(x, y),
    spearman: n < 2 ? null : pearson(ranksX, ranksY),
    pearsonCI: null,
    spearmanCI: null,
  };
  if (n < 3 || (result.pearson === null && result.spearman === null)) return result;
  if (resamples < 1) {
    if (n <= 3) return result;
    result.ciMethod = 'asymptotic';
    result.pearsonCI = result.pearson === null ? null : fisherInterval(result.pearson, n, options.level, false);
    result.spearmanCI = result.spearman === null ? null : fisherInterval(result.spearman, n, options.level, true);
    return result;
  }
  result.ciMethod = 'bootstrap';
  result.resamples = resamples;
  const random = createRng(options.seed);
  const counts = new Uint32Array(n);
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i] / n;
    meanY += y[i] / n;
  }
  const meanRank = (n + 1) / 2;
  const pearsons: number[] = [];
  const spearmans: number[] = [];
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(random() * n) | 0]++;
    if (result.pearson !== null) {
      const r = countsPearson(x, y, counts, meanX, meanY);
      if (r !== null) pearsons.push(r);
    }
    if (result.spearman !== null) {
      ranksWithCounts(groupsX.groupOf, groupsX.groups, counts, scratchX, ranksX);
      ranksWithCounts(groupsY.groupOf, groupsY.groups, counts, scratchY, ranksY);
      const rho = countsPearson(ranksX, ranksY, counts, meanRank, meanRank);
      if (rho !== null) spearmans.push(rho);
    }
  }
  result.pearsonCI = percentileInterval(pearsons, resamples, options.level);
  result.spearmanCI = percentileInterval(spearmans, resamples, options.level);
  return result;
}

/** Efron's percentile interval of bootstrap samples; null when fewer than half of the resamples were usable. */
export function percentileInterval(samples: number[], resamples: number, level: number): [number, number] | null {
  if (samples.length === 0 || samples.length < resamples / 2) return null;
  const sorted = Float64Array.from(samples).sort();
  const alpha = (1 - level) / 2;
  return [quantileSorted(sorted, alpha), quantileSorted(sorted, 1 - alpha)];
}

/** Linear-interpolation quantile of sorted data (numpy's default "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  const fraction = position - lower;
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}
