// analyzeRun: one run + COCO ground truth → one serialisable GflAnalysis that the webviews, reports and the CLI
// consume. Pure: plain data in (the parsed run, the parsed COCO instances, the class → category mapping), plain
// JSON-safe data out (numbers, strings, arrays, null; no typed arrays, no NaN).
//
// GflAnalysis (version 1):
//   version, kind                 1, "gfl-lens-analysis"
//   source                        model file/sha256, profile, images, detections (all / evaluated / unmapped),
//                                 hasDistributions, regMax, strides, classNames
//   evaluation                    statKeys + the 12 COCO stats, perCategory AP rows, TIDE summary (dAP per error type)
//   scoreIoU                      Pearson/Spearman with 95% intervals of score vs same-class IoU over TPs@0.5 and over
//                                 all evaluated detections; overall, byClass, byLevel, bySize; 2-D histogram
//                                 (scoreIoU.ts). Intervals: percentile bootstrap, or Fisher z for groups beyond the
//                                 bootstrap budget — each CorrelationWithInterval records ciMethod and resamples.
//   calibration                   laece0, laace0, laece (τ = 0.1), dece (τ = 0.5): CalibrationMetric with perClass;
//                                 reliability diagrams (IoU target at τ = 0, and TP/FP target at 0.5) (calibration.ts)
//   edges | null                  per-edge means of every edge statistic, ambiguity histogram, driving-edge counts
//   distributionKnows | null      std-vs-error correlations and the ambiguity AUROC (distributionKnows.ts)
//   rescoring | null              baseline stats, sharpness re-ranking and variance voting with ΔAP (rescoring.ts)
//   rows                          one DetectionRow per detection of a mapped class, in run order
//   topAmbiguous                  the most ambiguous evaluated boxes scoring ≥ topAmbiguousMinScore, most ambiguous
//                                 first, with their driving edge
//                                 (one entry per anchor: class-aware NMS may keep an anchor once per class)
//   notes                         plain-language caveats (missing distributions, unmapped classes, approximations)
// `edges`, `distributionKnows` and `rescoring` are null when the model integrates DFL (no distributions).

import { COCO_STAT_KEYS, evaluateCoco } from '../coco/cocoEval.ts';
import { toCocoResults } from '../coco/categoryMapping.ts';
import { matchDetections, type MatchingGroundTruth, type TideMainError } from '../coco/matching.ts';
import type { Run, RunImageRecord } from '../runFormat.ts';
import { EDGE_NAMES, type Detection, type EdgeName, type TideErrorType } from '../types.ts';
import {
  countedIndices,
  detectionECE,
  localisationAwareACE,
  localisationAwareECE,
  reliabilityDiagram,
  type CalibrationInput,
  type CalibrationMetric,
  type ReliabilityBin,
} from './calibration.ts';
import { analyzeDistributionKnows, type DistributionKnowsAnalysis } from './distributionKnows.ts';
import { edgeStatsForDetections, type EdgeStats } from './edgeStats.ts';
import { compareRescoring, type RescoringAnalysis, type RescoringDetection, type RescoringOptions } from './rescoring.ts';
import { analyzeScoreIoU, cocoSize, type ScoreIoUAnalysis, type ScoreIoUOptions, type SizeName } from './scoreIoU.ts';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions, type CorrelationWithInterval } from './statistics.ts';
import { cocoBoxIoU, matchAtThresholds, type MatchDetection, type MatchGroundTruth } from './thresholdMatching.ts';

export const GFL_ANALYSIS_VERSION = 1;
export const GFL_ANALYSIS_KIND = 'gfl-lens-analysis';

/** The verdict COCOeval gives a detection at IoU 0.5 (area all, maxDets 100). */
export type DetectionOutcome = 'tp' | 'fp' | 'ignored' | 'unevaluated';

/** One compact row per detection, for tables, scatter plots and filters in the views. */
export interface DetectionRow {
  imageId: number;
  /** Index of the detection in its image's list in the run. */
  detIndex: number;
  score: number;
  /** IoU with the best same-class ground truth (0 if none). */
  iou: number;
  classIndex: number;
  categoryId: number;
  level: number;
  size: SizeName;
  /** Box ambiguity (max over edges of 1 − DFL two-bin mass) and the edge driving it; null without distributions. */
  ambiguity: number | null;
  drivingEdge: EdgeName | null;
  outcome: DetectionOutcome;
  /** TIDE error type of a false positive at 0.5, null otherwise. */
  error: TideErrorType | null;
}

export interface AmbiguousBox extends DetectionRow {
  file: string;
  bbox: [number, number, number, number];
  /** Statistics of the driving edge. */
  edge: { entropy: number; bimodality: number; stdPx: number; dflMass: number; saturation: number };
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

export interface CategoryApRow {
  categoryId: number;
  name: string;
  ap: number;
  ap50: number;
  ap75: number;
  numGt: number;
  numDetections: number;
}

export interface GflAnalysis {
  version: typeof GFL_ANALYSIS_VERSION;
  kind: typeof GFL_ANALYSIS_KIND;
  source: {
    modelFile: string;
    modelSha256: string;
    profile: string;
    images: number;
    detections: number;
    /** Detections COCOeval counted (TP or FP at 0.5). */
    evaluatedDetections: number;
    /** Detections of classes without a dataset category (left out of everything). */
    unmappedDetections: number;
    hasDistributions: boolean;
    regMax: number;
    strides: number[];
    classNames: string[];
  };
  evaluation: {
    statKeys: string[];
    stats: number[];
    perCategory: CategoryApRow[];
    tide: { ap: number; dAP: Record<TideMainError, number>; counts: Record<TideMainError, number> };
  };
  scoreIoU: ScoreIoUAnalysis;
  calibration: {
    laece0: CalibrationMetric;
    laace0: CalibrationMetric;
    laece: CalibrationMetric;
    dece: CalibrationMetric;
    reliability: { bins: number; iouTarget: ReliabilityBin[]; tp50Target: ReliabilityBin[] };
  };
  edges: EdgeSummary | null;
  distributionKnows: DistributionKnowsAnalysis | null;
  rescoring: RescoringAnalysis | null;
  rows: DetectionRow[];
  topAmbiguous: AmbiguousBox[];
  /** Score floor of topAmbiguous. */
  topAmbiguousMinScore: number;
  notes: string[];
}

export interface AnalyzeOptions {
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
  /** Only boxes scoring at least this are listed as most ambiguous (default AMBIGUOUS_MIN_SCORE). */
  ambiguousMinScore: number;
  /** IoU below which a TP counts as poorly localised for the ambiguity AUROC. */
  poorIoU: number;
}

export const DEFAULT_ANALYZE_OPTIONS: Readonly<AnalyzeOptions> = Object.freeze({
  reliabilityBins: 10,
  laeceBins: 25,
  laeceTau: 0.1,
  deceBins: 10,
  deceTau: 0.5,
  bootstrap: DEFAULT_BOOTSTRAP,
  scoreIoU: {},
  rescoring: {},
  topAmbiguous: 50,
  ambiguousMinScore: 0.3,
  poorIoU: 0.75,
});

interface FlatDetection {
  image: RunImageRecord;
  detection: Detection;
  detIndex: number;
  categoryId: number;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function mean(values: Float64Array, edge: number, hasProbs: (i: number) => boolean, count: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    if (!hasProbs(i)) continue;
    sum += values[4 * i + edge];
    n++;
  }
  return n > 0 ? sum / n : 0;
}

function summarizeEdges(stats: EdgeStats, indices: number[]): EdgeSummary {
  const included = new Uint8Array(stats.count);
  for (const i of indices) if (Number.isFinite(stats.ambiguity[i])) included[i] = 1;
  const has = (i: number) => included[i] === 1;
  let n = 0;
  for (let i = 0; i < stats.count; i++) n += included[i];
  const perEdge = EDGE_NAMES.map((edge, e): EdgeStatSummary => {
    let bimodal = 0;
    for (let i = 0; i < stats.count; i++) if (has(i) && stats.bimodality[4 * i + e] >= 0.5) bimodal++;
    return {
      edge,
      meanStdBins: mean(stats.std, e, has, stats.count),
      meanStdPx: mean(stats.stdPx, e, has, stats.count),
      meanEntropy: mean(stats.entropy, e, has, stats.count),
      meanTop1: mean(stats.top1, e, has, stats.count),
      meanTopK: mean(stats.topK, e, has, stats.count),
      meanDflMass: mean(stats.dflMass, e, has, stats.count),
      meanSaturation: mean(stats.saturation, e, has, stats.count),
      meanBimodality: mean(stats.bimodality, e, has, stats.count),
      bimodalShare: n > 0 ? bimodal / n : 0,
    };
  });
  const bins = 20;
  const counts = new Array<number>(bins).fill(0);
  const driving: Record<EdgeName, number> = { left: 0, top: 0, right: 0, bottom: 0 };
  let sum = 0;
  for (let i = 0; i < stats.count; i++) {
    if (!has(i)) continue;
    const a = stats.ambiguity[i];
    counts[Math.min(bins - 1, Math.floor(a * bins))]++;
    driving[EDGE_NAMES[stats.drivingEdge[i]]]++;
    sum += a;
  }
  return {
    detections: n,
    regMax: stats.regMax,
    perEdge,
    ambiguityHistogram: { edges: Array.from({ length: bins + 1 }, (_, b) => b / bins), counts },
    drivingEdgeCounts: driving,
    meanAmbiguity: n > 0 ? sum / n : 0,
  };
}

/**
 * Runs evaluation (evaluateCoco + matchDetections) and every analytic on one run. `classToCategory[classIndex]` is
 * the dataset category id of a model class (null: the class is left out), e.g. from mapClassesToCategories.
 */
export function analyzeRun(
  run: Run,
  groundTruth: MatchingGroundTruth,
  classToCategory: (number | null)[],
  options: Partial<AnalyzeOptions> = {},
): GflAnalysis {
  const o: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, ...options };
  const { header } = run;
  const notes: string[] = [];

  // 1. Flatten the mapped detections in run order; COCO results carry detIndex so matches point back.
  const results = toCocoResults(run.images, classToCategory);
  const imageById = new Map(run.images.map((image) => [image.imageId, image]));
  const flat: FlatDetection[] = results.map((result) => {
    const image = imageById.get(result.image_id)!;
    return { image, detection: image.detections[result.detIndex!], detIndex: result.detIndex!, categoryId: result.category_id };
  });
  const totalDetections = run.images.reduce((sum, image) => sum + image.detections.length, 0);
  const unmapped = totalDetections - flat.length;
  if (unmapped > 0) notes.push(`${unmapped} detections belong to model classes without a dataset category and are left out.`);

  // 2. COCO evaluation and per-detection matches (issue 3's COCOeval port and matching).
  const evaluation = evaluateCoco(groundTruth, results);
  const matching = matchDetections(groundTruth, results, evaluation);
  const matches = matching.matches;
  const annotationById = new Map(groundTruth.annotations.map((a) => [a.id, a]));
  const n = flat.length;
  const outcome: DetectionOutcome[] = matches.map((m) => m.cocoOutcome50 ?? (m.tp50 ? 'tp' : 'fp'));
  const evaluated: number[] = [];
  for (let i = 0; i < n; i++) if (outcome[i] === 'tp' || outcome[i] === 'fp') evaluated.push(i);

  const sizeArea = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const gtId = matches[i].matchedGtId50;
    const [x1, y1, x2, y2] = flat[i].detection.bbox;
    sizeArea[i] = gtId !== null && annotationById.has(gtId) ? annotationById.get(gtId)!.area : (x2 - x1) * (y2 - y1);
  }

  // 3. Score vs IoU over the evaluated detections.
  const pick = <T>(values: (i: number) => T) => evaluated.map(values);
  const scoreIoU = analyzeScoreIoU(
    {
      scores: pick((i) => flat[i].detection.score),
      ious: pick((i) => matches[i].sameClassIoU),
      tp: pick((i) => (matches[i].tp50 ? 1 : 0)),
      classIndex: pick((i) => flat[i].detection.classIndex),
      level: pick((i) => flat[i].detection.level),
      sizeArea: pick((i) => sizeArea[i]),
      classNames: header.profile.classNames,
      strides: header.profile.strides,
    },
    { bootstrap: o.bootstrap, ...o.scoreIoU },
  );

  // 4. Calibration: COCOeval greedy matching at τ = 0 and at LaECE's τ; D-ECE from the 0.5 matches.
  const matchGts: MatchGroundTruth[] = groundTruth.annotations.map((a) => ({
    imageId: a.image_id,
    categoryId: a.category_id,
    bbox: a.bbox,
    iscrowd: a.iscrowd === 1,
  }));
  const matchDets: MatchDetection[] = results.map((r) => ({ imageId: r.image_id, categoryId: r.category_id, bbox: r.bbox, score: r.score }));
  const categoriesWithGroundTruth = new Set(groundTruth.annotations.filter((a) => a.iscrowd !== 1).map((a) => a.category_id));
  const scores = results.map((r) => r.score);
  const categories = results.map((r) => r.category_id);
  const [matches0, matchesLaece] = matchAtThresholds(matchGts, matchDets, [0, o.laeceTau]);
  const at0: CalibrationInput = { scores, targets: matches0.iou, categories, ignored: matches0.ignored, categoriesWithGroundTruth };
  const atLaece: CalibrationInput = { ...at0, targets: matchesLaece.iou, ignored: matchesLaece.ignored };
  const at50: CalibrationInput = {
    scores,
    targets: matches.map((m) => (m.tp50 ? 1 : 0)),
    categories,
    ignored: outcome.map((v) => (v === 'tp' || v === 'fp' ? 0 : 1)),
    categoriesWithGroundTruth,
  };
  const calibration = {
    laece0: localisationAwareECE(at0, 0, o.laeceBins),
    laace0: localisationAwareACE(at0, 0, null),
    laece: localisationAwareECE(atLaece, o.laeceTau, o.laeceBins),
    dece: detectionECE(at50, o.deceTau, o.deceBins),
    reliability: {
      bins: o.reliabilityBins,
      iouTarget: reliabilityDiagram(at0.scores, at0.targets, countedIndices(at0), o.reliabilityBins),
      tp50Target: reliabilityDiagram(at50.scores, at50.targets, countedIndices(at50), o.reliabilityBins),
    },
  };

  // 5. Edge distributions.
  const hasDistributions = header.head.hasDistributions;
  const regMax = header.profile.regMax;
  const edgeStats = hasDistributions
    ? edgeStatsForDetections(flat.map((f) => ({ detection: f.detection, scaleX: f.image.transform.scaleX, scaleY: f.image.transform.scaleY })), regMax)
    : null;
  if (!edgeStats && flat.length > 0) notes.push('The model exposes no DFL distributions (DFL integrated in the graph): edge statistics, ambiguity, distribution-knows and rescoring are unavailable.');
  if (flat.length === 0) notes.push('The run has no detections of mapped classes: nothing to analyse beyond the (empty) evaluation.');

  // 6. Does the distribution know? TPs at 0.5 with their matched ground truth.
  let distributionKnows: DistributionKnowsAnalysis | null = null;
  if (edgeStats) {
    const boxes: number[][] = [];
    const gtBoxes: number[][] = [];
    const stdPx: number[] = [];
    const ambiguity: number[] = [];
    const iou: number[] = [];
    const score: number[] = [];
    for (const i of evaluated) {
      const gtId = matches[i].matchedGtId50;
      if (!matches[i].tp50 || gtId === null || !Number.isFinite(edgeStats.ambiguity[i])) continue;
      const gt = annotationById.get(gtId);
      if (!gt) continue;
      const [gx, gy, gw, gh] = gt.bbox;
      boxes.push(flat[i].detection.bbox);
      gtBoxes.push([gx, gy, gx + gw, gy + gh]);
      for (let e = 0; e < 4; e++) stdPx.push(edgeStats.stdPx[4 * i + e]);
      ambiguity.push(edgeStats.ambiguity[i]);
      iou.push(cocoBoxIoU(results[i].bbox, gt.bbox, false));
      score.push(flat[i].detection.score);
    }
    distributionKnows = analyzeDistributionKnows({ boxes, gtBoxes, stdPx, ambiguity, iou, score }, { iouThreshold: o.poorIoU, bootstrap: o.bootstrap });
  }

  // 7. What-if rescoring, re-evaluated with COCOeval.
  let rescoring: RescoringAnalysis | null = null;
  if (edgeStats && o.rescoring !== false) {
    const rescoringDetections: RescoringDetection[] = flat.map((f, i) => ({
      imageId: f.image.imageId,
      categoryId: f.categoryId,
      detIndex: f.detIndex,
      bbox: f.detection.bbox,
      score: f.detection.score,
      topKMean: Number.isFinite(edgeStats.ambiguity[i])
        ? (edgeStats.topK[4 * i] + edgeStats.topK[4 * i + 1] + edgeStats.topK[4 * i + 2] + edgeStats.topK[4 * i + 3]) / 4
        : 1,
      stdPx: Number.isFinite(edgeStats.ambiguity[i])
        ? [edgeStats.stdPx[4 * i], edgeStats.stdPx[4 * i + 1], edgeStats.stdPx[4 * i + 2], edgeStats.stdPx[4 * i + 3]]
        : [1, 1, 1, 1],
    }));
    rescoring = compareRescoring(rescoringDetections, (r) => evaluateCoco(groundTruth, r).stats, COCO_STAT_KEYS, o.rescoring);
  }

  // 8. Rows and the most ambiguous evaluated boxes.
  const rows: DetectionRow[] = flat.map((f, i) => ({
    imageId: f.image.imageId,
    detIndex: f.detIndex,
    score: f.detection.score,
    iou: matches[i].sameClassIoU,
    classIndex: f.detection.classIndex,
    categoryId: f.categoryId,
    level: f.detection.level,
    size: cocoSize(sizeArea[i]),
    ambiguity: edgeStats ? finiteOrNull(edgeStats.ambiguity[i]) : null,
    drivingEdge: edgeStats && Number.isFinite(edgeStats.ambiguity[i]) ? EDGE_NAMES[edgeStats.drivingEdge[i]] : null,
    outcome: outcome[i],
    error: matches[i].error,
  }));
  const topAmbiguous: AmbiguousBox[] = [];
  if (edgeStats) {
    const ranked = evaluated.filter((i) => Number.isFinite(edgeStats.ambiguity[i]) && flat[i].detection.score >= o.ambiguousMinScore);
    ranked.sort((a, b) => edgeStats.ambiguity[b] - edgeStats.ambiguity[a] || flat[b].detection.score - flat[a].detection.score || a - b);
    // Class-aware NMS can keep one anchor for several classes: the same distribution would fill the list several
    // times, so each anchor is listed once (its highest-scoring detection, which the sort puts first).
    const listedAnchors = new Set<string>();
    for (const i of ranked) {
      if (topAmbiguous.length >= o.topAmbiguous) break;
      const { anchor, level } = flat[i].detection;
      const anchorKey = `${flat[i].image.imageId}:${level}:${anchor[0]}:${anchor[1]}`;
      if (listedAnchors.has(anchorKey)) continue;
      listedAnchors.add(anchorKey);
      const e = 4 * i + edgeStats.drivingEdge[i];
      topAmbiguous.push({
        ...rows[i],
        file: flat[i].image.file,
        bbox: [...flat[i].detection.bbox],
        edge: {
          entropy: edgeStats.entropy[e],
          bimodality: edgeStats.bimodality[e],
          stdPx: edgeStats.stdPx[e],
          dflMass: edgeStats.dflMass[e],
          saturation: edgeStats.saturation[e],
        },
      });
    }
  }
  if (rescoring) notes.push(rescoring.note);

  const categoryName = new Map(groundTruth.categories.map((c) => [c.id, c.name]));
  return {
    version: GFL_ANALYSIS_VERSION,
    kind: GFL_ANALYSIS_KIND,
    source: {
      modelFile: header.model.fileName,
      modelSha256: header.model.sha256,
      profile: header.profile.name,
      images: run.images.length,
      detections: totalDetections,
      evaluatedDetections: evaluated.length,
      unmappedDetections: unmapped,
      hasDistributions: edgeStats !== null,
      regMax,
      strides: [...header.profile.strides],
      classNames: [...header.profile.classNames],
    },
    evaluation: {
      statKeys: [...COCO_STAT_KEYS],
      stats: [...evaluation.stats],
      perCategory: evaluation.perCategory.map((c) => ({
        categoryId: c.categoryId,
        name: c.name ?? categoryName.get(c.categoryId) ?? String(c.categoryId),
        ap: c.ap,
        ap50: c.ap50,
        ap75: c.ap75,
        numGt: c.numGt,
        numDetections: c.numDetections,
      })),
      tide: { ap: matching.tide.ap, dAP: { ...matching.tide.dAP }, counts: { ...matching.tide.counts } },
    },
    scoreIoU,
    calibration,
    edges: edgeStats ? summarizeEdges(edgeStats, evaluated) : null,
    distributionKnows,
    rescoring,
    rows,
    topAmbiguous,
    topAmbiguousMinScore: o.ambiguousMinScore,
    notes,
  };
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
  const stat = (key: string) => analysis.evaluation.stats[analysis.evaluation.statKeys.indexOf(key)];
  lines.push(`GFL Lens analysis — ${s.modelFile} (${s.profile}): ${s.images} images, ${s.detections} detections, ${s.evaluatedDetections} evaluated`);
  lines.push(`COCO  AP ${fixed(stat('AP'))}  AP50 ${fixed(stat('AP50'))}  AP75 ${fixed(stat('AP75'))}  APs ${fixed(stat('APs'))}  APm ${fixed(stat('APm'))}  APl ${fixed(stat('APl'))}  AR100 ${fixed(stat('AR100'))}`);
  const tide = analysis.evaluation.tide;
  lines.push(`TIDE  dAP  Cls ${fixed(tide.dAP.Cls, 2)}  Loc ${fixed(tide.dAP.Loc, 2)}  Both ${fixed(tide.dAP.Both, 2)}  Dupe ${fixed(tide.dAP.Dupe, 2)}  Bkg ${fixed(tide.dAP.Bkg, 2)}  Miss ${fixed(tide.dAP.Miss, 2)}`);
  const b = analysis.scoreIoU.bootstrap;
  lines.push(`Score vs IoU (same-class IoU; ${Math.round(b.level * 100)}% intervals):`);
  lines.push(formatCorrelation('TPs@0.5 (IoU-Net)', analysis.scoreIoU.overall.tp));
  lines.push(formatCorrelation('all (QFL target)', analysis.scoreIoU.overall.all));
  for (const group of analysis.scoreIoU.byLevel) lines.push(formatCorrelation(`TPs ${group.label}`, group.tp));
  for (const group of analysis.scoreIoU.bySize) lines.push(formatCorrelation(`TPs ${group.label}`, group.tp));
  const c = analysis.calibration;
  lines.push(`Calibration  LaECE0 ${percent(c.laece0.value)}  LaACE0 ${percent(c.laace0.value)}  LaECE@${c.laece.tau} ${percent(c.laece.value)}  D-ECE@${c.dece.tau} ${percent(c.dece.value)}  (${c.laece0.classes} classes)`);
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
      const name = analysis.source.classNames[box.classIndex] ?? `class ${box.classIndex}`;
      lines.push(`  ${String(rank + 1).padStart(2)}. ${box.file} #${box.detIndex} ${name} score ${fixed(box.score)} IoU ${fixed(box.iou)} ambiguity ${fixed(box.ambiguity)} (${box.drivingEdge}: entropy ${fixed(box.edge.entropy)}, 2nd peak ${fixed(box.edge.bimodality)}, std ${fixed(box.edge.stdPx, 1)} px) ${box.outcome}${box.error ? ` ${box.error}` : ''}`);
    });
  }
  for (const note of analysis.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
