// Worker thread that reads, decodes and preprocesses images (sharp + the OpenCV-exact resize) so that a dataset
// run uses every core for the per-image CPU work while the inference worker keeps the model busy.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import type { ModelProfile } from '../core/types.ts';
import { prepareImage, type PrepareOptions } from './preprocess.ts';

// Parallelism comes from the pool (one image per worker); libvips' own threads per image would only oversubscribe.
sharp.concurrency(1);

export type PreprocessRequest = { id: number; kind: 'prepare'; source: string | Uint8Array; label: string; profile: ModelProfile; options: PrepareOptions };

parentPort?.on('message', async (request: PreprocessRequest) => {
  try {
    const source = typeof request.source === 'string' ? request.source : Buffer.from(request.source.buffer, request.source.byteOffset, request.source.byteLength);
    const prepared = await prepareImage(source, request.label, request.profile, request.options);
    // The tensor's memory moves to the main thread instead of being copied.
    parentPort!.postMessage({ id: request.id, prepared }, [prepared.tensor.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { name: (error as Error).name, message: (error as Error).message } });
  }
});
