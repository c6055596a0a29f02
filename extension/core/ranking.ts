// Dense ranks and stable orders of a run's float32 columns (scores, IoUs) in linear time: two 16-bit counting-sort
// passes over an order-preserving integer key of each value, instead of a comparison sort of millions of doubles.
// The ranks are exactly the ones a sort would give (equal values share a rank; −0 equals +0); values must not be NaN.

const HALF = 1 << 16;

/** Order-preserving unsigned key of a float32 bit pattern: negative values reversed below the positive ones. */
function float32Key(bits: number): number {
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/**
 * Dense ascending ranks of float32 values: rank[i] = position of values[i] among the distinct values, ascending.
 * Returns null when some value is NaN (callers then fall back to a comparison sort).
 */
export function denseRanksOfFloat32(values: Float32Array): { rank: Uint32Array; distinct: number } | null {
  const n = values.length;
  const keys = new Uint32Array(n);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) return null;
    keys[i] = float32Key(v === 0 ? 0 : bits[i]);
  }
  // LSD radix sort of the indices by key (low half, then high half; each pass stable). The first pass's array then
  // holds the ranks: three arrays of n at most, on a 4.6M-detection run too.
  const byLow = countingOrder(n, (i) => keys[i] & 0xffff, HALF, null);
  const order = countingOrder(n, (i) => keys[i] >>> 16, HALF, byLow);
  const rank = new Uint32Array(byLow.buffer, byLow.byteOffset, n);
  let distinct = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (k > 0 && keys[i] !== keys[order[k - 1]]) distinct++;
    rank[i] = distinct;
  }
  return { rank, distinct: n > 0 ? distinct + 1 : 0 };
}

/**
 * The indices 0..n−1 (or `within`, in its order) stably ordered by an integer key in [0, buckets): a counting sort.
 * Ordering by a dense rank this way equals a sort by (rank, position).
 */
export function countingOrder(n: number, keyOf: (i: number) => number, buckets: number, within: Int32Array | null): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let k = 0; k < n; k++) start[keyOf(within ? within[k] : k) + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = within ? within[k] : k;
    out[start[keyOf(i)]++] = i;
  }
  return out;
}
