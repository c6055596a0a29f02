// GFL decoding: per-edge softmax → expectation × stride → distance2bbox around anchor centres → clip →
// score threshold → per-level top-k → class-aware NMS → max per image. Keeps every detection's 4×(R+1)
// edge probabilities, which is the point of GFL Lens.
import { inputBoxToOriginal } from './geometry.ts';
import type { HeadLevel } from './head.ts';
import { nms } from './nms.ts';
import type { DecodeOptions, Detection, InputTransform } from './types.ts';

export interface DecodeHead {
  numClasses: number;
  regMax: number;
  /** false: distances are already integrated [N, 4] in stride units (no distributions). */
  hasDistributions: boolean;
  scoresActivated: boolean;
  distributionsActivated: boolean;
  /** Anchor centre = (x + centerOffset)·stride. */
  centerOffset: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Softmax of `count` values starting at `offset`, written to `out` at `outOffset`. Returns the expectation Σ i·p_i. */
export function softmaxExpectation(values: ArrayLike<number>, offset: number, count: number, out: Float64Array, outOffset: number, alreadySoftmaxed: boolean): number {
  let expectation = 0;
  if (alreadySoftmaxed) {
    for (let k = 0; k < count; k++) {
      out[outOffset + k] = values[offset + k];
      expectation += k * values[offset + k];
    }
    return expectation;
  }
  let max = -Infinity;
  for (let k = 0; k < count; k++) max = Math.max(max, values[offset + k]);
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const e = Math.exp(values[offset + k] - max);
    out[outOffset + k] = e;
    sum += e;
  }
  for (let k = 0; k < count; k++) {
    out[outOffset + k] /= sum;
    expectation += k * out[outOffset + k];
  }
  return expectation;
}

interface Candidate {
  box: [number, number, number, number];
  score: number;
  classIndex: number;
  level: number;
  stride: number;
  anchor: [number, number];
  distances: [number, number, number, number];
  edgeProbs?: number[];
}

/**
 * Decodes one image's head outputs into detections in original pixels (boxes clipped to the input, then mapped
 * back and clipped to the original image). NMS runs in model-input space, as NanoDet and the reference do.
 */
export function decodeDetections(levels: readonly HeadLevel[], head: DecodeHead, transform: InputTransform, options: DecodeOptions): Detection[] {
  const { numClasses: C, regMax } = head;
  const bins = regMax + 1;
  // Threshold in the tensor's own units, so logits need no sigmoid unless they pass.
  const rawThreshold = head.scoresActivated ? options.scoreThreshold : logit(options.scoreThreshold);
  const candidates: Candidate[] = [];
  const probs = new Float64Array(4 * bins);

  levels.forEach((level, levelIndex) => {
    const { scores, distances, stride, gridW } = level;
    const anchors = level.gridW * level.gridH;
    const distanceWidth = head.hasDistributions ? 4 * bins : 4;
    // Anchors whose best class passes the threshold, then the top-k of those by best score (mmdet nms_pre).
    let passing: { anchor: number; best: number }[] = [];
    for (let a = 0; a < anchors; a++) {
      let best = -Infinity;
      const row = a * C;
      for (let c = 0; c < C; c++) if (scores[row + c] > best) best = scores[row + c];
      if (best > rawThreshold) passing.push({ anchor: a, best });
    }
    if (passing.length > options.topKPerLevel) {
      passing.sort((x, y) => y.best - x.best || x.anchor - y.anchor);
      passing = passing.slice(0, options.topKPerLevel);
    }
    for (const { anchor: a } of passing) {
      const cx = ((a % gridW) + head.centerOffset) * stride;
      const cy = (Math.floor(a / gridW) + head.centerOffset) * stride;
      const d: [number, number, number, number] = [0, 0, 0, 0];
      let edgeProbs: number[] | undefined;
      if (head.hasDistributions) {
        for (let e = 0; e < 4; e++) d[e] = softmaxExpectation(distances, a * distanceWidth + e * bins, bins, probs, e * bins, head.distributionsActivated);
        edgeProbs = Array.from(probs, (p) => Math.fround(p));
      } else {
        for (let e = 0; e < 4; e++) d[e] = distances[a * 4 + e];
      }
      const box: [number, number, number, number] = [
        clamp(cx - d[0] * stride, transform.inputWidth), clamp(cy - d[1] * stride, transform.inputHeight),
        clamp(cx + d[2] * stride, transform.inputWidth), clamp(cy + d[3] * stride, transform.inputHeight),
      ];
      const row = a * C;
      for (let c = 0; c < C; c++) {
        const raw = scores[row + c];
        if (raw <= rawThreshold) continue;
        candidates.push({
          box, score: head.scoresActivated ? raw : sigmoid(raw), classIndex: c, level: levelIndex, stride,
          anchor: [cx, cy], distances: d, edgeProbs,
        });
      }
    }
  });

  const flatBoxes = new Float64Array(candidates.length * 4);
  candidates.forEach((c, i) => flatBoxes.set(c.box, i * 4));
  const kept = nms(flatBoxes, candidates.map((c) => c.score), options.nmsIoU,
    options.classAgnosticNms ? undefined : candidates.map((c) => c.classIndex));
  return kept.slice(0, options.maxPerImage).map((i) => {
    const c = candidates[i];
    return {
      bbox: inputBoxToOriginal(c.box, transform),
      score: c.score,
      classIndex: c.classIndex,
      level: c.level,
      stride: c.stride,
      anchor: c.anchor,
      distances: [...c.distances] as [number, number, number, number],
      ...(c.edgeProbs ? { edgeProbs: c.edgeProbs } : {}),
    };
  });
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
