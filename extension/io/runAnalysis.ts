// Opening a run for analysis on the host side: the run (a v2 store, a v1 file, or a COCO results list with its
// instances file), its ground truth, the class → category mapping, and the one analysis. The CLI, the report export
// and the editor's analysis worker all come through here, so they analyse the same way.
import fs from 'node:fs';
import { analyzeRun, type AnalyzeOptions, type GflAnalysis } from '../core/analytics/analysis.ts';
import { mapClassesToCategories, type CategoryMapping } from '../core/coco/categoryMapping.ts';
import { parseCocoInstances, parseCocoResults, type CocoDataset } from '../core/coco/cocoLoad.ts';
import { runTableFromCocoResults, type RunTable } from '../core/runTable.ts';
import { readRun } from './runStore.ts';
import { readTextFile } from './textFiles.ts';

export interface OpenedRun {
  /** The run store, run file or results file it came from. */
  sourcePath: string;
  kind: 'run' | 'results';
  table: RunTable;
  groundTruth: CocoDataset | null;
  /** The instances file the ground truth came from. */
  annotationsPath: string | null;
  mapping: CategoryMapping;
  /** Why there is no ground truth, or other facts a user should see once. */
  notes: string[];
}

export async function loadGroundTruth(annotations: string): Promise<CocoDataset> {
  return parseCocoInstances(await readTextFile(annotations, 'COCO annotations'), annotations);
}

/** Opens a run; its ground truth is `annotationsPath`, else the instances file its header names (when it exists). */
export async function openRun(runPath: string, annotationsPath?: string, loadedGroundTruth?: CocoDataset): Promise<OpenedRun> {
  const table = await readRun(runPath);
  const notes: string[] = [];
  const annotations = annotationsPath ?? table.header.dataset.annotations ?? null;
  let groundTruth: CocoDataset | null = loadedGroundTruth ?? null;
  if (!groundTruth && annotations) {
    if (annotationsPath || fs.existsSync(annotations)) groundTruth = await loadGroundTruth(annotations);
    else notes.push(`ground truth ${annotations} not found: no TP/FP, calibration or failures`);
  }
  if (!table.complete) notes.push('incomplete run (interrupted or still running): analysing the images it holds');
  const mapping = mapClassesToCategories(table.header.profile.classNames, groundTruth?.categories);
  return { sourcePath: runPath, kind: 'run', table, groundTruth, annotationsPath: groundTruth ? annotations : null, mapping, notes };
}

/** Opens a COCO results list against its instances file as a run without distributions. */
export async function openResults(resultsPath: string, annotationsPath: string, imagesDir: string | null, loadedGroundTruth?: CocoDataset): Promise<OpenedRun> {
  const groundTruth = loadedGroundTruth ?? await loadGroundTruth(annotationsPath);
  const results = parseCocoResults(await readTextFile(resultsPath, 'COCO results'), resultsPath, groundTruth);
  const table = runTableFromCocoResults(resultsPath, results, groundTruth, imagesDir);
  table.header.dataset.annotations = annotationsPath;
  const mapping = { classToCategory: groundTruth.categories.map((c) => c.id), problems: [] };
  return { sourcePath: resultsPath, kind: 'results', table, groundTruth, annotationsPath, mapping, notes: [] };
}

/** The one analysis of an opened run. */
export function analyseOpenedRun(run: OpenedRun, options: Partial<AnalyzeOptions> = {}): GflAnalysis {
  const analysis = analyzeRun(run.table, run.groundTruth && { ...run.groundTruth, name: run.annotationsPath ?? undefined }, run.mapping.classToCategory,
    { ...options, categoryProblems: run.mapping.problems });
  analysis.notes.unshift(...run.notes);
  return analysis;
}
