// The only module that touches onnxruntime-node. It loads a model with the first execution provider that
// works (recording why the others were skipped), runs it, and hands outputs on as plain Float32Arrays.
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
import path from 'node:path';
import type { ProviderReport } from '../core/runFormat.ts';
import { float32ToHalves, halvesToFloat32 } from '../core/onnx/tensorData.ts';
import type { RawTensor } from '../core/types.ts';

export type ExecutionProvider = 'cuda' | 'dml' | 'coreml' | 'cpu';
export const ALL_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'dml', 'coreml', 'cpu'];
export const DEFAULT_PROVIDER_PREFERENCE: readonly ExecutionProvider[] = ['cuda', 'dml', 'coreml', 'cpu'];

/** Which platforms each provider can exist on (DirectML is Windows-only, CoreML Apple-only). */
const PROVIDER_PLATFORMS: Record<ExecutionProvider, readonly NodeJS.Platform[]> = {
  cuda: ['linux', 'win32'],
  dml: ['win32'],
  coreml: ['darwin'],
  cpu: ['linux', 'win32', 'darwin', 'freebsd', 'openbsd', 'sunos', 'aix', 'android', 'haiku', 'cygwin', 'netbsd'],
};

export interface SessionOptions {
  providers?: readonly ExecutionProvider[];
  intraOpThreads?: number;
  interOpThreads?: number;
  /**
   * The model file's folder: onnxruntime looks there for external data (initializers stored beside the .onnx file,
   * how models over protobuf's 2 GB limit are saved), which it cannot locate for a model given as bytes.
   */
  modelFolder?: string;
  /** Injected for tests: creates a session for one provider. */
  createSession?: (model: Uint8Array, provider: ExecutionProvider, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
  platform?: NodeJS.Platform;
}

export interface ModelInput {
  name: string;
  /** [1, 3, H, W]; dynamic dimensions are reported as -1. */
  dims: number[];
  /** Element type: float32, or float16 for half-precision exports (fed converted, outputs converted back). */
  type?: 'float32' | 'float16';
}

export class ModelLoadError extends Error {
  constructor(modelName: string, problem: string) {
    super(`${modelName}: ${problem}`);
    this.name = 'ModelLoadError';
  }
}

export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly input: ModelInput,
    readonly outputs: { name: string; dims: number[] }[],
    readonly provider: ProviderReport,
  ) {}

  /**
   * Loads a model from its bytes. Tries the preferred providers in order, filtered by platform, and records
   * the reason for each fallback (not for this platform, not in this build, failed to initialise).
   */
  static async load(modelBytes: Uint8Array, modelName: string, options: SessionOptions = {}): Promise<OnnxModel> {
    const platform = options.platform ?? process.platform;
    const preference = options.providers?.length ? options.providers : DEFAULT_PROVIDER_PREFERENCE;
    const fallbacks: ProviderReport['fallbacks'] = [];
    const bundled = new Set(ort.listSupportedBackends().filter((b) => b.bundled).map((b) => b.name));
    const create = options.createSession ?? ((bytes, provider, sessionOptions) =>
      ort.InferenceSession.create(bytes, { ...sessionOptions, executionProviders: [provider] }));
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      ...(options.interOpThreads ? { interOpNumThreads: options.interOpThreads } : {}),
      // Session config entry "session.model_external_initializers_file_folder_path" (onnxruntime_session_options_config_keys.h).
      ...(options.modelFolder ? { extra: { session: { model_external_initializers_file_folder_path: options.modelFolder } } } : {}),
    };
    const candidates = preference.includes('cpu') ? preference : [...preference, 'cpu' as const];
    let lastError: unknown;
    for (const provider of candidates) {
      if (!PROVIDER_PLATFORMS[provider].includes(platform)) {
        fallbacks.push({ provider, reason: `not available on ${platform}` });
        continue;
      }
      // CUDA's provider library is a separate download (skipped by onnxruntime-node-install=skip); without it
      // onnxruntime would print a native error before failing, so check for the file first.
      if (provider === 'cuda' && !options.createSession && !cudaProviderInstalled()) {
        fallbacks.push({ provider, reason: 'CUDA provider library not installed (onnxruntime-node was installed without its CUDA binaries)' });
        continue;
      }
      if (provider !== 'cpu' && provider !== 'cuda' && !options.createSession && !bundled.has(provider)) {
        fallbacks.push({ provider, reason: 'not included in this onnxruntime-node build' });
        continue;
      }
      try {
        const session = await create(modelBytes, provider, sessionOptions);
        return OnnxModel.fromSession(session, modelName, {
          active: provider, fallbacks,
          intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads,
        });
      } catch (error) {
        lastError = error;
        const message = error instanceof Error ? error.message : String(error);
        if (provider === 'cpu') break;
        fallbacks.push({ provider, reason: `failed to initialise: ${firstLine(message)}` });
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    throw new ModelLoadError(modelName, `not a loadable ONNX model (${firstLine(message)})`);
  }

  private static fromSession(session: ort.InferenceSession, modelName: string, provider: ProviderReport): OnnxModel {
    const inputs = session.inputMetadata;
    const tensorInputs = inputs.filter((m) => m.isTensor);
    if (tensorInputs.length !== 1) {
      throw new ModelLoadError(modelName, `expected one image input, found ${tensorInputs.length} (${session.inputNames.join(', ')}): not a single-image detector`);
    }
    const meta = tensorInputs[0] as ort.InferenceSession.ValueMetadata & { shape: readonly (number | string)[]; type: string };
    const dims = meta.shape.map((d) => (typeof d === 'number' ? d : -1));
    if (dims.length !== 4 || (dims[1] !== 3 && dims[1] !== -1)) {
      throw new ModelLoadError(modelName, `input "${meta.name}" has shape [${meta.shape.join(', ')}]; a detector takes [1, 3, H, W] images`);
    }
    if (meta.type !== 'float32' && meta.type !== 'float16') throw new ModelLoadError(modelName, `input "${meta.name}" is ${meta.type}; GFL Lens feeds float32 images (float16 to half-precision exports)`);
    const outputs = session.outputMetadata.map((m) => ({
      name: m.name,
      dims: m.isTensor ? (m as { shape: readonly (number | string)[] }).shape.map((d) => (typeof d === 'number' ? d : -1)) : [],
    }));
    return new OnnxModel(session, { name: meta.name, dims, type: meta.type }, outputs, provider);
  }

  /** Runs one [1, 3, H, W] image tensor. Output dims are the real ones from this run (dynamic shapes resolved). */
  async run(input: Float32Array, height: number, width: number): Promise<RawTensor[]> {
    const tensor = this.input.type === 'float16'
      ? new ort.Tensor('float16', float32ToHalves(input), [1, 3, height, width])
      : new ort.Tensor('float32', input, [1, 3, height, width]);
    const results = await this.session.run({ [this.input.name]: tensor });
    return this.session.outputNames.map((name) => {
      const t = results[name];
      // float16 arrives as Uint16Array bit patterns (Node 20 has no Float16Array); uint8 (QLinearSoftmax) as numbers.
      const data = t.type === 'float32' ? (t.data as Float32Array)
        : t.type === 'float16' && t.data instanceof Uint16Array ? halvesToFloat32(t.data) : Float32Array.from(t.data as ArrayLike<number>);
      return { name, dims: [...t.dims], data };
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function cudaProviderInstalled(): boolean {
  try {
    const binding = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(binding, 'bin', 'napi-v6', process.platform, process.arch);
    const name = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return fs.existsSync(path.join(dir, name));
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
