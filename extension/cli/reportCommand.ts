// `gfl-lens report`: export a run as a self-contained HTML report, a Markdown summary (with SVG charts beside
// it), the report JSON, a per-detection CSV, or the standard COCO results list.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportReport, isReportFormat, REPORT_FORMATS, type ReportFormat } from '../report/exportReport.ts';
import type { CliCommand } from './commands.ts';

const HELP = `Usage: gfl-lens report RUN.gflrun --format ${REPORT_FORMATS.join('|')} --out FILE [--gt instances.json] [--quiet]

  --format F  html  one self-contained file (plots, crops), opens offline
              md    Markdown summary for a pull request; SVG charts are written beside it
              json  the whole report object (schema: media/schema/gfl-lens-report.schema.json)
              csv   one row per detection with match, error type and edge statistics
              coco  the standard COCO results list
              parquet  the detection table with analysis columns and the four DFL distributions (pandas, polars, DuckDB)
              (default: from the --out extension .html, .md, .json, .csv)
  --gt FILE   evaluate against this COCO instances file instead of the one the run names
`;

const reportOptions = {
  format: { type: 'string' },
  out: { type: 'string' },
  gt: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMAT_BY_EXTENSION: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.md': 'md', '.json': 'json', '.csv': 'csv', '.parquet': 'parquet' };

export const reportCommand: CliCommand = {
  summary: 'export a run as HTML, Markdown, JSON, CSV, COCO results or Parquet',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: reportOptions, allowPositionals: true });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new Error(`give exactly one run file\n${HELP}`);
    if (!values.out) throw new Error(`--out FILE is required\n${HELP}`);
    const format = values.format ?? FORMAT_BY_EXTENSION[path.extname(values.out).toLowerCase()];
    if (!format) throw new Error(`--format is required (cannot tell it from "${values.out}")\n${HELP}`);
    if (!isReportFormat(format)) throw new Error(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${format}"`);

    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    const started = performance.now();
    try {
      const result = await exportReport({
        runPath: positionals[0], format, outPath: values.out, annotationsPath: values.gt, signal: controller.signal,
        onProgress: values.quiet || !process.stderr.isTTY ? undefined : (p) => process.stderr.write(`\r${p.message}\x1b[K`),
      });
      if (!values.quiet) {
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stderr.write(`wrote ${result.files.join(', ')} (${(result.bytes / 1024).toFixed(0)} KiB) in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
      }
      return 0;
    } catch (error) {
      if (controller.signal.aborted) {
        process.stderr.write('\ninterrupted: nothing written\n');
        return 130;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
