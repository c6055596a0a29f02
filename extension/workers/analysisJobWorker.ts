// Worker-thread entry (built to dist/analysisJobWorker.js): runs the analysis' independent jobs (TIDE, the
// calibration's matching, what-if rescoring) for analyzeRunSteps' driver in io/runAnalysis, while the analysis goes on in its own thread.
import { parentPort } from 'node:worker_threads';
import { runAnalysisJob, type AnalysisJob } from '../core/analytics/analysisJobs.ts';

export type AnalysisJobRequest = { id: number; kind: 'job'; job: AnalysisJob };

parentPort?.on('message', (request: AnalysisJobRequest) => {
  try {
    const result = runAnalysisJob(request.job);
    // Per-result arrays move to the caller instead of being copied.
    const transfer = Array.isArray(result) ? result.flatMap((m) => [m.matchedGt.buffer, m.iou.buffer, m.ignored.buffer] as ArrayBuffer[])
      : 'errorOfPred' in result ? [result.errorOfPred.buffer as ArrayBuffer, result.missedGt.buffer as ArrayBuffer] : [];
    parentPort!.postMessage({ id: request.id, result }, transfer);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { name: (error as Error).name, message: (error as Error).message } });
  }
});
