// `gfl-lens eval`: COCO bbox evaluation of a results file against an instances file, printed as pycocotools'
// 12-line summary (or JSON with per-category AP and the TIDE error breakdown).
import { parseArgs } from 'node:util';
import { COCO_STAT_KEYS, evaluateCoco, formatSummary } from '../core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../core/coco/cocoLoad.ts';
import { matchDetections } from '../core/coco/matching.ts';
import { evaluationCurves } from '../core/analytics/evaluationCurves.ts';
import { evaluateOperatingPoint, scoredDetectionsOfResults } from '../core/analytics/operatingPointEvaluation.ts';
import { DEFAULT_OPERATING_THRESHOLD } from '../core/operatingPoint.ts';
import type { CliCommand } from './commands.ts';
import { readTextFileSync } from '../io/textFiles.ts';

const HELP = `Usage: gfl-lens eval --gt instances.json --dt results.json [--json] [--operating-threshold T]

  --gt FILE   COCO instances JSON (images, annotations, categories)
  --dt FILE   COCO results JSON ([{image_id, category_id, bbox, score}, ...])
  --json      print {"stats": [12 numbers], "perCategory": [...], "tide": {...}, "curves": {...}, "operatingPoint": {...}}
              instead of the summary: curves = PR curves (pycocotools' precision array) and Ultralytics' P/R/F1 vs
              confidence with the max-F1 confidence; operatingPoint = TP/FP/FN, per-image table (worst first) and the
              Ultralytics-style confusion matrix at the operating threshold
  --operating-threshold T   score above which the operating point counts (default ${DEFAULT_OPERATING_THRESHOLD}, Ultralytics' conf)
`;

const evalOptions = {
  gt: { type: 'string' },
  dt: { type: 'string' },
  json: { type: 'boolean' },
  'operating-threshold': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const evalCommand: CliCommand = {
  summary: 'COCO bbox evaluation (pycocotools numbers) with TIDE error breakdown',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: evalOptions, allowPositionals: false });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.gt || !values.dt) throw new Error('--gt and --dt are required\n' + HELP);
    const gt = parseCocoInstances(readTextFileSync(values.gt, 'ground truth file'), values.gt);
    if (gt.imageInfoOnly) throw new Error(`${values.gt}: has no "annotations" (an image_info file): there is no ground truth to evaluate against`);
    const warnings = [...gt.warnings];
    const dets = parseCocoResults(readTextFileSync(values.dt, 'results file'), values.dt, gt, warnings);
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    const evaluation = evaluateCoco(gt, dets);
    if (!values.json) {
      process.stdout.write(`${formatSummary(evaluation.stats)}\n`);
      return 0;
    }
    const matching = matchDetections(gt, dets, evaluation);
    const thresholdText = values['operating-threshold'];
    const threshold = thresholdText === undefined ? DEFAULT_OPERATING_THRESHOLD : Number(thresholdText);
    if (!(Number.isFinite(threshold) && threshold >= 0 && threshold <= 1)) throw new Error(`--operating-threshold ${thresholdText}: expected a number from 0 to 1`);
    const images = gt.images.map((image) => ({ id: image.id }));
    const operatingPoint = evaluateOperatingPoint(scoredDetectionsOfResults(dets, evaluation, matching.matches, images), images, gt, threshold);
    const report = {
      stats: evaluation.stats,
      statKeys: COCO_STAT_KEYS,
      perCategory: evaluation.perCategory,
      tide: { ...matching.tide, missedGtIds: matching.missedGtIds },
      confusion: matching.confusion,
      curves: evaluationCurves(evaluation, dets.map((d) => d.score), dets.map((d) => d.category_id)),
      operatingPoint,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  },
};
