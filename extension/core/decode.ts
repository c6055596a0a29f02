// GFL decoding: per-edge softmax → expectation × stride → distance2bbox around anchor centres → clip →
// score threshold → per-level top-k → class-aware NMS → max per image. Keeps every detection's 4×(R+1)
// edge probabilities, which is the point of GFL Lens.
import { inputBoxToOriginal } from './geometry.ts';
import type { HeadLevel } from './head.ts';
import { nms } from './nms.ts';
import type { DecodeOptions, Detection, InputTransform, XYXY } from './types.ts';

export interface DecodeHead {
  numClasses: number;
  regMax: number;
  /** false: distances are already integrated [N, 4] in stride units (no distributions). */
  hasDistributions: boolean;
  scoresActivated: boolean;
  distributionsActivated: boolean;
  /** Anchor centre = (x + centerOffset)·stride. */
  centerOffset: number;
  /** Clip boxes to the input and the original image (false: amodal boxes may continue past the border). */
  clipBoxes: boolean;
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

/**
 * One anchor's box in model-input pixels (unclipped) and its expected edge distances l, t, r, b in stride units:
 * distance2bbox around the anchor centre (x + centerOffset)·stride. `probs` receives the 4 × (R+1) probabilities.
 */
export function decodeAnchorBox(level: HeadLevel, anchor: number, head: DecodeHead, probs: Float64Array): { box: XYXY; distances: [number, number, number, number] } {
  const { distances, stride, gridW } = level;
  const bins = head.regMax + 1;
  const distanceWidth = head.hasDistributions ? 4 * bins : 4;
  const cx = ((anchor % gridW) + head.centerOffset) * stride;
  const cy = (Math.floor(anchor / gridW) + head.centerOffset) * stride;
  const d: [number, number, number, number] = [0, 0, 0, 0];
  for (let e = 0; e < 4; e++) {
    d[e] = head.hasDistributions
      ? softmaxExpectation(distances, anchor * distanceWidth + e * bins, bins, probs, e * bins, head.distributionsActivated)
      : distances[anchor * 4 + e];
  }
  return { box: [cx - d[0] * stride, cy - d[1] * stride, cx + d[2] * stride, cy + d[3] * stride], distances: d };
}

/**
 * Decodes one image's head outputs into detections in original pixels (boxes clipped to the input, then mapped
 * back and clipped to the original image). NMS runs in model-input space, as NanoDet and the reference do.
 * Edge probabilities are materialised only for the detections that survive NMS.
 */
export function decodeDetections(levels: readonly HeadLevel[], head: DecodeHead, transform: InputTransform, options: DecodeOptions): Detection[] {
  const { numClasses: C, regMax } = head;
  const bins = regMax + 1;
  const distanceWidth = head.hasDistributions ? 4 * bins : 4;
  // Threshold in the tensor's own units, so logits need no sigmoid unless they pass.
  const rawThreshold = head.scoresActivated ? options.scoreThreshold : logit(options.scoreThreshold);
  const probs = new Float64Array(4 * bins);

  // Candidate boxes (one per passing anchor) and candidate detections (one per passing anchor × class).
  const boxLevel: number[] = [], boxAnchor: number[] = [], boxCoords: number[] = [], boxDistances: number[] = [];
  const candBox: number[] = [], candScore: number[] = [], candClass: number[] = [];

  levels.forEach((level, levelIndex) => {
    const { scores } = level;
    const anchors = level.gridW * level.gridH;
    // Anchors whose best class passes the threshold, then the top-k of those by best score (mmdet nms_pre).
    let passing: number[] = [];
    const best = new Float32Array(anchors);
    for (let a = 0; a < anchors; a++) {
      let m = -Infinity;
      const row = a * C;
      for (let c = 0; c < C; c++) if (scores[row + c] > m) m = scores[row + c];
      best[a] = m;
      if (m > rawThreshold) passing.push(a);
    }
    if (passing.length > options.topKPerLevel) {
      passing.sort((x, y) => best[y] - best[x] || x - y);
      passing = passing.slice(0, options.topKPerLevel);
    }
    for (const a of passing) {
      const { box, distances: d } = decodeAnchorBox(level, a, head, probs);
      const b = boxLevel.length;
      boxLevel.push(levelIndex);
      boxAnchor.push(a);
      boxDistances.push(d[0], d[1], d[2], d[3]);
      if (head.clipBoxes && options.clipBeforeNms !== false) {
        box[0] = clamp(box[0], transform.inputWidth); box[1] = clamp(box[1], transform.inputHeight);
        box[2] = clamp(box[2], transform.inputWidth); box[3] = clamp(box[3], transform.inputHeight);
      }
      boxCoords.push(box[0], box[1], box[2], box[3]);
      const row = a * C;
      for (let c = 0; c < C; c++) {
        const raw = scores[row + c];
        if (raw <= rawThreshold) continue;
        candBox.push(b);
        candScore.push(head.scoresActivated ? raw : sigmoid(raw));
        candClass.push(c);
      }
    }
  });

  if (options.maxCandidates !== undefined && candScore.length > options.maxCandidates) {
    // Ultralytics max_nms: the highest-scoring candidates over all levels (ties keep anchor order).
    const order = Array.from(candScore.keys()).sort((x, y) => candScore[y] - candScore[x] || x - y).slice(0, options.maxCandidates).sort((x, y) => x - y);
    order.forEach((from, to) => { candBox[to] = candBox[from]; candScore[to] = candScore[from]; candClass[to] = candClass[from]; });
    candBox.length = candScore.length = candClass.length = order.length;
  }
  const flatBoxes = new Float64Array(candBox.length * 4);
  for (let i = 0; i < candBox.length; i++) {
    const b = candBox[i] * 4;
    flatBoxes[i * 4] = boxCoords[b]; flatBoxes[i * 4 + 1] = boxCoords[b + 1];
    flatBoxes[i * 4 + 2] = boxCoords[b + 2]; flatBoxes[i * 4 + 3] = boxCoords[b + 3];
  }
  const kept = nms(flatBoxes, candScore, options.nmsIoU, options.classAgnosticNms ? undefined : candClass, options.maxPerImage);
  return kept.map((i) => {
    const b = candBox[i];
    const level = levels[boxLevel[b]];
    const a = boxAnchor[b];
    const stride = level.stride;
    const detection: Detection = {
      bbox: inputBoxToOriginal([boxCoords[b * 4], boxCoords[b * 4 + 1], boxCoords[b * 4 + 2], boxCoords[b * 4 + 3]], transform, head.clipBoxes),
      score: candScore[i],
      classIndex: candClass[i],
      level: boxLevel[b],
      stride,
      anchor: [((a % level.gridW) + head.centerOffset) * stride, (Math.floor(a / level.gridW) + head.centerOffset) * stride],
      distances: [boxDistances[b * 4], boxDistances[b * 4 + 1], boxDistances[b * 4 + 2], boxDistances[b * 4 + 3]],
    };
    if (head.hasDistributions) {
      for (let e = 0; e < 4; e++) softmaxExpectation(level.distances, a * distanceWidth + e * bins, bins, probs, e * bins, head.distributionsActivated);
      detection.edgeProbs = Array.from(probs, (p) => Math.fround(p));
    }
    return detection;
  });
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
