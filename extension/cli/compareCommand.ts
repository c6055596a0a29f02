// `gfl-lens compare RUN_A RUN_B`: two runs on the same dataset, paired by image and ground truth (core/analytics/compare.ts).
import { parseArgs } from 'node:util';
import { formatComparisonSummary } from '../core/analytics/compare.ts';
import { DEFAULT_BOOTSTRAP } from '../core/analytics/statistics.ts';
import { DEFAULT_OPERATING_THRESHOLD } from '../core/operatingPoint.ts';
import { compareRunFiles } from '../io/runComparison.ts';
import { compareFormatOf, writeComparisonReport } from '../report/compareExport.ts';
import type { CliCommand } from './commands.ts';

const HELP = `Usage: gfl-lens compare RUN_A RUN_B [--annotations instances.json] [--json] [--out report.html|.md|.json]
                        [--threshold ${DEFAULT_OPERATING_THRESHOLD}] [--seed N] [--resamples N]

Compares two runs on the same dataset: Δ of the 12 COCO stats, Δ AP per class (largest drop first), Δ TIDE dAP,
per-GT flips at IoU 0.5 and the operating threshold (found by A only, by B only, largest localisation changes),
new and vanished confident false positives, score and IoU shift on matched pairs, calibration Δ (LaECE0, LaACE0,
D-ECE, score-IoU correlations) with bootstrap intervals paired by image, and the change of the DFL distributions.

  RUN_A, RUN_B     run stores (RUN.gflrun folders or version-1 files) or COCO results JSON files
  --annotations F  COCO instances file for both runs (required for results files; otherwise each run's own)
  --threshold T    operating threshold in [0, 1] for flips and confident false positives (default ${DEFAULT_OPERATING_THRESHOLD}, Ultralytics' conf)
  --json           print the whole comparison as one JSON object instead of the summary
  --out FILE       also write a report: .html (self-contained), .md (SVG histograms beside it) or .json
  --seed N         bootstrap seed (default ${DEFAULT_BOOTSTRAP.seed}); --resamples N (default ${DEFAULT_BOOTSTRAP.resamples})

Both runs must be evaluated against the same ground truth (compared by hash); when one covers a subset of the
other's images, both are compared on the common images and the output says so.
`;

const compareOptions = {
  annotations: { type: 'string' },
  coco: { type: 'string' },
  threshold: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  seed: { type: 'string' },
  resamples: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function numberFlag(name: string, text: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${text}"`);
  }
  return value;
}

export const compareCommand: CliCommand = {
  summary: 'compare two runs on the same dataset: Δ metrics, per-GT flips, score shift, calibration Δ',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: compareOptions, allowPositionals: true });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 2) throw new Error(`give exactly two runs (RUN_A RUN_B), got ${positionals.length}\n${HELP}`);
    if (values.out && !compareFormatOf(values.out)) throw new Error(`--out ${values.out}: use a .html, .md or .json file name`);
    const operatingThreshold = numberFlag('threshold', values.threshold, 0, 1, false) ?? DEFAULT_OPERATING_THRESHOLD;
    const seed = numberFlag('seed', values.seed, -(2 ** 31), 2 ** 31 - 1, true) ?? DEFAULT_BOOTSTRAP.seed;
    const resamples = numberFlag('resamples', values.resamples, 0, 100_000, true) ?? DEFAULT_BOOTSTRAP.resamples;
    const started = performance.now();
    const { comparison } = await compareRunFiles(positionals[0], positionals[1], values.annotations ?? values.coco, {
      operatingThreshold, bootstrap: { ...DEFAULT_BOOTSTRAP, seed, resamples },
    });
    if (values.json) process.stdout.write(JSON.stringify(comparison) + '\n');
    else process.stdout.write(formatComparisonSummary(comparison) + '\n');
    if (values.out) {
      const files = await writeComparisonReport(comparison, values.out);
      if (!values.quiet) process.stderr.write(`wrote ${files.join(', ')}\n`);
    }
    if (!values.quiet) process.stderr.write(`compared in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
    return 0;
  },
};
