// Builds the messages each webview receives from a run and its analysis. Pure (no vscode): image URIs come in
// through a callback, so the exact payloads are unit-tested.
import { DEFAULT_ANALYZE_OPTIONS } from '../core/analytics/analysis.ts';
import type { AmbiguityCard, AmbiguityData, CalibrationData, InspectorBox, InspectorImage } from '../protocol/messages.ts';
import { groundTruthOfImage, gtEdgeDistances, xywhToXyxy, type LoadedRun, type RunAnalysis } from '../state/runModel.ts';

export type ImageUriOf = (imageIndex: number) => string | null;

export function inspectorImage(run: LoadedRun, analysis: RunAnalysis, imageIndex: number, uri: string | null): InspectorImage {
  const image = run.images[imageIndex];
  if (!image) throw new Error(`image ${imageIndex} is not in the run (${run.images.length} images)`);
  const offset = analysis.imageOffsets[imageIndex];
  const categoryName = new Map(run.dataset?.categories.map((c) => [c.id, c.name]) ?? []);
  const boxes: InspectorBox[] = image.detections.map((d, detIndex) => {
    const row = analysis.rows[offset + detIndex];
    const gtBox = row?.gtBox ?? null;
    return {
      detIndex, bbox: d.bbox, score: d.score, classIndex: d.classIndex,
      className: run.classNames[d.classIndex] ?? `class ${d.classIndex}`, level: d.level, stride: d.stride,
      anchor: d.anchor, distances: d.distances, edgeProbs: d.edgeProbs,
      outcome: row?.outcome ?? 'unknown', error: row?.error ?? null, iou: row?.iou ?? null, gtBox,
      gtDistances: gtBox && run.kind === 'run' ? gtEdgeDistances(d.anchor, d.stride, gtBox, image.transform) : null,
    };
  });
  const gt = groundTruthOfImage(run, imageIndex);
  return {
    imageIndex, file: image.file, uri, width: image.width, height: image.height, transform: image.transform, boxes,
    groundTruth: gt && gt.map((a) => ({ id: a.id, bbox: xywhToXyxy(a.bbox), className: categoryName.get(a.category_id) ?? `category ${a.category_id}`, crowd: a.iscrowd === 1 })),
    classNames: run.classNames, regMax: run.regMax, hasDistributions: run.hasDistributions, notes: run.notes, runLabel: run.label, runPath: run.sourcePath,
  };
}

export function calibrationData(run: LoadedRun, analysis: RunAnalysis): CalibrationData | null {
  if (!analysis.calibration) return null;
  return {
    runLabel: run.label, runPath: run.sourcePath, classNames: run.classNames, strides: run.strides,
    categoriesWithGroundTruth: analysis.categoriesWithGroundTruth, categoryClass: analysis.categoryClass,
    points: analysis.calibration, partial: !run.complete,
    scoreNote: run.header?.profile.layout === 'ultralytics' || run.header?.head.layout === 'ultralytics' ? YOLO_SCORE_NOTE : null,
  };
}

/** Ultralytics heads train class scores with BCE against TAL's alignment targets, not with QFL's IoU targets. */
export const YOLO_SCORE_NOTE = 'YOLOv8/YOLO11 scores are trained with BCE on task-aligned (TAL) targets, not as IoU estimates like GFL\'s QFL: ' +
  'read the score–IoU correlation as how well ranking by score follows localisation quality, not as a calibration target the model was trained for.';

/** The most ambiguous boxes scoring at least `minScore`, most ambiguous first. */
export function ambiguityData(run: LoadedRun, analysis: RunAnalysis, uriOf: ImageUriOf, limit = 60, minScore = DEFAULT_ANALYZE_OPTIONS.ambiguousMinScore): AmbiguityData {
  const base = { runLabel: run.label, runPath: run.sourcePath, regMax: run.regMax, cards: [] as AmbiguityCard[], totalWithDistributions: 0 };
  if (!run.hasDistributions || !analysis.edgeStats) {
    return { ...base, emptyReason: run.kind === 'results'
      ? 'COCO results files carry boxes and scores only: no DFL distributions, so no ambiguity ranking.'
      : 'This model integrates DFL inside its graph: per-edge distributions are unavailable, so no ambiguity ranking.' };
  }
  const candidates = analysis.rows.filter((r) => !Number.isNaN(r.ambiguity));
  base.totalWithDistributions = candidates.length;
  const ranked = candidates.filter((r) => r.score >= minScore).sort((a, b) => b.ambiguity - a.ambiguity || b.score - a.score).slice(0, limit);
  const bins = run.regMax + 1;
  const cards = ranked.map((row, rank): AmbiguityCard => {
    const image = run.images[row.imageIndex];
    const d = image.detections[row.detIndex];
    const e = row.drivingEdge;
    const gtDistances = row.gtBox ? gtEdgeDistances(d.anchor, d.stride, row.gtBox, image.transform) : null;
    return {
      ref: { imageIndex: row.imageIndex, detIndex: row.detIndex }, rank: rank + 1, file: image.file, uri: uriOf(row.imageIndex),
      imageWidth: image.width, imageHeight: image.height, bbox: d.bbox,
      className: run.classNames[d.classIndex] ?? `class ${d.classIndex}`, score: d.score, ambiguity: row.ambiguity,
      drivingEdge: e, probs: d.edgeProbs ? d.edgeProbs.slice(e * bins, (e + 1) * bins) : [],
      expected: d.distances[e], gtDistance: gtDistances ? gtDistances[e] : null, outcome: row.outcome, iou: row.iou,
    };
  });
  return { ...base, cards, emptyReason: cards.length ? null : `No box with a distribution scores ≥ ${minScore}.` };
}
