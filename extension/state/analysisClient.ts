// The host's handle on the analysis worker (dist/analysisWorker.js beside the extension bundle). Requests carry an
// id; replies (and partial replies: a cheap analysis first, export progress) are routed back to the caller. A worker
// that exits or errors rejects everything pending, and the next request starts a new one. Without the worker file
// (running from source, e.g. unit tests) requests are handled in-thread by the same code.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExportReportResult, ExportProgress, ReportFormat } from '../report/exportReport.ts';
import type { AnalysisReply, AnalysisRequest, ComparedImageDetails, FailureListing, FullAfterSummary, ImageDetails, RunSnapshotData } from './analysisWorker.ts';
import type { RunComparison } from '../core/analytics/compare.ts';
import type { PersistedRunRef } from './runLoader.ts';
import type { OperatingPointEvaluation } from '../core/analytics/operatingPointEvaluation.ts';
import type { RunErrorRecord, RunFooter, RunHeader, RunImageRecord } from '../core/runFormat.ts';
import type { AmbiguityPage, AmbiguityQuery } from '../core/analytics/ambiguityQuery.ts';
import { DEFAULT_FAILURE_QUERY, type FailureQuery } from '../views/failureGroups.ts';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; onPartial?: (data: unknown) => void };
type RequestBody = AnalysisRequest extends infer R ? (R extends AnalysisRequest ? Omit<R, 'id'> : never) : never;

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inThread: Promise<typeof import('./analysisWorker.ts')> | undefined;

  constructor(private readonly workerFile = path.join(__dirname, 'analysisWorker.js')) {}

  get usesWorker(): boolean {
    return fs.existsSync(this.workerFile);
  }

  /** Loads a run; `onSummary` receives the cheap analysis before the full one resolves; `failureQuery` shapes its failure groups. */
  open(ref: PersistedRunRef, onSummary?: (data: RunSnapshotData) => void, failureQuery: FailureQuery = DEFAULT_FAILURE_QUERY): Promise<RunSnapshotData> {
    let summary: RunSnapshotData | undefined;
    const keepSummary = (data: unknown) => {
      summary = data as RunSnapshotData;
      onSummary?.(summary);
    };
    return this.request({ kind: 'open', ref, failureQuery }, keepSummary).then((reply) => {
      const full = reply as RunSnapshotData | FullAfterSummary;
      if (!('afterSummary' in full)) return full;
      // The worker sent the run's columns and the rows once, with the summary.
      if (!summary) throw new Error('analysis worker: the full analysis arrived without its summary');
      return { run: summary.run, analysis: { ...full.analysis, rows: summary.analysis.rows }, failures: full.failures, failureContextsJson: full.failureContextsJson };
    });
  }

  /** Starts a run that streams in (a dataset run). */
  begin(header: RunHeader, sourcePath: string, annotations: string | null): Promise<void> {
    return this.request({ kind: 'begin', header, sourcePath, annotations }) as Promise<void>;
  }

  /** Appends images to the streaming run and returns its analysis; `final` ends it (the store is published). */
  append(images: RunImageRecord[], errors: RunErrorRecord[], final: { sourcePath: string; complete: boolean; footer?: RunFooter } | null, failureQuery: FailureQuery = DEFAULT_FAILURE_QUERY): Promise<RunSnapshotData> {
    return this.request({ kind: 'append', images, errors, final, failureQuery }) as Promise<RunSnapshotData>;
  }

  /** One page of the loaded run's boxes ranked by ambiguity under the Ambiguity view's filters. */
  ambiguous(query: AmbiguityQuery): Promise<AmbiguityPage> {
    return this.request({ kind: 'ambiguous', query }) as Promise<AmbiguityPage>;
  }

  /** The Failures sidebar's groups of the loaded run for another population, filter or page size. */
  failures(failureQuery: FailureQuery): Promise<FailureListing> {
    return this.request({ kind: 'failures', failureQuery }) as Promise<FailureListing>;
  }

  /** One image's detections with their distributions, and its ground truth. */
  image(imageIndex: number): Promise<ImageDetails> {
    return this.request({ kind: 'image', imageIndex }) as Promise<ImageDetails>;
  }

  /** Sets the operating threshold in the worker and returns the loaded run's operating point at it. */
  operatingPoint(threshold: number): Promise<OperatingPointEvaluation | null> {
    return this.request({ kind: 'operatingPoint', threshold }) as Promise<OperatingPointEvaluation | null>;
  }

  /** Exports the loaded run from the worker; aborting the signal cancels it there. */
  export(format: ReportFormat, outPath: string, plotlyBundlePath: string | undefined, onProgress: (p: ExportProgress) => void, signal?: AbortSignal): Promise<ExportReportResult> {
    const id = this.nextId;
    const abort = () => void this.request({ kind: 'cancel', target: id }).catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    return (this.request({ kind: 'export', format, outPath, plotlyBundlePath }, onProgress as (data: unknown) => void) as Promise<ExportReportResult>)
      .finally(() => signal?.removeEventListener('abort', abort));
  }

  /** Compares the loaded run (A) with another (B) in the worker; the worker keeps B for compareImage. */
  compare(other: PersistedRunRef, operatingThreshold: number): Promise<RunComparison> {
    return this.request({ kind: 'compare', other, operatingThreshold }) as Promise<RunComparison>;
  }

  /** One image of both compared runs, with distributions, and its ground truth. */
  compareImage(imageId: number): Promise<ComparedImageDetails> {
    return this.request({ kind: 'compareImage', imageId }) as Promise<ComparedImageDetails>;
  }

  private request(body: RequestBody, onPartial?: (data: unknown) => void): Promise<unknown> {
    const id = this.nextId++;
    const request = { ...body, id } as AnalysisRequest;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onPartial });
      if (this.usesWorker) this.ensureWorker().postMessage(request);
      else void this.handleInThread(request);
    });
  }

  private receive(reply: AnalysisReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if ('partial' in reply) p.onPartial?.(reply.partial);
    else if ('progress' in reply) p.onPartial?.(reply.progress);
    else {
      this.pending.delete(reply.id);
      if ('error' in reply) p.reject(new Error(reply.error));
      else p.resolve(reply.result);
    }
  }

  private async handleInThread(request: AnalysisRequest): Promise<void> {
    this.inThread ??= import('./analysisWorker.ts');
    const { handleAnalysisRequest } = await this.inThread;
    const post = (reply: AnalysisReply) => this.receive(reply);
    await handleAnalysisRequest(request, post).then(
      (result) => post({ id: request.id, result }),
      (error: unknown) => post({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    worker.on('message', (reply: AnalysisReply) => this.receive(reply));
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`the analysis worker failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`the analysis worker stopped (exit code ${code}); the next request starts a new one`)));
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('GFL Lens is shutting down'));
    this.pending.clear();
    void worker?.terminate();
  }
}
