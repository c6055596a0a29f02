// Statistics of the learned DFL edge distributions (Generalized Focal Loss, Li et al. 2020): per detection and edge
// (l, t, r, b), over bins 0..R in stride units. Typed arrays, one pass per edge: 100k detections × 4 edges × 8
// bins take a few tens of milliseconds.
//
// Per edge, with p_0..p_R the bin probabilities (renormalised to sum 1):
//   mean        Σ i·p_i (bins) — the DFL expectation, i.e. the predicted distance
//   std         sqrt(Σ i²·p_i − mean²) (bins); stdPx = std · stride / scale, in original-image pixels
//               (scaleX for left/right, scaleY for top/bottom: original = (input − pad) / scale)
//   entropy     −Σ p_i ln p_i / ln(R+1), normalised to [0, 1] (1 = uniform)
//   top1        max_i p_i;  topK: sum of the k = 4 largest p_i (GFLv2's distribution feature)
//   dflMass     p_l + p_{l+1} with l = min(⌊mean⌋, R−1): the two bins DFL trains for a target at `mean`
//   saturation  p_R: mass on the last bin (the object edge may lie beyond the representable range R·stride)
//   bimodality  second-peak ratio: p_j / p_max for the highest local maximum j ≠ argmax that is separated from the
//               main peak by a dip (some bin strictly between them lower than p_j); 0 when unimodal.
//               Local maximum: p_j > p_{j−1} (or j = 0) and p_j ≥ p_{j+1} (or j = R), so a plateau counts once.
//
// Ambiguity of an edge = 1 − dflMass. DFL's target puts all mass on the two bins adjacent to the true distance, so a
// well-localised edge has dflMass ≈ 1 around its own mean. Mass elsewhere means either a flat distribution (the
// boundary could be anywhere: 1 − 2/(R+1) when uniform) or a second mode (two candidate boundaries: the mean falls
// between the modes, where little mass is, so the value approaches 1). One number therefore covers both failure
// shapes on the [0, 1] scale of a probability, unlike entropy, which scores a clean two-mode distribution as fairly
// sharp. A box is as ambiguous as its worst edge (IoU is limited by the worst edge), so box ambiguity = max over
// edges, and the arg-max edge is the one that drives it.

export const TOP_K = 4;

export interface EdgeStatsInput {
  count: number;
  regMax: number;
  /** count × 4 × (regMax + 1) probabilities, edges l, t, r, b. */
  probs: ArrayLike<number>;
  /** 1 when the detection has a distribution (models with integrated DFL have none). */
  hasProbs: ArrayLike<number>;
  /** FPN stride per detection (input pixels per bin). */
  stride: ArrayLike<number>;
  /** Input→original scale per detection (original = (input − pad) / scale). */
  scaleX: ArrayLike<number>;
  scaleY: ArrayLike<number>;
}

/** Per-edge arrays have count × 4 entries (index 4·i + edge); NaN where a detection has no distribution. Float32: the
 * statistics need ~1e-3, and a 50k-image run holds 4.6M detections. */
export interface EdgeStats {
  count: number;
  regMax: number;
  mean: Float32Array;
  std: Float32Array;
  stdPx: Float32Array;
  entropy: Float32Array;
  top1: Float32Array;
  topK: Float32Array;
  dflMass: Float32Array;
  saturation: Float32Array;
  bimodality: Float32Array;
  /** Per box: max over edges of 1 − dflMass (NaN without distribution), and the edge (0..3) attaining it. */
  ambiguity: Float32Array;
  drivingEdge: Uint8Array;
}

/**
 * Computes every edge statistic and the per-box ambiguity. `reuse`: arrays of an earlier result with room for `count`
 * detections, written again (a run computed in chunks allocates them once).
 */
export function computeEdgeStats(input: EdgeStatsInput, reuse?: EdgeStats): EdgeStats {
  const { count, regMax, probs } = input;
  const bins = regMax + 1;
  const n4 = count * 4;
  const stats: EdgeStats = reuse && reuse.ambiguity.length >= count ? { ...reuse, count, regMax } : {
    count,
    regMax,
    mean: new Float32Array(n4),
    std: new Float32Array(n4),
    stdPx: new Float32Array(n4),
    entropy: new Float32Array(n4),
    top1: new Float32Array(n4),
    topK: new Float32Array(n4),
    dflMass: new Float32Array(n4),
    saturation: new Float32Array(n4),
    bimodality: new Float32Array(n4),
    ambiguity: new Float32Array(count),
    drivingEdge: new Uint8Array(count),
  };
  // Locals, not property loads, in the hot loop.
  const { mean: meanOut, std: stdOut, stdPx: stdPxOut, entropy: entropyOut, top1: top1Out, topK: topKOut } = stats;
  const { dflMass: dflOut, saturation: saturationOut, bimodality: bimodalityOut, ambiguity: ambiguityOut, drivingEdge: drivingOut } = stats;
  const { hasProbs, stride, scaleX, scaleY } = input;
  const p = new Float64Array(bins);
  const sortedDesc = new Float64Array(Math.max(1, Math.min(TOP_K, bins)));
  const inverseLogBins = bins > 1 ? 1 / Math.log(bins) : 0;
  const k = Math.min(TOP_K, bins);
  // A stored run's probabilities are 16-bit integers q (renormalised below): its entropy is taken as
  // ln S − Σ q ln q / S (S = Σ q), one logarithm per edge instead of one per bin, with q ln q from a table.
  const qLogQ = probs instanceof Uint16Array ? integerXLogX() : null;

  for (let i = 0; i < count; i++) {
    if (!hasProbs[i]) {
      for (let o = 4 * i; o < 4 * i + 4; o++) {
        meanOut[o] = stdOut[o] = stdPxOut[o] = entropyOut[o] = top1Out[o] = NaN;
        topKOut[o] = dflOut[o] = saturationOut[o] = bimodalityOut[o] = NaN;
      }
      ambiguityOut[i] = NaN;
      continue;
    }
    let worst = -1;
    let worstEdge = 0;
    for (let e = 0; e < 4; e++) {
      const base = (4 * i + e) * bins;
      let sum = 0;
      let entropy = 0;
      if (qLogQ) {
        let sumQLogQ = 0, nonZero = 0;
        for (let b = 0; b < bins; b++) {
          const q = probs[base + b];
          p[b] = q;
          sum += q;
          sumQLogQ += qLogQ[q];
          if (q > 0) nonZero++;
        }
        // One non-zero bin is exactly 0 (the difference below would leave rounding); never below 0.
        if (nonZero > 1) entropy = Math.max(0, Math.log(sum) - sumQLogQ / sum);
      } else {
        for (let b = 0; b < bins; b++) {
          const v = probs[base + b];
          const clamped = v > 0 ? v : 0;
          p[b] = clamped;
          sum += clamped;
        }
      }
      const inverseSum = sum > 0 ? 1 / sum : 0;
      let mean = 0;
      let second = 0;
      let top1 = 0;
      let argmax = 0;
      for (let b = 0; b < bins; b++) {
        const v = p[b] * inverseSum;
        p[b] = v;
        mean += b * v;
        second += b * b * v;
        if (!qLogQ && v > 0) entropy -= v * Math.log(v);
        if (v > top1) {
          top1 = v;
          argmax = b;
        }
        // The k largest so far, descending (insertion into k slots; most bins are rejected by the first test).
        if (b < k || v > sortedDesc[k - 1]) {
          let j = Math.min(b, k) - 1;
          while (j >= 0 && sortedDesc[j] < v) {
            if (j + 1 < k) sortedDesc[j + 1] = sortedDesc[j];
            j--;
          }
          if (j + 1 < k) sortedDesc[j + 1] = v;
        }
      }
      const variance = second - mean * mean;
      const std = variance > 0 ? Math.sqrt(variance) : 0;
      let topK = 0;
      for (let j = 0; j < k; j++) topK += sortedDesc[j];

      const low = Math.min(Math.floor(mean), regMax - 1);
      const dflMass = p[low] + p[low + 1];

      let bimodality = 0;
      if (top1 > 0) {
        for (let j = 0; j < bins; j++) {
          const v = p[j];
          if (j === argmax || v <= 0) continue;
          if ((j > 0 && v <= p[j - 1]) || (j < bins - 1 && v < p[j + 1])) continue; // not a local maximum
          const from = j < argmax ? j + 1 : argmax + 1;
          const to = j < argmax ? argmax : j;
          let dip = Infinity;
          for (let m = from; m < to; m++) if (p[m] < dip) dip = p[m];
          if (dip < v && v / top1 > bimodality) bimodality = v / top1;
        }
      }

      const o = 4 * i + e;
      const scale = e === 0 || e === 2 ? scaleX[i] : scaleY[i];
      meanOut[o] = mean;
      stdOut[o] = std;
      stdPxOut[o] = (std * stride[i]) / scale;
      entropyOut[o] = entropy * inverseLogBins;
      top1Out[o] = top1;
      topKOut[o] = topK;
      dflOut[o] = dflMass;
      saturationOut[o] = p[regMax];
      bimodalityOut[o] = bimodality;
      const ambiguity = 1 - dflMass;
      if (ambiguity > worst) {
        worst = ambiguity;
        worstEdge = e;
      }
    }
    ambiguityOut[i] = worst > 0 ? worst : 0;
    drivingOut[i] = worstEdge;
  }
  return stats;
}

/** Minimal view of a detection for edge statistics (Detection satisfies it). */
export interface EdgeStatsDetection {
  stride: number;
  edgeProbs?: number[];
}

/**
 * Packs detections (each with its image's input→original scale) into typed arrays and computes the statistics.
 * Returns null when no detection carries a distribution (a model that integrates DFL in its graph).
 */
export function edgeStatsForDetections(
  detections: readonly { detection: EdgeStatsDetection; scaleX: number; scaleY: number }[],
  regMax: number,
): EdgeStats | null {
  const count = detections.length;
  const bins = regMax + 1;
  const probs = new Float64Array(count * 4 * bins);
  const hasProbs = new Uint8Array(count);
  const stride = new Float64Array(count);
  const scaleX = new Float64Array(count);
  const scaleY = new Float64Array(count);
  let any = false;
  for (let i = 0; i < count; i++) {
    const { detection } = detections[i];
    stride[i] = detection.stride;
    scaleX[i] = detections[i].scaleX;
    scaleY[i] = detections[i].scaleY;
    const edgeProbs = detection.edgeProbs;
    if (edgeProbs && edgeProbs.length === 4 * bins) {
      probs.set(edgeProbs, i * 4 * bins);
      hasProbs[i] = 1;
      any = true;
    }
  }
  if (!any) return null;
  return computeEdgeStats({ count, regMax, probs, hasProbs, stride, scaleX, scaleY });
}

let xLogXTable: Float64Array | null = null;

/** q · ln q for every 16-bit integer q (0 for q = 0), computed once. */
function integerXLogX(): Float64Array {
  if (!xLogXTable) {
    xLogXTable = new Float64Array(65536);
    for (let q = 1; q < 65536; q++) xLogXTable[q] = q * Math.log(q);
  }
  return xLogXTable;
}
