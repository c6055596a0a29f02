// The report's data: one JSON-serialisable object, versioned, built from a run and its one analysis (core/analytics/
// analysis.ts). Every export format renders this object; the JSON export writes it as is (schema:
// media/schema/gfl-lens-report.schema.json). Nothing here evaluates: the numbers are the analysis' numbers, so the
// report, the CLI and the views agree exactly. Deterministic: same run + analysis → same object, same key order.
//
// The per-detection table is not in this object (a COCO val run has ~500k detections): the CSV, COCO-results and
// Parquet exports stream it from the run and the analysis' columns. `detections` holds the detections the report
// shows (failure examples, most ambiguous boxes).
import { analysisSummary, detectionRow, NO_ERROR, TIDE_FP_ERRORS, type GflAnalysis } from '../analytics/analysis.ts';
import { computeEdgeStats, type EdgeStats } from '../analytics/edgeStats.ts';
import { describeFailureContext, detectionContextKey, failureContextsFor, missedContextKey, type ContextAnnotation } from '../analytics/failureContext.ts';
import type { CategoryMetrics } from '../coco/cocoEval.ts';
import { TIDE_MAIN_ERRORS, type TideMainError, type TideSummary } from '../coco/matching.ts';
import { imageIndexById, type RunTable } from '../runTable.ts';
import type { EdgeName, TideErrorType, XYXY } from '../types.ts';

export const REPORT_FORMAT = 'gfl-lens-report';
export const REPORT_FORMAT_VERSION = 2;

export interface ReportOptions {
  /** How many of the most ambiguous boxes the report shows (with their edge distributions). */
  topAmbiguous: number;
  /** How many examples each failure list (per TIDE error type) shows; the counts cover all of them. */
  failuresPerType: number;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportOptions> = Object.freeze({ topAmbiguous: 24, failuresPerType: 12 });

/** Four values in edge order left, top, right, bottom. */
export type EdgeQuad = [number, number, number, number];

export interface ReportEdgeStats {
  /** DFL expectation in bins (stride units), std in bins and in original-image pixels. */
  mean: EdgeQuad;
  std: EdgeQuad;
  stdPx: EdgeQuad;
  /** Normalised entropy in [0, 1]; top-1 and top-4 mass; DFL two-bin mass; last-bin mass; second-peak ratio. */
  entropy: EdgeQuad;
  top1: EdgeQuad;
  topK: EdgeQuad;
  dflMass: EdgeQuad;
  saturation: EdgeQuad;
  bimodality: EdgeQuad;
}

export interface ReportMatch {
  /** Ground truth COCOeval matched at IoU 0.5 (area all, maxDets 100), else null. */
  matchedGtId: number | null;
  /** Best-IoU same-category ground truth and its IoU (the QFL target; 0 and null when none). */
  bestGtId: number | null;
  iou: number;
  /** Best-IoU ground truth of any category, its IoU and category (what a Cls error confused the object with). */
  overlapGtId: number | null;
  overlapIoU: number;
  overlapCategoryId: number | null;
  tp50: boolean;
  tp75: boolean;
  /** TIDE error type of a false positive at IoU 0.5, null for true positives and ignored detections. */
  error: TideErrorType | null;
  outcome: 'tp' | 'fp' | 'ignored' | 'unevaluated';
}

export interface ReportDetection {
  imageId: number;
  /** Index of the detection in its image's list in the run file. */
  detIndex: number;
  classIndex: number;
  /** Dataset (or standard COCO) category id of the class, null when the class maps to none. */
  categoryId: number | null;
  score: number;
  /** [x1, y1, x2, y2] in original image pixels. */
  bbox: XYXY;
  level: number;
  stride: number;
  /** Null without ground truth or when the class has no category. */
  match: ReportMatch | null;
  /** Null when the model has no DFL distributions (integrated DFL) or this detection lacks them. */
  edges: ReportEdgeStats | null;
  /** max over edges of 1 − dflMass, and the edge attaining it (see core/analytics/edgeStats.ts); null without distributions. */
  ambiguity: number | null;
  drivingEdge: EdgeName | null;
}

export interface ReportDetectionRef {
  imageId: number;
  detIndex: number;
}

export interface ReportAmbiguousBox extends ReportDetectionRef {
  rank: number;
  ambiguity: number;
  drivingEdge: EdgeName;
  /** The detection's per-edge probabilities, 4 × (regMax + 1), edges l, t, r, b. */
  edgeProbs: number[];
}

export interface ReportMissedGt {
  gtId: number;
  imageId: number;
  categoryId: number;
  /** COCO [x, y, width, height]. */
  bbox: [number, number, number, number];
  area: number;
}

export interface ReportFailureList {
  type: TideMainError;
  /** All occurrences in the run (TIDE's count for Miss; false positives of this type otherwise). */
  count: number;
  /** TIDE dAP of this error type, in AP points. */
  dAP: number;
  /** Highest-scoring false positives of this type (Cls/Loc/Both/Dupe/Bkg), at most `failuresPerType`. */
  detections: ReportDetectionRef[];
  /** Largest missed ground truths (Miss only), at most `failuresPerType`. */
  missed: ReportMissedGt[];
  /** What each listed failure relates to, aligned with `detections` (or `missed` for Miss); absent when the report
   *  was built without the ground truth boxes. See core/analytics/failureContext.ts. */
  contexts?: (ReportFailureContext | null)[];
}

export interface ReportFailureContext {
  /** The ground truth to look at beside the failure (the true object for Cls, the missed one for Miss). */
  gtId: number | null;
  /** Dupe: the true positive it duplicates; Miss: the best candidate (detIndex in the same image). */
  relatedDetIndex: number | null;
  /** Loc: predicted − true edge positions (l, t, r, b) in image pixels, positive outwards. */
  edgeErrorPx: [number, number, number, number] | null;
  short: string;
  long: string;
}

export interface ReportEvaluation {
  annotations: string;
  statKeys: string[];
  /** The 12 COCOeval summarize() numbers in statKeys order (−1 where undefined). */
  stats: number[];
  perCategory: CategoryMetrics[];
  tide: TideSummary;
  failures: ReportFailureList[];
  /** Class → category mismatches found while mapping (a class without a dataset category, …). */
  categoryProblems: string[];
  groundTruth: { images: number; annotations: number; categories: number };
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  version: number;
  run: {
    tool: { name: string; version: string };
    createdAt: string;
    finishedAt: string | null;
    complete: boolean;
    model: { fileName: string; sha256: string; bytes: number; inputName: string };
    profile: {
      name: string; inputSize: [number, number]; strides: number[]; regMax: number; centerOffset: number;
      scoreActivation: string; distributionActivation: string; colorOrder: string; resize: string; letterboxAlign: string;
    };
    head: { layout: string; numClasses: number; hasDistributions: boolean; notes: string[] };
    decode: { scoreThreshold: number; topKPerLevel: number; nmsIoU: number; maxPerImage: number; classAgnosticNms: boolean };
    provider: { active: string; fallbacks: { provider: string; reason: string }[] };
    dataset: { annotations: string | null; imagesDir: string | null };
    /** Whole-run wall time and the sums of the per-image stages, milliseconds. */
    timingMs: { wall: number | null; preprocess: number; inference: number; decode: number };
    counts: { images: number; errors: number; detections: number };
  };
  classes: { classIndex: number; name: string; categoryId: number | null }[];
  images: { imageId: number; file: string; width: number; height: number; detections: number }[];
  errors: { file: string; imageId: number | null; message: string }[];
  /** Detections per class index, and a 20-bin score histogram over [0, 1], of every detection of the run. */
  classCounts: number[];
  scoreHistogram: number[];
  /** The detections the report shows (failure examples, most ambiguous boxes), in run order. */
  detections: ReportDetection[];
  evaluation: ReportEvaluation | null;
  /**
   * The most ambiguous boxes scoring ≥ minScore, with their distributions: the analysis' ranking (evaluated boxes)
   * when there is one, else the same ranking over all detections. Null when the model has no DFL distributions.
   */
  ambiguity: { count: number; minScore: number; top: ReportAmbiguousBox[] } | null;
  /** The run's analysis without its per-detection columns (calibration, score vs IoU, edge summaries, …); null without ground truth. */
  analysis: Omit<GflAnalysis, 'rows'> | null;
}

/**
 * Rounds to 6 decimal places: derived statistics (probabilities, IoUs, pixel spreads) do not carry more, and shorter
 * text keeps files small. Math.round rather than toPrecision: this runs ~500k times for a 10k-detection report.
 */
export function round6(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  return Math.round(value * 1e6) / 1e6;
}

function quad(array: Float32Array, i: number): EdgeQuad {
  return [round6(array[4 * i]), round6(array[4 * i + 1]), round6(array[4 * i + 2]), round6(array[4 * i + 3])];
}

function edgeStatsOf(stats: EdgeStats, i: number): ReportEdgeStats | null {
  if (Number.isNaN(stats.mean[4 * i])) return null;
  return {
    mean: quad(stats.mean, i), std: quad(stats.std, i), stdPx: quad(stats.stdPx, i), entropy: quad(stats.entropy, i),
    top1: quad(stats.top1, i), topK: quad(stats.topK, i), dflMass: quad(stats.dflMass, i),
    saturation: quad(stats.saturation, i), bimodality: quad(stats.bimodality, i),
  };
}

function runSection(table: RunTable): ReportData['run'] {
  const { header, footer, images } = table;
  const sum = (values: Float32Array) => { let s = 0; for (let i = 0; i < images.count; i++) s += values[i]; return s; };
  const p = header.profile;
  return {
    tool: { name: header.tool.name, version: header.tool.version },
    createdAt: header.createdAt,
    finishedAt: footer?.finishedAt ?? null,
    complete: table.complete,
    model: { fileName: header.model.fileName, sha256: header.model.sha256, bytes: header.model.bytes, inputName: header.model.inputName },
    profile: {
      name: p.name, inputSize: [p.inputSize[0], p.inputSize[1]], strides: [...p.strides], regMax: p.regMax, centerOffset: p.centerOffset,
      scoreActivation: p.scoreActivation, distributionActivation: p.distributionActivation, colorOrder: p.colorOrder,
      resize: p.resize, letterboxAlign: p.letterboxAlign,
    },
    head: { layout: header.head.layout, numClasses: header.head.numClasses, hasDistributions: header.head.hasDistributions, notes: [...header.head.notes] },
    decode: { ...header.decode },
    provider: { active: header.provider.active, fallbacks: header.provider.fallbacks.map((f) => ({ provider: f.provider, reason: f.reason })) },
    dataset: { annotations: header.dataset.annotations ?? null, imagesDir: header.dataset.imagesDir ?? null },
    timingMs: {
      wall: footer ? round6(footer.timingMs.wall) : null,
      preprocess: round6(sum(images.preprocessMs)), inference: round6(sum(images.inferenceMs)), decode: round6(sum(images.decodeMs)),
    },
    counts: { images: images.count, errors: table.errors.length, detections: table.detections.count },
  };
}

export interface ReportSources {
  table: RunTable;
  /** The run's analysis (analyzeRun of the same table). */
  analysis: GflAnalysis;
  /** The ground truth's boxes and names: with them, each listed failure says what it relates to. */
  groundTruth?: { annotations: readonly (ContextAnnotation & { image_id: number })[]; categories: readonly { id: number; name: string }[] } | null;
}

/** Fills each failure list's `contexts` (what each listed failure relates to) from the ground truth's boxes. */
function addFailureContexts(failures: ReportFailureList[], table: RunTable, analysis: GflAnalysis, groundTruth: NonNullable<ReportSources['groundTruth']>): void {
  const { images, detections } = table;
  const imageIndexOf = imageIndexById(images);
  const rowOf = (ref: ReportDetectionRef) => images.detStart[imageIndexOf.get(ref.imageId)!] + ref.detIndex;
  const byImage = new Map<number, (ContextAnnotation & { image_id: number })[]>();
  for (const a of groundTruth.annotations) {
    const list = byImage.get(a.image_id);
    if (list) list.push(a);
    else byImage.set(a.image_id, [a]);
  }
  const contexts = failureContextsFor(table, analysis, (i) => byImage.get(images.imageId[i]) ?? [],
    failures.flatMap((f) => f.detections.map(rowOf)), failures.flatMap((f) => f.missed.map((m) => m.gtId)));
  const names = new Map(groundTruth.categories.map((c) => [c.id, c.name]));
  const categoryName = (id: number | null) => (id === null ? 'a class the dataset lacks' : names.get(id) ?? `category ${id}`);
  const detectionLabel = (imageIndex: number) => (detIndex: number) => {
    const d = images.detStart[imageIndex] + detIndex;
    const name = table.header.profile.classNames[detections.classIndex[d]] ?? `class ${detections.classIndex[d]}`;
    return `box #${detIndex} (${name} ${detections.score[d].toFixed(2)})`;
  };
  const describe = (key: string, imageIndex: number): ReportFailureContext | null => {
    const ctx = contexts.get(key);
    if (!ctx) return null;
    const text = describeFailureContext(ctx, categoryName, detectionLabel(imageIndex));
    return { gtId: ctx.gtId, relatedDetIndex: ctx.duplicateOf?.detIndex ?? ctx.candidate?.detIndex ?? null, edgeErrorPx: ctx.edgeErrorPx ? ctx.edgeErrorPx.map(round6) as [number, number, number, number] : null, short: text.short, long: text.long };
  };
  for (const list of failures) {
    list.contexts = list.type === 'Miss'
      ? list.missed.map((m) => describe(missedContextKey(m.gtId), imageIndexOf.get(m.imageId)!))
      : list.detections.map((ref) => describe(detectionContextKey(rowOf(ref)), imageIndexOf.get(ref.imageId)!));
  }
}

/** Builds the report object from a run and its analysis. */
export function buildReportData(sources: ReportSources, options: Partial<ReportOptions> = {}): ReportData {
  const { table, analysis } = sources;
  if (analysis.source.modelSha256 !== table.header.model.sha256 || analysis.source.images !== table.images.count || analysis.rows.count !== table.detections.count) {
    // A stale analysis (another run, or the same run before it finished) would silently mix two runs' numbers.
    throw new Error(`the analysis given is of another run (${analysis.source.modelFile}, ${analysis.source.images} images), not of this one (${table.header.model.fileName}, ${table.images.count} images)`);
  }
  const o: ReportOptions = { ...DEFAULT_REPORT_OPTIONS, ...options };
  const { header, images, detections } = table;
  const { profile } = header;
  const rows = analysis.rows;
  const ev = analysis.evaluation;

  const classCounts = new Array<number>(profile.classNames.length).fill(0);
  const scoreHistogram = new Array<number>(20).fill(0);
  for (let d = 0; d < detections.count; d++) {
    classCounts[detections.classIndex[d]]++;
    scoreHistogram[Math.min(19, Math.max(0, Math.floor(detections.score[d] * 20)))]++;
  }

  // Failure lists: highest-scoring false positives of each TIDE type; the largest missed ground truths.
  let failures: ReportFailureList[] = [];
  if (ev) {
    const byType = new Map<TideErrorType, number[]>(TIDE_FP_ERRORS.map((type) => [type, []]));
    for (let d = 0; d < rows.count; d++) if (rows.error[d] !== NO_ERROR) byType.get(TIDE_FP_ERRORS[rows.error[d]])!.push(d);
    failures = TIDE_MAIN_ERRORS.map((type) => {
      if (type === 'Miss') {
        const missed = [...analysis.missed].sort((a, b) => b.area - a.area || a.gtId - b.gtId).slice(0, o.failuresPerType)
          .map((m) => ({ gtId: m.gtId, imageId: m.imageId, categoryId: m.categoryId, bbox: m.bbox, area: m.area }));
        return { type, count: ev.tide.counts.Miss, dAP: round6(ev.tide.dAP.Miss), detections: [], missed };
      }
      const ofType = (byType.get(type) ?? []).sort((a, b) => detections.score[b] - detections.score[a] || a - b);
      return {
        type, count: ofType.length, dAP: round6(ev.tide.dAP[type]),
        detections: ofType.slice(0, o.failuresPerType).map((d) => ({ imageId: images.imageId[detections.imageIndex[d]], detIndex: detections.detIndex[d] })), missed: [],
      };
    });
    if (sources.groundTruth) addFailureContexts(failures, table, analysis, sources.groundTruth);
  }
  const topAmbiguous = analysis.topAmbiguous.slice(0, o.topAmbiguous);

  // The detections the report shows, each once, in run order, with their edge statistics.
  const shown = new Set<number>(topAmbiguous.map((box) => box.index));
  const imageIndexOf = imageIndexById(images);
  for (const list of failures) {
    for (const ref of list.detections) shown.add(images.detStart[imageIndexOf.get(ref.imageId)!] + ref.detIndex);
  }
  const shownRows = [...shown].sort((a, b) => a - b);
  const bins = detections.bins;
  let shownStats: EdgeStats | null = null;
  if (detections.probs && shownRows.length) {
    const probs = new Uint16Array(shownRows.length * 4 * bins);
    const stride = new Float64Array(shownRows.length), scaleX = new Float64Array(shownRows.length), scaleY = new Float64Array(shownRows.length);
    shownRows.forEach((d, k) => {
      probs.set(detections.probs!.subarray(4 * bins * d, 4 * bins * (d + 1)), 4 * bins * k);
      stride[k] = detections.stride[d];
      scaleX[k] = images.scaleX[detections.imageIndex[d]];
      scaleY[k] = images.scaleY[detections.imageIndex[d]];
    });
    shownStats = computeEdgeStats({ count: shownRows.length, regMax: bins - 1, probs, hasProbs: new Uint8Array(shownRows.length).fill(1), stride, scaleX, scaleY });
  }
  const reportDetections: ReportDetection[] = shownRows.map((d, k) => {
    const row = detectionRow(table, analysis, d);
    const match: ReportMatch | null = ev && row.categoryId !== null ? {
      matchedGtId: row.matchedGt, bestGtId: row.sameClassGt, iou: round6(row.iou ?? 0),
      overlapGtId: row.anyClassGt, overlapIoU: round6(row.anyClassIoU ?? 0), overlapCategoryId: row.anyClassCategory,
      tp50: row.outcome === 'tp', tp75: rows.tp75[d] === 1, error: row.error,
      outcome: row.outcome === 'unmapped' || row.outcome === 'unknown' ? 'unevaluated' : row.outcome,
    } : null;
    return {
      imageId: row.imageId, detIndex: row.detIndex, classIndex: row.classIndex, categoryId: row.categoryId, score: row.score, bbox: row.bbox,
      level: row.level, stride: detections.stride[d], match, edges: shownStats ? edgeStatsOf(shownStats, k) : null,
      ambiguity: row.ambiguity === null ? null : round6(row.ambiguity), drivingEdge: row.drivingEdge,
    };
  });

  const ambiguity: ReportData['ambiguity'] = analysis.edges ? {
    count: analysis.edges.detections,
    minScore: analysis.topAmbiguousMinScore,
    top: topAmbiguous.map((box, rank) => {
      const probs: number[] = [];
      for (let k = 0; k < 4 * bins; k++) probs.push(round6(detections.probs![4 * bins * box.index + k] / 65535));
      return { imageId: box.imageId, detIndex: box.detIndex, rank: rank + 1, ambiguity: round6(box.ambiguity), drivingEdge: box.drivingEdge, edgeProbs: probs };
    }),
  } : null;

  const evaluation: ReportEvaluation | null = ev ? {
    annotations: ev.annotations,
    statKeys: [...ev.statKeys],
    stats: ev.stats.map(round6),
    perCategory: ev.perCategory.map((c) => ({
      ...c, ap: round6(c.ap), ap50: round6(c.ap50), ap75: round6(c.ap75), apSmall: round6(c.apSmall),
      apMedium: round6(c.apMedium), apLarge: round6(c.apLarge), ar100: round6(c.ar100),
    })),
    tide: {
      foregroundIoU: ev.tide.foregroundIoU,
      backgroundIoU: ev.tide.backgroundIoU,
      ap: round6(ev.tide.ap),
      dAP: Object.fromEntries(TIDE_MAIN_ERRORS.map((t) => [t, round6(ev.tide.dAP[t])])) as Record<TideMainError, number>,
      specialDAP: { FalsePos: round6(ev.tide.specialDAP.FalsePos), FalseNeg: round6(ev.tide.specialDAP.FalseNeg) },
      counts: { ...ev.tide.counts },
    },
    failures,
    categoryProblems: [...ev.categoryProblems],
    groundTruth: { ...ev.groundTruth },
  } : null;

  return {
    format: REPORT_FORMAT,
    version: REPORT_FORMAT_VERSION,
    run: runSection(table),
    classes: profile.classNames.map((modelName, classIndex) => ({ classIndex, name: analysis.source.classLabels[classIndex] ?? modelName, categoryId: analysis.source.classToCategory[classIndex] ?? null })),
    images: Array.from({ length: images.count }, (_, i) => ({ imageId: images.imageId[i], file: images.file[i], width: images.width[i], height: images.height[i], detections: images.detStart[i + 1] - images.detStart[i] })),
    errors: table.errors.map((e) => ({ file: e.file, imageId: e.imageId ?? null, message: e.message })),
    classCounts,
    scoreHistogram,
    detections: reportDetections,
    evaluation,
    ambiguity,
    analysis: ev ? analysisSummary(analysis) : null,
  };
}

/** A region of an image the report shows as a small picture: a detection or a missed ground truth, [x1, y1, x2, y2]. */
export interface ReportCropRequest {
  key: string;
  imageId: number;
  box: XYXY;
  /** A detection (drawn in orange) or a missed ground truth (drawn in green). */
  kind: 'detection' | 'groundTruth';
}

/** Key under which the crop of a detection is looked up. */
export function detectionCropKey(ref: ReportDetectionRef): string {
  return `d:${ref.imageId}:${ref.detIndex}`;
}

export function missedCropKey(gtId: number): string {
  return `g:${gtId}`;
}

/** Every crop the HTML report shows, each once, in a deterministic order. */
export function reportCropRequests(data: ReportData): ReportCropRequest[] {
  const byKey = new Map<string, ReportCropRequest>();
  const detectionOf = new Map(data.detections.map((d) => [`${d.imageId}:${d.detIndex}`, d]));
  const addDetection = (ref: ReportDetectionRef) => {
    const key = detectionCropKey(ref);
    const d = detectionOf.get(`${ref.imageId}:${ref.detIndex}`);
    if (d && !byKey.has(key)) byKey.set(key, { key, imageId: d.imageId, box: d.bbox, kind: 'detection' });
  };
  for (const box of data.ambiguity?.top ?? []) addDetection(box);
  for (const list of data.evaluation?.failures ?? []) {
    for (const ref of list.detections) addDetection(ref);
    for (const m of list.missed) {
      byKey.set(missedCropKey(m.gtId), { key: missedCropKey(m.gtId), imageId: m.imageId, box: [m.bbox[0], m.bbox[1], m.bbox[0] + m.bbox[2], m.bbox[1] + m.bbox[3]], kind: 'groundTruth' });
    }
  }
  return [...byKey.values()];
}

/**
 * Why TIDE's AP50 differs from COCOeval's: TIDE (ClassedAPDataObject.get_mAP) averages over every category with a
 * ground truth or a detection, so a category the model predicts but the dataset (or the run's images) never
 * contains counts as AP 0; COCOeval averages only over categories with ground truth (its AP is −1, left out, for
 * the others). `sameCategories` rescales TIDE's figure to COCOeval's categories (close to COCO's AP50; the
 * interpolation and maxDets details differ slightly).
 */
export function tideApBasis(ev: Pick<ReportEvaluation, 'perCategory' | 'tide' | 'stats' | 'statKeys'>): {
  tideAp50: number; cocoAp50: number; withGroundTruth: number; withoutGroundTruth: string[]; sameCategories: number; text: string;
} {
  const withGroundTruth = ev.perCategory.filter((c) => c.numGt > 0).length;
  const withoutGroundTruth = ev.perCategory.filter((c) => c.numGt === 0 && c.numDetections > 0).map((c) => c.name);
  const tideAp50 = ev.tide.ap;
  const cocoAp50 = 100 * ev.stats[ev.statKeys.indexOf('AP50')];
  const averaged = withGroundTruth + withoutGroundTruth.length;
  const sameCategories = withGroundTruth > 0 ? (tideAp50 * averaged) / withGroundTruth : 0;
  const text = withoutGroundTruth.length === 0
    ? `TIDE's AP50 (${tideAp50.toFixed(2)}) and COCOeval's (${cocoAp50.toFixed(2)}) average over the same ${withGroundTruth} categories with ground truth.`
    : `TIDE's AP50 (${tideAp50.toFixed(2)}) averages over ${averaged} categories: the ${withGroundTruth} with ground truth and ${withoutGroundTruth.length} the model detects but the ground truth of these images lacks (${withoutGroundTruth.join(', ')}), each counted as AP 0. ` +
      `COCOeval's AP50 (${cocoAp50.toFixed(2)}) averages over the ${withGroundTruth} with ground truth only; over those, TIDE's figure is ${sameCategories.toFixed(2)}. The dAP values are TIDE's, on its own average.`;
  return { tideAp50, cocoAp50, withGroundTruth, withoutGroundTruth, sameCategories, text };
}
