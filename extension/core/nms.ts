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
 * class-aware; omit it for class-agnostic NMS.
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, groups?: ArrayLike<number>): number[] {
  const n = scores.length;
  const byScore = (a: number, b: number) => scores[b] - scores[a] || a - b;
  // Class-aware NMS never compares boxes of different groups: run greedy NMS per group, then merge.
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups ? groups[i] : 0;
    let list = members.get(g);
    if (!list) members.set(g, (list = []));
    list.push(i);
  }
  const kept: number[] = [];
  for (const list of members.values()) {
    list.sort(byScore);
    const suppressed = new Uint8Array(list.length);
    for (let a = 0; a < list.length; a++) {
      if (suppressed[a]) continue;
      kept.push(list[a]);
      for (let b = a + 1; b < list.length; b++) {
        if (!suppressed[b] && iouFlat(boxes, list[a], list[b]) > iouThreshold) suppressed[b] = 1;
      }
    }
  }
  return kept.sort(byScore);
}
