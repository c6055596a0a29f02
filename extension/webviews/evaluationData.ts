// The evaluation view's payload from the session's run and its one analysis (computed in the analysis worker), pure
// (no vscode). Nothing here evaluates: AP, curves, TIDE, counts and the confusion matrix are the analysis'; this
// only names rows and turns run rows into inspector references.
import type { GflAnalysis } from '../core/analytics/analysis.ts';
import { SCORE_IOU_POPULATIONS } from '../core/analytics/scoreIoU.ts';
import { formatSummary } from '../core/coco/cocoEval.ts';
import type { DetectionRef, EvaluationData, EvaluationImageRow } from '../protocol/messages.ts';
import type { LoadedRun } from '../state/runModel.ts';

/** Detections (and missed ground truths) each confusion cell lists in the view; the matrix holds the full counts. */
export const CELL_LIST_LIMIT = 200;

/** Null when the run has no ground truth (nothing to evaluate) or its operating point is not computed yet. */
export function evaluationData(run: LoadedRun, analysis: GflAnalysis, categoryFilter: number | null): EvaluationData | null {
  const ev = analysis.evaluation;
  const op = analysis.operatingPoint;
  if (!ev || !op) return null;
  const { table } = run;
  const refOf = (row: number): DetectionRef => ({ imageIndex: table.detections.imageIndex[row], detIndex: table.detections.detIndex[row] });
  const countsOf = new Map(op.perCategory.map((c) => [c.categoryId, c]));
  const bestF1Of = new Map(ev.curves.thresholds.categories.map((c) => [c.categoryId, c.bestF1Threshold]));
  const laeceOf = new Map((analysis.calibration?.laece0.perClass ?? []).map((c) => [c.categoryId, c.value]));
  const nameOf = new Map(ev.perCategory.map((c) => [c.categoryId, c.name]));
  const classes = ev.perCategory.map((c) => {
    const counts = countsOf.get(c.categoryId);
    return {
      categoryId: c.categoryId, name: c.name, ap: c.ap, ap50: c.ap50, ap75: c.ap75, apSmall: c.apSmall, apMedium: c.apMedium, apLarge: c.apLarge,
      numGt: c.numGt, numDetections: c.numDetections, tp: counts?.tp ?? 0, fp: counts?.fp ?? 0, fn: counts?.fn ?? c.numGt,
      bestF1Threshold: bestF1Of.get(c.categoryId) ?? null, laece0: laeceOf.get(c.categoryId) ?? null,
    };
  });
  const images = op.perImage.map((row): EvaluationImageRow => {
    const w = row.worst;
    let worst: string | null = null;
    let worstRef: DetectionRef | null = null;
    let worstGtId: number | null = null;
    if (w?.kind === 'fp') {
      worst = `${w.error ?? 'FP'}: ${nameOf.get(w.categoryId) ?? w.categoryId} ${w.score.toFixed(2)}`;
      worstRef = refOf(w.ref);
    } else if (w?.kind === 'missed') {
      worst = `Missed: ${nameOf.get(w.categoryId) ?? w.categoryId} (${Math.round(w.area)} px²)`;
      worstGtId = w.gtId;
    }
    return { imageIndex: row.imageIndex, file: table.images.file[row.imageIndex] ?? String(row.imageId), ap50: row.ap50, numGt: row.numGt, tp: row.tp, fp: row.fp, fn: row.fn, worst, worstRef, worstGtId };
  });
  const c = op.confusion;
  const si = analysis.scoreIoU;
  const population = (key: keyof typeof SCORE_IOU_POPULATIONS, value: { n: number; pearson: number | null; spearman: number | null }) =>
    ({ ...SCORE_IOU_POPULATIONS[key], n: value.n, pearson: value.pearson, spearman: value.spearman });
  return {
    runLabel: run.label, runPath: run.sourcePath, model: analysis.source.modelFile, dataset: ev.annotations,
    provider: run.header.provider?.active ?? 'n/a', date: run.header.createdAt ?? '', partial: !run.complete,
    statKeys: ev.statKeys, stats: ev.stats, statLines: formatSummary(ev.stats).split('\n').map((line) => line.trim()),
    classes, pr: ev.curves.pr, thresholds: ev.curves.thresholds,
    tide: { dAP: { ...ev.tide.dAP }, specialDAP: { ...ev.tide.specialDAP }, counts: { ...ev.tide.counts }, ap: ev.tide.ap },
    operatingThreshold: op.threshold, operatingDefinition: op.definition, overall: op.overall,
    confusion: {
      definition: c.definition, iouThreshold: c.iouThreshold, confidenceThreshold: c.confidenceThreshold, labels: c.labels, categoryIds: c.categoryIds, matrix: c.matrix,
      cells: c.cells.map((cell) => ({
        predicted: cell.predicted, actual: cell.actual, refs: cell.detections.slice(0, CELL_LIST_LIMIT).map(refOf),
        groundTruths: cell.groundTruths.slice(0, CELL_LIST_LIMIT).map((g) => ({ imageIndex: g.imageIndex, gtId: g.id })),
      })),
      ignoredByCrowd: c.ignoredByCrowd, unmappedDetections: c.unmappedDetections,
    },
    images, imageRanking: op.rankingDefinition,
    scoreIoU: si ? [population('tp', si.overall.tp), population('iouNet', si.iouNet), population('all', si.overall.all)] : [],
    categoryFilter,
  };
}
