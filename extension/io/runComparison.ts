// Comparing two runs on the host side: open both (run stores, v1 run files, or COCO results lists with their
// instances file, as `analyze --run` accepts them), hash their ground truth, restrict both to the common images when
// one covers a subset, analyse, and compare (core/analytics/compare.ts). The CLI and the editor's analysis worker
// both come through here.
import crypto from 'node:crypto';
import { analyzeRun, type GflAnalysis } from '../core/analytics/analysis.ts';
import { checkSameDataset, compareRuns, groundTruthCanonicalText, restrictRunTable, type CompareOptions, type CompareRunInput, type RunComparison } from '../core/analytics/compare.ts';
import type { CocoDataset } from '../core/coco/cocoLoad.ts';
import { analyseOpenedRun, loadGroundTruth, openResults, openRun, type OpenedRun } from './runAnalysis.ts';
import { looksLikeResultsList } from '../state/runLoader.ts';

/** SHA-256 of the ground truth's canonical text (ids, boxes, labels; not key order or whitespace). */
export function groundTruthHash(gt: CocoDataset): string {
  return crypto.createHash('sha256').update(groundTruthCanonicalText(gt)).digest('hex');
}

/**
 * Opens one side of a comparison: a run store (or v1 run file) with its own ground truth (or `annotations`), or a
 * COCO results list, which needs `annotations`.
 */
export async function openForComparison(file: string, annotations: string | undefined, groundTruth?: CocoDataset): Promise<OpenedRun> {
  if (file.toLowerCase().endsWith('.json') && await looksLikeResultsList(file)) {
    if (!annotations) throw new Error(`${file} is a COCO results list: pass its instances file with --annotations`);
    return openResults(file, annotations, null, groundTruth);
  }
  return openRun(file, annotations, groundTruth);
}

export interface ComparisonSide {
  opened: OpenedRun;
  /** Its analysis, when already computed (the editor's loaded run): reused unless the comparison needs a subset. */
  analysis?: GflAnalysis;
  label?: string;
}

const labelOf = (run: OpenedRun) => (run.kind === 'results' ? `${run.sourcePath.split(/[\\/]/).pop()} (COCO results)` : run.table.header.model.fileName);

function input(side: ComparisonSide, analysis: GflAnalysis, hash: string, table = side.opened.table): CompareRunInput {
  const run = side.opened;
  return {
    label: side.label ?? labelOf(run), sourcePath: run.sourcePath, table, analysis, groundTruth: run.groundTruth!,
    annotationsPath: run.annotationsPath, groundTruthHash: hash,
  };
}

/** Compares two opened runs; refuses runs without ground truth or on different datasets with a message naming both. */
export function compareOpenedRuns(a: ComparisonSide, b: ComparisonSide, options: Partial<CompareOptions> = {}): RunComparison {
  for (const [side, name] of [[a, 'A'], [b, 'B']] as const) {
    if (!side.opened.groundTruth) throw new Error(`cannot compare: run ${name} (${side.opened.sourcePath}) has no ground truth: pass the COCO instances file with --annotations`);
  }
  const hashA = groundTruthHash(a.opened.groundTruth!);
  const hashB = a.opened.groundTruth === b.opened.groundTruth ? hashA : groundTruthHash(b.opened.groundTruth!);
  // Only the cheap part of the analysis is needed (evaluation and per-detection rows): the comparison bootstraps itself.
  const analyse = (side: ComparisonSide, table = side.opened.table) => (table === side.opened.table && side.analysis ? side.analysis
    : analyzeRun(table, { ...side.opened.groundTruth!, name: side.opened.annotationsPath ?? undefined }, side.opened.mapping.classToCategory,
      { detail: 'summary', categoryProblems: side.opened.mapping.problems }));
  // The identity check needs no analysis: a placeholder until the image sets are known.
  const check = checkSameDataset(input(a, undefined as never, hashA), input(b, undefined as never, hashB));
  if (!check.subsetNote) {
    const analysisA = a.analysis ?? analyseOpenedRun(a.opened, { detail: 'summary' });
    const analysisB = b.analysis ?? analyseOpenedRun(b.opened, { detail: 'summary' });
    return compareRuns(input(a, analysisA, hashA), input(b, analysisB, hashB), options, check);
  }
  const common = new Set(check.commonImageIds);
  const tableA = a.opened.table.images.count === common.size ? a.opened.table : restrictRunTable(a.opened.table, common);
  const tableB = b.opened.table.images.count === common.size ? b.opened.table : restrictRunTable(b.opened.table, common);
  return compareRuns(input(a, analyse(a, tableA), hashA, tableA), input(b, analyse(b, tableB), hashB, tableB), options, check);
}

/** Opens and compares two runs given by path (the CLI); one instances file, when given, serves both. */
export async function compareRunFiles(fileA: string, fileB: string, annotations: string | undefined, options: Partial<CompareOptions> = {}): Promise<{ comparison: RunComparison; a: OpenedRun; b: OpenedRun }> {
  const groundTruth = annotations ? await loadGroundTruth(annotations) : undefined;
  const a = await openForComparison(fileA, annotations, groundTruth);
  const b = await openForComparison(fileB, annotations, groundTruth);
  return { comparison: compareOpenedRuns({ opened: a }, { opened: b }, options), a, b };
}
