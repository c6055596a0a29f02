// COCOeval's greedy per-image, per-category matching at ONE IoU threshold τ (area "all", maxDets 100), which the
// calibration metrics need at thresholds COCO AP does not use (LaECE₀ at τ = 0, LaECE at τ = 0.1). It reproduces
// pycocotools evaluateImg exactly, including its behaviour at τ = 0 (a detection may then "match" a free ground
// truth with IoU 0, which the calibration target treats like a false positive: its IoU target is 0 either way).

/** A ground-truth box in COCO terms: bbox is [x, y, width, height]. Crowd boxes are never counted as misses. */
export interface MatchGroundTruth {
  imageId: number;
  categoryId: number;
  bbox: [number, number, number, number];
  iscrowd: boolean;
}

/** A detection in COCO terms: bbox is [x, y, width, height]. */
export interface MatchDetection {
  imageId: number;
  categoryId: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface ThresholdMatches {
  /** Index into the ground-truth list of the matched box, or -1 (empty when the caller asked for the IoUs only). */
  matchedGt: Int32Array;
  /** IoU with the matched box (0 when unmatched). */
  iou: Float64Array;
  /**
   * 1 when COCOeval leaves the detection out of TP/FP counting: matched to a crowd region, on an image or category
   * the ground truth does not contain, or beyond maxDets for its image and category.
   */
  ignored: Uint8Array;
}

/** COCO bbox IoU (pycocotools maskUtils.iou): for a crowd ground truth the union is the detection's area. */
export function cocoBoxIoU(d: readonly number[], g: readonly number[], crowd: boolean): number {
  const iw = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (ih <= 0) return 0;
  const intersection = iw * ih;
  const union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Greedy COCOeval matching at IoU threshold `tau` (pycocotools COCOeval.evaluateImg with iouThrs = [τ], area
 * "all"): per image and category, detections by descending score (stable), each takes the unmatched non-crowd
 * ground truth with the highest IoU ≥ τ (crowd regions last and reusable; a detection on a crowd region is ignored).
 */
export function matchAtThreshold(
  groundTruths: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  tau: number,
  maxDets = 100,
): ThresholdMatches {
  return matchAtThresholds(groundTruths, detections, [tau], maxDets)[0];
}

/** Ground truth as columns: bbox is x, y, width, height per box; crowd 1 for a crowd region. */
export interface MatchGroundTruthColumns {
  count: number;
  imageId: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  bbox: ArrayLike<number>;
  crowd: ArrayLike<number>;
}

/** Detections as columns: bbox is x, y, width, height per detection (the fields of CocoResultColumns). */
export interface MatchDetectionColumns {
  count: number;
  imageId: ArrayLike<number>;
  categoryId: ArrayLike<number>;
  bbox: ArrayLike<number>;
  score: ArrayLike<number>;
}

/** matchAtThresholds for objects: the same matching, through the columns. */
export function matchAtThresholds(
  groundTruths: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  taus: readonly number[],
  maxDets = 100,
): ThresholdMatches[] {
  const g = groundTruths.length, n = detections.length;
  const gt = { count: g, imageId: new Float64Array(g), categoryId: new Float64Array(g), bbox: new Float64Array(4 * g), crowd: new Uint8Array(g) };
  groundTruths.forEach((box, i) => {
    gt.imageId[i] = box.imageId; gt.categoryId[i] = box.categoryId; gt.bbox.set(box.bbox, 4 * i); gt.crowd[i] = box.iscrowd ? 1 : 0;
  });
  const dets = { count: n, imageId: new Float64Array(n), categoryId: new Float64Array(n), bbox: new Float64Array(4 * n), score: new Float64Array(n) };
  detections.forEach((det, i) => {
    dets.imageId[i] = det.imageId; dets.categoryId[i] = det.categoryId; dets.bbox.set(det.bbox, 4 * i); dets.score[i] = det.score;
  });
  return matchColumnsAtThresholds(gt, dets, taus, maxDets);
}

/**
 * Indices 0..count−1 grouped by image (dense image index, −1 = left out): group i is order[start[i] .. start[i + 1]),
 * index order kept inside a group (counting sort). Memory O(count + images), whatever the number of categories.
 */
function groupByImage(count: number, imageOf: Int32Array, images: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(images + 1);
  for (let i = 0; i < count; i++) if (imageOf[i] >= 0) start[imageOf[i] + 1]++;
  for (let i = 0; i < images; i++) start[i + 1] += start[i];
  const order = new Int32Array(start[images]);
  const fill = start.slice(0, images);
  for (let i = 0; i < count; i++) if (imageOf[i] >= 0) order[fill[imageOf[i]]++] = i;
  return { start, order };
}

/**
 * matchAtThreshold for several thresholds at once, on columns: grouping, sorting and IoUs are computed a single
 * time, with no per-detection objects (a 50,000-image run has 4.6M detections).
 */
export function matchColumnsAtThresholds(
  groundTruths: MatchGroundTruthColumns,
  detections: MatchDetectionColumns,
  taus: readonly number[],
  maxDets = 100,
  withMatchedGt = true,
): ThresholdMatches[] {
  const n = detections.count, numGt = groundTruths.count;
  // Without matchedGt (a caller that reads the IoUs only), matchedGt is empty: 4 bytes per detection and τ less.
  const results: ThresholdMatches[] = taus.map(() => ({
    matchedGt: new Int32Array(withMatchedGt ? n : 0).fill(-1),
    iou: new Float64Array(n),
    ignored: new Uint8Array(n),
  }));
  // COCOeval only evaluates the images and categories of the ground truth file: other detections never count.
  const imageIndex = new Map<number, number>();
  const categoryIds = new Set<number>();
  const gtImage = new Int32Array(numGt);
  for (let g = 0; g < numGt; g++) {
    let i = imageIndex.get(groundTruths.imageId[g]);
    if (i === undefined) imageIndex.set(groundTruths.imageId[g], (i = imageIndex.size));
    gtImage[g] = i;
    categoryIds.add(groundTruths.categoryId[g]);
  }
  const detImage = new Int32Array(n);
  for (let d = 0; d < n; d++) {
    const i = imageIndex.get(detections.imageId[d]);
    const known = i !== undefined && categoryIds.has(detections.categoryId[d]);
    detImage[d] = known ? i : -1;
    if (!known) for (const r of results) r.ignored[d] = 1;
  }
  const images = imageIndex.size;
  const gtGroups = groupByImage(numGt, gtImage, images);
  const dtGroups = groupByImage(n, detImage, images);
  const { score, categoryId: detCategory, bbox: detBox } = detections;
  const { categoryId: gtCategory, crowd: gtCrowd, bbox: gtBox } = groundTruths;
  // Inside an image: detections by (category, descending score, index), ground truth by (category, crowd last,
  // index) — the order COCOeval gives each (image, category) group.
  const byDetection = (a: number, b: number) => detCategory[a] - detCategory[b] || score[b] - score[a] || a - b;
  const byGroundTruth = (a: number, b: number) => gtCategory[a] - gtCategory[b] || gtCrowd[a] - gtCrowd[b] || a - b;
  const thresholds = taus.map((tau) => Math.min(tau, 1 - 1e-10));
  let ious = new Float64Array(0);
  let gtTaken = new Uint8Array(0);

  for (let image = 0; image < images; image++) {
    const dets = dtGroups.order.subarray(dtGroups.start[image], dtGroups.start[image + 1]).sort(byDetection);
    const gts = gtGroups.order.subarray(gtGroups.start[image], gtGroups.start[image + 1]).sort(byGroundTruth);
    let gtFrom = 0;
    for (let from = 0; from < dets.length;) {
      const category = detCategory[dets[from]];
      let to = from + 1;
      while (to < dets.length && detCategory[dets[to]] === category) to++;
      for (let k = from + maxDets; k < to; k++) for (const r of results) r.ignored[dets[k]] = 1;
      const kept = Math.min(to - from, maxDets);
      while (gtFrom < gts.length && gtCategory[gts[gtFrom]] < category) gtFrom++;
      let gtTo = gtFrom;
      while (gtTo < gts.length && gtCategory[gts[gtTo]] === category) gtTo++;
      const G = gtTo - gtFrom;
      if (G > 0) {
        if (ious.length < kept * G) ious = new Float64Array(kept * G);
        if (gtTaken.length < G) gtTaken = new Uint8Array(G);
        for (let k = 0; k < kept; k++) {
          const d = 4 * dets[from + k];
          const dx = detBox[d], dy = detBox[d + 1], dw = detBox[d + 2], dh = detBox[d + 3];
          for (let gi = 0; gi < G; gi++) {
            // cocoBoxIoU, inlined (same arithmetic, no arrays per pair).
            const g = 4 * gts[gtFrom + gi];
            const gx = gtBox[g], gy = gtBox[g + 1], gw = gtBox[g + 2], gh = gtBox[g + 3];
            let iou = 0;
            const iw = Math.min(dx + dw, gx + gw) - Math.max(dx, gx);
            const ih = iw > 0 ? Math.min(dy + dh, gy + gh) - Math.max(dy, gy) : 0;
            if (ih > 0) {
              const intersection = iw * ih;
              const union = gtCrowd[gts[gtFrom + gi]] === 1 ? dw * dh : dw * dh + gw * gh - intersection;
              iou = union > 0 ? intersection / union : 0;
            }
            ious[k * G + gi] = iou;
          }
        }
        for (let t = 0; t < taus.length; t++) {
          const threshold = thresholds[t];
          const { matchedGt, iou: iouOut, ignored } = results[t];
          gtTaken.fill(0, 0, G);
          for (let k = 0; k < kept; k++) {
            const d = dets[from + k];
            let best = threshold;
            let m = -1;
            for (let gi = 0; gi < G; gi++) {
              const crowd = gtCrowd[gts[gtFrom + gi]] === 1;
              if (gtTaken[gi] && !crowd) continue;
              if (m > -1 && gtCrowd[gts[gtFrom + m]] !== 1 && crowd) break;
              const iou = ious[k * G + gi];
              if (iou < best) continue;
              best = iou;
              m = gi;
            }
            if (m === -1) continue;
            gtTaken[m] = 1;
            if (withMatchedGt) matchedGt[d] = gts[gtFrom + m];
            iouOut[d] = best;
            if (gtCrowd[gts[gtFrom + m]] === 1) ignored[d] = 1;
          }
        }
      }
      gtFrom = gtTo;
      from = to;
    }
  }
  return results;
}
