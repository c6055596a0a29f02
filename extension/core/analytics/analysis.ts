// analyzeRun: one run (as columns) + its ground truth → the one GflAnalysis that the CLI, every view and every report
// read. Nothing else evaluates a run: numbers are therefore identical everywhere. Pure.
//
// GflAnalysis (version 2):
//   source                        model, profile, counts (all / evaluated / unmapped detections), distributions, classes
//   evaluation | null             the 12 COCO stats, per-category metrics, TIDE summary (dAP per error type), the
//                                 confusion matrix at IoU 0.5, PR and threshold curves (evaluationCurves.ts),
//                                 category-mapping problems; null without ground truth
//   rows                          one entry per detection of the run, as columns (AnalysisRows): outcome, TIDE error,
//                                 matched / best same-class / best any-class GT, IoU, size, ambiguity, LaECE₀ target
//   missed                        TIDE "Miss" ground truths (neither matched nor fixable by a Cls/Loc fix)
//   scoreIoU | null               Pearson/Spearman of score vs same-class IoU with intervals (scoreIoU.ts)
//   calibration | null            LaECE₀, LaACE₀, LaECE@0.1, D-ECE@0.5 and reliability diagrams (calibration.ts)
//   edges | null                  per-edge means of every edge statistic, ambiguity histogram, driving-edge counts
//   distributionKnows | null      std-vs-error correlations and the ambiguity AUROC (distributionKnows.ts)
//   rescoring | null              sharpness re-ranking and variance voting with ΔAP (rescoring.ts): the expensive part
//   topAmbiguous                  the most ambiguous evaluated boxes scoring ≥ topAmbiguousMinScore (one per anchor)
//   operatingPoint | null         TP/FP/FN, per-image table and Ultralytics confusion matrix at the operating threshold
//                                 (operatingPointEvaluation.ts); recomputed alone when the threshold changes
//   notes                         plain-language caveats
// `detail` "summary" skips the expensive part (bootstrap intervals, rescoring) so views can draw first.

import { COCO_STAT_KEYS, cocoGroundTruthColumns, evaluateCoco, type CategoryMetrics, type CocoEvalResult } from '../coco/cocoEval.ts';
import { classDisplayNames } from '../coco/categoryMapping.ts';
import { denseScoreRanks, matchRecordColumns, TIDE_MAIN_ERRORS, type ConfusionMatrix, type MatchingGroundTruth, type MatchingResultColumns, type TideResult, type TideSummary } from '../coco/matching.ts';
import { PROB_SCALE, type RunTable } from '../runTable.ts';
import { EDGE_NAMES, type EdgeName, type TideErrorType, type XYXY } from '../types.ts';
import {
  countedIndexArray,
  detectionECE,
  localisationAwareACE,
  localisationAwareECE,
  reliabilityDiagram,
  type CalibrationInput,
  type CalibrationMetric,
  type ReliabilityBin,
} from './calibration.ts';
import { analyzeDistributionKnows, type DistributionKnowsAnalysis } from './distributionKnows.ts';
import { computeEdgeStats, type EdgeStats } from './edgeStats.ts';
import { runAnalysisJob, type AnalysisJob, type AnalysisJobResult } from './analysisJobs.ts';
import { isShared, sharedArray, type SharableArrayType } from '../sharedMemory.ts';
import type { RescoringAnalysis, RescoringOptions } from './rescoring.ts';
import { analyzeScoreIoU, cocoSizeIndex, SCORE_IOU_POPULATIONS, SIZE_NAMES, type ScoreIoUAnalysis, type ScoreIoUOptions } from './scoreIoU.ts';
import { evaluationCurves, type EvaluationCurves } from './evaluationCurves.ts';
import { evaluateOperatingPoint, VERDICT, type OperatingGroundTruth, type OperatingPointEvaluation, type ScoredDetections } from './operatingPointEvaluation.ts';
import { DEFAULT_OPERATING_THRESHOLD } from '../operatingPoint.ts';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions, type CorrelationWithInterval } from './statistics.ts';
import { cocoBoxIoU, type ThresholdMatches } from './thresholdMatching.ts';

export const GFL_ANALYSIS_VERSION = 2;
export const GFL_ANALYSIS_KIND = 'gfl-lens-analysis';

/**
 * A detection's verdict. tp / fp / ignored: COCOeval at IoU 0.5 (area all, maxDets 100; ignored = matched to a crowd
 * region). unevaluated: beyond the top 100 of its (image, category), or its image/category is not in the ground
 * truth. unmapped: its class has no dataset category. unknown: the run has no ground truth.
 */
export const OUTCOMES = ['tp', 'fp', 'ignored', 'unevaluated', 'unmapped', 'unknown'] as const;
export type DetectionOutcome = (typeof OUTCOMES)[number];
export const OUTCOME_CODE: Readonly<Record<DetectionOutcome, number>> = Object.freeze({ tp: 0, fp: 1, ignored: 2, unevaluated: 3, unmapped: 4, unknown: 5 });

/** TIDE's false-positive error types, in code order (AnalysisRows.error); NO_ERROR for everything else. */
export const TIDE_FP_ERRORS: readonly TideErrorType[] = ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg'];
export const NO_ERROR = 255;

/** Boxes scoring below this are left out of "most ambiguous" rankings: low-score boxes are flat by construction. */
export const AMBIGUOUS_MIN_SCORE = 0.3;

/**
 * What the analysis knows about each detection, as columns indexed like the run's detection columns. Annotation ids
 * are Float64 (COCO ids can exceed int32) with NaN for "none"; IoUs are NaN without ground truth.
 */
export interface AnalysisRows {
  count: number;
  /** Dataset category of the detection's class, −1 when unmapped. */
  categoryId: Int32Array;
  /** Index into OUTCOMES. */
  outcome: Uint8Array;
  /** 1 for a COCOeval true positive at IoU 0.75. */
  tp75: Uint8Array;
  /** Index into TIDE_FP_ERRORS, or NO_ERROR. */
  error: Uint8Array;
  /** Best same-class non-crowd GT (QFL's target) and its IoU. */
  sameClassGt: Float64Array;
  iou: Float32Array;
  /** GT COCOeval matched at IoU 0.5. */
  matchedGt: Float64Array;
  /** Best GT of any class, its IoU and category (what a Cls error confused the object with). */
  anyClassGt: Float64Array;
  anyClassIoU: Float32Array;
  anyClassCategory: Int32Array;
  /** COCO size bucket (index into SIZE_NAMES) of the matched GT, else of the detection. */
  size: Uint8Array;
  /** Box ambiguity (max over edges of 1 − DFL two-bin mass) and its edge 0..3; NaN without distributions. */
  ambiguity: Float32Array;
  drivingEdge: Uint8Array;
  /** LaECE₀ target: IoU of the τ = 0 COCOeval-greedy match (0 for an FP), and 1 where that matching ignores it. */
  laTarget: Float64Array;
  laIgnored: Uint8Array;
}

/** One detection's analysis as an object (for lists, trees and cards; the columns are the source). */
export interface DetectionRow {
  /** Row of the run's detection columns. */
  index: number;
  imageIndex: number;
  imageId: number;
  detIndex: number;
  classIndex: number;
  categoryId: number | null;
  score: number;
  bbox: XYXY;
  level: number;
  outcome: DetectionOutcome;
  error: TideErrorType | null;
  iou: number | null;
  sameClassGt: number | null;
  matchedGt: number | null;
  anyClassGt: number | null;
  anyClassIoU: number | null;
  anyClassCategory: number | null;
  size: (typeof SIZE_NAMES)[number];
  ambiguity: number | null;
  drivingEdge: EdgeName | null;
}

export interface AmbiguousBox {
  /** Row of the run's detection columns. */
  index: number;
  imageId: number;
  detIndex: number;
  file: string;
  classIndex: number;
  score: number;
  iou: number | null;
  outcome: DetectionOutcome;
  error: TideErrorType | null;
  ambiguity: number;
  drivingEdge: EdgeName;
  bbox: XYXY;
  /** Statistics of the driving edge. */
  edge: { entropy: number; bimodality: number; stdPx: number; dflMass: number; saturation: number };
  /** The driving edge's bin probabilities, its expected distance and the best same-class GT's distance (bins). */
  probs: number[];
  expected: number;
  gtDistance: number | null;
}

export interface MissedGroundTruth {
  gtId: number;
  imageId: number;
  /** Index of the image in the run. */
  imageIndex: number;
  categoryId: number;
  /** COCO [x, y, width, height]. */
  bbox: [number, number, number, number];
  area: number;
}

export interface EdgeStatSummary {
  edge: EdgeName;
  meanStdBins: number;
  meanStdPx: number;
  meanEntropy: number;
  meanTop1: number;
  meanTopK: number;
  meanDflMass: number;
  meanSaturation: number;
  meanBimodality: number;
  /** Share of detections whose second peak is at least half the first (bimodality ≥ 0.5). */
  bimodalShare: number;
}

export interface EdgeSummary {
  detections: number;
  regMax: number;
  perEdge: EdgeStatSummary[];
  ambiguityHistogram: { edges: number[]; counts: number[] };
  drivingEdgeCounts: Record<EdgeName, number>;
  meanAmbiguity: number;
}

export interface AnalysisEvaluation {
  annotations: string;
  statKeys: string[];
  /** The 12 COCOeval summarize() numbers in statKeys order (−1 where undefined). */
  stats: number[];
  perCategory: CategoryMetrics[];
  tide: TideSummary;
  confusion: ConfusionMatrix;
  /** PR curves (pycocotools' precision array) and Ultralytics-style P/R/F1-vs-confidence curves. */
  curves: EvaluationCurves;
  /** Class → category mismatches found while mapping. */
  categoryProblems: string[];
  groundTruth: { images: number; annotations: number; categories: number };
}

export interface AnalysisCalibration {
  laece0: CalibrationMetric;
  laace0: CalibrationMetric;
  laece: CalibrationMetric;
  dece: CalibrationMetric;
  reliability: { bins: number; iouTarget: ReliabilityBin[]; tp50Target: ReliabilityBin[] };
}

export interface GflAnalysis {
  version: typeof GFL_ANALYSIS_VERSION;
  kind: typeof GFL_ANALYSIS_KIND;
  /** "summary": bootstrap intervals and rescoring not computed yet; "full": everything. */
  detail: 'summary' | 'full';
  source: {
    modelFile: string;
    modelSha256: string;
    profile: string;
    images: number;
    detections: number;
    /** Detections COCOeval counted (TP or FP at 0.5). */
    evaluatedDetections: number;
    /** Detections of classes without a dataset category (left out of evaluation). */
    unmappedDetections: number;
    hasDistributions: boolean;
    regMax: number;
    strides: number[];
    classNames: string[];
    /** The name every view, report and CLI shows for each class: the dataset's category name where the class maps to one, else the model's. */
    classLabels: string[];
    /** Dataset category id of each model class (null: none). */
    classToCategory: (number | null)[];
    complete: boolean;
  };
  evaluation: AnalysisEvaluation | null;
  rows: AnalysisRows;
  missed: MissedGroundTruth[];
  scoreIoU: ScoreIoUAnalysis | null;
  calibration: AnalysisCalibration | null;
  edges: EdgeSummary | null;
  distributionKnows: DistributionKnowsAnalysis | null;
  rescoring: RescoringAnalysis | null;
  topAmbiguous: AmbiguousBox[];
  /** Score floor of topAmbiguous. */
  topAmbiguousMinScore: number;
  /** Counts, per-image table and confusion matrix at the operating threshold; null without ground truth. */
  operatingPoint: OperatingPointEvaluation | null;
  notes: string[];
}

export interface AnalyzeOptions {
  detail: 'summary' | 'full';
  /** Equal-width bins of the reliability diagrams. */
  reliabilityBins: number;
  /** LaECE bins (25 in both papers) and the τ of the published LaECE (0.1: fiveai/saod default, Oksuz et al. 2023). */
  laeceBins: number;
  laeceTau: number;
  /** D-ECE bins and IoU threshold. */
  deceBins: number;
  deceTau: number;
  bootstrap: BootstrapOptions;
  scoreIoU: Partial<ScoreIoUOptions>;
  rescoring: Partial<RescoringOptions> | false;
  /** Number of ambiguous boxes listed. */
  topAmbiguous: number;
  /** Only boxes scoring at least this are listed as most ambiguous. */
  ambiguousMinScore: number;
  /** IoU below which a TP counts as poorly localised for the ambiguity AUROC. */
  poorIoU: number;
  /** Score at which operatingPoint counts TP/FP/FN and the confusion matrix (core/operatingPoint.ts). */
  operatingThreshold: number;
}

export const DEFAULT_ANALYZE_OPTIONS: Readonly<AnalyzeOptions> = Object.freeze({
  detail: 'full',
  reliabilityBins: 10,
  laeceBins: 25,
  laeceTau: 0.1,
  deceBins: 10,
  deceTau: 0.5,
  bootstrap: DEFAULT_BOOTSTRAP,
  scoreIoU: {},
  rescoring: {},
  topAmbiguous: 200,
  ambiguousMinScore: AMBIGUOUS_MIN_SCORE,
  poorIoU: 0.75,
  operatingThreshold: DEFAULT_OPERATING_THRESHOLD,
});

/** Ground truth as the analysis needs it; `annotations` names the file in reports. */
export interface AnalysisGroundTruth extends MatchingGroundTruth {
  name?: string;
}

function emptyRows(n: number): AnalysisRows {
  return {
    count: n,
    categoryId: new Int32Array(n).fill(-1),
    outcome: new Uint8Array(n).fill(OUTCOME_CODE.unknown),
    tp75: new Uint8Array(n),
    error: new Uint8Array(n).fill(NO_ERROR),
    sameClassGt: new Float64Array(n).fill(NaN),
    iou: new Float32Array(n).fill(NaN),
    matchedGt: new Float64Array(n).fill(NaN),
    anyClassGt: new Float64Array(n).fill(NaN),
    anyClassIoU: new Float32Array(n).fill(NaN),
    anyClassCategory: new Int32Array(n).fill(-1),
    size: new Uint8Array(n),
    ambiguity: new Float32Array(n).fill(NaN),
    drivingEdge: new Uint8Array(n),
    laTarget: new Float64Array(n),
    laIgnored: new Uint8Array(n).fill(1),
  };
}

const nanToNull = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** One row as an object. */
export function detectionRow(table: Pick<RunTable, 'images' | 'detections'>, analysis: Pick<GflAnalysis, 'rows'>, d: number): DetectionRow {
  const { images, detections } = table;
  const r = analysis.rows;
  const b = detections.bbox;
  const imageIndex = detections.imageIndex[d];
  return {
    index: d, imageIndex, imageId: images.imageId[imageIndex], detIndex: detections.detIndex[d], classIndex: detections.classIndex[d],
    categoryId: r.categoryId[d] >= 0 ? r.categoryId[d] : null, score: detections.score[d],
    bbox: [b[4 * d], b[4 * d + 1], b[4 * d + 2], b[4 * d + 3]], level: detections.level[d],
    outcome: OUTCOMES[r.outcome[d]], error: r.error[d] === NO_ERROR ? null : TIDE_FP_ERRORS[r.error[d]],
    iou: nanToNull(r.iou[d]), sameClassGt: nanToNull(r.sameClassGt[d]), matchedGt: nanToNull(r.matchedGt[d]),
    anyClassGt: nanToNull(r.anyClassGt[d]), anyClassIoU: nanToNull(r.anyClassIoU[d]),
    anyClassCategory: r.anyClassCategory[d] >= 0 ? r.anyClassCategory[d] : null, size: SIZE_NAMES[r.size[d]],
    ambiguity: nanToNull(r.ambiguity[d]), drivingEdge: Number.isNaN(r.ambiguity[d]) ? null : EDGE_NAMES[r.drivingEdge[d]],
  };
}

/** Edge statistics are computed this many detections at a time: a full EdgeStats of 4.6M detections is 660 MB. */
const EDGE_STATS_CHUNK = 1 << 16;

/** What the analysis keeps of every detection's edge statistics (the rest is summarised as it is computed). */
interface RunEdgeFigures {
  regMax: number;
  /** 4 per detection (l, t, r, b), original pixels. */
  stdPx: Float32Array;
  /** Mean over the 4 edges of the top-k mass (the sharpness feature of the rescoring). */
  topKMean: Float64Array;
  summary: EdgeSummary;
}

const EDGE_STAT_FIELDS = ['std', 'stdPx', 'entropy', 'top1', 'topK', 'dflMass', 'saturation', 'bimodality'] as const;

/**
 * Edge statistics of every detection (computeEdgeStats, chunk by chunk): ambiguity and driving edge go into the rows,
 * stdPx and the top-k mean are kept, and the per-edge means over the `included` detections are summed in detection
 * order (the same sums as over full arrays). Null without distributions.
 */
function runEdgeFigures(table: Pick<RunTable, 'images' | 'detections'>, included: Uint8Array, rows: AnalysisRows): RunEdgeFigures | null {
  const { detections, images } = table;
  if (!detections.probs || detections.count === 0) return null;
  const n = detections.count, bins = detections.bins, regMax = bins - 1;
  // Shared: the rescoring job reads them on another thread.
  const stdPx = sharedArray(Float32Array, 4 * n);
  const topKMean = sharedArray(Float64Array, n);
  const F = EDGE_STAT_FIELDS.length;
  const sums = new Float64Array(F * 4);
  const bimodal = new Float64Array(4);
  const histogramBins = 20;
  const counts = new Array<number>(histogramBins).fill(0);
  const drivingCounts = [0, 0, 0, 0];
  let includedCount = 0, ambiguitySum = 0;
  const chunk = Math.min(n, EDGE_STATS_CHUNK);
  const scaleX = new Float64Array(chunk), scaleY = new Float64Array(chunk), hasProbs = new Uint8Array(chunk).fill(1);
  let stats: EdgeStats | undefined;
  for (let from = 0; from < n; from += chunk) {
    const m = Math.min(chunk, n - from);
    for (let k = 0; k < m; k++) {
      const i = detections.imageIndex[from + k];
      scaleX[k] = images.scaleX[i];
      scaleY[k] = images.scaleY[i];
    }
    // Quantised probabilities are read as they are: every statistic renormalises each edge.
    stats = computeEdgeStats({
      count: m, regMax, probs: detections.probs.subarray(4 * bins * from, 4 * bins * (from + m)), hasProbs,
      stride: detections.stride.subarray(from, from + m), scaleX, scaleY,
    }, stats);
    stdPx.set(stats.stdPx.subarray(0, 4 * m), 4 * from);
    // The fields in EDGE_STAT_FIELDS order, as locals: sums[f · 4 + e] for field f.
    const { std, stdPx: px, entropy, top1, topK, dflMass, saturation, bimodality, ambiguity, drivingEdge } = stats;
    for (let k = 0; k < m; k++) {
      const d = from + k;
      rows.ambiguity[d] = ambiguity[k];
      rows.drivingEdge[d] = drivingEdge[k];
      topKMean[d] = (topK[4 * k] + topK[4 * k + 1] + topK[4 * k + 2] + topK[4 * k + 3]) / 4;
      if (!included[d]) continue;
      includedCount++;
      for (let e = 0; e < 4; e++) {
        const o = 4 * k + e;
        sums[e] += std[o];
        sums[4 + e] += px[o];
        sums[8 + e] += entropy[o];
        sums[12 + e] += top1[o];
        sums[16 + e] += topK[o];
        sums[20 + e] += dflMass[o];
        sums[24 + e] += saturation[o];
        sums[28 + e] += bimodality[o];
        if (bimodality[o] >= 0.5) bimodal[e]++;
      }
      const a = ambiguity[k];
      counts[Math.min(histogramBins - 1, Math.floor(a * histogramBins))]++;
      drivingCounts[drivingEdge[k]]++;
      ambiguitySum += a;
    }
  }
  const driving: Record<EdgeName, number> = { left: drivingCounts[0], top: drivingCounts[1], right: drivingCounts[2], bottom: drivingCounts[3] };
  const mean = (field: (typeof EDGE_STAT_FIELDS)[number], e: number) => (includedCount > 0 ? sums[EDGE_STAT_FIELDS.indexOf(field) * 4 + e] / includedCount : 0);
  const perEdge = EDGE_NAMES.map((edge, e): EdgeStatSummary => ({
    edge,
    meanStdBins: mean('std', e),
    meanStdPx: mean('stdPx', e),
    meanEntropy: mean('entropy', e),
    meanTop1: mean('top1', e),
    meanTopK: mean('topK', e),
    meanDflMass: mean('dflMass', e),
    meanSaturation: mean('saturation', e),
    meanBimodality: mean('bimodality', e),
    bimodalShare: includedCount > 0 ? bimodal[e] / includedCount : 0,
  }));
  return {
    regMax, stdPx, topKMean,
    summary: {
      detections: includedCount,
      regMax,
      perEdge,
      ambiguityHistogram: { edges: Array.from({ length: histogramBins + 1 }, (_, b) => b / histogramBins), counts },
      drivingEdgeCounts: driving,
      meanAmbiguity: includedCount > 0 ? ambiguitySum / includedCount : 0,
    },
  };
}

/** All edge statistics of one detection (the same numbers computeEdgeStats gives it among all the others). */
function detectionEdgeStats(table: Pick<RunTable, 'images' | 'detections'>, d: number): EdgeStats {
  const { detections, images } = table;
  const bins = detections.bins;
  const i = detections.imageIndex[d];
  return computeEdgeStats({
    count: 1, regMax: bins - 1, probs: detections.probs!.subarray(4 * bins * d, 4 * bins * (d + 1)), hasProbs: [1],
    stride: [detections.stride[d]], scaleX: [images.scaleX[i]], scaleY: [images.scaleY[i]],
  });
}

/**
 * COCO result columns of the mapped detections (result k = detection resultRow[k]): bbox x, y, width, height computed
 * from the stored x1, y1, x2, y2 as COCO results carry it; scores stay float32 (what the run stores).
 */
function resultColumns(table: Pick<RunTable, 'images' | 'detections'>, categoryOf: Int32Array, resultRow: Int32Array): MatchingResultColumns {
  const { images, detections } = table;
  const m = resultRow.length;
  // Shared: the TIDE and rescoring jobs read them on other threads. With every class mapped, result k is detection
  // k: the run's own score and detIndex columns are read as they are.
  const same = m === detections.count && isShared(detections.score) && isShared(detections.detIndex);
  const columns = {
    count: m, imageId: sharedArray(Float64Array, m), categoryId: sharedArray(Int32Array, m), bbox: sharedArray(Float64Array, 4 * m),
    score: same ? detections.score : sharedArray(Float32Array, m), detIndex: same ? detections.detIndex : sharedArray(Uint16Array, m),
  };
  const b = detections.bbox;
  for (let k = 0; k < m; k++) {
    const d = resultRow[k];
    const x1 = b[4 * d], y1 = b[4 * d + 1];
    columns.imageId[k] = images.imageId[detections.imageIndex[d]];
    columns.categoryId[k] = categoryOf[d];
    columns.bbox[4 * k] = x1; columns.bbox[4 * k + 1] = y1; columns.bbox[4 * k + 2] = b[4 * d + 2] - x1; columns.bbox[4 * k + 3] = b[4 * d + 3] - y1;
    if (!same) {
      columns.score[k] = detections.score[d];
      columns.detIndex[k] = detections.detIndex[d];
    }
  }
  return columns;
}

/** The rows COCOeval counted (TP or FP at IoU 0.5, not ignored), ascending; at most one per result. */
function countedRows(cocoEval: CocoEvalResult, resultRow: Int32Array): Int32Array {
  const outcomes = cocoEval.detections;
  const t50 = Array.from(outcomes.thresholds).indexOf(0.5);
  const rowsOut = new Int32Array(resultRow.length);
  let count = 0;
  for (let k = 0; k < resultRow.length; k++) if (outcomes.evaluated[k] && !outcomes.ignored[k * outcomes.numThresholds + t50]) rowsOut[count++] = resultRow[k];
  return rowsOut.subarray(0, count);
}

/**
 * Fills the mapped detections' rows from COCOeval's matches (all but the TIDE error, which the TIDE job brings:
 * fillTide) and returns the evaluation's summaries.
 */
function evaluateInto(
  rows: AnalysisRows, gt: MatchingGroundTruth, results: MatchingResultColumns, resultRow: Int32Array,
  annotationById: Map<number, MatchingGroundTruth['annotations'][number]>, cocoEval: CocoEvalResult, scoreRanks: Int32Array,
): Pick<AnalysisEvaluation, 'statKeys' | 'stats' | 'perCategory' | 'confusion' | 'curves'> {
  const orNaN = (id: number | null) => (id === null ? NaN : id);
  // Each record goes straight into the columns: none is kept (a COCO-val run would hold 500k of them).
  const matching = matchRecordColumns(gt, results, cocoEval, {
    keepMatches: false,
    onMatch: (k, m) => {
      const d = resultRow[k];
      const outcome = m.cocoOutcome50 ?? (m.tp50 ? 'tp' : 'fp');
      rows.outcome[d] = OUTCOME_CODE[outcome];
      rows.tp75[d] = m.tp75 ? 1 : 0;
      rows.sameClassGt[d] = orNaN(m.sameClassGtId);
      rows.iou[d] = m.sameClassIoU;
      rows.matchedGt[d] = orNaN(m.matchedGtId50);
      rows.anyClassGt[d] = orNaN(m.anyClassGtId);
      rows.anyClassIoU[d] = m.anyClassIoU;
      rows.anyClassCategory[d] = m.anyClassCategoryId ?? -1;
      if (m.tp50 && m.matchedGtId50 !== null) {
        const matchedGt = annotationById.get(m.matchedGtId50);
        if (matchedGt) rows.size[d] = cocoSizeIndex(matchedGt.area);
      }
    },
  }, null);
  const categoryName = new Map(gt.categories.map((c) => [c.id, c.name]));
  return {
    statKeys: [...COCO_STAT_KEYS],
    stats: [...cocoEval.stats],
    perCategory: cocoEval.perCategory.map((c) => ({ ...c, name: c.name ?? categoryName.get(c.categoryId) ?? String(c.categoryId) })),
    confusion: matching.confusion,
    curves: evaluationCurves(cocoEval, results.score, results.categoryId, scoreRanks),
  };
}

/** One of the most ambiguous boxes: what it needs of the distributions, read while the analysis has them. */
interface AmbiguousPick {
  d: number;
  stats: AmbiguousBox['edge'];
  probs: number[];
}

/**
 * The most ambiguous boxes among `candidates` (evaluated ones with ground truth, else all) scoring at least the
 * floor, one per anchor, with their driving edge's statistics and probabilities.
 */
function pickAmbiguous(table: Pick<RunTable, 'images' | 'detections'>, rows: AnalysisRows, candidates: ArrayLike<number> | null, minScore: number, limit: number): AmbiguousPick[] {
  const { detections } = table;
  const ambiguityOf = rows.ambiguity;
  const ranked: number[] = [];
  const consider = (d: number) => { if (Number.isFinite(ambiguityOf[d]) && detections.score[d] >= minScore) ranked.push(d); };
  if (candidates) for (let k = 0; k < candidates.length; k++) consider(candidates[k]);
  else for (let d = 0; d < detections.count; d++) consider(d);
  ranked.sort((a, b) => ambiguityOf[b] - ambiguityOf[a] || detections.score[b] - detections.score[a] || a - b);
  // Class-aware NMS can keep one anchor for several classes: the same distribution would fill the list several
  // times, so each anchor is listed once (its highest-scoring detection, which the sort puts first).
  const listedAnchors = new Set<string>();
  const picks: AmbiguousPick[] = [];
  for (const d of ranked) {
    if (picks.length >= limit) break;
    const anchorKey = `${detections.imageIndex[d]}:${detections.level[d]}:${detections.anchor[2 * d]}:${detections.anchor[2 * d + 1]}`;
    if (listedAnchors.has(anchorKey)) continue;
    listedAnchors.add(anchorKey);
    const all = detectionEdgeStats(table, d);
    const e = rows.drivingEdge[d];
    const bins = detections.bins;
    const probs: number[] = [];
    for (let b = 0; b < bins; b++) probs.push(detections.probs![(4 * d + e) * bins + b] / PROB_SCALE);
    picks.push({ d, stats: { entropy: all.entropy[e], bimodality: all.bimodality[e], stdPx: all.stdPx[e], dflMass: all.dflMass[e], saturation: all.saturation[e] }, probs });
  }
  return picks;
}

/** TIDE's result into the rows (each result's error) and the missed ground truths it names, in TIDE's order. */
function fillTide(rows: AnalysisRows, resultRow: Int32Array, tide: TideResult, gt: MatchingGroundTruth, imageIndexOf: Map<number, number>): MissedGroundTruth[] {
  for (let k = 0; k < resultRow.length; k++) {
    const code = tide.errorOfPred[k];
    rows.error[resultRow[k]] = code >= 0 ? TIDE_FP_ERRORS.indexOf(TIDE_MAIN_ERRORS[code] as TideErrorType) : NO_ERROR;
  }
  return Array.from(tide.missedGt, (n): MissedGroundTruth => {
    const a = gt.annotations[n];
    return {
      gtId: a.id, imageId: a.image_id, imageIndex: imageIndexOf.get(a.image_id)!, categoryId: a.category_id,
      bbox: [a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3]], area: a.area,
    };
  });
}

/** Edge statistics of every detection of the run (null without distributions), read from the stored columns. */
export function runEdgeStats(table: Pick<RunTable, 'images' | 'detections' | 'header'>): EdgeStats | null {
  const { detections, images } = table;
  if (!detections.probs || detections.count === 0) return null;
  const n = detections.count;
  const scaleX = new Float64Array(n);
  const scaleY = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    const i = detections.imageIndex[d];
    scaleX[d] = images.scaleX[i];
    scaleY[d] = images.scaleY[i];
  }
  // Quantised probabilities are read as they are: every statistic renormalises each edge.
  return computeEdgeStats({ count: n, regMax: detections.bins - 1, probs: detections.probs, hasProbs: new Uint8Array(n).fill(1), stride: detections.stride, scaleX, scaleY });
}

/** The calibration summaries of the evaluated results from the matches at τ = 0 and LaECE's τ (step 4). */
function calibrationOfRun(
  rows: AnalysisRows, gt: MatchingGroundTruth, results: MatchingResultColumns, resultRow: Int32Array,
  [matches0, matchesLaece]: ThresholdMatches[], o: AnalyzeOptions,
): AnalysisCalibration {
  const numResults = resultRow.length;
  const categoriesWithGroundTruth = new Set(gt.annotations.filter((a) => a.iscrowd !== 1).map((a) => a.category_id));
  const { score: scores, categoryId: categories } = results;
  const at50Targets = new Uint8Array(numResults);
  const at50Ignored = new Uint8Array(numResults);
  for (let k = 0; k < numResults; k++) {
    const d = resultRow[k];
    // The matched IoU (0 when unmatched).
    rows.laTarget[d] = matches0.iou[k];
    rows.laIgnored[d] = matches0.ignored[k];
    at50Targets[k] = rows.outcome[d] === OUTCOME_CODE.tp ? 1 : 0;
    at50Ignored[k] = rows.outcome[d] === OUTCOME_CODE.tp || rows.outcome[d] === OUTCOME_CODE.fp ? 0 : 1;
  }
  const at0: CalibrationInput = { scores, targets: matches0.iou, categories, ignored: matches0.ignored, categoriesWithGroundTruth };
  const atLaece: CalibrationInput = { ...at0, targets: matchesLaece.iou, ignored: matchesLaece.ignored };
  const at50: CalibrationInput = { scores, targets: at50Targets, categories, ignored: at50Ignored, categoriesWithGroundTruth };
  return {
    laece0: localisationAwareECE(at0, 0, o.laeceBins),
    laace0: localisationAwareACE(at0, 0, null),
    laece: localisationAwareECE(atLaece, o.laeceTau, o.laeceBins),
    dece: detectionECE(at50, o.deceTau, o.deceBins),
    reliability: {
      bins: o.reliabilityBins,
      iouTarget: reliabilityDiagram(at0.scores, at0.targets, countedIndexArray(at0), o.reliabilityBins),
      tp50Target: reliabilityDiagram(at50.scores, at50.targets, countedIndexArray(at50), o.reliabilityBins),
    },
  };
}

/**
 * The analysis of a run. `groundTruth` null: detections and edge statistics only. `classToCategory[classIndex]` is
 * the dataset category id of a model class (null: left out), e.g. from mapClassesToCategories. Jobs run in place,
 * when their results are needed; io/runAnalysis runs them on worker threads instead (the same numbers).
 */
export function analyzeRun(
  table: RunTable,
  groundTruth: AnalysisGroundTruth | null,
  classToCategory: (number | null)[],
  options: AnalyzeRunOptions = {},
): GflAnalysis {
  const steps = analyzeRunSteps(table, groundTruth, classToCategory, options);
  // Each job runs when its result is needed: where analyzeRunSteps waits for it, the analysis has released what it
  // no longer reads (TIDE after the per-detection matching, the rescoring at the end).
  const started = new Map<number, AnalysisJob>();
  let step = steps.next();
  while (!step.done) {
    const request = step.value;
    if ('start' in request) {
      started.set(request.id, request.start);
      step = steps.next();
    } else {
      const job = started.get(request.wait)!;
      started.delete(request.wait);
      step = steps.next(runAnalysisJob(job));
    }
  }
  return step.value;
}

export type AnalyzeRunOptions = Partial<AnalyzeOptions> & {
  categoryProblems?: string[];
  /**
   * Sets table.detections.probs to null once the analysis has read the distributions (after the edge statistics):
   * for a caller that needs neither the distributions nor the table afterwards (the CLI's analyze), whose memory
   * then holds no distribution for the rest of the analysis (295 MB on a 4.6M-detection run).
   */
  releaseDistributions?: boolean;
};

/**
 * What analyzeRunSteps asks of its driver: start a job (the generator goes on at once), or wait for a started job's
 * result (sent back into the generator).
 */
export type AnalysisStep = { id: number; start: AnalysisJob } | { wait: number };

const TIDE_JOB = 0;
const RESCORING_JOB = 1;
const THRESHOLD_MATCHING_JOB = 2;

/** analyzeRun as steps: the analysis itself, with its independent jobs handed to the driver (see AnalysisStep). */
export function* analyzeRunSteps(
  table: RunTable,
  groundTruth: AnalysisGroundTruth | null,
  classToCategory: (number | null)[],
  options: AnalyzeRunOptions = {},
): Generator<AnalysisStep, GflAnalysis, AnalysisJobResult | undefined> {
  const o: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, ...options };
  const full = o.detail === 'full';
  const bootstrap: BootstrapOptions = full ? o.bootstrap : { ...o.bootstrap, resamples: 0 };
  const { header, images, detections } = table;
  const n = detections.count;
  const notes: string[] = [];
  const rows = emptyRows(n);
  const hasGt = groundTruth !== null;
  const classLabels = classDisplayNames(header.profile.classNames, classToCategory, groundTruth?.categories);

  // 1. Mapped detections as COCO result columns, in run order; result k is detection resultRow[k].
  const resultRow = new Int32Array(hasGt ? n : 0);
  let numResults = 0;
  let unmapped = 0;
  for (let d = 0; d < n; d++) {
    const categoryId = classToCategory[detections.classIndex[d]];
    if (categoryId === null || categoryId === undefined) {
      unmapped++;
      if (hasGt) rows.outcome[d] = OUTCOME_CODE.unmapped;
      continue;
    }
    rows.categoryId[d] = categoryId;
    if (hasGt) resultRow[numResults++] = d;
  }
  if (unmapped > 0 && hasGt) notes.push(`${unmapped} detections belong to model classes without a dataset category and are left out.`);
  const results = hasGt ? resultColumns(table, rows.categoryId, resultRow.subarray(0, numResults)) : null;

  // 2. Edge statistics of every detection: ambiguity into the rows, the per-edge means over the detections the
  // summary counts (the evaluated ones with ground truth, else all), and what the later steps read.
  const computeEdges = (included: Uint8Array): RunEdgeFigures | null => {
    const figures = header.head.hasDistributions ? runEdgeFigures(table, included, rows) : null;
    if (!figures && n > 0) {
      notes.push(header.model.fileName.endsWith('.json')
        ? 'COCO results carry boxes and scores only: no DFL distributions, so no edge statistics or ambiguity.'
        : 'The model exposes no DFL distributions (DFL integrated in the graph): edge statistics, ambiguity, distribution-knows and rescoring are unavailable.');
    }
    return figures;
  };
  let edgeFigures: RunEdgeFigures | null = hasGt ? null : computeEdges(new Uint8Array(n).fill(1));
  // The most ambiguous boxes are chosen as soon as the edges are known: after that the analysis reads no
  // distribution (and, when asked to, gives them up).
  let ambiguousPicks: AmbiguousPick[] = [];
  const pickAmbiguousAndRelease = (candidates: ArrayLike<number> | null) => {
    if (edgeFigures) ambiguousPicks = pickAmbiguous(table, rows, candidates, o.ambiguousMinScore, o.topAmbiguous);
    if (options.releaseDistributions) detections.probs = null;
  };
  if (!hasGt) pickAmbiguousAndRelease(null);
  for (let d = 0; d < n; d++) {
    const b = detections.bbox;
    rows.size[d] = cocoSizeIndex((b[4 * d + 2] - b[4 * d]) * (b[4 * d + 3] - b[4 * d + 1]));
  }

  let evaluation: AnalysisEvaluation | null = null;
  let missed: MissedGroundTruth[] = [];
  let scoreIoU: ScoreIoUAnalysis | null = null;
  let calibration: AnalysisCalibration | null = null;
  let distributionKnows: DistributionKnowsAnalysis | null = null;
  let rescoring: RescoringAnalysis | null = null;
  let evaluated: Int32Array = new Int32Array(0);
  let operatingPoint: OperatingPointEvaluation | null = null;
  let gtBoxOf: ((id: number) => readonly number[] | undefined) = () => undefined;

  if (groundTruth && results) {
    // Evaluate only the images the run holds (a partial or sharded run has not reached the rest).
    const imageIndexOf = new Map<number, number>();
    for (let i = 0; i < images.count; i++) imageIndexOf.set(images.imageId[i], i);
    const covered = groundTruth.images.filter((image) => imageIndexOf.has(image.id));
    const gt: MatchingGroundTruth = covered.length === groundTruth.images.length ? groundTruth
      : { images: covered, annotations: groundTruth.annotations.filter((a) => imageIndexOf.has(a.image_id)), categories: groundTruth.categories };
    if (covered.length < groundTruth.images.length) notes.push(`The run covers ${covered.length} of the ${groundTruth.images.length} ground-truth images: only those are evaluated.`);

    // 3. COCO evaluation (COCOeval port). TIDE does its own matching: it starts first and runs beside the rest.
    // The what-if rescoring needs the edge statistics, and those the set COCOeval counts: so evaluation, edges,
    // rescoring job, then the per-detection records (which only the analysis here reads).
    const gtTable = cocoGroundTruthColumns(gt);
    // The results' dense score ranks, once: TIDE orders by them, and so do the threshold curves.
    let scoreRanks: Int32Array | null = sharedArray(Int32Array, numResults);
    scoreRanks.set(denseScoreRanks(results.score, numResults));
    yield { id: TIDE_JOB, start: { kind: 'tide', groundTruth: gtTable, results, scoreRanks } };
    // The calibration's matching at τ = 0 and LaECE's τ needs only the ground truth and the results: it runs beside
    // the evaluation too (where a job thread would otherwise wait for the edge statistics).
    yield { id: THRESHOLD_MATCHING_JOB, start: { kind: 'thresholdMatching', groundTruth: gtTable, results, taus: [0, o.laeceTau] } };
    // Only the outcomes at 0.5 and 0.75 are read (the records): the other eight would be 40 bytes per detection.
    let cocoEval: CocoEvalResult | null = evaluateCoco(gtTable, results, { outcomeThresholds: [0.5, 0.75] });
    evaluated = countedRows(cocoEval, resultRow.subarray(0, numResults));
    const evaluatedMask = new Uint8Array(n);
    for (const d of evaluated) evaluatedMask[d] = 1;
    edgeFigures = computeEdges(evaluatedMask);
    pickAmbiguousAndRelease(evaluated);

    // What-if rescoring, re-evaluated with COCOeval (the expensive part: two more evaluations), as a job.
    const figures = edgeFigures;
    const rescore = figures !== null && full && o.rescoring !== false;
    if (rescore) {
      // With every class mapped, result k is detection k. Copied into shared memory (the job reads it on another thread).
      const rows4 = <T extends Float32Array | Float64Array>(values: T, width: number, Out: SharableArrayType<T>): T => {
        if (numResults === n && isShared(values)) return values;
        const out = sharedArray(Out, width * numResults);
        for (let k = 0; k < numResults; k++) for (let c = 0; c < width; c++) out[width * k + c] = values[width * resultRow[k] + c];
        return out;
      };
      yield {
        id: RESCORING_JOB,
        start: {
          kind: 'rescoring', groundTruth: gtTable, options: o.rescoring || {}, baseline: [...cocoEval.stats],
          detections: {
            count: numResults, imageId: results.imageId, categoryId: results.categoryId, score: results.score,
            bbox: rows4(detections.bbox, 4, Float32Array), topKMean: rows4(figures.topKMean, 1, Float64Array), stdPx: rows4(figures.stdPx, 4, Float32Array),
            cocoBbox: results.bbox,
          },
        },
      };
    }

    // Per-detection records into the rows; COCOeval's per-detection outcomes (hundreds of MB on a COCO-val-sized
    // run) are released before the analytics run.
    const annotationById = new Map(gt.annotations.map((a) => [a.id, a]));
    gtBoxOf = (id) => annotationById.get(id)?.bbox;
    const { statKeys, stats, perCategory, confusion, curves } = evaluateInto(rows, gt, results, resultRow.subarray(0, numResults), annotationById, cocoEval, scoreRanks!);
    scoreRanks = null;
    cocoEval = null;
    evaluation = {
      annotations: groundTruth.name ?? header.dataset.annotations ?? '',
      // TIDE's summary replaces this when its job is done (below), before anything reads it.
      statKeys, stats, perCategory, tide: null as unknown as TideSummary, confusion, curves,
      categoryProblems: [...(options.categoryProblems ?? [])],
      groundTruth: { images: gt.images.length, annotations: gt.annotations.length, categories: gt.categories.length },
    };

    // TIDE's errors, which the operating point's worst failures and the rows name (on a worker TIDE is done by now;
    // in place it runs here, after the per-detection matching is released and before the analytics' large arrays).
    const tide = (yield { wait: TIDE_JOB }) as TideResult;
    missed = fillTide(rows, resultRow.subarray(0, numResults), tide, gt, imageIndexOf);
    evaluation.tide = tide.summary;

    // 4. Calibration: COCOeval greedy matching at τ = 0 and at LaECE's τ (the job's); D-ECE from the 0.5 matches.
    // Done as soon as the matches are in, and the matches released: a 4.6M-detection run holds 83 MB of them.
    let thresholdMatches: ThresholdMatches[] | null = (yield { wait: THRESHOLD_MATCHING_JOB }) as ThresholdMatches[];
    calibration = calibrationOfRun(rows, gt, results, resultRow.subarray(0, numResults), thresholdMatches, o);
    thresholdMatches = null;
    operatingPoint = operatingPointOfRun(table, rows, gt, o.operatingThreshold);

    // 5. Score vs IoU over the evaluated detections.
    // Each column in the narrowest type that holds it exactly (float32 scores and IoUs, 0/1, class indices, levels);
    // the areas are computed in double and stay Float64. Four million evaluated detections cost 20 MB less per column.
    const pick = (values: (d: number) => number, Out: Float32ArrayConstructor | Float64ArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor = Float32Array) => {
      const out = new Out(evaluated.length);
      for (let k = 0; k < evaluated.length; k++) out[k] = values(evaluated[k]);
      return out;
    };
    scoreIoU = analyzeScoreIoU(
      {
        scores: pick((d) => detections.score[d]),
        ious: pick((d) => rows.iou[d]),
        tp: pick((d) => (rows.outcome[d] === OUTCOME_CODE.tp ? 1 : 0), Uint8Array),
        classIndex: pick((d) => detections.classIndex[d], Uint16Array),
        level: pick((d) => detections.level[d], Uint8Array),
        // The rows' size bucket is the matched GT's for TPs (evaluateInto), else the box's.
        size: pick((d) => rows.size[d], Uint8Array),
        classNames: classLabels,
        strides: header.profile.strides,
      },
      { bootstrap, ...o.scoreIoU },
    );

    // 6. Does the distribution know? TPs at 0.5 with their matched ground truth.
    if (edgeFigures) {
      let count = 0;
      for (const d of evaluated) if (rows.outcome[d] === OUTCOME_CODE.tp && Number.isFinite(rows.ambiguity[d]) && annotationById.has(rows.matchedGt[d])) count++;
      // Float32 where the values are the run's float32 (boxes, stds, ambiguity, scores): exact, and half the memory.
      const boxes = new Float32Array(4 * count);
      const gtBoxes = new Float64Array(4 * count);
      const stdPx = new Float32Array(4 * count);
      const ambiguity = new Float32Array(count);
      const iou = new Float64Array(count);
      const score = new Float32Array(count);
      const box = [0, 0, 0, 0];
      let k = 0;
      for (const d of evaluated) {
        if (rows.outcome[d] !== OUTCOME_CODE.tp || !Number.isFinite(rows.ambiguity[d])) continue;
        const g = annotationById.get(rows.matchedGt[d]);
        if (!g) continue;
        const [gx, gy, gw, gh] = g.bbox;
        const b = detections.bbox;
        for (let c = 0; c < 4; c++) boxes[4 * k + c] = b[4 * d + c];
        gtBoxes[4 * k] = gx; gtBoxes[4 * k + 1] = gy; gtBoxes[4 * k + 2] = gx + gw; gtBoxes[4 * k + 3] = gy + gh;
        for (let e = 0; e < 4; e++) stdPx[4 * k + e] = edgeFigures.stdPx[4 * d + e];
        ambiguity[k] = rows.ambiguity[d];
        box[0] = b[4 * d]; box[1] = b[4 * d + 1]; box[2] = b[4 * d + 2] - b[4 * d]; box[3] = b[4 * d + 3] - b[4 * d + 1];
        iou[k] = cocoBoxIoU(box, g.bbox, false);
        score[k] = detections.score[d];
        k++;
      }
      distributionKnows = analyzeDistributionKnows({ count, boxes, gtBoxes, stdPx, ambiguity, iou, score }, { iouThreshold: o.poorIoU, bootstrap });
    }

    // 7. The what-if rescoring's result.
    if (rescore) {
      rescoring = (yield { wait: RESCORING_JOB }) as RescoringAnalysis;
      notes.push(rescoring.note);
    }
  }
  if (n === 0) notes.push('The run has no detections: nothing to analyse beyond the (empty) evaluation.');

  // 8. The most ambiguous boxes, with their rows as they ended up.
  const topAmbiguous: AmbiguousBox[] = ambiguousPicks.map(({ d, stats, probs }) => {
    const edgeIndex = rows.drivingEdge[d];
    const row = detectionRow(table, { rows }, d);
    const gt = row.sameClassGt === null ? undefined : gtBoxOf(row.sameClassGt);
    return {
      index: d, imageId: row.imageId, detIndex: row.detIndex, file: images.file[row.imageIndex], classIndex: row.classIndex, score: row.score,
      iou: row.iou, outcome: row.outcome, error: row.error, ambiguity: rows.ambiguity[d], drivingEdge: EDGE_NAMES[edgeIndex],
      bbox: row.bbox, edge: stats, probs, expected: detections.distances[4 * d + edgeIndex],
      gtDistance: gt ? gtEdgeDistance(detections, images, d, edgeIndex, gt) : null,
    };
  });

  return {
    version: GFL_ANALYSIS_VERSION,
    kind: GFL_ANALYSIS_KIND,
    detail: o.detail,
    source: {
      modelFile: header.model.fileName,
      modelSha256: header.model.sha256,
      profile: header.profile.name,
      images: images.count,
      detections: n,
      evaluatedDetections: evaluated.length,
      unmappedDetections: unmapped,
      hasDistributions: edgeFigures !== null,
      regMax: header.head.regMax,
      strides: [...header.profile.strides],
      classNames: [...header.profile.classNames],
      classLabels,
      classToCategory: [...classToCategory],
      complete: table.complete,
    },
    evaluation,
    rows,
    missed,
    scoreIoU,
    calibration,
    edges: edgeFigures ? edgeFigures.summary : null,
    distributionKnows,
    rescoring,
    topAmbiguous,
    topAmbiguousMinScore: o.ambiguousMinScore,
    operatingPoint,
    notes,
  };
}

/** The run's detections as operatingPointEvaluation reads them: refs are detection rows, verdicts from the rows. */
export function scoredDetectionsOfRun(table: Pick<RunTable, 'images' | 'detections'>, rows: AnalysisRows): ScoredDetections {
  const { detections } = table;
  const n = detections.count;
  const verdict = new Uint8Array(n);
  const ref = new Int32Array(n);
  for (let d = 0; d < n; d++) {
    ref[d] = d;
    const o = rows.outcome[d];
    verdict[d] = o === OUTCOME_CODE.tp ? VERDICT.tp : o === OUTCOME_CODE.fp ? VERDICT.fp : VERDICT.notCounted;
  }
  return {
    count: n, ref, imageIndex: detections.imageIndex, categoryId: rows.categoryId,
    score: detections.score, bbox: detections.bbox, verdict,
    error: (d) => (rows.error[d] === NO_ERROR ? null : TIDE_FP_ERRORS[rows.error[d]]),
    matchedGtId: (d) => nanToNull(rows.matchedGt[d]),
  };
}

/** operatingPoint of a run at another threshold (the analysis worker calls this when the threshold changes). */
export function operatingPointOfRun(table: Pick<RunTable, 'images' | 'detections'>, rows: AnalysisRows, groundTruth: OperatingGroundTruth, threshold: number): OperatingPointEvaluation {
  const images = Array.from({ length: table.images.count }, (_, i) => ({ id: table.images.imageId[i] }));
  return evaluateOperatingPoint(scoredDetectionsOfRun(table, rows), images, groundTruth, threshold);
}

/** Distance (bins) from a detection's anchor to one edge of a COCO [x, y, w, h] box, in the model's input pixels. */
export function gtEdgeDistance(detections: RunTable['detections'], images: RunTable['images'], d: number, edge: number, gt: readonly number[]): number {
  const i = detections.imageIndex[d];
  const stride = detections.stride[d];
  const horizontal = edge === 0 || edge === 2;
  const anchor = detections.anchor[2 * d + (horizontal ? 0 : 1)];
  const original = edge === 0 ? gt[0] : edge === 1 ? gt[1] : edge === 2 ? gt[0] + gt[2] : gt[1] + gt[3];
  const input = horizontal ? original * images.scaleX[i] + images.padX[i] : original * images.scaleY[i] + images.padY[i];
  return (edge < 2 ? anchor - input : input - anchor) / stride;
}

/** The analysis without its per-detection columns: what JSON outputs carry (the columns go to Parquet/CSV). */
export function analysisSummary(analysis: GflAnalysis): Omit<GflAnalysis, 'rows'> {
  const { rows: _rows, ...summary } = analysis;
  return summary;
}

const fixed = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const percent = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : `${(100 * value).toFixed(1)}%`;

const signed = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

function formatCorrelation(label: string, c: CorrelationWithInterval): string {
  const ci = (interval: [number, number] | null) => (interval ? ` [${fixed(interval[0])}, ${fixed(interval[1])}]` : '');
  const method = c.ciMethod === 'bootstrap' ? `  (bootstrap ×${c.resamples})` : c.ciMethod === 'asymptotic' ? '  (Fisher z)' : '';
  return `  ${label.padEnd(24)} n=${String(c.n).padEnd(6)} Pearson ${fixed(c.pearson)}${ci(c.pearsonCI)}   Spearman ${fixed(c.spearman)}${ci(c.spearmanCI)}${method}`;
}

/** Short plain-text summary for the CLI: AP, correlations with CIs, calibration, distribution figures, ΔAP, top 10 ambiguous boxes. */
export function formatAnalysisSummary(analysis: GflAnalysis): string {
  const lines: string[] = [];
  const s = analysis.source;
  lines.push(`GFL Lens analysis — ${s.modelFile} (${s.profile}): ${s.images} images, ${s.detections} detections, ${s.evaluatedDetections} evaluated${s.complete ? '' : ' (incomplete run)'}`);
  const ev = analysis.evaluation;
  if (ev) {
    const stat = (key: string) => ev.stats[ev.statKeys.indexOf(key)];
    lines.push(`COCO  AP ${fixed(stat('AP'))}  AP50 ${fixed(stat('AP50'))}  AP75 ${fixed(stat('AP75'))}  APs ${fixed(stat('APs'))}  APm ${fixed(stat('APm'))}  APl ${fixed(stat('APl'))}  AR100 ${fixed(stat('AR100'))}`);
    const tide = ev.tide;
    lines.push(`TIDE  dAP  Cls ${fixed(tide.dAP.Cls, 2)}  Loc ${fixed(tide.dAP.Loc, 2)}  Both ${fixed(tide.dAP.Both, 2)}  Dupe ${fixed(tide.dAP.Dupe, 2)}  Bkg ${fixed(tide.dAP.Bkg, 2)}  Miss ${fixed(tide.dAP.Miss, 2)}`);
    const maxF1 = ev.curves.thresholds.maxF1;
    lines.push(`Max F1 ${fixed(maxF1.f1)} at confidence ${fixed(maxF1.threshold)} (P ${fixed(maxF1.precision)}, R ${fixed(maxF1.recall)}; Ultralytics ap_per_class over COCOeval TP/FP at IoU 0.5)`);
    const op = analysis.operatingPoint;
    if (op) lines.push(`At score > ${op.threshold}: TP ${op.overall.tp}  FP ${op.overall.fp}  FN ${op.overall.fn}  precision ${fixed(op.overall.precision)}  recall ${fixed(op.overall.recall)}`);
  } else {
    lines.push('No ground truth: detections and edge distributions only, no metrics.');
  }
  const si = analysis.scoreIoU;
  if (si) {
    const b = si.bootstrap;
    lines.push(`Score vs IoU (same-class IoU; ${b.resamples > 0 ? `${Math.round(b.level * 100)}% intervals` : 'Fisher-z intervals'}):`);
    lines.push(formatCorrelation(SCORE_IOU_POPULATIONS.tp.label, si.overall.tp));
    lines.push(formatCorrelation(SCORE_IOU_POPULATIONS.iouNet.label, si.iouNet));
    lines.push(formatCorrelation(SCORE_IOU_POPULATIONS.all.label, si.overall.all));
    lines.push(`  (${Object.values(SCORE_IOU_POPULATIONS).map((p) => `${p.label}: ${p.definition}`).join('; ')})`);
    for (const group of si.byLevel) lines.push(formatCorrelation(`TPs ${group.label}`, group.tp));
    for (const group of si.bySize) lines.push(formatCorrelation(`TPs ${group.label}`, group.tp));
  }
  const c = analysis.calibration;
  if (c) lines.push(`Calibration  LaECE0 ${percent(c.laece0.value)}  LaACE0 ${percent(c.laace0.value)}  LaECE@${c.laece.tau} ${percent(c.laece.value)}  D-ECE@${c.dece.tau} ${percent(c.dece.value)}  (${c.laece0.classes} classes)`);
  if (analysis.edges) {
    const e = analysis.edges;
    lines.push(`Edge distributions (${e.detections} boxes, R=${e.regMax}): mean ambiguity ${fixed(e.meanAmbiguity)}; per edge std px / entropy / bimodal share:`);
    lines.push(`  ${e.perEdge.map((p) => `${p.edge} ${fixed(p.meanStdPx, 2)} / ${fixed(p.meanEntropy)} / ${percent(p.bimodalShare)}`).join('   ')}`);
  }
  const k = analysis.distributionKnows;
  if (k) {
    lines.push(`Does the distribution know? (${k.detections} TPs@0.5)`);
    lines.push(formatCorrelation('std vs |error| px', k.pooled));
    lines.push(formatCorrelation('same, size-normalised', k.pooledSizeNormalised));
    for (const edge of k.perEdge) lines.push(formatCorrelation(`${edge.edge} std vs error`, edge.correlation));
    lines.push(`  AUROC of ambiguity for IoU < ${k.ambiguityAUROC.iouThreshold}: ${fixed(k.ambiguityAUROC.auroc)} (1 − score: ${fixed(k.ambiguityAUROC.scoreBaselineAUROC)}; ${k.ambiguityAUROC.positives} vs ${k.ambiguityAUROC.negatives})`);
  }
  const r = analysis.rescoring;
  if (r) {
    const ap = r.statKeys.indexOf('AP');
    const ap50 = r.statKeys.indexOf('AP50');
    const ap75 = r.statKeys.indexOf('AP75');
    for (const experiment of [r.sharpness, r.varianceVoting]) {
      lines.push(`What-if ${experiment.name}: ΔAP ${signed(experiment.delta[ap], 4)}  ΔAP50 ${signed(experiment.delta[ap50], 4)}  ΔAP75 ${signed(experiment.delta[ap75], 4)}  (${experiment.changed} changed; ${experiment.description})`);
    }
  }
  if (analysis.topAmbiguous.length > 0) {
    lines.push(`Top 10 ambiguous boxes (score ≥ ${analysis.topAmbiguousMinScore}):`);
    analysis.topAmbiguous.slice(0, 10).forEach((box, rank) => {
      const name = (analysis.source.classLabels ?? analysis.source.classNames)[box.classIndex] ?? `class ${box.classIndex}`;
      lines.push(`  ${String(rank + 1).padStart(2)}. ${box.file} #${box.detIndex} ${name} score ${fixed(box.score)} IoU ${fixed(box.iou)} ambiguity ${fixed(box.ambiguity)} (${box.drivingEdge}: entropy ${fixed(box.edge.entropy)}, 2nd peak ${fixed(box.edge.bimodality)}, std ${fixed(box.edge.stdPx, 1)} px) ${box.outcome}${box.error ? ` ${box.error}` : ''}`);
    });
  }
  for (const note of analysis.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
