// What the views show about a run, computed once per run (and again as a dataset run streams in). Pure: takes a
// loaded run and its ground truth, returns plain data. Built from the core's COCO matching (TIDE errors,
// COCOeval TP/FP at 0.5), threshold matching at τ = 0 (LaECE₀ targets) and the DFL edge statistics.
import { mapClassesToCategories, toCocoResults, type CocoResult } from '../core/coco/categoryMapping.ts';
import type { CocoAnnotation, CocoDataset } from '../core/coco/cocoLoad.ts';
import { matchDetections, type TideSummary } from '../core/coco/matching.ts';
import { edgeStatsForDetections, type EdgeStats } from '../core/analytics/edgeStats.ts';
import { matchAtThreshold, type MatchGroundTruth } from '../core/analytics/thresholdMatching.ts';
import { cocoSize, SIZE_NAMES } from '../core/analytics/scoreIoU.ts';
import { originalPointToInput } from '../core/geometry.ts';
import type { RunErrorRecord, RunHeader, RunImageRecord } from '../core/runFormat.ts';
import type { Detection, InputTransform, TideErrorType, XYXY } from '../core/types.ts';
import type { CalibrationPoints, Outcome } from '../protocol/messages.ts';

/** A run as the views know it: a saved .gflrun, a run streaming in, or a COCO results JSON with its dataset. */
export interface LoadedRun {
  /** File the run was loaded from (.gflrun or results JSON); the identity used to restore views. */
  sourcePath: string;
  kind: 'run' | 'results';
  label: string;
  header: RunHeader | null;
  classNames: string[];
  strides: number[];
  regMax: number;
  hasDistributions: boolean;
  notes: string[];
  images: RunImageRecord[];
  errors: RunErrorRecord[];
  dataset: CocoDataset | null;
  /** Absolute folder image files are relative to (null: `file` is absolute). */
  imagesDir: string | null;
  complete: boolean;
}

/** One detection with everything a list, tree or card needs. */
export interface DetectionRow {
  imageIndex: number;
  detIndex: number;
  classIndex: number;
  score: number;
  bbox: XYXY;
  level: number;
  outcome: Outcome;
  error: TideErrorType | null;
  /** IoU with the best same-class non-crowd GT; null without ground truth. */
  iou: number | null;
  /** That GT as xyxy original pixels. */
  gtBox: XYXY | null;
  /** Box ambiguity (max over edges of 1 − DFL two-bin mass); NaN without distributions. */
  ambiguity: number;
  drivingEdge: number;
}

export interface MissedGroundTruth {
  imageIndex: number;
  annotation: CocoAnnotation;
}

export interface RunAnalysis {
  rows: DetectionRow[];
  /** rows index of image i's first detection: rows[imageOffsets[i] + detIndex]. */
  imageOffsets: number[];
  edgeStats: EdgeStats | null;
  /** TIDE summary (counts and dAP per error type) when there is ground truth. */
  tide: TideSummary | null;
  missed: MissedGroundTruth[];
  calibration: CalibrationPoints | null;
  categoriesWithGroundTruth: number[];
  categoryClass: [number, number][];
  /** Category-mapping problems (class names without a dataset category), shown to the user once. */
  problems: string[];
}

export const xywhToXyxy = (b: readonly number[]): XYXY => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

/** Ground truth of one image, by run image index. */
export function groundTruthOfImage(run: LoadedRun, imageIndex: number): CocoAnnotation[] | null {
  if (!run.dataset) return null;
  const imageId = run.images[imageIndex]?.imageId;
  return run.dataset.annotations.filter((a) => a.image_id === imageId);
}

/**
 * Distance of each GT edge from the detection's anchor centre in bins (stride units), l, t, r, b — where the
 * bar charts mark the ground truth: |anchor − gtEdge(input px)| / stride.
 */
export function gtEdgeDistances(anchor: readonly [number, number], stride: number, gtBox: XYXY, transform: InputTransform): [number, number, number, number] {
  const [gx1, gy1] = originalPointToInput(gtBox[0], gtBox[1], transform);
  const [gx2, gy2] = originalPointToInput(gtBox[2], gtBox[3], transform);
  return [(anchor[0] - gx1) / stride, (anchor[1] - gy1) / stride, (gx2 - anchor[0]) / stride, (gy2 - anchor[1]) / stride];
}

/** Builds a LoadedRun from a COCO results list and its dataset: classes are the dataset categories, no distributions. */
export function runFromCocoResults(sourcePath: string, results: CocoResult[], dataset: CocoDataset, imagesDir: string | null): LoadedRun {
  const classOfCategory = new Map<number, number>();
  dataset.categories.forEach((c, i) => classOfCategory.set(c.id, i));
  const byImage = new Map<number, Detection[]>();
  for (const r of results) {
    const list = byImage.get(r.image_id) ?? [];
    byImage.set(r.image_id, list);
    const bbox = xywhToXyxy(r.bbox);
    list.push({
      bbox, score: r.score, classIndex: classOfCategory.get(r.category_id) ?? 0, level: 0, stride: 1,
      anchor: [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], distances: [0, 0, 0, 0],
    });
  }
  const images: RunImageRecord[] = dataset.images.map((image) => ({
    record: 'image', file: image.file_name, imageId: image.id, width: image.width, height: image.height,
    transform: { originalWidth: image.width, originalHeight: image.height, inputWidth: image.width, inputHeight: image.height, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
    timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
    detections: (byImage.get(image.id) ?? []).sort((a, b) => b.score - a.score),
  }));
  return {
    sourcePath, kind: 'results', label: `${baseName(sourcePath)} (COCO results)`, header: null,
    classNames: dataset.categories.map((c) => c.name), strides: [], regMax: 0, hasDistributions: false,
    notes: ['COCO results file: boxes and scores only, no DFL distributions.'],
    images, errors: [], dataset, imagesDir, complete: true,
  };
}

/** A dataset's display name from its annotations path: "<root>/annotations/x.json" → root, "<dir>/x.json" → dir. */
export function datasetName(annotations: string): string {
  const parts = annotations.split(/[\\/]/).filter(Boolean);
  const parent = parts.at(-2) ?? '';
  return (parent === 'annotations' ? parts.at(-3) : parent) || baseName(annotations);
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Computes matches, TIDE errors, calibration columns and edge statistics for a run. */
export function analyzeLoadedRun(run: LoadedRun): RunAnalysis {
  const rows: DetectionRow[] = [];
  const imageOffsets: number[] = [];
  const scaled: { detection: Detection; scaleX: number; scaleY: number }[] = [];
  run.images.forEach((image, imageIndex) => {
    imageOffsets.push(rows.length);
    image.detections.forEach((d, detIndex) => {
      rows.push({
        imageIndex, detIndex, classIndex: d.classIndex, score: d.score, bbox: d.bbox, level: d.level,
        outcome: 'unknown', error: null, iou: null, gtBox: null, ambiguity: NaN, drivingEdge: 0,
      });
      scaled.push({ detection: d, scaleX: image.transform.scaleX, scaleY: image.transform.scaleY });
    });
  });
  const edgeStats = run.hasDistributions ? edgeStatsForDetections(scaled, run.regMax) : null;
  if (edgeStats) {
    for (let i = 0; i < rows.length; i++) {
      rows[i].ambiguity = edgeStats.ambiguity[i];
      rows[i].drivingEdge = edgeStats.drivingEdge[i];
    }
  }
  const analysis: RunAnalysis = {
    rows, imageOffsets, edgeStats, tide: null, missed: [], calibration: null,
    categoriesWithGroundTruth: [], categoryClass: [], problems: [],
  };
  const dataset = run.dataset;
  if (!dataset || rows.length === 0 && run.images.length === 0) return analysis;

  // Evaluate only the images the run covers (a streaming run has not reached the rest yet).
  const imageIndexOfId = new Map<number, number>();
  run.images.forEach((image, i) => imageIndexOfId.set(image.imageId, i));
  const annotations = dataset.annotations.filter((a) => imageIndexOfId.has(a.image_id));
  const gt = { images: run.images.map((im) => ({ id: im.imageId })), annotations, categories: dataset.categories };

  const mapping = run.kind === 'results'
    ? { classToCategory: dataset.categories.map((c) => c.id), problems: [] }
    : mapClassesToCategories(run.classNames, dataset.categories);
  analysis.problems = mapping.problems;
  mapping.classToCategory.forEach((categoryId, classIndex) => {
    if (categoryId !== null) analysis.categoryClass.push([categoryId, classIndex]);
  });
  const results = toCocoResults(run.images, mapping.classToCategory);
  const matching = matchDetections(gt, results);
  analysis.tide = matching.tide;
  const annotationById = new Map<number, CocoAnnotation>();
  for (const a of annotations) annotationById.set(a.id, a);

  const n = results.length;
  const points: CalibrationPoints = {
    count: n,
    score: new Float64Array(n), iou: new Float64Array(n), tp: new Uint8Array(n), classIndex: new Uint16Array(n),
    level: new Uint8Array(n), size: new Uint8Array(n), categoryId: new Int32Array(n),
    laTarget: new Float64Array(n), laIgnored: new Uint8Array(n), dTarget: new Float64Array(n), dIgnored: new Uint8Array(n),
    imageIndex: new Int32Array(n), detIndex: new Int32Array(n),
  };
  const tau0 = matchAtThreshold(
    annotations.map((a): MatchGroundTruth => ({ imageId: a.image_id, categoryId: a.category_id, bbox: a.bbox, iscrowd: a.iscrowd === 1 })),
    results.map((r) => ({ imageId: r.image_id, categoryId: r.category_id, bbox: r.bbox, score: r.score })),
    0,
  );
  for (let k = 0; k < n; k++) {
    const match = matching.matches[k];
    const imageIndex = imageIndexOfId.get(match.imageId)!;
    const row = rows[imageOffsets[imageIndex] + match.detIndex];
    row.outcome = match.cocoOutcome50 === 'tp' ? 'tp' : match.cocoOutcome50 === 'ignored' ? 'ignored' : 'fp';
    row.error = match.error;
    row.iou = match.sameClassIoU;
    const gtAnnotation = match.sameClassGtId !== null ? annotationById.get(match.sameClassGtId) : undefined;
    row.gtBox = gtAnnotation ? xywhToXyxy(gtAnnotation.bbox) : null;

    const matchedArea = match.tp50 && match.matchedGtId50 !== null ? annotationById.get(match.matchedGtId50)?.area : undefined;
    const [, , w, h] = results[k].bbox;
    points.score[k] = match.score;
    points.iou[k] = match.sameClassIoU;
    points.tp[k] = match.tp50 ? 1 : 0;
    points.classIndex[k] = row.classIndex;
    points.level[k] = row.level;
    points.size[k] = SIZE_NAMES.indexOf(cocoSize(matchedArea ?? w * h));
    points.categoryId[k] = match.categoryId;
    points.laTarget[k] = tau0.matchedGt[k] >= 0 ? tau0.iou[k] : 0;
    points.laIgnored[k] = tau0.ignored[k];
    points.dTarget[k] = match.tp50 ? 1 : 0;
    points.dIgnored[k] = match.cocoOutcome50 === 'ignored' || match.cocoOutcome50 === 'unevaluated' ? 1 : 0;
    points.imageIndex[k] = imageIndex;
    points.detIndex[k] = match.detIndex;
  }
  analysis.calibration = points;
  const withGt = new Set<number>();
  for (const a of annotations) if (!a.iscrowd) withGt.add(a.category_id);
  analysis.categoriesWithGroundTruth = [...withGt].sort((a, b) => a - b);
  analysis.missed = matching.missedGtIds.map((id) => {
    const annotation = annotationById.get(id)!;
    return { imageIndex: imageIndexOfId.get(annotation.image_id)!, annotation };
  });
  return analysis;
}
