// Worker threads for the analysis' independent jobs (core/analytics/analysisJobs.ts). One pool per process, made on
// first use: min(2, cores − 1) threads (there are two jobs), none on a single core or when GFL_LENS_ANALYSIS_THREADS
// is 0. Idle workers do not keep the process alive (a CLI command ends when its work does); a worker that dies
// fails only its own job, and the next job starts a fresh one (WorkerPool).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalysisJob, AnalysisJobResult } from '../core/analytics/analysisJobs.ts';
import { WorkerPool } from './pool.ts';

/** dist/analysisJobWorker.js beside the running bundle, or in dist/ of the package when running from sources. */
function analysisJobWorkerFile(): string | undefined {
  return [path.join(__dirname, 'analysisJobWorker.js'), path.resolve(__dirname, '..', '..', 'dist', 'analysisJobWorker.js')]
    .find((file) => fs.existsSync(file));
}

/** Threads for analysis jobs: GFL_LENS_ANALYSIS_THREADS when set (0 runs them in place), else min(2, cores − 1). */
export function analysisJobThreads(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism()): number {
  const configured = env.GFL_LENS_ANALYSIS_THREADS;
  if (configured !== undefined && configured.trim() !== '') {
    const threads = Number(configured);
    if (!Number.isInteger(threads) || threads < 0) throw new Error(`GFL_LENS_ANALYSIS_THREADS must be a whole number ≥ 0, got "${configured}"`);
    return threads;
  }
  return Math.max(0, Math.min(2, cores - 1));
}

export class AnalysisJobPool {
  private readonly workers = new Set<Worker>();
  private readonly pool: WorkerPool;
  private inFlight = 0;

  constructor(threads: number, file: string) {
    this.pool = new WorkerPool('the analysis job worker', threads, () => {
      const worker = new Worker(file);
      this.workers.add(worker);
      worker.on('exit', () => this.workers.delete(worker));
      return worker;
    });
  }

  async run(job: AnalysisJob): Promise<AnalysisJobResult> {
    // Workers hold the process open only while a job is out: a finished CLI command exits without closing them.
    if (this.inFlight++ === 0) for (const worker of this.workers) worker.ref();
    try {
      const reply = await this.pool.request({ kind: 'job', job } as { kind: string }, [], `running the ${job.kind} job`);
      return reply.result as AnalysisJobResult;
    } finally {
      if (--this.inFlight === 0) for (const worker of this.workers) worker.unref();
    }
  }

  /** Starts the threads ahead of the first job (while the caller reads the run); idle, they hold no process open. */
  warm(): void {
    this.pool.warm();
    if (this.inFlight === 0) for (const worker of this.workers) worker.unref();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let shared: AnalysisJobPool | null | undefined;

/** This process's pool, or null when jobs run in place (one core, threads set to 0, or no built worker script). */
export function analysisJobPool(): AnalysisJobPool | null {
  if (shared === undefined) {
    const threads = analysisJobThreads();
    const file = threads > 0 ? analysisJobWorkerFile() : undefined;
    shared = file ? new AnalysisJobPool(threads, file) : null;
  }
  return shared;
}
