// `gfl-lens demo`: the whole pipeline on the built-in demo, with nothing from outside the repository:
// generate the procedural dataset (if absent) → run the demo model → evaluate + analyse → write reports.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatAnalysisSummary } from '../core/analytics/analysis.ts';
import { DEMO_GENERATOR_VERSION } from '../core/demo/cocoDemo.ts';
import { DEMO_DATASET_SEED, generateDemoDataset } from '../demo/generateDataset.ts';
import { analyseOpenedRunInParallel, openRun } from '../io/runAnalysis.ts';
import { analysisJobPool } from '../workers/analysisJobs.ts';
import { exportReport } from '../report/exportReport.ts';
import type { CliCommand } from './commands.ts';
import { detectToRunStore } from './detectCommand.ts';

const HELP = `Usage: gfl-lens demo [--out DIR] [--images N] [--model M]

Generates the demo dataset's validation split (seed ${DEMO_DATASET_SEED}, N images, default 100) into DIR/dataset
unless it is already there, runs the built-in demo model (media/demo/gfl-demo.onnx) over it, prints the
analysis summary, and writes DIR/demo.gflrun, DIR/report.html and DIR/report.md. DIR defaults to .gfl-lens/demo.
`;

/** The extension's root folder (holding package.json), both from the bundle in dist/ and from sources. */
export function extensionRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const demoCommand: CliCommand = {
  summary: 'run the built-in demo model on the generated demo dataset and write a report',
  async run(argv) {
    const { values } = parseArgs({
      args: argv, allowPositionals: false,
      options: { out: { type: 'string' }, images: { type: 'string' }, model: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const out = path.resolve(values.out ?? path.join('.gfl-lens', 'demo'));
    const count = values.images === undefined ? 100 : Number(values.images);
    if (!Number.isInteger(count) || count < 1 || count > 5000) throw new Error(`--images must be an integer in [1, 5000], got "${values.images}"`);
    const model = values.model ?? path.join(extensionRoot(), 'media', 'demo', 'gfl-demo.onnx');
    if (!fs.existsSync(model)) throw new Error(`${model}: the demo model is missing (retrain it: see media/demo/MODEL_CARD.md)`);

    const datasetDir = path.join(out, 'dataset');
    const annotations = path.join(datasetDir, 'val', 'instances_val.json');
    const imagesDir = path.join(datasetDir, 'val', 'images');
    const stamp = path.join(datasetDir, 'val', '.complete');
    // The stamp records the generator and its settings: a newer generator, a different count (or an interrupted
    // generation) regenerates.
    const wanted = JSON.stringify({ generator: DEMO_GENERATOR_VERSION, seed: DEMO_DATASET_SEED, val: count });
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== wanted) {
      process.stderr.write(`generating the demo dataset (${count} validation images) in ${datasetDir}\n`);
      fs.rmSync(path.join(datasetDir, 'val'), { recursive: true, force: true });
      await generateDemoDataset({ outDir: datasetDir, seed: DEMO_DATASET_SEED, counts: { val: count } });
      fs.writeFileSync(stamp, wanted);
    }

    const runPath = path.join(out, 'demo.gflrun');
    const result = await detectToRunStore({ model, coco: annotations, images: imagesDir }, runPath);
    if (result.stopped) return 130;
    if (result.fatal) return 1;
    analysisJobPool()?.warm();
    const opened = await openRun(result.path, undefined, result.dataset);
    if (opened.mapping.problems.length) process.stderr.write(`category mapping: ${opened.mapping.problems.join('; ')}\n`);
    const analysis = await analyseOpenedRunInParallel(opened);
    process.stdout.write(formatAnalysisSummary(analysis) + '\n');
    for (const format of ['html', 'md'] as const) {
      const outPath = path.join(out, `report.${format}`);
      await exportReport({ opened, format, outPath, analysis });
      process.stdout.write(`wrote ${outPath}\n`);
    }
    return 0;
  },
};
