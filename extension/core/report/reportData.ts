// The report's data: one JSON-serialisable object, versioned, built from a run and (when the run came from a COCO
// dataset) its ground truth. Every export format renders this object; the JSON export writes it as is (schema:
// media/schema/gfl-lens-report.schema.json). Deterministic: same run + ground truth → same object, same key order.
//
// Evaluation uses the project's COCOeval port and TIDE matching (core/coco); calibration and score-vs-IoU use
// core/analytics. Without ground truth (a plain folder run) the object carries detections and edge statistics only.
import { mapClassesToCategories, toCocoResults, type CocoResult } from '../coco/categoryMapping.ts';
import { COCO_STAT_KEYS, evaluateCoco, type CategoryMetrics } from '../coco/cocoEval.ts';
import type { CocoDataset } from '../coco/cocoLoad.ts';
import { matchDetections, TIDE_MAIN_ERRORS, type TideMainError, type TideSummary } from '../coco/matching.ts';
import { DEFAULT_ANALYZE_OPTIONS, type GflAnalysis } from '../analytics/analysis.ts';
import { edgeStatsForDetections, type EdgeStats } from '../analytics/edgeStats.ts';
import type { Run } from '../runFormat.ts';
import { EDGE_NAMES, type DetectionMatch, type EdgeName, type TideErrorType, type XYXY } from '../types.ts';

export const REPORT_FORMAT = 'gfl-lens-report';
export const REPORT_FORMAT_VERSION = 1;

export interface ReportOptions {
  /** How many of the most ambiguous boxes the report shows (with their edge distributions). */
  topAmbiguous: number;
  /** How many examples each failure list (per TIDE error type) shows; the counts cover all of them. */
  failuresPerType: number;
  /** Run COCO evaluation and matching when there is ground truth (off for exports that only need category ids). */
  evaluate: boolean;
}

export const DEFAULT_REPORT_OPTIONS: Readonly<ReportOptions> = Object.freeze({ topAmbiguous: 24, failuresPerType: 12, evaluate: true });

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
  /** Every detection, in run order (images in file order, detections in their per-image order). */
  detections: ReportDetection[];
  evaluation: ReportEvaluation | null;
  /**
   * The most ambiguous boxes scoring ≥ minScore, with their distributions: the analysis' ranking (evaluated boxes)
   * when there is one, else the same ranking over all detections. Null when the model has no DFL distributions.
   */
  ambiguity: { count: number; minScore: number; top: ReportAmbiguousBox[] } | null;
  /** The whole analyzeRun() result (calibration, score vs IoU, edge summaries, …); null without ground truth. */
  analysis: GflAnalysis | null;
}

/**
 * Rounds to 6 decimal places: derived statistics (probabilities, IoUs, pixel spreads) do not carry more, and shorter
 * text keeps files small. Math.round rather than toPrecision: this runs ~500k times for a 10k-detection report.
 */
export function round6(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  return Math.round(value * 1e6) / 1e6;
}

function quad(array: Float64Array, i: number): EdgeQuad {
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

function toReportMatch(match: DetectionMatch): ReportMatch {
  return {
    matchedGtId: match.matchedGtId50,
    bestGtId: match.sameClassGtId,
    iou: round6(match.sameClassIoU),
    overlapGtId: match.anyClassGtId,
    overlapIoU: round6(match.anyClassIoU),
    overlapCategoryId: match.anyClassCategoryId,
    tp50: match.tp50,
    tp75: match.tp75,
    error: match.error,
    outcome: match.cocoOutcome50 ?? (match.tp50 ? 'tp' : match.error ? 'fp' : 'ignored'),
  };
}

function runSection(run: Run): ReportData['run'] {
  const { header, footer } = run;
  const sum = (key: 'preprocessMs' | 'inferenceMs' | 'decodeMs') => run.images.reduce((s, image) => s + image.timingMs[key], 0);
  const p = header.profile;
  return {
    tool: { name: header.tool.name, version: header.tool.version },
    createdAt: header.createdAt,
    finishedAt: footer?.finishedAt ?? null,
    complete: run.complete,
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
      preprocess: round6(sum('preprocessMs')), inference: round6(sum('inferenceMs')), decode: round6(sum('decodeMs')),
    },
    counts: { images: run.images.length, errors: run.errors.length, detections: run.images.reduce((s, image) => s + image.detections.length, 0) },
  };
}

export interface ReportSources {
  run: Run;
  /** The parsed COCO instances file the run references; absent for runs over a plain folder. */
  groundTruth?: CocoDataset;
  /** How the report names the ground truth file (default: the run's dataset.annotations). */
  annotationsName?: string;
  /** analyzeRun(run, groundTruth, …) for the same run and ground truth; without it the report has no analysis section. */
  analysis?: GflAnalysis;
}

/**
 * Builds the report object. With ground truth: COCO evaluation, per-detection matches and failure lists, plus the
 * analysis of the same run when given. Without ground truth: detections and edge statistics, no metrics.
 */
export function buildReportData(sources: ReportSources, options: Partial<ReportOptions> = {}): ReportData {
  const { run, groundTruth, annotationsName } = sources;
  const analysis = groundTruth ? sources.analysis ?? null : null;
  if (analysis && (analysis.source.modelSha256 !== run.header.model.sha256 || analysis.source.images !== run.images.length)) {
    // A stale analysis (another run, or the same run before it finished) would silently mix two runs' numbers.
    throw new Error(`the analysis given is of another run (${analysis.source.modelFile}, ${analysis.source.images} images), not of this one (${run.header.model.fileName}, ${run.images.length} images)`);
  }
  const o: ReportOptions = { ...DEFAULT_REPORT_OPTIONS, ...options };
  const { profile } = run.header;
  const mapping = mapClassesToCategories(profile.classNames, groundTruth?.categories);

  // Flat detection list in run order, with the input→original scale edge statistics need.
  const flat = run.images.flatMap((image) => image.detections.map((detection, detIndex) => ({
    image, detection, detIndex, scaleX: image.transform.scaleX, scaleY: image.transform.scaleY,
  })));
  const edgeStats = edgeStatsForDetections(flat, profile.regMax);
  const flatIndexOf = new Map<string, number>();
  flat.forEach((f, i) => flatIndexOf.set(`${f.image.imageId}:${f.detIndex}`, i));

  const detections: ReportDetection[] = flat.map((f, i) => {
    const ambiguity = edgeStats && !Number.isNaN(edgeStats.ambiguity[i]) ? round6(edgeStats.ambiguity[i]) : null;
    return {
      imageId: f.image.imageId,
      detIndex: f.detIndex,
      classIndex: f.detection.classIndex,
      categoryId: mapping.classToCategory[f.detection.classIndex] ?? null,
      score: f.detection.score,
      bbox: [f.detection.bbox[0], f.detection.bbox[1], f.detection.bbox[2], f.detection.bbox[3]],
      level: f.detection.level,
      stride: f.detection.stride,
      match: null,
      edges: edgeStats ? edgeStatsOf(edgeStats, i) : null,
      ambiguity,
      drivingEdge: ambiguity === null ? null : EDGE_NAMES[edgeStats!.drivingEdge[i]],
    };
  });

  let ambiguity: ReportData['ambiguity'] = null;
  if (edgeStats) {
    // The analysis ranks evaluated boxes; otherwise the same order over all: ambiguity descending, then score
    // descending, then run order, so the order is total.
    const minScore = analysis ? analysis.topAmbiguousMinScore : DEFAULT_ANALYZE_OPTIONS.ambiguousMinScore;
    const ranked = analysis
      ? analysis.topAmbiguous.map((box) => flatIndexOf.get(`${box.imageId}:${box.detIndex}`)!).filter((i) => i !== undefined)
      : detections.map((_, i) => i).filter((i) => detections[i].ambiguity !== null && detections[i].score >= minScore)
        .sort((a, b) => detections[b].ambiguity! - detections[a].ambiguity! || detections[b].score - detections[a].score || a - b);
    ambiguity = {
      count: analysis ? analysis.edges?.detections ?? 0 : detections.filter((d) => d.ambiguity !== null).length,
      minScore,
      top: ranked.slice(0, o.topAmbiguous).map((i, rank) => ({
        imageId: detections[i].imageId, detIndex: detections[i].detIndex, rank: rank + 1,
        ambiguity: detections[i].ambiguity!, drivingEdge: detections[i].drivingEdge!,
        edgeProbs: (flat[i].detection.edgeProbs ?? []).map(round6),
      })),
    };
  }

  let evaluation: ReportEvaluation | null = null;
  if (groundTruth && o.evaluate) {
    const results: CocoResult[] = toCocoResults(run.images, mapping.classToCategory);
    const cocoEval = evaluateCoco(groundTruth, results);
    const matching = matchDetections(groundTruth, results, cocoEval);
    const resultFlat = results.map((r) => flatIndexOf.get(`${r.image_id}:${r.detIndex}`)!);
    matching.matches.forEach((match, k) => { detections[resultFlat[k]].match = toReportMatch(match); });

    evaluation = {
      annotations: annotationsName ?? run.header.dataset.annotations ?? '',
      statKeys: [...COCO_STAT_KEYS],
      stats: cocoEval.stats.map(round6),
      perCategory: cocoEval.perCategory.map((c) => ({
        ...c, ap: round6(c.ap), ap50: round6(c.ap50), ap75: round6(c.ap75), apSmall: round6(c.apSmall),
        apMedium: round6(c.apMedium), apLarge: round6(c.apLarge), ar100: round6(c.ar100),
      })),
      tide: {
        foregroundIoU: matching.tide.foregroundIoU,
        backgroundIoU: matching.tide.backgroundIoU,
        ap: round6(matching.tide.ap),
        dAP: Object.fromEntries(TIDE_MAIN_ERRORS.map((t) => [t, round6(matching.tide.dAP[t])])) as Record<TideMainError, number>,
        specialDAP: { FalsePos: round6(matching.tide.specialDAP.FalsePos), FalseNeg: round6(matching.tide.specialDAP.FalseNeg) },
        counts: { ...matching.tide.counts },
      },
      failures: failureLists(detections, groundTruth, matching.missedGtIds, matching.tide.counts, matching.tide.dAP, o.failuresPerType),
      categoryProblems: [...mapping.problems],
      groundTruth: { images: groundTruth.images.length, annotations: groundTruth.annotations.length, categories: groundTruth.categories.length },
    };

  }

  return {
    format: REPORT_FORMAT,
    version: REPORT_FORMAT_VERSION,
    run: runSection(run),
    classes: profile.classNames.map((name, classIndex) => ({ classIndex, name, categoryId: mapping.classToCategory[classIndex] ?? null })),
    images: run.images.map((image) => ({ imageId: image.imageId, file: image.file, width: image.width, height: image.height, detections: image.detections.length })),
    errors: run.errors.map((e) => ({ file: e.file, imageId: e.imageId ?? null, message: e.message })),
    detections,
    evaluation,
    ambiguity,
    analysis,
  };
}

function failureLists(
  detections: ReportDetection[],
  groundTruth: CocoDataset,
  missedGtIds: number[],
  counts: Record<TideMainError, number>,
  dAP: Record<TideMainError, number>,
  limit: number,
): ReportFailureList[] {
  const annotationById = new Map(groundTruth.annotations.map((a) => [a.id, a]));
  return TIDE_MAIN_ERRORS.map((type) => {
    if (type === 'Miss') {
      // Largest first (what a reviewer notices), ties by id.
      const missed = missedGtIds.map((id) => annotationById.get(id)!).filter(Boolean)
        .sort((a, b) => b.area - a.area || a.id - b.id).slice(0, limit)
        .map((a) => ({ gtId: a.id, imageId: a.image_id, categoryId: a.category_id, bbox: [a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]] as [number, number, number, number], area: a.area }));
      return { type, count: counts.Miss, dAP: round6(dAP.Miss), detections: [], missed };
    }
    const ofType = detections.map((d, i) => ({ d, i })).filter(({ d }) => d.match?.error === type)
      .sort((a, b) => b.d.score - a.d.score || a.i - b.i);
    return {
      type, count: ofType.length, dAP: round6(dAP[type]),
      detections: ofType.slice(0, limit).map(({ d }) => ({ imageId: d.imageId, detIndex: d.detIndex })), missed: [],
    };
  });
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
