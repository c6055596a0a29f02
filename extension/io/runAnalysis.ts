// Opening a run for analysis on the host side: the run (a v2 store, a v1 file, or a COCO results list with its
// instances file), its ground truth, the class → category mapping, and the one analysis. The CLI, the report export
// and the editor's analysis worker all come through here, so they analyse the same way.
import fs from 'node:fs';
import { analyzeRun, analyzeRunSteps, type AnalysisStep, type AnalyzeOptions, type AnalyzeRunOptions, type GflAnalysis } from '../core/analytics/analysis.ts';
import { runAnalysisJob, type AnalysisJobResult } from '../core/analytics/analysisJobs.ts';
import { mapClassesToCategories, type CategoryMapping } from '../core/coco/categoryMapping.ts';
import { parseCocoInstances, parseCocoResults, type CocoDataset } from '../core/coco/cocoLoad.ts';
import { runTableFromCocoResults, type RunTable } from '../core/runTable.ts';
import { readRun } from './runStore.ts';
import { readTextFile } from './textFiles.ts';
import { analysisJobPool, type AnalysisJobPool } from '../workers/analysisJobs.ts';

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

/** The one analysis of an opened run, computed in this thread. */
export function analyseOpenedRun(run: OpenedRun, options: Partial<AnalyzeOptions> = {}): GflAnalysis {
  const analysis = analyzeRun(run.table, ...analysisInputs(run, options));
  analysis.notes.unshift(...run.notes);
  return analysis;
}

/**
 * The same analysis with its independent jobs (TIDE, rescoring) on worker threads while the rest goes on here:
 * the same numbers as analyseOpenedRun, sooner where there is a spare core. `jobs` null runs them in place.
 */
export async function analyseOpenedRunInParallel(run: OpenedRun, options: Omit<AnalyzeRunOptions, 'categoryProblems'> = {}, jobs: AnalysisJobPool | null = analysisJobPool()): Promise<GflAnalysis> {
  const steps = analyzeRunSteps(run.table, ...analysisInputs(run, options));
  const running = new Map<number, Promise<AnalysisJobResult>>();
  // Without workers a job runs where its result is needed, as analyzeRun runs it.
  const inPlace = new Map<number, Extract<AnalysisStep, { start: unknown }>>();
  let step = steps.next();
  while (!step.done) {
    const request = step.value;
    if ('start' in request) {
      if (jobs) {
        const result = jobs.run(request.start);
        // Awaited below; until then a failure must not count as unhandled.
        result.catch(() => undefined);
        running.set(request.id, result);
        // The request reaches the worker through a few promise steps: let them run before the analysis takes the
        // thread again, or the job would wait for the next await.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        inPlace.set(request.id, request);
      }
      step = steps.next();
    } else {
      const job = inPlace.get(request.wait);
      const result = job ? runAnalysisJob(job.start) : await running.get(request.wait)!;
      running.delete(request.wait);
      inPlace.delete(request.wait);
      step = steps.next(result);
    }
  }
  const analysis = step.value;
  analysis.notes.unshift(...run.notes);
  return analysis;
}

function analysisInputs(run: OpenedRun, options: Omit<AnalyzeRunOptions, 'categoryProblems'>): [Parameters<typeof analyzeRun>[1], Parameters<typeof analyzeRun>[2], AnalyzeRunOptions] {
  return [run.groundTruth && { ...run.groundTruth, name: run.annotationsPath ?? undefined }, run.mapping.classToCategory, { ...options, categoryProblems: run.mapping.problems }];
}
