// `gfl-lens analyze`: detection (or a saved run) + COCO evaluation + GFL analytics, summarised on stdout.
import { parseArgs } from 'node:util';
import { analyzeRun, formatAnalysisSummary } from '../core/analytics/analysis.ts';
import { mapClassesToCategories } from '../core/coco/categoryMapping.ts';
import { parseCocoInstances, type CocoDataset } from '../core/coco/cocoLoad.ts';
import type { Run } from '../core/runFormat.ts';
import { readRunFile, writeFileAtomic } from '../io/runFiles.ts';
import type { CliCommand } from './commands.ts';
import { detectOptions, detectToRunFile } from './detectCommand.ts';
import { readTextFile } from '../io/textFiles.ts';

const HELP = `Usage: gfl-lens analyze --model M --coco instances.json --images DIR --out RUN.gflrun [--json] [--analysis FILE]
       gfl-lens analyze --run RUN.gflrun [--coco instances.json] [--json] [--analysis FILE]

Runs the model over a COCO dataset (or loads a saved run), evaluates it as pycocotools does, and prints
AP, TIDE, score-vs-IoU correlations, calibration (LaECE0, LaACE0, D-ECE), edge-distribution statistics and the
most ambiguous boxes. --json prints the summary as one JSON object; --analysis writes the whole analysis.
Detection options of "gfl-lens detect" (--profile, --score-thr, --providers, ...) apply.
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
    let run: Run;
    let dataset: CocoDataset | undefined;
    if (values.run) {
      run = await readRunFile(values.run);
      if (!run.complete) process.stderr.write(`${values.run}: incomplete run (interrupted): analysing the ${run.images.length} images it holds\n`);
    } else {
      if (!values.coco || !values.images || !values.out) throw new Error('--model, --coco, --images and --out are required (or --run RUN)\n' + HELP);
      const result = await detectToRunFile({ ...values, quiet: values.quiet || values.json }, values.out);
      if (result.stopped) return 130;
      run = result.run;
      dataset = result.dataset;
    }
    const annotations = values.coco ?? run.header.dataset.annotations;
    if (!annotations) throw new Error('this run has no COCO ground truth: pass --coco instances.json');
    if (!dataset) dataset = parseCocoInstances(await readTextFile(annotations, 'COCO annotations'), annotations);
    const mapping = mapClassesToCategories(run.header.profile.classNames, dataset.categories);
    if (mapping.problems.length) process.stderr.write(`category mapping: ${mapping.problems.join('; ')}\n`);
    const analysis = analyzeRun(run, dataset, mapping.classToCategory);
    if (values.analysis) await writeFileAtomic(values.analysis, JSON.stringify(analysis));
    process.stdout.write(values.json ? JSON.stringify(summaryObject(analysis)) + '\n' : formatAnalysisSummary(analysis) + '\n');
    return 0;
  },
};

/** The printed summary as data: headline numbers only; the full object goes to --analysis. */
function summaryObject(a: ReturnType<typeof analyzeRun>) {
  const { scoreIoU, calibration, distributionKnows, rescoring, topAmbiguous, edges } = a;
  return {
    source: a.source,
    stats: Object.fromEntries(a.evaluation.statKeys.map((k, i) => [k, a.evaluation.stats[i]])),
    tide: a.evaluation.tide.dAP,
    scoreIoU: { tp: scoreIoU.overall.tp, all: scoreIoU.overall.all },
    calibration: { laece0: calibration.laece0.value, laace0: calibration.laace0.value, laece: calibration.laece, dece: calibration.dece },
    edges: edges && { meanAmbiguity: edges.meanAmbiguity, perEdge: edges.perEdge },
    distributionKnows,
    rescoring,
    topAmbiguous: topAmbiguous.slice(0, 10),
  };
}
