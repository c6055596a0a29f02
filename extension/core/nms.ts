// Greedy non-maximum suppression on [x1, y1, x2, y2] boxes (continuous coordinates, no +1, as mmcv/torchvision).

/** IoU of boxes i and j stored flat as [x1, y1, x2, y2, ...]. */
export function iouFlat(boxes: ArrayLike<number>, i: number, j: number): number {
  const a = i * 4, b = j * 4;
  const w = Math.min(boxes[a + 2], boxes[b + 2]) - Math.max(boxes[a], boxes[b]);
  const h = Math.min(boxes[a + 3], boxes[b + 3]) - Math.max(boxes[a + 1], boxes[b + 1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const areaA = (boxes[a + 2] - boxes[a]) * (boxes[a + 3] - boxes[a + 1]);
  const areaB = (boxes[b + 2] - boxes[b]) * (boxes[b + 3] - boxes[b + 1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Returns the indices kept by NMS, highest score first. A box is suppressed when its IoU with an
 * already-kept box of the same group is strictly greater than `iouThreshold`. Equal scores keep input order
 * (stable), so results do not depend on the sort implementation. `groups` (e.g. class ids) makes it
 * class-aware; omit it for class-agnostic NMS. `maxKept` stops once that many boxes are kept: the result is
 * exactly the first `maxKept` of the full NMS output, since a box's fate depends only on higher-scoring boxes.
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, groups?: ArrayLike<number>, maxKept = Infinity): number[] {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  // Boxes kept so far, per group: a candidate is compared only with kept boxes of its own group.
  const keptByGroup = new Map<number, number[]>();
  const kept: number[] = [];
  for (let k = 0; k < n && kept.length < maxKept; k++) {
    const i = order[k];
    const g = groups ? groups[i] : 0;
    let same = keptByGroup.get(g);
    if (!same) keptByGroup.set(g, (same = []));
    let suppressed = false;
    for (const j of same) {
      if (iouFlat(boxes, i, j) > iouThreshold) { suppressed = true; break; }
    }
    if (suppressed) continue;
    same.push(i);
    kept.push(i);
  }
  return kept;
}
