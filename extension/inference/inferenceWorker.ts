// Worker thread that owns one onnxruntime session. onnxruntime-node computes on the calling JavaScript thread,
// so running it here lets the main thread decode images and detections while the model runs.
import { parentPort } from 'node:worker_threads';
import { OnnxModel, probeProvider, type ExecutionProvider, type SessionOptions } from './onnxSession.ts';

export type InferenceRequest =
  | { id: number; kind: 'load'; bytes: Uint8Array; modelName: string; options: Omit<SessionOptions, 'createSession'> }
  | { id: number; kind: 'run'; input: Float32Array; height: number; width: number; label: string }
  | { id: number; kind: 'dispose' }
  | { id: number; kind: 'probe'; bytes: Uint8Array; modelName: string; provider: ExecutionProvider; options: Omit<SessionOptions, 'createSession'> };

let model: OnnxModel | undefined;

parentPort?.on('message', async (request: InferenceRequest) => {
  try {
    if (request.kind === 'load') {
      model = await OnnxModel.load(request.bytes, request.modelName, request.options);
      parentPort!.postMessage({ id: request.id, loaded: { input: model.input, outputs: model.outputs, provider: model.provider } });
    } else if (request.kind === 'run') {
      if (!model) throw new Error('no model loaded');
      parentPort!.postMessage({ id: request.id, outputs: await model.run(request.input, request.height, request.width) });
    } else if (request.kind === 'probe') {
      parentPort!.postMessage({ id: request.id, probe: await probeProvider(request.bytes, request.modelName, request.provider, request.options) });
    } else {
      await model?.dispose();
      model = undefined;
      parentPort!.postMessage({ id: request.id, disposed: true });
    }
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { name: (error as Error).name, message: (error as Error).message } });
  }
});
