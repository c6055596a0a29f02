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
  /** Index into the ground-truth list of the matched box, or -1. */
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
  const matchedGt = new Int32Array(detections.length).fill(-1);
  const iouOut = new Float64Array(detections.length);
  const ignored = new Uint8Array(detections.length);

  const imageIds = new Set<number>();
  const categoryIds = new Set<number>();
  const gtByKey = new Map<string, number[]>();
  for (let g = 0; g < groundTruths.length; g++) {
    const gt = groundTruths[g];
    imageIds.add(gt.imageId);
    categoryIds.add(gt.categoryId);
    const key = `${gt.imageId}:${gt.categoryId}`;
    const list = gtByKey.get(key);
    if (list) list.push(g);
    else gtByKey.set(key, [g]);
  }
  const dtByKey = new Map<string, number[]>();
  for (let d = 0; d < detections.length; d++) {
    const det = detections[d];
    // COCOeval only evaluates the images and categories of the ground truth file: others never count.
    if (!imageIds.has(det.imageId) || !categoryIds.has(det.categoryId)) {
      ignored[d] = 1;
      continue;
    }
    const key = `${det.imageId}:${det.categoryId}`;
    const list = dtByKey.get(key);
    if (list) list.push(d);
    else dtByKey.set(key, [d]);
  }

  const threshold = Math.min(tau, 1 - 1e-10);
  for (const [key, dtList] of dtByKey) {
    dtList.sort((a, b) => detections[b].score - detections[a].score || a - b);
    for (let k = maxDets; k < dtList.length; k++) ignored[dtList[k]] = 1;
    const kept = dtList.slice(0, maxDets);
    const gtList = (gtByKey.get(key) ?? []).slice();
    // Crowd regions last (stable), as COCOeval sorts ground truth by its ignore flag.
    gtList.sort((a, b) => Number(groundTruths[a].iscrowd) - Number(groundTruths[b].iscrowd) || a - b);
    if (gtList.length === 0) continue;
    const gtTaken = new Uint8Array(gtList.length);
    for (const d of kept) {
      const box = detections[d].bbox;
      let best = threshold;
      let m = -1;
      for (let gi = 0; gi < gtList.length; gi++) {
        const gt = groundTruths[gtList[gi]];
        if (gtTaken[gi] && !gt.iscrowd) continue;
        if (m > -1 && !groundTruths[gtList[m]].iscrowd && gt.iscrowd) break;
        const iou = cocoBoxIoU(box, gt.bbox, gt.iscrowd);
        if (iou < best) continue;
        best = iou;
        m = gi;
      }
      if (m === -1) continue;
      gtTaken[m] = 1;
      matchedGt[d] = gtList[m];
      iouOut[d] = best;
      if (groundTruths[gtList[m]].iscrowd) ignored[d] = 1;
    }
  }
  return { matchedGt, iou: iouOut, ignored };
}
