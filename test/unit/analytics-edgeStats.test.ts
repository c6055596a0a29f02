import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeEdgeStats, edgeStatsForDetections, type EdgeStatsInput } from '../../extension/core/analytics/edgeStats.ts';
import { EDGE_NAMES } from '../../extension/core/types.ts';

// Statistics are stored as float32 (a 50k-image run has 4.6M detections): 1/3 reads back as 0.33333334.
const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

// R = 7 (8 bins), the NanoDet/PicoDet reg_max.
const ONE_HOT_3 = [0, 0, 0, 1, 0, 0, 0, 0];
const TWO_BIN = [0, 0, 0.5, 0.5, 0, 0, 0, 0];
const UNIFORM = new Array(8).fill(1 / 8);
const BIMODAL = [0.5, 0, 0, 0, 0, 0, 0.3, 0.2];
const ONE_HOT_LAST = [0, 0, 0, 0, 0, 0, 0, 1];

function input(edges: number[][][], stride = 16, scaleX = 0.5, scaleY = 2): EdgeStatsInput {
  return {
    count: edges.length,
    regMax: 7,
    probs: edges.flat(2),
    hasProbs: edges.map(() => 1),
    stride: edges.map(() => stride),
    scaleX: edges.map(() => scaleX),
    scaleY: edges.map(() => scaleY),
  };
}

test('one-hot edge: mean at the bin, zero spread, all mass where DFL trains it, no ambiguity', () => {
  const s = computeEdgeStats(input([[ONE_HOT_3, ONE_HOT_3, ONE_HOT_3, ONE_HOT_3]]));
  assert.equal(s.mean[0], 3);
  assert.equal(s.std[0], 0);
  assert.equal(s.entropy[0], 0);
  assert.equal(s.top1[0], 1);
  assert.equal(s.topK[0], 1);
  assert.equal(s.dflMass[0], 1); // bins ⌊3⌋ = 3 and 4
  assert.equal(s.saturation[0], 0);
  assert.equal(s.bimodality[0], 0);
  assert.equal(s.ambiguity[0], 0);
});

test('two adjacent bins: the DFL target shape — std 0.5, entropy ln2/ln8 = 1/3, unimodal, not ambiguous', () => {
  const s = computeEdgeStats(input([[TWO_BIN, TWO_BIN, TWO_BIN, TWO_BIN]]));
  close(s.mean[1], 2.5);
  close(s.std[1], 0.5); // E[i²] − mean² = 6.5 − 6.25
  close(s.entropy[1], 1 / 3);
  close(s.top1[1], 0.5);
  close(s.topK[1], 1);
  close(s.dflMass[1], 1);
  assert.equal(s.bimodality[1], 0); // a plateau of two equal bins is one peak
  close(s.ambiguity[0], 0);
});

test('pixels: std · stride / scale with scaleX for left/right and scaleY for top/bottom', () => {
  const s = computeEdgeStats(input([[TWO_BIN, TWO_BIN, TWO_BIN, TWO_BIN]], 16, 0.5, 2));
  close(s.stdPx[0], (0.5 * 16) / 0.5); // left: 16 px
  close(s.stdPx[1], (0.5 * 16) / 2); // top: 4 px
  close(s.stdPx[2], 16);
  close(s.stdPx[3], 4);
});

test('uniform edge: entropy 1, top-4 mass ½, DFL mass 2/8, ambiguity 0.75, no second peak', () => {
  const s = computeEdgeStats(input([[UNIFORM, UNIFORM, UNIFORM, UNIFORM]]));
  close(s.mean[0], 3.5);
  close(s.std[0], Math.sqrt(140 / 8 - 12.25)); // √5.25
  close(s.entropy[0], 1);
  close(s.top1[0], 0.125);
  close(s.topK[0], 0.5);
  close(s.dflMass[0], 0.25);
  close(s.saturation[0], 0.125);
  assert.equal(s.bimodality[0], 0);
  close(s.ambiguity[0], 0.75);
});

test('bimodal edge: second-peak ratio 0.3/0.5, no mass at its own mean, ambiguity 1', () => {
  const s = computeEdgeStats(input([[BIMODAL, BIMODAL, BIMODAL, BIMODAL]]));
  close(s.mean[0], 3.2); // 6·0.3 + 7·0.2
  close(s.std[0], Math.sqrt(20.6 - 3.2 * 3.2)); // E[i²] = 36·0.3 + 49·0.2
  close(s.entropy[0], -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2)) / Math.log(8));
  close(s.topK[0], 1);
  close(s.saturation[0], 0.2);
  close(s.bimodality[0], 0.6);
  close(s.dflMass[0], 0); // bins 3 and 4 are empty
  close(s.ambiguity[0], 1);
});

test('bimodality needs a dip: a shoulder next to the main peak is not a second peak', () => {
  const shoulder = [0.3, 0.3, 0.4, 0, 0, 0, 0, 0]; // bin 0 is a local max but no bin between it and bin 2 is lower
  const s = computeEdgeStats(input([[shoulder, shoulder, shoulder, shoulder]]));
  assert.equal(s.bimodality[0], 0);
  const dipped = [0.3, 0.1, 0.6, 0, 0, 0, 0, 0];
  close(computeEdgeStats(input([[dipped, dipped, dipped, dipped]])).bimodality[0], 0.5);
});

test('mean at R: DFL mass uses bins R−1 and R; saturation is the last-bin mass', () => {
  const s = computeEdgeStats(input([[ONE_HOT_LAST, ONE_HOT_LAST, ONE_HOT_LAST, ONE_HOT_LAST]]));
  assert.equal(s.mean[0], 7);
  assert.equal(s.dflMass[0], 1);
  assert.equal(s.saturation[0], 1);
});

test('ambiguity is the worst edge, and names the edge that drives it', () => {
  const s = computeEdgeStats(input([
    [ONE_HOT_3, UNIFORM, BIMODAL, TWO_BIN],
    [TWO_BIN, TWO_BIN, TWO_BIN, UNIFORM],
  ]));
  close(s.ambiguity[0], 1);
  assert.equal(EDGE_NAMES[s.drivingEdge[0]], 'right');
  close(s.ambiguity[1], 0.75);
  assert.equal(EDGE_NAMES[s.drivingEdge[1]], 'bottom');
});

test('unnormalised groups are renormalised; detections without distributions get NaN', () => {
  const doubled = TWO_BIN.map((v) => 2 * v);
  const s = computeEdgeStats({ ...input([[doubled, doubled, doubled, doubled], [UNIFORM, UNIFORM, UNIFORM, UNIFORM]]), hasProbs: [1, 0] });
  close(s.std[0], 0.5);
  close(s.dflMass[0], 1);
  assert.ok(Number.isNaN(s.mean[4]));
  assert.ok(Number.isNaN(s.ambiguity[1]));
});

test('edgeStatsForDetections: packs Detection-like objects; null when no detection has a distribution', () => {
  const stats = edgeStatsForDetections(
    [{ detection: { stride: 8, edgeProbs: [...UNIFORM, ...UNIFORM, ...UNIFORM, ...TWO_BIN] }, scaleX: 1, scaleY: 1 }],
    7,
  );
  assert.ok(stats);
  close(stats.ambiguity[0], 0.75);
  close(stats.stdPx[3], 0.5 * 8);
  assert.equal(edgeStatsForDetections([{ detection: { stride: 8 }, scaleX: 1, scaleY: 1 }], 7), null);
  assert.equal(edgeStatsForDetections([], 7), null);
});

test('stored (16-bit) distributions: the entropy from q·ln q equals −Σ p ln p / ln(R+1), and every other statistic is the same', () => {
  // Random quantised edges (sparse ones too: 1–8 non-zero bins), and the extremes: one bin, all bins equal, q = 65535.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const edges: number[][] = [[0, 0, 0, 65535, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1], [65535, 65535, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0]];
  while (edges.length < 4000) {
    const q = new Array(8).fill(0);
    const nonZero = 1 + Math.floor(random() * 8);
    for (let j = 0; j < nonZero; j++) q[Math.floor(random() * 8)] = Math.floor(random() * 65536);
    edges.push(q);
  }
  const count = edges.length / 4;
  const flat = edges.flat();
  const common = { count, regMax: 7, hasProbs: new Uint8Array(count).fill(1), stride: new Float64Array(count).fill(8), scaleX: new Float64Array(count).fill(1), scaleY: new Float64Array(count).fill(1) };
  const stored = computeEdgeStats({ ...common, probs: Uint16Array.from(flat) });
  const generic = computeEdgeStats({ ...common, probs: Float64Array.from(flat) });
  for (let o = 0; o < 4 * count; o++) {
    const q = edges[o];
    const sum = q.reduce((a, b) => a + b, 0);
    let expected = 0;
    for (const v of q) if (v > 0) expected -= (v / sum) * Math.log(v / sum);
    expected /= Math.log(8);
    assert.ok(Math.abs(stored.entropy[o] - expected) <= 1e-7, `edge ${o} (${q}): entropy ${stored.entropy[o]}, expected ${expected}`);
    assert.ok(stored.entropy[o] >= 0);
    for (const field of ['mean', 'std', 'top1', 'topK', 'dflMass', 'saturation', 'bimodality'] as const) {
      assert.equal(stored[field][o], generic[field][o], `${field} of edge ${o}`);
    }
  }
  assert.equal(stored.entropy[0], 0, 'one bin: exactly 0');
  close(stored.entropy[1], 1);
});
