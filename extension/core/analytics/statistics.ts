// Small, exact statistics used by the GFL analytics: correlations, average ranks, rank AUROC and a seeded
// bootstrap. Pure and allocation-light (typed arrays) so 100k detections stay well under a second.

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same bootstrap intervals on every machine. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
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

/** Indices 0..n-1 sorted by value ascending (stable). */
export function argsortAscending(values: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Typed-array sort with a comparator is stable in V8 and avoids boxing.
  order.sort((a, b) => values[a] - values[b] || a - b);
  return order;
}

/** 1-based ranks with ties given their average rank (the convention of Spearman's rho and the Mann–Whitney U). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = argsortAscending(values);
  const ranks = new Float64Array(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
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

/** Ties structure of one variable, precomputed once so every bootstrap resample can be re-ranked in O(n). */
interface TieGroups {
  order: Uint32Array;
  /** groupStart[g] .. groupStart[g+1]-1 are positions in `order` holding equal values. */
  groupStart: Uint32Array;
}

function tieGroups(values: ArrayLike<number>): TieGroups {
  const order = argsortAscending(values);
  const starts: number[] = [];
  for (let k = 0; k < order.length; k++) {
    if (k === 0 || values[order[k]] !== values[order[k - 1]]) starts.push(k);
  }
  starts.push(order.length);
  return { order, groupStart: Uint32Array.from(starts) };
}

// Average ranks of the elements of a resample given as multiplicities: each group of equal values occupies the
// next `sum of its counts` rank positions, every copy getting the group's mean position.
function resampleRanks(groups: TieGroups, counts: Uint32Array, out: Float64Array): void {
  const { order, groupStart } = groups;
  let below = 0;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    let inGroup = 0;
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) inGroup += counts[order[k]];
    const rank = below + (inGroup + 1) / 2;
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) out[order[k]] = rank;
    below += inGroup;
  }
}

export interface BootstrapOptions {
  /** Number of resamples (percentile interval). */
  resamples: number;
  seed: number;
  /** Central coverage, e.g. 0.95. */
  level: number;
}

export const DEFAULT_BOOTSTRAP: Readonly<BootstrapOptions> = Object.freeze({ resamples: 1000, seed: 20240917, level: 0.95 });

/**
 * Bootstrap settings for a sample of size n under a work cap: up to `fullUpTo` elements the full resample count,
 * beyond it proportionally fewer (never fewer than `minResamples`). Large samples have narrow intervals, so fewer
 * resamples still place the percentiles well, and 100k-detection runs stay fast.
 */
export function cappedBootstrap(n: number, options: BootstrapOptions, fullUpTo = 20000, minResamples = 200): BootstrapOptions {
  if (n <= fullUpTo) return options;
  const resamples = Math.min(options.resamples, Math.max(minResamples, Math.round((options.resamples * fullUpTo) / n)));
  return { ...options, resamples };
}

export interface CorrelationWithInterval {
  n: number;
  /** Bootstrap resamples drawn (0 when no interval was attempted). */
  resamples: number;
  pearson: number | null;
  spearman: number | null;
  /** Percentile bootstrap intervals [low, high]; null when the statistic is undefined or n < 3. */
  pearsonCI: [number, number] | null;
  spearmanCI: [number, number] | null;
}

/**
 * Pearson and Spearman with percentile bootstrap intervals from the same resamples (pairs resampled with
 * replacement, Efron's percentile method). Each resample is held as multiplicities and re-ranked exactly in O(n)
 * (ties averaged within the resample), so Spearman's interval costs no sort per resample. Resamples where a
 * statistic is undefined (a constant column) are skipped; the interval is null when fewer than half are usable.
 */
export function correlationWithBootstrap(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: BootstrapOptions = DEFAULT_BOOTSTRAP,
): CorrelationWithInterval {
  const n = x.length;
  const result: CorrelationWithInterval = {
    n,
    resamples: 0,
    pearson: pearson(x, y),
    spearman: spearman(x, y),
    pearsonCI: null,
    spearmanCI: null,
  };
  if (n < 3 || options.resamples < 1 || (result.pearson === null && result.spearman === null)) return result;

  result.resamples = options.resamples;
  const random = createRng(options.seed);
  const counts = new Uint32Array(n);
  const ranksX = new Float64Array(n);
  const ranksY = new Float64Array(n);
  const groupsX = tieGroups(x);
  const groupsY = tieGroups(y);
  const pearsons: number[] = [];
  const spearmans: number[] = [];
  for (let b = 0; b < options.resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(random() * n) | 0]++;
    if (result.pearson !== null) {
      const r = weightedPearson(x, y, counts);
      if (r !== null) pearsons.push(r);
    }
    if (result.spearman !== null) {
      resampleRanks(groupsX, counts, ranksX);
      resampleRanks(groupsY, counts, ranksY);
      const rho = weightedPearson(ranksX, ranksY, counts);
      if (rho !== null) spearmans.push(rho);
    }
  }
  result.pearsonCI = percentileInterval(pearsons, options.resamples, options.level);
  result.spearmanCI = percentileInterval(spearmans, options.resamples, options.level);
  return result;
}

function percentileInterval(samples: number[], resamples: number, level: number): [number, number] | null {
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

/** Picks elements of a numeric array by index into a new Float64Array. */
export function gather(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}
