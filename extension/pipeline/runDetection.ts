// The one run loop, shared by `gfl-lens detect`/`analyze` and the editor's dataset runs: images → detector →
// run store, with progress, cancellation and a per-image callback (the editor streams images into its views).
import type { RunErrorRecord, RunFooter, RunImageRecord } from '../core/runFormat.ts';
import type { Detector } from '../inference/detector.ts';
import type { ImageItem } from '../io/imageSources.ts';
import type { RunStoreWriter } from '../io/runStore.ts';

/** An image to process, with its position in the full image list (kept across shards). */
export interface RunItem extends ImageItem {
  itemIndex: number;
}

export interface RunProgress {
  done: number;
  total: number;
  images: number;
  errors: number;
  detections: number;
  /** The latest failure, with the image named. */
  lastError?: string;
}

export interface RunDetectionResult {
  /** Cancelled by the signal: the store stays ".partial" (incomplete). */
  stopped: boolean;
  footer?: RunFooter;
  images: number;
  errors: number;
  detections: number;
  /** Images lost to the inference engine itself (its worker died), not to the image: the run is complete but the
   * CLI exits non-zero, since those images say nothing about the model. */
  engineErrors: number;
  /** The model could not run at all (every image failed with an engine error): the run is not a result. */
  fatal?: string;
}

export interface RunDetectionHooks {
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Called for every image added to the run, in order. */
  onImage?: (record: RunImageRecord, itemIndex: number) => void;
  onError?: (record: RunErrorRecord) => void;
}

/** Items of shard K of N: every N-th image of the full list, starting at K. */
export function shardItems<T>(items: readonly T[], shard: { index: number; count: number } | undefined): { item: T; itemIndex: number }[] {
  const out: { item: T; itemIndex: number }[] = [];
  items.forEach((item, itemIndex) => {
    if (!shard || itemIndex % shard.count === shard.index) out.push({ item, itemIndex });
  });
  return out;
}

/**
 * Runs the detector over `items` into `writer`. Images that fail are recorded as errors and the run goes on; the
 * store is completed (published) unless the signal stopped it. `rejected` are images refused before inference
 * (missing files, paths outside the dataset), recorded as errors first.
 */
export async function runDetection(
  detector: Detector,
  items: readonly RunItem[],
  writer: RunStoreWriter,
  hooks: RunDetectionHooks = {},
  rejected: readonly RunErrorRecord[] = [],
): Promise<RunDetectionResult> {
  const { signal, onProgress, onImage, onError } = hooks;
  const progress: RunProgress = { done: 0, total: items.length, images: 0, errors: 0, detections: 0 };
  for (const record of rejected) {
    await writer.addError(record);
    progress.errors++;
    onError?.(record);
  }
  let consecutiveEngineFailures = 0;
  let engineErrors = 0;
  let lastEngineError = '';
  try {
    for await (const { item, result, error } of detector.detectMany(items, signal)) {
      if (result) {
        const record: RunImageRecord = {
          record: 'image', file: item.label, imageId: item.imageId,
          width: result.transform.originalWidth, height: result.transform.originalHeight,
          transform: result.transform, timingMs: result.timingMs, detections: result.detections,
        };
        await writer.addImage(record, item.itemIndex);
        progress.images++;
        progress.detections += record.detections.length;
        consecutiveEngineFailures = 0;
        onImage?.(record, item.itemIndex);
      } else {
        const message = error?.message ?? 'unknown error';
        const record: RunErrorRecord = { record: 'error', file: item.label, imageId: item.imageId, message };
        await writer.addError(record);
        progress.errors++;
        // Image errors already start with the image's name (ImageReadError, non-finite outputs); others get it.
        progress.lastError = message.startsWith(`${item.label}: `) ? message : `${item.label}: ${message}`;
        onError?.(record);
        // A dead inference worker (an onnxruntime abort, out of memory) is an engine failure, not a dataset problem.
        if (error?.name === 'WorkerDiedError') {
          consecutiveEngineFailures++;
          engineErrors++;
          lastEngineError = message;
        } else consecutiveEngineFailures = 0;
      }
      progress.done++;
      onProgress?.({ ...progress });
    }
  } catch (error) {
    await writer.abandon();
    throw error;
  }
  if (signal?.aborted) {
    await writer.abandon();
    return { stopped: true, images: progress.images, errors: progress.errors, detections: progress.detections, engineErrors };
  }
  if (progress.images === 0 && consecutiveEngineFailures > 0) {
    await writer.abandon();
    return { stopped: false, images: 0, errors: progress.errors, detections: 0, engineErrors, fatal: lastEngineError };
  }
  const footer = await writer.complete();
  return { stopped: false, footer, images: progress.images, errors: progress.errors, detections: progress.detections, engineErrors };
}
