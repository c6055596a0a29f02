// The only module that touches onnxruntime-node. It loads a model with an execution provider, either the first
// in a given order that works (recording why the others were skipped) or, in `auto` mode, the fastest on this
// model by measured warm-up runs, and hands outputs on as plain Float32Arrays.
import type * as Ort from 'onnxruntime-node';
import fs from 'node:fs';
import path from 'node:path';
import type { ProviderReport, ProviderTrial } from '../core/runFormat.ts';
import { float32ToHalves, halvesToFloat32 } from '../core/onnx/tensorData.ts';
import type { RawTensor } from '../core/types.ts';
import { ALL_PROVIDERS, explainProviderError, PROVIDER_PLATFORMS, CUDA_INSTALL_HINT, type ExecutionProvider, type ProviderChoice } from './providerDiagnosis.ts';

let ortModule: typeof Ort | undefined;

/** onnxruntime-node, loaded on first use: commands that run no model (analyze --run, report, eval) skip its start-up. */
function ort(): typeof Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (see above)
  return (ortModule ??= require('onnxruntime-node') as typeof Ort);
}

export { ALL_PROVIDERS, type ExecutionProvider, type ProviderChoice };
/** Order used by an explicit list's fallback and by `auto`'s trials (CPU is timed first: the bar to beat). */
export const DEFAULT_PROVIDER_PREFERENCE: readonly ProviderChoice[] = ['auto'];
const AUTO_TRIAL_ORDER: readonly ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'];
/** Timed runs per provider in `auto` (after one untimed warm-up run). */
const AUTO_TIMED_RUNS = 3;

export interface SessionOptions {
  /** `['auto']` (default) or providers in order of preference. */
  providers?: readonly ProviderChoice[];
  intraOpThreads?: number;
  interOpThreads?: number;
  /** [width, height] to time `auto` trials with when the model's input size is dynamic. */
  probeInputSize?: [number, number];
  /**
   * The model file's folder: onnxruntime looks there for external data (initializers stored beside the .onnx file,
   * how models over protobuf's 2 GB limit are saved), which it cannot locate for a model given as bytes.
   */
  modelFolder?: string;
  /** Injected for tests: creates a session for one provider. */
  createSession?: (model: Uint8Array, provider: ExecutionProvider, options: Ort.InferenceSession.SessionOptions) => Promise<Ort.InferenceSession>;
  platform?: NodeJS.Platform;
  arch?: string;
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

/** Why `provider` cannot be used in this installation at all, or undefined when it may be tried. */
export function providerUnavailableReason(provider: ExecutionProvider, platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (!PROVIDER_PLATFORMS[provider].includes(platform)) return `not available on ${platform}`;
  if (provider === 'cpu') return undefined;
  if (provider === 'cuda') {
    if (platform !== 'linux' || arch !== 'x64') return `onnxruntime-node ships its CUDA provider for linux-x64 only, not ${platform}-${arch}`;
    // Without the library onnxruntime would print a native error before failing, so check for the file first.
    return cudaProviderInstalled() ? undefined : `CUDA provider library not installed (onnxruntime-node comes without it): ${CUDA_INSTALL_HINT}`;
  }
  const bundled = new Set(ort().listSupportedBackends().filter((b) => b.bundled).map((b) => b.name));
  return bundled.has(provider) ? undefined : `not included in onnxruntime-node's ${platform}-${arch} build`;
}

/** onnxruntime-node's backends as it lists them (name, bundled), for diagnostics. */
export function listOrtBackends(): { name: string; bundled: boolean }[] {
  return ort().listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export class OnnxModel {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly input: ModelInput,
    readonly outputs: { name: string; dims: number[] }[],
    public provider: ProviderReport,
  ) {}

  /**
   * Loads a model from its bytes. An explicit list is tried in order, filtered by platform, recording the reason
   * for each fallback (not for this platform, not in this build, failed to initialise); CPU ends every list.
   * `auto` (the default) creates a session on every available provider, times warm-up runs and keeps the fastest.
   */
  static async load(modelBytes: Uint8Array, modelName: string, options: SessionOptions = {}): Promise<OnnxModel> {
    const preference = options.providers?.length ? options.providers : DEFAULT_PROVIDER_PREFERENCE;
    if (preference.includes('auto')) return OnnxModel.loadFastest(modelBytes, modelName, options);
    const candidates = (preference.includes('cpu') ? preference : [...preference, 'cpu']) as ExecutionProvider[];
    const fallbacks: ProviderReport['fallbacks'] = [];
    const opener = new SessionOpener(modelBytes, options);
    let lastError: unknown;
    for (const provider of candidates) {
      const unavailable = opener.unavailable(provider);
      if (unavailable) {
        fallbacks.push({ provider, reason: unavailable });
        continue;
      }
      const started = performance.now();
      try {
        const session = await opener.create(provider);
        const createMs = performance.now() - started;
        return OnnxModel.fromSession(session, modelName, {
          active: provider, fallbacks, selection: 'ordered',
          decision: `${provider}: the first provider in the given order (${candidates.join(', ')}) that initialised`,
          trials: [{ provider, createMs: round(createMs), runMs: [] }],
          intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads,
        });
      } catch (error) {
        if (error instanceof ModelLoadError) throw error;
        lastError = error;
        if (provider === 'cpu') break;
        fallbacks.push({ provider, reason: opener.explain(provider, error) });
      }
    }
    throw new ModelLoadError(modelName, `not a loadable ONNX model (${firstLine(errorMessage(lastError))})`);
  }

  /** `auto`: every available provider is created and timed on the model itself; the fastest median wins. */
  private static async loadFastest(modelBytes: Uint8Array, modelName: string, options: SessionOptions): Promise<OnnxModel> {
    const opener = new SessionOpener(modelBytes, options);
    const fallbacks: ProviderReport['fallbacks'] = [];
    const trials: ProviderTrial[] = [];
    let best: { model: OnnxModel; provider: ExecutionProvider; medianMs: number } | undefined;
    let cpuError: unknown;
    for (const provider of AUTO_TRIAL_ORDER) {
      const unavailable = opener.unavailable(provider);
      if (unavailable) {
        if (!unavailable.startsWith('not available on')) fallbacks.push({ provider, reason: unavailable });
        continue;
      }
      let model: OnnxModel;
      const started = performance.now();
      try {
        // The report is filled in once every provider has been timed.
        model = OnnxModel.fromSession(await opener.create(provider), modelName, { active: provider, fallbacks: [] });
      } catch (error) {
        if (error instanceof ModelLoadError) throw error;
        if (provider === 'cpu') cpuError = error;
        fallbacks.push({ provider, reason: opener.explain(provider, error) });
        continue;
      }
      const trial: ProviderTrial = { provider, createMs: round(performance.now() - started), runMs: [] };
      trials.push(trial);
      const size = timingSize(model.input, options.probeInputSize);
      if (!size) {
        // Nothing to time with: keep the first session that works (CPU comes first).
        trial.note = 'not timed: the model input size is dynamic and no inputSize is known';
        best ??= { model, provider, medianMs: Infinity };
        if (best.model !== model) await model.dispose();
        continue;
      }
      try {
        await timeRuns(model, size, trial, best?.medianMs);
      } catch (error) {
        fallbacks.push({ provider, reason: `failed on a test run: ${firstLine(opener.explain(provider, error))}` });
        await model.dispose();
        continue;
      }
      if (!best || trial.medianMs! < best.medianMs) {
        if (best) await best.model.dispose();
        best = { model, provider, medianMs: trial.medianMs! };
      } else {
        await model.dispose();
      }
    }
    if (!best) throw new ModelLoadError(modelName, `not a loadable ONNX model (${firstLine(errorMessage(cpuError))})`);
    const active = best.provider;
    const timed = trials.filter((t) => t.medianMs !== undefined);
    const decision = timed.length > 1
      ? `${active}: fastest of ${timed.map((t) => `${t.provider} ${t.medianMs!.toFixed(1)} ms`).join(', ')} (median forward pass on this model)`
      : timed.length === 1 ? `${active}: the only provider that initialised (${timed[0].medianMs!.toFixed(1)} ms per forward pass)`
        : `${active}: ${trials[0]?.note ?? 'the first provider that initialised'}`;
    best.model.provider = {
      active, fallbacks, selection: 'auto', decision, trials,
      intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads,
    };
    return best.model;
  }

  /** Wraps a created session after checking that it takes one [1, 3, H, W] float32 image (else ModelLoadError). */
  static fromSession(session: Ort.InferenceSession, modelName: string, provider: ProviderReport): OnnxModel {
    const inputs = session.inputMetadata;
    const tensorInputs = inputs.filter((m) => m.isTensor);
    const fail = (problem: string) => {
      void session.release();
      return new ModelLoadError(modelName, problem);
    };
    if (tensorInputs.length !== 1) {
      throw fail(`expected one image input, found ${tensorInputs.length} (${session.inputNames.join(', ')}): not a single-image detector`);
    }
    const meta = tensorInputs[0] as Ort.InferenceSession.ValueMetadata & { shape: readonly (number | string)[]; type: string };
    const dims = meta.shape.map((d) => (typeof d === 'number' ? d : -1));
    if (dims.length !== 4 || (dims[1] !== 3 && dims[1] !== -1)) {
      throw fail(`input "${meta.name}" has shape [${meta.shape.join(', ')}]; a detector takes [1, 3, H, W] images`);
    }
    if (meta.type !== 'float32' && meta.type !== 'float16') throw fail(`input "${meta.name}" is ${meta.type}; GFL Lens feeds float32 images (float16 to half-precision exports)`);
    const outputs = session.outputMetadata.map((m) => ({
      name: m.name,
      dims: m.isTensor ? (m as { shape: readonly (number | string)[] }).shape.map((d) => (typeof d === 'number' ? d : -1)) : [],
    }));
    return new OnnxModel(session, { name: meta.name, dims, type: meta.type }, outputs, provider);
  }

  /** Runs one [1, 3, H, W] image tensor. Output dims are the real ones from this run (dynamic shapes resolved). */
  async run(input: Float32Array, height: number, width: number): Promise<RawTensor[]> {
    const tensor = this.input.type === 'float16'
      ? new (ort().Tensor)('float16', float32ToHalves(input), [1, 3, height, width])
      : new (ort().Tensor)('float32', input, [1, 3, height, width]);
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

/** What happened when one provider was tried on a model by itself (for diagnostics, never falling back). */
export interface ProviderProbe {
  provider: ExecutionProvider;
  status: 'ok' | 'unavailable' | 'failed';
  /** Why it is unavailable or failed, in words a user can act on. */
  reason?: string;
  /** onnxruntime's own message, first line, when it failed. */
  error?: string;
  trial?: ProviderTrial;
}

/**
 * Creates a session on exactly `provider` and times one warm-up plus `runs` runs on the model, fewer once the timed
 * runs have taken 2 s (a software adapter needs seconds per run: one timed run says enough).
 */
export async function probeProvider(modelBytes: Uint8Array, modelName: string, provider: ExecutionProvider, options: SessionOptions = {}, runs = AUTO_TIMED_RUNS): Promise<ProviderProbe> {
  const opener = new SessionOpener(modelBytes, options);
  const unavailable = opener.unavailable(provider);
  if (unavailable) return { provider, status: 'unavailable', reason: unavailable };
  const started = performance.now();
  let model: OnnxModel;
  try {
    const session = await opener.create(provider);
    model = OnnxModel.fromSession(session, modelName, { active: provider, fallbacks: [] });
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    return { provider, status: 'failed', reason: opener.explain(provider, error), error: nativeMessage(error) };
  }
  const trial: ProviderTrial = { provider, createMs: round(performance.now() - started), runMs: [] };
  try {
    const size = timingSize(model.input, options.probeInputSize);
    if (size) await timeRuns(model, size, trial, undefined, runs, 2000);
    else trial.note = 'not timed: the model input size is dynamic and no inputSize is known';
    return { provider, status: 'ok', trial };
  } catch (error) {
    return { provider, status: 'failed', reason: `failed on a test run: ${opener.explain(provider, error)}`, error: nativeMessage(error), trial };
  } finally {
    await model.dispose();
  }
}

/** Creates sessions for one model, one provider at a time, with the shared session options. */
class SessionOpener {
  private readonly sessionOptions: Ort.InferenceSession.SessionOptions;
  private readonly platform: NodeJS.Platform;
  private readonly arch: string;

  constructor(private readonly modelBytes: Uint8Array, private readonly options: SessionOptions) {
    this.platform = options.platform ?? process.platform;
    this.arch = options.arch ?? process.arch;
    this.sessionOptions = {
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      ...(options.interOpThreads ? { interOpNumThreads: options.interOpThreads } : {}),
      // Session config entry "session.model_external_initializers_file_folder_path" (onnxruntime_session_options_config_keys.h).
      ...(options.modelFolder ? { extra: { session: { model_external_initializers_file_folder_path: options.modelFolder } } } : {}),
    };
  }

  /** Injected session factories (tests) see every provider that exists on the platform as installed. */
  unavailable(provider: ExecutionProvider): string | undefined {
    if (this.options.createSession) return PROVIDER_PLATFORMS[provider].includes(this.platform) ? undefined : `not available on ${this.platform}`;
    return providerUnavailableReason(provider, this.platform, this.arch);
  }

  create(provider: ExecutionProvider): Promise<Ort.InferenceSession> {
    const create = this.options.createSession ?? ((bytes, p, sessionOptions) =>
      ort().InferenceSession.create(bytes, { ...sessionOptions, executionProviders: [p] }));
    return create(this.modelBytes, provider, this.sessionOptions);
  }

  explain(provider: ExecutionProvider, error: unknown): string {
    return explainProviderError(provider, errorMessage(error), this.platform);
  }

}

/** [height, width] to time with: the model's fixed input size, else the probe size, else none. */
function timingSize(input: ModelInput, probe?: [number, number]): [number, number] | undefined {
  const [, , h, w] = input.dims;
  if (h > 0 && w > 0) return [h, w];
  return probe ? [probe[1], probe[0]] : undefined;
}

/**
 * One untimed warm-up run (kernel compilation, allocations), then up to AUTO_TIMED_RUNS timed runs. Stops early
 * once a run takes over twice `toBeat`: that provider cannot win, and a software adapter may need seconds per run.
 */
async function timeRuns(model: OnnxModel, [height, width]: [number, number], trial: ProviderTrial, toBeat?: number, runs = AUTO_TIMED_RUNS, budgetMs = Infinity): Promise<void> {
  const input = new Float32Array(3 * height * width);
  let t = performance.now();
  await model.run(input, height, width);
  trial.firstRunMs = round(performance.now() - t);
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await model.run(input, height, width);
    const ms = performance.now() - t;
    trial.runMs.push(round(ms));
    if (toBeat !== undefined && ms > 2 * toBeat) break;
    if (trial.runMs.reduce((a, b) => a + b, 0) > budgetMs) break;
  }
  const sorted = [...trial.runMs].sort((a, b) => a - b);
  trial.medianMs = round(sorted[(sorted.length - 1) >> 1]);
}

function cudaProviderInstalled(): boolean {
  try {
    const dir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    const name = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return fs.existsSync(path.join(dir, name));
  } catch {
    return false;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** onnxruntime's message without the source location and assertion text that precede what went wrong. */
function nativeMessage(error: unknown): string {
  return firstLine(errorMessage(error).replace(/^\/\S+:\d+ .*? was false\.\s*/, '').replace(/^\/\S+:\d+ \S+\s*/, ''));
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
