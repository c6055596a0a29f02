// Builds the messages each webview receives from the session's run and its one analysis (computed in the analysis
// worker). Pure (no vscode): image URIs come in through a callback, so the exact payloads are unit-tested. Nothing
// here evaluates: outcomes, IoUs, calibration targets and ambiguity come from the analysis.
import { NO_ERROR, OUTCOME_CODE, OUTCOMES, TIDE_FP_ERRORS, type AmbiguousBox, type GflAnalysis } from '../core/analytics/analysis.ts';
import type { AmbiguityPage } from '../core/analytics/ambiguityQuery.ts';
import type { CocoAnnotation } from '../core/coco/cocoLoad.ts';
import type { RunImageRecord } from '../core/runFormat.ts';
import { describeFailureContext, type FailureContext } from '../core/analytics/failureContext.ts';
import type { AmbiguityCard, AmbiguityData, AmbiguityFilters, CalibrationData, CalibrationPoints, InspectorBox, InspectorFailureContext, InspectorImage, Outcome } from '../protocol/messages.ts';
import { gtEdgeDistances, xywhToXyxy, type LoadedRun } from '../state/runModel.ts';

export type ImageUriOf = (imageIndex: number) => string | null;

/** The views' verdict: the analysis' outcome, with "unevaluated" and "unmapped" shown as not evaluated. */
export function viewOutcome(code: number): Outcome {
  const outcome = OUTCOMES[code];
  return outcome === 'tp' || outcome === 'fp' || outcome === 'ignored' ? outcome : outcome === 'unknown' ? 'unknown' : 'unevaluated';
}

/** Per-image failure contexts as the analysis worker computes them (ImageDetails.failureContexts). */
export interface ImageFailureContexts {
  detections: (FailureContext | null)[];
  missed: [number, FailureContext][];
}

/** The words and the boxes to highlight for one failure context, with the run's names. */
export function inspectorContext(ctx: FailureContext, categoryName: (id: number | null) => string, detectionLabel: (detIndex: number) => string): InspectorFailureContext {
  const text = describeFailureContext(ctx, categoryName, detectionLabel);
  return {
    kind: ctx.kind, gtId: ctx.gtId, relatedDetIndex: ctx.duplicateOf?.detIndex ?? ctx.candidate?.detIndex ?? null,
    edgeErrorPx: ctx.edgeErrorPx, short: text.short, long: text.long,
  };
}

/** The inspector's payload for one image: its detections (with distributions, from the worker) and ground truth. */
export function inspectorImage(
  run: LoadedRun, analysis: GflAnalysis, imageIndex: number, record: RunImageRecord, groundTruth: CocoAnnotation[] | null, uri: string | null,
  contexts: ImageFailureContexts | null = null,
): InspectorImage {
  const { images } = run.table;
  if (!(imageIndex >= 0 && imageIndex < images.count)) throw new Error(`image ${imageIndex} is not in the run (${images.count} images)`);
  const offset = images.detStart[imageIndex];
  const rows = analysis.rows;
  const gtById = new Map(groundTruth?.map((a) => [a.id, a]) ?? []);
  const categoryName = new Map(run.categories?.map((c) => [c.id, c.name]) ?? []);
  const nameOfCategory = (id: number | null) => (id === null ? 'a class the dataset lacks' : categoryName.get(id) ?? `category ${id}`);
  const detectionLabel = (detIndex: number) => {
    const d = record.detections[detIndex];
    return d ? `box #${detIndex} (${run.classNames[d.classIndex] ?? `class ${d.classIndex}`} ${d.score.toFixed(2)})` : `box #${detIndex}`;
  };
  const contextOf = (ctx: FailureContext | null | undefined) => (ctx ? inspectorContext(ctx, nameOfCategory, detectionLabel) : null);
  const missedContext = new Map(contexts?.missed ?? []);
  const boxes: InspectorBox[] = record.detections.map((d, detIndex) => {
    const r = offset + detIndex;
    const gt = Number.isNaN(rows.sameClassGt[r]) ? undefined : gtById.get(rows.sameClassGt[r]);
    const gtBox = gt ? xywhToXyxy(gt.bbox) : null;
    return {
      detIndex, bbox: d.bbox, score: d.score, classIndex: d.classIndex,
      className: run.classNames[d.classIndex] ?? `class ${d.classIndex}`, level: d.level, stride: d.stride,
      anchor: d.anchor, distances: d.distances, edgeProbs: d.edgeProbs,
      outcome: viewOutcome(rows.outcome[r]), error: rows.error[r] === NO_ERROR ? null : TIDE_FP_ERRORS[rows.error[r]],
      iou: Number.isNaN(rows.iou[r]) ? null : rows.iou[r], gtBox,
      gtDistances: gtBox && run.kind === 'run' ? gtEdgeDistances(d.anchor, d.stride, gtBox, record.transform) : null,
      context: contextOf(contexts?.detections[detIndex]),
    };
  });
  return {
    imageIndex, file: record.file, uri, width: record.width, height: record.height, transform: record.transform, boxes,
    groundTruth: groundTruth && groundTruth.map((a) => ({ id: a.id, bbox: xywhToXyxy(a.bbox), className: categoryName.get(a.category_id) ?? `category ${a.category_id}`, crowd: a.iscrowd === 1, missed: contextOf(missedContext.get(a.id)) })),
    classNames: run.classNames, regMax: run.regMax, hasDistributions: run.hasDistributions, notes: run.notes, runLabel: run.label, runPath: run.sourcePath,
  };
}

/** Calibration columns: one entry per evaluated-or-ignored detection of a mapped class (as the analysis counts them). */
export function calibrationPoints(run: LoadedRun, analysis: GflAnalysis): CalibrationPoints {
  const { detections } = run.table;
  const rows = analysis.rows;
  const picked: number[] = [];
  for (let d = 0; d < rows.count; d++) {
    const o = rows.outcome[d];
    if (o === OUTCOME_CODE.tp || o === OUTCOME_CODE.fp || o === OUTCOME_CODE.ignored || o === OUTCOME_CODE.unevaluated) picked.push(d);
  }
  const n = picked.length;
  const points: CalibrationPoints = {
    count: n,
    score: new Float64Array(n), iou: new Float64Array(n), tp: new Uint8Array(n), classIndex: new Uint16Array(n),
    level: new Uint8Array(n), size: new Uint8Array(n), categoryId: new Int32Array(n),
    laTarget: new Float64Array(n), laIgnored: new Uint8Array(n), dTarget: new Float64Array(n), dIgnored: new Uint8Array(n),
    imageIndex: new Int32Array(n), detIndex: new Int32Array(n),
  };
  picked.forEach((d, k) => {
    const tp = rows.outcome[d] === OUTCOME_CODE.tp ? 1 : 0;
    points.score[k] = detections.score[d];
    points.iou[k] = rows.iou[d];
    points.tp[k] = tp;
    points.classIndex[k] = detections.classIndex[d];
    points.level[k] = detections.level[d];
    points.size[k] = rows.size[d];
    points.categoryId[k] = rows.categoryId[d];
    points.laTarget[k] = rows.laTarget[d];
    points.laIgnored[k] = rows.laIgnored[d];
    points.dTarget[k] = tp;
    points.dIgnored[k] = rows.outcome[d] === OUTCOME_CODE.tp || rows.outcome[d] === OUTCOME_CODE.fp ? 0 : 1;
    points.imageIndex[k] = detections.imageIndex[d];
    points.detIndex[k] = detections.detIndex[d];
  });
  return points;
}

export function calibrationData(run: LoadedRun, analysis: GflAnalysis): CalibrationData | null {
  if (!analysis.evaluation || !analysis.calibration) return null;
  const categoryClass: [number, number][] = [];
  analysis.source.classToCategory.forEach((categoryId, classIndex) => { if (categoryId !== null) categoryClass.push([categoryId, classIndex]); });
  const withGt = analysis.calibration.laece0.perClass.map((c) => c.categoryId);
  return {
    runLabel: run.label, runPath: run.sourcePath, classNames: run.classNames, strides: run.strides,
    categoriesWithGroundTruth: withGt, categoryClass, points: calibrationPoints(run, analysis), partial: !run.complete,
    scoreNote: run.header.profile.layout === 'ultralytics' || run.header.head.layout === 'ultralytics' ? YOLO_SCORE_NOTE : null,
  };
}

/** Ultralytics heads train class scores with BCE against TAL's alignment targets, not with QFL's IoU targets. */
export const YOLO_SCORE_NOTE = 'YOLOv8/YOLO11 scores are trained with BCE on task-aligned (TAL) targets, not as IoU estimates like GFL\'s QFL: ' +
  'read the score–IoU correlation as how well ranking by score follows localisation quality, not as a calibration target the model was trained for.';

/** The analysis' most ambiguous boxes (one per anchor, scoring ≥ its floor), most ambiguous first. */
export function ambiguityData(run: LoadedRun, analysis: GflAnalysis, uriOf: ImageUriOf, limit = 60): AmbiguityData {
  const base = ambiguityBase(run, analysis);
  if (base.emptyReason) return base;
  const cards = analysis.topAmbiguous.slice(0, limit).map((box, rank) => ambiguityCard(run, box, rank + 1, uriOf));
  return { ...base, cards, emptyReason: cards.length ? null : `No box with a distribution scores ≥ ${analysis.topAmbiguousMinScore}.` };
}

/** One page of the Ambiguity view: boxes the worker ranked and filtered (ambiguityQuery.ts), with the filter choices. */
export function ambiguityPageData(run: LoadedRun, analysis: GflAnalysis, page: AmbiguityPage, filters: AmbiguityFilters, pageSize: number, uriOf: ImageUriOf): AmbiguityData {
  const base = ambiguityBase(run, analysis);
  const classes = run.classNames.map((name, classIndex): [number, string] => [classIndex, name]);
  const common = { filters, pageSize, classes, hasGroundTruth: analysis.evaluation !== null, total: page.total, offset: page.offset };
  if (base.emptyReason) return { ...base, ...common, total: 0, offset: 0 };
  const cards = page.boxes.map((box, k) => ambiguityCard(run, box, page.offset + k + 1, uriOf));
  const narrowed = filters.classIndex !== null || filters.edge !== null || filters.outcome !== null;
  return {
    ...base, ...common, cards,
    emptyReason: cards.length ? null : `No box with a distribution scores ≥ ${filters.minScore}${narrowed ? ' and passes the filters' : ''}.`,
  };
}

function ambiguityBase(run: LoadedRun, analysis: GflAnalysis): AmbiguityData {
  const base = { runLabel: run.label, runPath: run.sourcePath, regMax: run.regMax, cards: [] as AmbiguityCard[], totalWithDistributions: 0, emptyReason: null };
  if (!run.hasDistributions || !analysis.edges) {
    return { ...base, emptyReason: run.kind === 'results'
      ? 'COCO results files carry boxes and scores only: no DFL distributions, so no ambiguity ranking.'
      : 'This model integrates DFL inside its graph: per-edge distributions are unavailable, so no ambiguity ranking.' };
  }
  return { ...base, totalWithDistributions: analysis.edges.detections };
}

function ambiguityCard(run: LoadedRun, box: AmbiguousBox, rank: number, uriOf: ImageUriOf): AmbiguityCard {
  const { images } = run.table;
  const imageIndex = run.table.detections.imageIndex[box.index];
  return {
    ref: { imageIndex, detIndex: box.detIndex }, rank, file: box.file, uri: uriOf(imageIndex),
    imageWidth: images.width[imageIndex], imageHeight: images.height[imageIndex], bbox: box.bbox,
    className: run.classNames[box.classIndex] ?? `class ${box.classIndex}`, score: box.score, ambiguity: box.ambiguity,
    drivingEdge: ['left', 'top', 'right', 'bottom'].indexOf(box.drivingEdge), probs: box.probs,
    expected: box.expected, gtDistance: box.gtDistance, outcome: viewOutcome(OUTCOME_CODE[box.outcome]), iou: box.iou,
  };
}
