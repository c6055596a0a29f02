// Runs analyzeLoadedRun in a worker thread (dist/analysisWorker.js beside the extension bundle). Without the worker
// file (e.g. running from source) it analyses in-thread. Requests are answered in order; one worker is kept.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalysisRequest } from './analysisWorker.ts';
import { analyzeLoadedRun, type LoadedRun, type RunAnalysis } from './runModel.ts';

type Pending = { resolve: (a: RunAnalysis) => void; reject: (e: Error) => void };

export class AnalysisClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** What the worker holds: the dataset object and the image records sent so far (by identity). */
  private sent: { dataset: LoadedRun['dataset']; images: LoadedRun['images'] } | undefined;

  constructor(private readonly workerFile = path.join(__dirname, 'analysisWorker.js')) {}

  get usesWorker(): boolean {
    return fs.existsSync(this.workerFile);
  }

  analyze(run: LoadedRun): Promise<RunAnalysis> {
    if (!this.usesWorker) return Promise.resolve().then(() => analyzeLoadedRun(run));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const request = this.request(id, run);
    return new Promise<RunAnalysis>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage(request);
    });
  }

  /**
   * A streaming run grows by appending image records to the same list: when the new run starts with exactly the
   * records the worker already has (same objects, same dataset), only the new ones are sent.
   */
  private request(id: number, run: LoadedRun): AnalysisRequest {
    const sent = this.sent;
    const extends_ = sent !== undefined && sent.dataset === run.dataset && run.images.length >= sent.images.length
      && sent.images.every((image, i) => run.images[i] === image);
    this.sent = { dataset: run.dataset, images: run.images.slice() };
    if (!extends_) return { id, kind: 'reset', run };
    const { images: _images, dataset: _dataset, ...meta } = run;
    return { id, kind: 'append', meta, newImages: run.images.slice(sent!.images.length) };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    worker.on('message', (reply: { id: number; analysis?: RunAnalysis; error?: string }) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.analysis) p.resolve(reply.analysis);
      else p.reject(new Error(reply.error ?? 'analysis failed'));
    });
    const fail = (error: Error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      this.worker = undefined;
      this.sent = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`analysis worker exited with code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.sent = undefined;
    void worker?.terminate();
  }
}
