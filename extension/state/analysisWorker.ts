// Worker-thread entry (built to dist/analysisWorker.js): analyses runs off the extension host's event loop, so a
// dataset run streaming into the views never freezes the host. One request at a time; replies carry the id.
import { parentPort } from 'node:worker_threads';
import { analyzeLoadedRun, type LoadedRun } from './runModel.ts';

parentPort?.on('message', (request: { id: number; run: LoadedRun }) => {
  try {
    parentPort!.postMessage({ id: request.id, analysis: analyzeLoadedRun(request.run) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
