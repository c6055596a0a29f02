// `gfl-lens analyze`: detection (or a saved run) + COCO evaluation + GFL analytics, summarised on stdout.
import { parseArgs } from 'node:util';
import { analysisSummary, formatAnalysisSummary, type GflAnalysis } from '../core/analytics/analysis.ts';
import { SCORE_IOU_POPULATIONS } from '../core/analytics/scoreIoU.ts';
import { analyseOpenedRunInParallel, openRun } from '../io/runAnalysis.ts';
import { analysisJobPool } from '../workers/analysisJobs.ts';
import { writeFileAtomic } from '../io/atomicFile.ts';
import type { CliCommand } from './commands.ts';
import { detectOptions, detectToRunStore } from './detectCommand.ts';

const HELP = `Usage: gfl-lens analyze --model M --coco instances.json --images DIR --out RUN.gflrun [--json] [--analysis FILE]
       gfl-lens analyze --run RUN.gflrun [--coco instances.json] [--json] [--analysis FILE]

Runs the model over a COCO dataset (or loads a saved run), evaluates it as pycocotools does, and prints
AP, TIDE, score-vs-IoU correlations, calibration (LaECE0, LaACE0, D-ECE), edge-distribution statistics and the
most ambiguous boxes. --json prints the summary as one JSON object; --analysis writes the whole analysis
(without its per-detection columns: "gfl-lens report RUN --format parquet" writes those).
Detection options of "gfl-lens detect" (--profile, --score-thr, --providers, --shard, ...) apply.
`;

export const analyzeCommand: CliCommand = {
  summary: 'detect + evaluate + calibration/ambiguity analytics on a COCO dataset',
  async run(argv) {
    const { values } = parseArgs({
      args: argv, allowPositionals: false,
      options: { ...detectOptions, run: { type: 'string' }, json: { type: 'boolean' }, analysis: { type: 'string' } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    let runPath: string;
    let dataset;
    let engineErrors = 0;
    if (values.run) {
      runPath = values.run;
    } else {
      if (!values.coco || !values.images || !values.out) throw new Error('--model, --coco, --images and --out are required (or --run RUN)\n' + HELP);
      const result = await detectToRunStore({ ...values, quiet: values.quiet || values.json }, values.out);
      if (result.stopped) return 130;
      if (result.fatal) return 1;
      runPath = result.path;
      dataset = result.dataset;
      engineErrors = result.engineErrors;
    }
    // The job threads start while the run is read.
    analysisJobPool()?.warm();
    const opened = await openRun(runPath, values.run ? values.coco : undefined, dataset);
    if (!opened.table.complete) process.stderr.write(`${runPath}: incomplete run (interrupted): analysing the ${opened.table.images.count} images it holds\n`);
    if (!opened.groundTruth) throw new Error(`${runPath}: this run has no COCO ground truth: pass --coco instances.json`);
    if (opened.mapping.problems.length) process.stderr.write(`category mapping: ${opened.mapping.problems.join('; ')}\n`);
    // Nothing here reads the distributions after the analysis has: it gives them up as soon as it has read them.
    const analysis = await analyseOpenedRunInParallel(opened, { releaseDistributions: true });
    if (values.analysis) await writeFileAtomic(values.analysis, JSON.stringify(analysisSummary(analysis)));
    process.stdout.write(values.json ? JSON.stringify(analysisHeadline(analysis)) + '\n' : formatAnalysisSummary(analysis) + '\n');
    return engineErrors ? 1 : 0;
  },
};

/** The printed summary as data: headline numbers only; the full object goes to --analysis. */
export function analysisHeadline(a: GflAnalysis) {
  const { scoreIoU, calibration, distributionKnows, rescoring, topAmbiguous, edges, evaluation } = a;
  return {
    source: a.source,
    stats: evaluation ? Object.fromEntries(evaluation.statKeys.map((k, i) => [k, evaluation.stats[i]])) : null,
    tide: evaluation ? evaluation.tide.dAP : null,
    scoreIoU: scoreIoU ? {
      populations: SCORE_IOU_POPULATIONS, tp: scoreIoU.overall.tp, iouNet: scoreIoU.iouNet, all: scoreIoU.overall.all,
    } : null,
    curves: evaluation ? evaluation.curves : null,
    operatingPoint: a.operatingPoint,
    calibration: calibration ? { laece0: calibration.laece0.value, laace0: calibration.laace0.value, laece: calibration.laece, dece: calibration.dece } : null,
    edges: edges && { meanAmbiguity: edges.meanAmbiguity, perEdge: edges.perEdge },
    distributionKnows,
    rescoring,
    topAmbiguous: topAmbiguous.slice(0, 10),
  };
}
