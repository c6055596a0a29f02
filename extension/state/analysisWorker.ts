// Worker-thread entry (built to dist/analysisWorker.js): analyses runs off the extension host's event loop, so a
// dataset run streaming into the views never freezes the host. The worker keeps the run it analysed last; the
// host sends only the images added since (plus the run's metadata), so copying between threads stays small.
import { parentPort } from 'node:worker_threads';
import type { RunImageRecord } from '../core/runFormat.ts';
import { analyzeLoadedRun, type LoadedRun } from './runModel.ts';

export type AnalysisRequest =
  | { id: number; kind: 'reset'; run: LoadedRun }
  | { id: number; kind: 'append'; meta: Omit<LoadedRun, 'images' | 'dataset'>; newImages: RunImageRecord[] };

let current: LoadedRun | undefined;

parentPort?.on('message', (request: AnalysisRequest) => {
  try {
    if (request.kind === 'reset') current = request.run;
    else {
      if (!current) throw new Error('append before any run');
      current = { ...current, ...request.meta, images: [...current.images, ...request.newImages] };
    }
    parentPort!.postMessage({ id: request.id, analysis: analyzeLoadedRun(current) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
