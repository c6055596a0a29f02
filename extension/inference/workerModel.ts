// The model behind a worker thread (dist/inferenceWorker.js), with the same surface as OnnxModel. Falls back to an
// in-thread OnnxModel when the worker bundle is absent (running from sources before a build).
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProviderReport } from '../core/runFormat.ts';
import type { RawTensor } from '../core/types.ts';
import type { InferenceRequest } from './inferenceWorker.ts';
import { OnnxModel, type ModelInput, type SessionOptions } from './onnxSession.ts';

export interface InferenceModel {
  readonly input: ModelInput;
  readonly outputs: { name: string; dims: number[] }[];
  readonly provider: ProviderReport;
  /** `transfer`: the caller gives up `input` (its memory moves to the worker instead of being copied). */
  run(input: Float32Array, height: number, width: number, transfer?: boolean): Promise<RawTensor[]>;
  dispose(): Promise<void>;
}

/** A request before it gets its id (Omit distributed over the union). */
type RequestBody = InferenceRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Reply = { id: number; error?: { name: string; message: string } } & Record<string, unknown>;

/** dist/inferenceWorker.js beside the running bundle, or in dist/ of the package when running from sources. */
function workerFile(): string | undefined {
  return [path.join(__dirname, 'inferenceWorker.js'), path.resolve(__dirname, '..', '..', 'dist', 'inferenceWorker.js')]
    .find((file) => fs.existsSync(file));
}

export class WorkerModel implements InferenceModel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  input!: ModelInput;
  outputs!: { name: string; dims: number[] }[];
  provider!: ProviderReport;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      else p.resolve(reply);
    });
    const failAll = (error: Error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the inference worker stopped (exit code ${code})`)));
  }

  /** Loads in a worker when the worker bundle exists (and no session factory is injected), else in-thread. */
  static async load(bytes: Uint8Array, modelName: string, options: SessionOptions = {}): Promise<InferenceModel> {
    const file = workerFile();
    if (!file || options.createSession) return OnnxModel.load(bytes, modelName, options);
    const model = new WorkerModel(new Worker(file));
    try {
      const { createSession: _none, ...workerOptions } = options;
      const reply = await model.request({ kind: 'load', bytes, modelName, options: workerOptions });
      const loaded = reply.loaded as Pick<WorkerModel, 'input' | 'outputs' | 'provider'>;
      Object.assign(model, loaded);
      return model;
    } catch (error) {
      await model.worker.terminate();
      throw error;
    }
  }

  private request(body: RequestBody, transferList: ArrayBuffer[] = []): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transferList);
    });
  }

  async run(input: Float32Array, height: number, width: number, transfer = false): Promise<RawTensor[]> {
    const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
    const reply = await this.request({ kind: 'run', input, height, width }, transfer && whole ? [input.buffer as ArrayBuffer] : []);
    return reply.outputs as RawTensor[];
  }

  async dispose(): Promise<void> {
    try {
      await this.request({ kind: 'dispose' });
    } finally {
      await this.worker.terminate();
    }
  }
}
