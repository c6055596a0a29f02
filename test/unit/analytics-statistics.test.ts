import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aurocByRanks,
  averageRanks,
  BootstrapBudget,
  correlationsWithBudget,
  correlationWithBootstrap,
  correlationWithInterval,
  createRng,
  DEFAULT_BOOTSTRAP,
  denseGroups,
  subsetDenseGroups,
  fisherInterval,
  normalQuantile,
  pearson,
  quantileSorted,
  spearman,
} from '../../extension/core/analytics/statistics.ts';

const close = (actual: number | null, expected: number, tolerance = 1e-9) => {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
};

test('pearson: hand-computed r for x = 1..4, y = 2,4,5,4', () => {
  // means 2.5 and 3.75; Σdxdy = 3.5, Σdx² = 5, Σdy² = 4.75 → r = 3.5 / √23.75 = 0.718184846...
  close(pearson([1, 2, 3, 4], [2, 4, 5, 4]), 3.5 / Math.sqrt(23.75));
  close(pearson([1, 2, 3], [6, 4, 2]), -1);
});

test('pearson: undefined (null) for one point and for a constant variable', () => {
  assert.equal(pearson([0.7], [0.3]), null);
  assert.equal(pearson([], []), null);
  assert.equal(pearson([0.5, 0.5, 0.5], [0.1, 0.4, 0.9]), null);
  assert.equal(pearson([0.1, 0.4, 0.9], [0, 0, 0]), null);
});

test('averageRanks: ties share the mean of their positions', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
  assert.deepEqual([...averageRanks([3, 3, 3])], [2, 2, 2]);
});

test('spearman: ties averaged, hand-computed', () => {
  // y = 2,4,5,4 → ranks 1, 2.5, 4, 2.5; x ranks 1..4. Σdxdy = 3, Σdx² = 5, Σdy² = 4.5 → rho = 3/√22.5 = 0.632455...
  close(spearman([1, 2, 3, 4], [2, 4, 5, 4]), 3 / Math.sqrt(22.5));
  // Without ties rho = 1 − 6Σd²/(n(n²−1)): ranks (4,3,2,1) vs (4,2,3,1): Σd² = 2 → 1 − 12/60 = 0.8.
  close(spearman([0.9, 0.8, 0.3, 0.1], [0.9, 0.6, 0.7, 0]), 0.8);
  assert.equal(spearman([0.4, 0.4, 0.4], [0.1, 0.2, 0.3]), null);
  assert.equal(spearman([0.4], [0.1]), null);
});

test('aurocByRanks: Mann–Whitney with ties counted one half', () => {
  // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: wins 0.35>0.1, 0.8>0.1, 0.8>0.4 → 3/4.
  close(aurocByRanks([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  // Every pair tied → 0.5.
  close(aurocByRanks([0.5, 0.5, 0.5], [1, 0, 0]), 0.5);
  // One tie, one win: positive 0.5 vs negatives 0.5 (½) and 0.2 (1) → 0.75.
  close(aurocByRanks([0.5, 0.5, 0.2], [true, false, false]), 0.75);
  assert.equal(aurocByRanks([0.1, 0.2], [1, 1]), null);
  assert.equal(aurocByRanks([], []), null);
});

test('quantileSorted: numpy linear interpolation', () => {
  close(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  close(quantileSorted([1, 2, 3, 4], 0.025), 1.075);
  close(quantileSorted([7], 0.9), 7);
});

test('createRng: deterministic, in [0, 1)', () => {
  const a = createRng(42);
  const b = createRng(42);
  const values = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(values, Array.from({ length: 1000 }, () => b()));
  assert.ok(values.every((v) => v >= 0 && v < 1));
  assert.notDeepEqual(values.slice(0, 5), Array.from({ length: 5 }, createRng(43)));
});

test('bootstrap: one resample reproduces the brute-force statistics of that resample (exact O(n) re-ranking)', () => {
  const x = [0.9, 0.8, 0.8, 0.3, 0.1, 0.5, 0.5, 0.7];
  const y = [0.7, 0.6, 0.9, 0.4, 0.0, 0.5, 0.2, 0.2];
  const seed = 7;
  const result = correlationWithBootstrap(x, y, { ...DEFAULT_BOOTSTRAP, resamples: 1, seed });
  // Draw the same resample by hand and compute the statistics on the expanded sample.
  const random = createRng(seed);
  const counts = new Array<number>(x.length).fill(0);
  for (let i = 0; i < x.length; i++) counts[(random() * x.length) | 0]++;
  const xs: number[] = [];
  const ys: number[] = [];
  counts.forEach((c, i) => { for (let k = 0; k < c; k++) { xs.push(x[i]); ys.push(y[i]); } });
  assert.equal(result.resamples, 1);
  close(result.pearsonCI![0], pearson(xs, ys)!, 1e-12);
  close(result.pearsonCI![1], pearson(xs, ys)!, 1e-12);
  close(result.spearmanCI![0], spearman(xs, ys)!, 1e-12);
});

test('bootstrap: deterministic, brackets the estimate, exact for a perfect relation', () => {
  const random = createRng(1);
  const x = Array.from({ length: 300 }, () => random());
  const y = x.map((v) => v + 0.3 * random());
  const a = correlationWithBootstrap(x, y);
  const b = correlationWithBootstrap(x, y);
  assert.deepEqual(a, b);
  assert.equal(a.resamples, 1000);
  assert.ok(a.pearsonCI![0] < a.pearson! && a.pearson! < a.pearsonCI![1]);
  assert.ok(a.spearmanCI![0] < a.spearman! && a.spearman! < a.spearmanCI![1]);
  assert.ok(a.pearsonCI![1] - a.pearsonCI![0] < 0.1);

  const perfect = correlationWithBootstrap([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
  assert.deepEqual(perfect.spearmanCI, [1, 1]);
  close(perfect.pearsonCI![0], 1, 1e-12);
});

test('bootstrap: no interval for n < 3 or undefined statistics', () => {
  const two = correlationWithBootstrap([0.1, 0.2], [0.3, 0.5]);
  assert.equal(two.pearson, 1);
  assert.equal(two.pearsonCI, null);
  const constant = correlationWithBootstrap([0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]);
  assert.equal(constant.pearson, null);
  assert.equal(constant.spearmanCI, null);
  assert.equal(constant.resamples, 0);
  const empty = correlationWithBootstrap([], []);
  assert.equal(empty.n, 0);
  assert.equal(empty.spearman, null);
});

test('denseGroups: position among distinct values', () => {
  const { groupOf, groups } = denseGroups([0.5, 0.1, 0.5, 0.9]);
  assert.equal(groups, 3);
  assert.deepEqual([...groupOf], [1, 0, 1, 2]);
});

test('subsetDenseGroups: same groups as ranking the subset afresh, on both the sorting and the marking path', () => {
  const values = [0.5, 0.1, 0.5, 0.9, 0.3, 0.7, 0.7, 0.2];
  const global = denseGroups(values);
  for (const subset of [[0, 2, 5], [3, 1, 6, 0, 2, 5, 4]]) {
    const expected = denseGroups(subset.map((i) => values[i]));
    const actual = subsetDenseGroups(global, subset);
    assert.equal(actual.groups, expected.groups);
    assert.deepEqual([...actual.groupOf], [...expected.groupOf]);
  }
  // A subset small against the distinct values takes the sorting path.
  const many = Array.from({ length: 200 }, (_, i) => i / 200);
  const small = subsetDenseGroups(denseGroups(many), [150, 3, 77]);
  assert.deepEqual([...small.groupOf], [2, 0, 1]);
});

test('subsetDenseGroups with one reused scratch buffer: random subsets with ties equal ranking each subset afresh', () => {
  // Scores quantised to 1/500 (ties, like float32 scores), 20,000 values; subsets from 3 to 20,000 members take both
  // paths, and the shared scratch must come back all zero after each.
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values = Array.from({ length: 20000 }, () => Math.floor(random() * 500) / 500);
  const global = denseGroups(values);
  const scratch = new Int32Array(global.groups);
  for (const size of [3, 40, 300, 2000, 20000]) {
    const subset = Array.from({ length: size }, () => Math.floor(random() * values.length));
    const expected = denseGroups(subset.map((i) => values[i]));
    const actual = subsetDenseGroups(global, subset, scratch);
    assert.equal(actual.groups, expected.groups, `size ${size}`);
    assert.deepEqual([...actual.groupOf], [...expected.groupOf], `size ${size}`);
    assert.ok(scratch.every((v) => v === 0), 'scratch left zeroed');
  }
});

test('normalQuantile: known quantiles of the standard normal', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-8);
  close(normalQuantile(0.5), 0, 1e-12);
  close(normalQuantile(0.005), -2.5758293035489, 1e-8);
});

test('fisherInterval: tanh(atanh(r) ± 1.96/√(n−3)); Bonett–Wright se for Spearman', () => {
  // r = 0.5, n = 28: z = 0.549306, se = 0.2 → tanh(0.549306 ± 0.391993) = [0.1541, 0.7376].
  const q = 1.959963984540054;
  const ci = fisherInterval(0.5, 28, 0.95, false)!;
  close(ci[0], Math.tanh(Math.atanh(0.5) - q * 0.2), 1e-8);
  close(ci[1], Math.tanh(Math.atanh(0.5) + q * 0.2), 1e-8);
  // Spearman: se = √((1 + 0.125)/25) = 0.212132.
  const rho = fisherInterval(0.5, 28, 0.95, true)!;
  close(rho[1], Math.tanh(Math.atanh(0.5) + q * Math.sqrt(1.125 / 25)), 1e-8);
  assert.deepEqual(fisherInterval(1, 50, 0.95, false), [1, 1]);
  assert.equal(fisherInterval(0.3, 3, 0.95, false), null);
});

test('correlationWithInterval: resamples = 0 gives the asymptotic interval', () => {
  const x = [1, 2, 3, 4, 5, 6];
  const y = [2, 1, 4, 3, 6, 5];
  const r = correlationWithInterval(x, y, 0);
  assert.equal(r.ciMethod, 'asymptotic');
  assert.equal(r.resamples, 0);
  assert.deepEqual(r.pearsonCI, fisherInterval(r.pearson!, 6, 0.95, false));
  assert.deepEqual(r.spearmanCI, fisherInterval(r.spearman!, 6, 0.95, true));
  assert.equal(correlationWithInterval(x, y, 10).ciMethod, 'bootstrap');
});

test('BootstrapBudget: full count while it fits, a reduced count ≥ the floor, then asymptotic (0)', () => {
  const budget = new BootstrapBudget({ ...DEFAULT_BOOTSTRAP, resamples: 1000, budget: 1_000_000, minResamples: 200 });
  assert.equal(budget.resamplesFor(500), 1000); // 500k used
  assert.equal(budget.resamplesFor(2000), 250); // 500k left → 250 each
  assert.equal(budget.resamplesFor(10), 0); // nothing left
  assert.equal(new BootstrapBudget(DEFAULT_BOOTSTRAP).resamplesFor(3), 0); // too few pairs for any interval
});

test('correlationsWithBudget: smallest groups first get the bootstrap, results in input order', () => {
  const random = createRng(9);
  const big = Array.from({ length: 3000 }, () => random());
  const small = Array.from({ length: 50 }, () => random());
  const results = correlationsWithBudget(
    [{ x: big, y: big.map((v) => v + random()) }, { x: small, y: small.map((v) => v + random()) }],
    { ...DEFAULT_BOOTSTRAP, budget: 100_000 },
  );
  assert.deepEqual(results.map((r) => [r.n, r.ciMethod, r.resamples]), [[3000, 'asymptotic', 0], [50, 'bootstrap', 1000]]);
});
