// Worker-thread entry (built to dist/analysisWorker.js): loads runs, analyses them and exports reports off the
// extension host's event loop. It owns the run with its distributions; the host receives the run's columns without
// distributions plus the analysis, and asks for one image's detections (with distributions) when the inspector
// shows it. A dataset run streaming in is appended here batch by batch.
import { parentPort } from 'node:worker_threads';
import { operatingPointOfRun, type GflAnalysis } from '../core/analytics/analysis.ts';
import { queryAmbiguous, type AmbiguityQuery } from '../core/analytics/ambiguityQuery.ts';
import { FailureContextIndex, failureContextsFor, runImageFailureContexts, type FailureContext } from '../core/analytics/failureContext.ts';
import { DEFAULT_OPERATING_THRESHOLD } from '../core/operatingPoint.ts';
import { mapClassesToCategories } from '../core/coco/categoryMapping.ts';
import type { CocoAnnotation } from '../core/coco/cocoLoad.ts';
import type { RunErrorRecord, RunFooter, RunHeader, RunImageRecord } from '../core/runFormat.ts';
import { imageIndexById, imageRecordAt, RunTableBuilder, storedBins, type RunTable } from '../core/runTable.ts';
import { analyseOpenedRunInParallel, loadGroundTruth, openResults, openRun, type OpenedRun } from '../io/runAnalysis.ts';
import { analysisJobPool } from '../workers/analysisJobs.ts';
import { compareOpenedRuns } from '../io/runComparison.ts';
import { exportReport, type ExportProgress, type ReportFormat } from '../report/exportReport.ts';
import type { PersistedRunRef } from './runLoader.ts';
import { runLabel, type LoadedRun } from './runModel.ts';
import { groupFailures, type FailureGroup, type FailureQuery } from '../views/failureGroups.ts';

export type AnalysisRequest =
  | { id: number; kind: 'open'; ref: PersistedRunRef; failureQuery: FailureQuery }
  | { id: number; kind: 'begin'; header: RunHeader; sourcePath: string; annotations: string | null }
  | { id: number; kind: 'append'; images: RunImageRecord[]; errors: RunErrorRecord[]; final: { sourcePath: string; complete: boolean; footer?: RunFooter } | null; failureQuery: FailureQuery }
  | { id: number; kind: 'failures'; failureQuery: FailureQuery }
  | { id: number; kind: 'ambiguous'; query: AmbiguityQuery }
  | { id: number; kind: 'image'; imageIndex: number }
  | { id: number; kind: 'export'; format: ReportFormat; outPath: string; plotlyBundlePath?: string }
  | { id: number; kind: 'cancel'; target: number }
  /** Sets the operating threshold and returns the loaded run's operating point at it (null: no run or no ground truth). */
  | { id: number; kind: 'operatingPoint'; threshold: number }
  | { id: number; kind: 'compare'; other: PersistedRunRef; operatingThreshold: number }
  | { id: number; kind: 'compareImage'; imageId: number };

/** What the host receives for a run: its columns without distributions, and the analysis. */
/** The Failures sidebar's listing: the groups and what each listed failure relates to. */
export interface FailureListing {
  /** The groups (each with its most severe items), computed here so the host only renders. */
  failures: FailureGroup[];
  /** What each listed failure relates to (failureContext.ts): FailureContextIndex's JSON, keyed by
   *  detectionContextKey / missedContextKey (one string: cheap for the host to receive). */
  failureContextsJson: string;
}

export interface RunSnapshotData extends FailureListing {
  run: LoadedRun;
  analysis: GflAnalysis;
}

/** The answer to 'open' after its summary: everything but the run's columns and the rows, which the summary carried. */
export interface FullAfterSummary extends FailureListing {
  afterSummary: true;
  analysis: Omit<GflAnalysis, 'rows'>;
}

export interface ImageDetails {
  record: RunImageRecord;
  groundTruth: CocoAnnotation[] | null;
  /** What each failure of the image relates to: per detection (by detIndex) and per missed ground truth; null without ground truth. */
  failureContexts: { detections: (FailureContext | null)[]; missed: [number, FailureContext][] } | null;
}

/** One image of both compared runs (A: the loaded run, B: the run compared with), each with distributions. */
export interface ComparedImageDetails {
  imageId: number;
  a: RunImageRecord;
  b: RunImageRecord;
  groundTruth: CocoAnnotation[];
  sides: { a: ComparedSideInfo; b: ComparedSideInfo };
}

/** What the A/B view needs to know about one compared run to label and pair its boxes. */
export interface ComparedSideInfo {
  label: string;
  regMax: number;
  classNames: string[];
  /** Dataset category id of each model class (null: none), to pair boxes with same-class ground truth. */
  classToCategory: (number | null)[];
  hasDistributions: boolean;
}

function sideInfo(run: OpenedRun): ComparedSideInfo {
  const h = run.table.header;
  return {
    label: run.kind === 'results' ? `${run.sourcePath.split(/[\\/]/).pop()} (COCO results)` : h.model.fileName,
    regMax: h.head.regMax, classNames: h.profile.classNames, classToCategory: run.mapping.classToCategory, hasDistributions: h.head.hasDistributions,
  };
}

export type AnalysisReply =
  | { id: number; partial: RunSnapshotData }
  | { id: number; progress: ExportProgress }
  | { id: number; result: unknown }
  | { id: number; error: string };

let opened: OpenedRun | undefined;
let analysis: GflAnalysis | undefined;
let streaming: { builder: RunTableBuilder; header: RunHeader; sourcePath: string } | undefined;
const cancels = new Map<number, AbortController>();
/** Ground-truth boxes by id of the opened run (the Ambiguity view's GT edge marks), built on first use. */
let gtBoxes: { annotations: readonly CocoAnnotation[]; byId: Map<number, readonly number[]> } | undefined;
/** The session's operating threshold: every analysis here counts its operating point at it. */
let operatingThreshold = DEFAULT_OPERATING_THRESHOLD;
/** The run the loaded one was last compared with (kept for the A/B view's per-image requests). */
let compared: OpenedRun | undefined;
let comparedKey: string | undefined;
let comparedAnalysis: GflAnalysis | undefined;

/** How long the worker waits after posting a summary (see 'open'): a fraction of the full analysis' seconds. */
const HOST_RECEIVE_PAUSE_MS = 100;

type Typed = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;

/** A copy of every typed-array field of `object` (one level deep): the copies can be transferred to the host. */
function copyArrays<T extends object>(object: T): T {
  const copy = { ...object } as Record<string, unknown>;
  for (const [key, value] of Object.entries(copy)) if (ArrayBuffer.isView(value)) copy[key] = (value as Typed).slice();
  return copy as T;
}

/**
 * The ArrayBuffers of the typed arrays in a reply, to transfer instead of copy (the host's thread never copies them).
 * Shared memory is never transferred (postMessage refuses it; it is shared already).
 */
function transferables(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  }
  else if (value && typeof value === 'object' && depth < 8) for (const v of Object.values(value)) transferables(v, found, depth + 1);
  return [...found];
}

function hostView(run: OpenedRun, result: GflAnalysis, failureQuery: FailureQuery): RunSnapshotData {
  const { table } = run;
  // Copies: the worker keeps its run and analysis (exports, per-image requests) and the copies move to the host.
  const hostTable: RunTable = { ...table, images: copyArrays(table.images), detections: copyArrays({ ...table.detections, probs: null }) };
  const header = table.header;
  const notes = [...header.head.notes, ...run.notes];
  if (!table.complete && !notes.some((n) => /incomplete run/.test(n))) notes.push(`incomplete run (interrupted or still running): ${table.images.count} images so far`);
  const loaded: LoadedRun = {
    sourcePath: run.sourcePath, kind: run.kind, label: runLabel(header, run.kind, run.sourcePath, table.images.file[0]), header,
    // One name per class: the dataset's category name where the class maps to one.
    classNames: result.source.classLabels, strides: header.head.strides, regMax: header.head.regMax, hasDistributions: header.head.hasDistributions,
    notes, table: hostTable,
    categories: run.groundTruth ? run.groundTruth.categories.map((c) => ({ id: c.id, name: c.name })) : null,
    imagesDir: header.dataset.imagesDir ?? null, complete: table.complete,
  };
  // Without the missed ground truths (tens of thousands of objects on a COCO-val run, a long pause for the host's
  // thread to receive): the host reads them only through the Failures groups, which are listed here.
  return { run: loaded, analysis: { ...result, rows: copyArrays(result.rows), missed: [] }, ...failureGroupsOf(run, result, failureQuery) };
}

/** The Failures sidebar's groups for a query (population, filter, page sizes) and what each listed failure relates
 * to: computed here, the host only renders. */
function failureGroupsOf(run: OpenedRun, result: GflAnalysis, failureQuery: FailureQuery): FailureListing {
  const failures = groupFailures(run.table, result, failureQuery, run.groundTruth);
  return { failures, failureContextsJson: listedFailureContexts(run, result, failures).json };
}

/** Contexts of the failures the sidebar lists (the worker holds the ground truth; the host only renders). */
function listedFailureContexts(run: OpenedRun, result: GflAnalysis, failures: FailureGroup[]): FailureContextIndex {
  if (!run.groundTruth) return FailureContextIndex.of(new Map());
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const a of run.groundTruth.annotations) {
    const list = byImage.get(a.image_id);
    if (list) list.push(a);
    else byImage.set(a.image_id, [a]);
  }
  const rows: number[] = [];
  const missed: { gtId: number; imageIndex: number }[] = [];
  for (const group of failures) {
    for (const item of group.items) {
      if (item.kind === 'missed') missed.push({ gtId: item.missed.gtId, imageIndex: item.missed.imageIndex });
      else if (item.row.error !== null) rows.push(item.row.index);
    }
  }
  // Listed as missed but not by TIDE: at the operating threshold a true positive below it matched them.
  const tideMissed = new Set(result.missed.map((m) => m.gtId));
  const { table } = run;
  return FailureContextIndex.of(failureContextsFor(table, result, (i) => byImage.get(table.images.imageId[i]) ?? [], rows,
    missed.filter((m) => tideMissed.has(m.gtId)).map((m) => m.gtId), missed.filter((m) => !tideMissed.has(m.gtId))));
}

async function handle(request: AnalysisRequest, post: (reply: AnalysisReply) => void): Promise<unknown> {
  switch (request.kind) {
    case 'open': {
      const ref = request.ref;
      analysisJobPool()?.warm();
      const run = ref.kind === 'run' ? await openRun(ref.path) : await openResults(ref.path, ref.annotations, ref.imagesDir);
      opened = run;
      streaming = undefined;
      // The cheap part first (no bootstrap, no rescoring), so the views draw while the rest is computed.
      analysis = await analyseOpenedRunInParallel(run, { detail: 'summary', operatingThreshold });
      post({ id: request.id, partial: hostView(run, analysis, request.failureQuery) });
      // Let the host's thread take the summary before the allocation-heavy full analysis starts: both threads share
      // the process's V8 platform threads (GC), and on a 2-core machine the host's receive otherwise pauses ~150 ms.
      await new Promise((resolve) => setTimeout(resolve, HOST_RECEIVE_PAUSE_MS));
      analysis = await analyseOpenedRunInParallel(run, { detail: 'full', operatingThreshold });
      // The run's columns and the per-detection rows are the summary's (the detail changes only summaries): they
      // are not sent again, which halves what the host's thread receives.
      const { rows: _sameRows, ...fullAnalysis } = analysis;
      const full: FullAfterSummary = { afterSummary: true, analysis: { ...fullAnalysis, missed: [] }, ...failureGroupsOf(run, analysis, request.failureQuery) };
      return full;
    }
    case 'begin': {
      const groundTruth = request.annotations ? await loadGroundTruth(request.annotations) : null;
      streaming = { builder: new RunTableBuilder(storedBins(request.header)), header: request.header, sourcePath: request.sourcePath };
      opened = {
        sourcePath: request.sourcePath, kind: 'run', table: streaming.builder.build(request.header, false), groundTruth,
        annotationsPath: groundTruth ? request.annotations : null,
        mapping: mapClassesToCategories(request.header.profile.classNames, groundTruth?.categories), notes: [],
      };
      analysis = undefined;
      return null;
    }
    case 'append': {
      if (!streaming || !opened) throw new Error('append before begin');
      for (const image of request.images) streaming.builder.addImage(image);
      for (const error of request.errors) streaming.builder.addError(error);
      const final = request.final;
      // While streaming, the table views the builder's arrays (no copy per refresh); the final one is trimmed.
      const table = streaming.builder.build(streaming.header, final?.complete ?? false, final?.footer, final !== null);
      opened = { ...opened, sourcePath: final?.sourcePath ?? opened.sourcePath, table };
      if (final) streaming = undefined;
      analysis = await analyseOpenedRunInParallel(opened, { detail: final ? 'full' : 'summary', operatingThreshold });
      return hostView(opened, analysis, request.failureQuery);
    }
    case 'failures': {
      if (!opened || !analysis) throw new Error('no run loaded');
      return failureGroupsOf(opened, analysis, request.failureQuery);
    }
    case 'ambiguous': {
      if (!opened || !analysis) throw new Error('no run loaded');
      if (!opened.table.detections.probs) return { total: 0, offset: 0, boxes: [] };
      const annotations = opened.groundTruth?.annotations ?? [];
      if (gtBoxes?.annotations !== annotations) gtBoxes = { annotations, byId: new Map(annotations.map((a) => [a.id, a.bbox])) };
      return queryAmbiguous(opened.table, analysis, request.query, (id) => gtBoxes!.byId.get(id));
    }
    case 'image': {
      if (!opened) throw new Error('no run loaded');
      const { table, groundTruth } = opened;
      if (!(request.imageIndex >= 0 && request.imageIndex < table.images.count)) throw new Error(`image ${request.imageIndex} is not in the run (${table.images.count} images)`);
      const record = imageRecordAt(table, request.imageIndex);
      const annotations = groundTruth ? groundTruth.annotations.filter((a) => a.image_id === record.imageId) : null;
      const failureContexts = annotations && analysis ? runImageFailureContexts(table, analysis, request.imageIndex, annotations) : null;
      const details: ImageDetails = { record, groundTruth: annotations, failureContexts };
      return details;
    }
    case 'export': {
      if (!opened || !analysis) throw new Error('no run loaded');
      const controller = new AbortController();
      cancels.set(request.id, controller);
      try {
        return await exportReport({
          opened, analysis: analysis.detail === 'full' ? analysis : undefined, format: request.format, outPath: request.outPath,
          plotlyBundlePath: request.plotlyBundlePath, signal: controller.signal,
          onProgress: (progress) => post({ id: request.id, progress }),
        });
      } finally {
        cancels.delete(request.id);
      }
    }
    case 'cancel':
      cancels.get(request.target)?.abort();
      return null;
    case 'operatingPoint': {
      operatingThreshold = request.threshold;
      if (!opened || !analysis || !opened.groundTruth) return null;
      // Only the threshold-dependent part is recomputed (milliseconds); AP, curves and the rest stay.
      analysis = { ...analysis, operatingPoint: operatingPointOfRun(opened.table, analysis.rows, opened.groundTruth, operatingThreshold) };
      return analysis.operatingPoint;
    }
    case 'compare': {
      if (!opened) throw new Error('no run loaded: load or run the first run (A) before comparing');
      const ref = request.other;
      const key = JSON.stringify(ref);
      // The same B again (e.g. at another operating threshold): reuse it and its analysis, only the comparison is redone.
      if (!compared || comparedKey !== key) {
        // A saved run without ground truth of its own is evaluated against the loaded run's instances file.
        const other = ref.kind === 'run' ? await openRun(ref.path, undefined, undefined) : await openResults(ref.path, ref.annotations, ref.imagesDir, opened.groundTruth ?? undefined);
        compared = !other.groundTruth && opened.groundTruth && opened.annotationsPath ? await openRun(ref.path, opened.annotationsPath, opened.groundTruth) : other;
        comparedKey = key;
        comparedAnalysis = compared.groundTruth ? await analyseOpenedRunInParallel(compared, { detail: 'summary', operatingThreshold }) : undefined;
      }
      return compareOpenedRuns({ opened, analysis }, { opened: compared, analysis: comparedAnalysis }, { operatingThreshold: request.operatingThreshold });
    }
    case 'compareImage': {
      if (!opened || !compared) throw new Error('no comparison loaded');
      const i = imageIndexById(opened.table.images).get(request.imageId);
      const j = imageIndexById(compared.table.images).get(request.imageId);
      if (i === undefined || j === undefined) throw new Error(`image id ${request.imageId} is not in both compared runs`);
      const details: ComparedImageDetails = {
        imageId: request.imageId, a: imageRecordAt(opened.table, i), b: imageRecordAt(compared.table, j),
        groundTruth: opened.groundTruth ? opened.groundTruth.annotations.filter((g) => g.image_id === request.imageId) : [],
        sides: { a: sideInfo(opened), b: sideInfo(compared) },
      };
      return details;
    }
  }
}

// Requests run one at a time, in order (a later "append" must see the earlier ones); "cancel" jumps the queue.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (request: AnalysisRequest) => {
  const post = (reply: AnalysisReply) => parentPort!.postMessage(reply, 'partial' in reply || 'result' in reply ? transferables(reply) : []);
  const run = () => handle(request, post).then(
    (result) => post({ id: request.id, result }),
    (error: unknown) => post({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
  if (request.kind === 'cancel') void run();
  else queue = queue.then(run);
});

/** For tests and the in-thread fallback: the same handler without a worker. */
export const handleAnalysisRequest = handle;
