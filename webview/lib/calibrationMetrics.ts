// The calibration view's numbers, pure (no DOM) so they are tested against analyzeRun: filtering, the LaECE₀ /
// LaACE₀ / D-ECE inputs with each matching's own ignore flags, and the score-vs-IoU correlations over the
// detections COCOeval evaluates at IoU 0.5 — the conventions of extension/core/analytics/analysis.ts.
import {
  detectionECE, localisationAwareACE, localisationAwareECE, type CalibrationInput, type CalibrationMetric,
} from '../../extension/core/analytics/calibration.ts';
import { correlationWithBootstrap, DEFAULT_BOOTSTRAP, fisherInterval, MIN_SAMPLE_FOR_STATISTICS, pearson, spearman, type CorrelationWithInterval } from '../../extension/core/analytics/statistics.ts';
import type { CalibrationData } from '../../extension/protocol/messages.ts';

/** analyzeRun's defaults (DEFAULT_ANALYZE_OPTIONS): LaECE 25 bins, D-ECE 10 bins at IoU 0.5, reliability 10 bins. */
export const LAECE_BINS = 25;
export const DECE_BINS = 10;
export const RELIABILITY_BINS = 10;

export interface CalibrationFilters {
  classIndex: number | null;
  level: number | null;
  /** 0 small, 1 medium, 2 large. */
  size: number | null;
}

export function passesFilters(d: CalibrationData, f: CalibrationFilters, i: number): boolean {
  const p = d.points;
  return (f.classIndex === null || p.classIndex[i] === f.classIndex)
    && (f.level === null || p.level[i] === f.level) && (f.size === null || p.size[i] === f.size);
}

/** Detections COCOeval evaluates (TP or FP at 0.5) that pass the filters: the scatter and the correlations. */
export function selectedIndices(d: CalibrationData, f: CalibrationFilters): Int32Array {
  const p = d.points;
  const out = new Int32Array(p.count);
  let n = 0;
  for (let i = 0; i < p.count; i++) if (!p.dIgnored[i] && passesFilters(d, f, i)) out[n++] = i;
  return out.subarray(0, n);
}

/** Metric input over the filtered detections; each target keeps its own matching's ignore flags (τ = 0 or 0.5). */
export function calibrationInput(d: CalibrationData, f: CalibrationFilters, target: 'la' | 'd'): CalibrationInput {
  const p = d.points;
  const sourceIgnored = target === 'la' ? p.laIgnored : p.dIgnored;
  const ignored = new Uint8Array(p.count);
  for (let i = 0; i < p.count; i++) ignored[i] = sourceIgnored[i] || !passesFilters(d, f, i) ? 1 : 0;
  return { scores: p.score, targets: target === 'la' ? p.laTarget : p.dTarget, categories: p.categoryId, ignored, categoriesWithGroundTruth: new Set(d.categoriesWithGroundTruth) };
}

export interface CalibrationSummary {
  indices: Int32Array;
  tpIndices: Int32Array;
  /** IoU-Net's population: every selected detection with same-class IoU ≥ 0.5, duplicates included. */
  iouNetIndices: Int32Array;
  la: CalibrationInput;
  dIn: CalibrationInput;
  laece0: CalibrationMetric;
  laace0: CalibrationMetric;
  dece: CalibrationMetric;
  /** Point estimates (the intervals come later, see correlationsWithIntervals). */
  tp: { pearson: number | null; spearman: number | null };
  iouNet: { pearson: number | null; spearman: number | null };
  all: { pearson: number | null; spearman: number | null };
}

const column = (src: Float64Array, list: Int32Array) => Float64Array.from(list, (i) => src[i]);

export function calibrationSummary(d: CalibrationData, f: CalibrationFilters): CalibrationSummary {
  const p = d.points;
  const indices = selectedIndices(d, f);
  const tpIndices = indices.filter((i) => p.tp[i] === 1);
  const iouNetIndices = indices.filter((i) => p.iou[i] >= 0.5);
  const la = calibrationInput(d, f, 'la');
  const dIn = calibrationInput(d, f, 'd');
  return {
    indices, tpIndices, iouNetIndices, la, dIn,
    laece0: localisationAwareECE(la, 0, LAECE_BINS),
    laace0: localisationAwareACE(la, 0, null),
    dece: detectionECE(dIn, 0.5, DECE_BINS),
    tp: { pearson: pearson(column(p.score, tpIndices), column(p.iou, tpIndices)), spearman: spearman(column(p.score, tpIndices), column(p.iou, tpIndices)) },
    iouNet: { pearson: pearson(column(p.score, iouNetIndices), column(p.iou, iouNetIndices)), spearman: spearman(column(p.score, iouNetIndices), column(p.iou, iouNetIndices)) },
    all: { pearson: pearson(column(p.score, indices), column(p.iou, indices)), spearman: spearman(column(p.score, indices), column(p.iou, indices)) },
  };
}

/** Bootstrap work capped at 2·10⁷ element-resamples: the full 1000 resamples up to 20k pairs, never fewer than 200. */
export function boundedBootstrap(n: number) {
  const resamples = n <= 20_000 ? DEFAULT_BOOTSTRAP.resamples : Math.max(200, Math.round((DEFAULT_BOOTSTRAP.resamples * 20_000) / n));
  return { ...DEFAULT_BOOTSTRAP, resamples };
}

/** Percentile bootstrap intervals for the three populations (seconds for 100k pairs: run after the plots are drawn). */
export function correlationsWithIntervals(d: CalibrationData, s: CalibrationSummary): { tp: CorrelationWithInterval; iouNet: CorrelationWithInterval; all: CorrelationWithInterval } {
  const p = d.points;
  const corr = (list: Int32Array) => correlationWithBootstrap(column(p.score, list), column(p.iou, list), boundedBootstrap(list.length));
  return { tp: corr(s.tpIndices), iouNet: corr(s.iouNetIndices), all: corr(s.indices) };
}

/** One row of the per-class table: its sample sizes, score-vs-IoU Pearson r over its TPs with a 95% interval, calibration errors. */
export interface PerClassRow {
  categoryId: number;
  classIndex: number | undefined;
  name: string;
  /** Detections COCOeval evaluates (TP or FP at 0.5) after the filters. */
  evaluated: number;
  tp: number;
  pearson: number | null;
  /** 95% Fisher-z interval of `pearson` (null for n ≤ 3). */
  pearsonCI: [number, number] | null;
  laece0: number | null;
  laace0: number | null;
  dece: number | null;
  /** Fewer than MIN_SAMPLE_FOR_STATISTICS true positives: shown greyed out. */
  smallSample: boolean;
}

/** The per-class rows of the calibration view over the filtered detections (one per category LaECE₀ reports). */
export function perClassRows(d: CalibrationData, indices: Int32Array, laece: readonly { categoryId: number; value: number | null }[],
  laace: readonly { categoryId: number; value: number | null }[], dece: readonly { categoryId: number; value: number | null }[]): PerClassRow[] {
  const p = d.points;
  const classOf = new Map(d.categoryClass);
  const byCategory = new Map<number, number[]>();
  for (const i of indices) {
    const list = byCategory.get(p.categoryId[i]) ?? [];
    byCategory.set(p.categoryId[i], list);
    list.push(i);
  }
  const laaceOf = new Map(laace.map((c) => [c.categoryId, c.value]));
  const deceOf = new Map(dece.map((c) => [c.categoryId, c.value]));
  return laece.map((c): PerClassRow => {
    const list = byCategory.get(c.categoryId) ?? [];
    const tp = list.filter((i) => p.tp[i]);
    const classIndex = classOf.get(c.categoryId);
    const r = pearson(Float64Array.from(tp, (i) => p.score[i]), Float64Array.from(tp, (i) => p.iou[i]));
    return {
      categoryId: c.categoryId, classIndex,
      name: classIndex !== undefined ? d.classNames[classIndex] ?? `class ${classIndex}` : `category ${c.categoryId}`,
      evaluated: list.length, tp: tp.length, pearson: r, pearsonCI: r === null ? null : fisherInterval(r, tp.length, 0.95, false),
      laece0: c.value, laace0: laaceOf.get(c.categoryId) ?? null, dece: deceOf.get(c.categoryId) ?? null,
      smallSample: tp.length < MIN_SAMPLE_FOR_STATISTICS,
    };
  });
}
