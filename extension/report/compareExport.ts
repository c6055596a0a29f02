// Writes a comparison (core/analytics/compare.ts) as an HTML or Markdown report (SVG histograms beside the .md) or as
// JSON, each file atomically.
import crypto from 'node:crypto';
import path from 'node:path';
import type { RunComparison } from '../core/analytics/compare.ts';
import { buildCompareHtml, buildCompareMarkdown } from '../core/report/compareReport.ts';
import { writeFileAtomic } from '../io/atomicFile.ts';

export type CompareReportFormat = 'html' | 'md' | 'json';

const sha256Base64 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('base64');

/** The report format an output path names (.html/.htm, .md, .json), or undefined. */
export function compareFormatOf(file: string): CompareReportFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return ext === '.html' || ext === '.htm' ? 'html' : ext === '.md' ? 'md' : ext === '.json' ? 'json' : undefined;
}

/** Writes the report; returns the files written. */
export async function writeComparisonReport(comparison: RunComparison, outPath: string, format = compareFormatOf(outPath)): Promise<string[]> {
  if (!format) throw new Error(`${outPath}: cannot tell the report format from the extension (use .html, .md or .json)`);
  if (format === 'json') {
    await writeFileAtomic(outPath, JSON.stringify(comparison, null, 1));
    return [outPath];
  }
  if (format === 'html') {
    await writeFileAtomic(outPath, buildCompareHtml(comparison, sha256Base64));
    return [outPath];
  }
  const prefix = path.basename(outPath, path.extname(outPath));
  const { markdown, charts } = buildCompareMarkdown(comparison, prefix);
  const written: string[] = [];
  for (const chart of charts) {
    const file = path.join(path.dirname(outPath), chart.name);
    await writeFileAtomic(file, chart.svg);
    written.push(file);
  }
  await writeFileAtomic(outPath, markdown);
  return [outPath, ...written];
}
