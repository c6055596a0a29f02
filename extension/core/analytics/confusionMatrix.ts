// The detection confusion matrix at an operating point, following Ultralytics' ConfusionMatrix.process_batch
// (ultralytics/utils/metrics.py), pure. Not TIDE's matrix (core/coco/matching.ts ConfusionMatrix, at IoU 0.5 over
// COCOeval's matches): this one counts what a deployed detector outputs above one confidence.
//
// Definition, per image: detections with score > conf; IoU of every (ground truth, detection) pair regardless of class;
// pairs with IoU > iouThreshold (0.45) kept; sorted by IoU (descending), one pair per detection kept (its best),
// sorted again, one pair per ground truth kept (its best). A ground truth with a pair adds 1 to
// [detection's class][its class] (the diagonal when the classes agree); one without adds 1 to [background][its class]
// (missed). A detection in no pair adds 1 to [its class][background] (a false positive on background, duplicates
// included). Rows are predicted classes, columns true classes, as Ultralytics' matrix[pred, true].
// Decisions beyond Ultralytics (whose YOLO labels have neither):
//   • crowd regions (iscrowd 1) are not ground truths here: they never enter the pairing, and a detection left in no
//     pair whose COCO crowd overlap (intersection / detection area, as pycocotools) with a crowd region of its own
//     category exceeds iouThreshold is ignored (counted in ignoredByCrowd), as COCOeval ignores crowd matches;
//   • detections of classes without a dataset category are left out (counted in unmappedDetections): the matrix's
//     axes are the dataset's categories.
//   • Ultralytics skips the background-FP count in an image where no pair exists at all (its `if n:`); every
//     unpaired detection is counted here, which is what the matrix's definition says.

import { xyxyIoU } from '../geometry.ts';

export const CONFUSION_IOU_THRESHOLD = 0.45;

export const CONFUSION_MATRIX_DEFINITION =
  'Ultralytics ConfusionMatrix: detections with score > the operating threshold; per image, (ground truth, detection) pairs with IoU > 0.45 '
  + 'regardless of class, one per detection then one per ground truth, highest IoU first. A paired ground truth counts in [predicted class][true class], '
  + 'an unpaired one in [background][true class] (missed), an unpaired detection in [predicted class][background] (duplicates included). '
  + 'Crowd regions are not ground truths: a detection on a same-category crowd region (overlap > 0.45 of its area) is ignored.';

/** One image's boxes, xyxy in image pixels. categoryIndex: index into the matrix's categories. */
export interface ConfusionImage {
  imageIndex: number;
  groundTruth: { id: number; categoryIndex: number; box: readonly number[] }[];
  crowd: { categoryIndex: number; box: readonly number[] }[];
  /** ref: the caller's id of the detection (a run row, a result index); categoryIndex −1 = unmapped class. */
  detections: { ref: number; categoryIndex: number; score: number; box: readonly number[] }[];
}

export interface ConfusionCell {
  predicted: number;
  actual: number;
  /** Detections counted in the cell (refs), and for [background][class] cells the missed ground truths. */
  detections: number[];
  groundTruths: { id: number; imageIndex: number }[];
}

export interface DetectionConfusionMatrix {
  definition: string;
  iouThreshold: number;
  confidenceThreshold: number;
  /** Category ids of rows/columns 0..C−1; index C is background. */
  categoryIds: number[];
  labels: string[];
  /** matrix[predicted][true], (C+1)×(C+1). */
  matrix: number[][];
  /** The non-empty cells with what they count, row-major. */
  cells: ConfusionCell[];
  ignoredByCrowd: number;
  unmappedDetections: number;
}

/** pycocotools' crowd overlap: intersection over the detection's area. */
const crowdOverlap = (det: readonly number[], crowd: readonly number[]) => xyxyIoU(det, crowd, true);

/** Ultralytics' pairing: [gt, det, iou] triples with iou > threshold, best per detection, then best per ground truth. */
export function pairGroundTruthsAndDetections(gtBoxes: readonly (readonly number[])[], detBoxes: readonly (readonly number[])[], iouThreshold: number): [number, number, number][] {
  let pairs: [number, number, number][] = [];
  for (let g = 0; g < gtBoxes.length; g++) {
    for (let d = 0; d < detBoxes.length; d++) {
      const v = xyxyIoU(gtBoxes[g], detBoxes[d]);
      if (v > iouThreshold) pairs.push([g, d, v]);
    }
  }
  if (pairs.length > 1) {
    // matches[argsort()[::-1]] then np.unique(column, return_index) keeps the first (highest-IoU) row per value,
    // and returns them ordered by that value. Ties in IoU keep the earlier pair (a stable descending sort).
    const firstPer = (list: [number, number, number][], column: 0 | 1) => {
      const sorted = [...list].sort((a, b) => b[2] - a[2]);
      const seen = new Map<number, [number, number, number]>();
      for (const p of sorted) if (!seen.has(p[column])) seen.set(p[column], p);
      return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    };
    pairs = firstPer(firstPer(pairs, 1), 0);
  }
  return pairs;
}

/** The (C+1)×(C+1) matrix over the images, at `confidenceThreshold` (scores strictly above it count, as Ultralytics). */
export function detectionConfusionMatrix(
  images: Iterable<ConfusionImage>, categoryIds: number[], labels: string[], confidenceThreshold: number, iouThreshold = CONFUSION_IOU_THRESHOLD,
): DetectionConfusionMatrix {
  const C = categoryIds.length;
  const matrix = Array.from({ length: C + 1 }, () => new Array<number>(C + 1).fill(0));
  const cellDetections = new Map<number, number[]>();
  const cellGroundTruths = new Map<number, { id: number; imageIndex: number }[]>();
  const push = <T>(map: Map<number, T[]>, key: number, value: T) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  let ignoredByCrowd = 0, unmappedDetections = 0;
  for (const image of images) {
    const kept = image.detections.filter((d) => {
      if (!(d.score > confidenceThreshold)) return false;
      if (d.categoryIndex < 0) { unmappedDetections++; return false; }
      return true;
    });
    const pairs = pairGroundTruthsAndDetections(image.groundTruth.map((g) => g.box), kept.map((d) => d.box), iouThreshold);
    const pairOfGt = new Map(pairs.map((p) => [p[0], p]));
    const paired = new Set(pairs.map((p) => p[1]));
    image.groundTruth.forEach((g, gi) => {
      const pair = pairOfGt.get(gi);
      const predicted = pair ? kept[pair[1]].categoryIndex : C;
      matrix[predicted][g.categoryIndex]++;
      if (pair) push(cellDetections, predicted * (C + 1) + g.categoryIndex, kept[pair[1]].ref);
      else push(cellGroundTruths, C * (C + 1) + g.categoryIndex, { id: g.id, imageIndex: image.imageIndex });
    });
    kept.forEach((d, di) => {
      if (paired.has(di)) return;
      if (image.crowd.some((c) => c.categoryIndex === d.categoryIndex && crowdOverlap(d.box, c.box) > iouThreshold)) {
        ignoredByCrowd++;
        return;
      }
      matrix[d.categoryIndex][C]++;
      push(cellDetections, d.categoryIndex * (C + 1) + C, d.ref);
    });
  }
  const cells: ConfusionCell[] = [];
  for (let p = 0; p <= C; p++) {
    for (let t = 0; t <= C; t++) {
      if (!matrix[p][t]) continue;
      const key = p * (C + 1) + t;
      cells.push({ predicted: p, actual: t, detections: cellDetections.get(key) ?? [], groundTruths: cellGroundTruths.get(key) ?? [] });
    }
  }
  return {
    definition: CONFUSION_MATRIX_DEFINITION, iouThreshold, confidenceThreshold, categoryIds: [...categoryIds], labels: [...labels, 'background'],
    matrix, cells, ignoredByCrowd, unmappedDetections,
  };
}

/** Column-normalised copy (each true class's column sums to 1, as Ultralytics' plot(normalize=True)); empty columns stay 0. */
export function normalizeColumns(matrix: number[][]): number[][] {
  const n = matrix.length;
  const sums = Array.from({ length: n }, (_, t) => matrix.reduce((s, row) => s + row[t], 0));
  return matrix.map((row) => row.map((v, t) => (sums[t] > 0 ? v / sums[t] : 0)));
}

/** The k true classes with the most off-diagonal mass (confused or missed), for a readable sub-matrix; background excluded. */
export function mostConfusedCategories(matrix: number[][], k: number): number[] {
  const C = matrix.length - 1;
  const mass = Array.from({ length: C }, (_, c) => {
    let off = 0;
    for (let p = 0; p <= C; p++) if (p !== c) off += matrix[p][c] + matrix[c][p];
    return off;
  });
  return Array.from({ length: C }, (_, c) => c).filter((c) => mass[c] > 0).sort((a, b) => mass[b] - mass[a] || a - b).slice(0, k).sort((a, b) => a - b);
}
