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
  return matchAtThresholds(groundTruths, detections, [tau], maxDets)[0];
}

function groupBy<T extends { imageId: number; categoryId: number }>(items: readonly T[], keep: (i: number) => boolean): Map<number, Map<number, number[]>> {
  const byImage = new Map<number, Map<number, number[]>>();
  for (let i = 0; i < items.length; i++) {
    if (!keep(i)) continue;
    const { imageId, categoryId } = items[i];
    let byCategory = byImage.get(imageId);
    if (!byCategory) byImage.set(imageId, (byCategory = new Map()));
    const list = byCategory.get(categoryId);
    if (list) list.push(i);
    else byCategory.set(categoryId, [i]);
  }
  return byImage;
}

/** matchAtThreshold for several thresholds at once: grouping, sorting and IoUs are computed a single time. */
export function matchAtThresholds(
  groundTruths: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  taus: readonly number[],
  maxDets = 100,
): ThresholdMatches[] {
  const results: ThresholdMatches[] = taus.map(() => ({
    matchedGt: new Int32Array(detections.length).fill(-1),
    iou: new Float64Array(detections.length),
    ignored: new Uint8Array(detections.length),
  }));
  const imageIds = new Set<number>();
  const categoryIds = new Set<number>();
  for (const gt of groundTruths) {
    imageIds.add(gt.imageId);
    categoryIds.add(gt.categoryId);
  }
  // COCOeval only evaluates the images and categories of the ground truth file: other detections never count.
  const known = (d: number) => imageIds.has(detections[d].imageId) && categoryIds.has(detections[d].categoryId);
  for (let d = 0; d < detections.length; d++) if (!known(d)) for (const r of results) r.ignored[d] = 1;
  const gtGroups = groupBy(groundTruths, () => true);
  const dtGroups = groupBy(detections, known);

  let ious = new Float64Array(0);
  for (const [imageId, byCategory] of dtGroups) {
    for (const [categoryId, dtList] of byCategory) {
      dtList.sort((a, b) => detections[b].score - detections[a].score || a - b);
      for (let k = maxDets; k < dtList.length; k++) for (const r of results) r.ignored[dtList[k]] = 1;
      const kept = dtList.length > maxDets ? dtList.slice(0, maxDets) : dtList;
      const gtList = (gtGroups.get(imageId)?.get(categoryId) ?? []).slice();
      if (gtList.length === 0) continue;
      // Crowd regions last (stable), as COCOeval sorts ground truth by its ignore flag.
      gtList.sort((a, b) => Number(groundTruths[a].iscrowd) - Number(groundTruths[b].iscrowd) || a - b);
      const G = gtList.length;
      if (ious.length < kept.length * G) ious = new Float64Array(kept.length * G);
      for (let k = 0; k < kept.length; k++) {
        const box = detections[kept[k]].bbox;
        for (let gi = 0; gi < G; gi++) {
          const gt = groundTruths[gtList[gi]];
          ious[k * G + gi] = cocoBoxIoU(box, gt.bbox, gt.iscrowd);
        }
      }
      for (let t = 0; t < taus.length; t++) {
        const threshold = Math.min(taus[t], 1 - 1e-10);
        const { matchedGt, iou: iouOut, ignored } = results[t];
        const gtTaken = new Uint8Array(G);
        for (let k = 0; k < kept.length; k++) {
          const d = kept[k];
          let best = threshold;
          let m = -1;
          for (let gi = 0; gi < G; gi++) {
            const crowd = groundTruths[gtList[gi]].iscrowd;
            if (gtTaken[gi] && !crowd) continue;
            if (m > -1 && !groundTruths[gtList[m]].iscrowd && crowd) break;
            const iou = ious[k * G + gi];
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
    }
  }
  return results;
}
