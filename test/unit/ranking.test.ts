// Linear-time dense ranks of float32 columns against a comparison sort written here: ties, negatives, −0 and +0,
// subnormals and infinities; NaN is refused (callers fall back to a sort); the counting order is stable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countingOrder, denseRanksOfFloat32 } from '../../extension/core/ranking.ts';

/** Dense ascending ranks by sorting the distinct values (=== equality, so −0 and +0 are one value). */
function referenceRanks(values: Float32Array): number[] {
  const distinct = [...new Set(Array.from(values, (v) => (v === 0 ? 0 : v)))].sort((a, b) => a - b);
  return Array.from(values, (v) => distinct.indexOf(v === 0 ? 0 : v));
}

test('dense ranks of float32 values equal a sort\'s, ties, signs, zeros, subnormals and infinities included', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const special = [0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity, 0.5, 0.25];
  const values = Float32Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? special[i % special.length] : Math.round((random() - 0.5) * 200) / 8));
  const ranked = denseRanksOfFloat32(values)!;
  const expected = referenceRanks(values);
  assert.deepEqual(Array.from(ranked.rank), expected);
  assert.equal(ranked.distinct, Math.max(...expected) + 1);
  assert.equal(ranked.rank[values.indexOf(-0)], ranked.rank[values.indexOf(0)]);
});

test('NaN is refused; an empty column has no distinct value', () => {
  assert.equal(denseRanksOfFloat32(new Float32Array([1, NaN, 2])), null);
  assert.deepEqual(denseRanksOfFloat32(new Float32Array(0)), { rank: new Uint32Array(0), distinct: 0 });
});

test('the counting order is stable: equal keys keep their positions, within an earlier order too', () => {
  const keys = [2, 0, 1, 0, 2, 1, 0];
  assert.deepEqual(Array.from(countingOrder(keys.length, (i) => keys[i], 3, null)), [1, 3, 6, 2, 5, 0, 4]);
  assert.deepEqual(Array.from(countingOrder(keys.length, (i) => keys[i], 3, Int32Array.from([6, 5, 4, 3, 2, 1, 0]))), [6, 3, 1, 5, 2, 4, 0]);
});
