// The parts of the analysis that need nothing from the rest of it once started: TIDE (its own matching and eight
// oracle-fixed mAPs), the calibration's matching at its own IoU thresholds, and the what-if rescoring (voting plus two
// more COCO evaluations). analyzeRunSteps hands them
// out as jobs; a caller with spare cores runs them on worker threads while the analysis goes on (workers/analysisJobs.ts),
// and analyzeRun runs them in place. Either way the same function computes them from the same inputs, so the numbers
// do not depend on where a job ran.
//
// A job's inputs are typed arrays (sent to a worker without a per-object copy); the ground truth travels as columns
// (TIDE and COCOeval read those columns as they would the objects, in the same order).

import { COCO_STAT_KEYS, evaluateCoco, type CocoGroundTruthColumns } from '../coco/cocoEval.ts';
import { tideErrors, type MatchingResultColumns, type TideResult } from '../coco/matching.ts';
import { compareRescoringColumns, type RescoringAnalysis, type RescoringColumns, type RescoringOptions } from './rescoring.ts';
import { matchColumnsAtThresholds, type ThresholdMatches } from './thresholdMatching.ts';

export interface TideJob {
  kind: 'tide';
  groundTruth: CocoGroundTruthColumns;
  results: MatchingResultColumns;
  /** denseScoreRanks of the results' scores, when the analysis has them. */
  scoreRanks?: Int32Array;
}

export interface RescoringJob {
  kind: 'rescoring';
  groundTruth: CocoGroundTruthColumns;
  detections: RescoringColumns;
  options: Partial<RescoringOptions>;
  /** The 12 stats of the detections as they are (the deltas' baseline). */
  baseline: number[];
}

/**
 * COCOeval's greedy matching at thresholds of its own (LaECE's τ = 0 and τ), from the ground truth and results alone:
 * each result's matched IoU (0 when unmatched) and ignored flag (matchedGt is left empty: the analysis reads neither).
 */
export interface ThresholdMatchingJob {
  kind: 'thresholdMatching';
  groundTruth: CocoGroundTruthColumns;
  results: MatchingResultColumns;
  taus: number[];
}

export type AnalysisJob = TideJob | RescoringJob | ThresholdMatchingJob;

export interface AnalysisJobResults {
  tide: TideResult;
  rescoring: RescoringAnalysis;
  thresholdMatching: ThresholdMatches[];
}

export type AnalysisJobResult = AnalysisJobResults[AnalysisJob['kind']];

/** Runs one job to its result (the analysis' in-place driver and the job worker both call this). */
export function runAnalysisJob(job: AnalysisJob): AnalysisJobResult {
  switch (job.kind) {
    // TIDE and COCOeval read the columns as they are: a worker builds no object per annotation.
    case 'tide':
      return tideErrors(job.groundTruth, job.results, { scoreRanks: job.scoreRanks });
    case 'thresholdMatching': {
      const gt = job.groundTruth;
      return matchColumnsAtThresholds({ count: gt.annotationId.length, imageId: gt.imageId, categoryId: gt.categoryId, bbox: gt.bbox, crowd: gt.crowd }, job.results, job.taus, 100, false);
    }
    case 'rescoring': {
      const gt = job.groundTruth;
      return compareRescoringColumns(job.detections, (r) => evaluateCoco(gt, r, { outcomeThresholds: [], statsOnly: true }).stats, COCO_STAT_KEYS, job.options, job.baseline);
    }
  }
}
