// The model behind a worker thread (dist/inferenceWorker.js), with the same surface as OnnxModel. Falls back to an
// in-thread OnnxModel when the worker bundle is absent (running from sources before a build).
// If the worker dies (onnxruntime abort, out of memory, process.exit) pending runs are rejected with the image
// named, and the next run starts a new worker that reloads the model.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProviderReport } from '../core/runFormat.ts';
import type { RawTensor } from '../core/types.ts';
import { WorkerRpc } from '../workers/rpc.ts';
import type { InferenceRequest } from './inferenceWorker.ts';
import { OnnxModel, probeProvider, type ExecutionProvider, type ModelInput, type ProviderProbe, type SessionOptions } from './onnxSession.ts';

export interface InferenceModel {
  readonly input: ModelInput;
  readonly outputs: { name: string; dims: number[] }[];
  readonly provider: ProviderReport;
  /**
   * `transfer`: the caller gives up `input` (its memory moves to the worker instead of being copied).
   * `label` names the image in errors.
   */
  run(input: Float32Array, height: number, width: number, transfer?: boolean, label?: string): Promise<RawTensor[]>;
  dispose(): Promise<void>;
}

/** A request before it gets its id (Omit distributed over the union). */
type RequestBody = InferenceRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** dist/inferenceWorker.js beside the running bundle, or in dist/ of the package when running from sources. */
export function inferenceWorkerFile(): string | undefined {
  return [path.join(__dirname, 'inferenceWorker.js'), path.resolve(__dirname, '..', '..', 'dist', 'inferenceWorker.js')]
    .find((file) => fs.existsSync(file));
}

export interface WorkerModelOptions {
  /** The worker script; default dist/inferenceWorker.js (tests substitute one that misbehaves). */
  workerFile?: string;
}

export class WorkerModel implements InferenceModel {
  input!: ModelInput;
  outputs!: { name: string; dims: number[] }[];
  provider!: ProviderReport;

  private constructor(private readonly rpc: WorkerRpc) {}

  /** Loads in a worker when the worker bundle exists (and no session factory is injected), else in-thread. */
  static async load(bytes: Uint8Array, modelName: string, options: SessionOptions = {}, workerOptions: WorkerModelOptions = {}): Promise<InferenceModel> {
    const file = workerOptions.workerFile ?? inferenceWorkerFile();
    if (!file || options.createSession) return OnnxModel.load(bytes, modelName, options);
    const { createSession: _none, ...sessionOptions } = options;
    type Loaded = Pick<WorkerModel, 'input' | 'outputs' | 'provider'>;
    let first: Loaded | undefined;
    const rpc = new WorkerRpc({
      name: 'the inference worker',
      spawn: () => new Worker(file),
      // A restarted worker reloads the same model with the provider the first load chose, so a restart neither
      // re-times the providers nor silently switches to another one.
      init: async (send) => {
        const providers = first ? [first.provider.active as ExecutionProvider] : sessionOptions.providers;
        const load: RequestBody = { kind: 'load', bytes, modelName, options: { ...sessionOptions, providers } };
        const reply = await send(load);
        const loaded = reply.loaded as Loaded;
        if (first && loaded.provider.active !== first.provider.active) {
          throw new Error(`${modelName}: the restarted inference worker could not use ${first.provider.active} again (${loaded.provider.fallbacks.map((f) => f.reason).join('; ')})`);
        }
        first ??= loaded;
      },
    });
    try {
      await rpc.open();
    } catch (error) {
      await rpc.close();
      throw error;
    }
    return Object.assign(new WorkerModel(rpc), first!);
  }

  async run(input: Float32Array, height: number, width: number, transfer = false, label = 'an image'): Promise<RawTensor[]> {
    const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
    const body: RequestBody = { kind: 'run', input, height, width, label };
    const reply = await this.rpc.request(body, transfer && whole ? [input.buffer as ArrayBuffer] : [], `running ${label}`);
    return reply.outputs as RawTensor[];
  }

  /** Releases the session and stops the worker. A worker that already died has nothing to release. */
  async dispose(): Promise<void> {
    try {
      if (this.rpc.state === 'running') await this.rpc.request({ kind: 'dispose' }, [], 'releasing the model');
    } finally {
      await this.rpc.close();
    }
  }
}

/**
 * Provider probes (see probeProvider) run in a throw-away inference worker, so that a slow provider (a software
 * GPU needs seconds per run) does not block the caller's thread. In-thread when the worker bundle is absent.
 */
export async function withProbeWorker<T>(use: (probe: (bytes: Uint8Array, modelName: string, provider: ExecutionProvider, options: SessionOptions) => Promise<ProviderProbe>) => Promise<T>): Promise<T> {
  const file = inferenceWorkerFile();
  if (!file) return use((bytes, modelName, provider, options) => probeProvider(bytes, modelName, provider, options));
  const rpc = new WorkerRpc({ name: 'the GPU check worker', spawn: () => new Worker(file) });
  try {
    return await use(async (bytes, modelName, provider, options) => {
      const { createSession: _none, ...plain } = options;
      const body: RequestBody = { kind: 'probe', bytes, modelName, provider, options: plain };
      return (await rpc.request(body, [], `trying ${provider} on ${modelName}`)).probe as ProviderProbe;
    });
  } finally {
    await rpc.close();
  }
}
