// A loaded GFL-family detector: model + resolved profile + head plan. Turns image files into decoded detections,
// and streams a whole list of images with preprocessing, inference and decoding overlapped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeDetections, type DecodeHead } from '../core/decode.ts';
import { describeHead, looksActivated, looksSoftmaxed, planHead, sliceHead, type HeadHints, type HeadPlan } from '../core/head.ts';
import { getPreset, mergeProfile, parseProfileOverride, type ProfileOverride } from '../core/profiles.ts';
import { prepareGraph } from '../core/onnx/dflSurgery.ts';
import { readUltralyticsMetadata, ULTRALYTICS_DECODE_OPTIONS, ultralyticsRefusal } from '../core/ultralytics.ts';
import { checkDistributions, looksLikeUltralyticsOutput, planUltralyticsHead } from '../core/ultralyticsHead.ts';
import { RUN_FORMAT, RUN_FORMAT_VERSION, type DatasetReference, type ImageTiming, type ModelIdentity, type RunHeader } from '../core/runFormat.ts';
import { DEFAULT_DECODE_OPTIONS, type DecodeOptions, type Detection, type HeadDescription, type InputTransform, type ModelProfile } from '../core/types.ts';
import { parseJsonText } from '../core/jsonText.ts';
import { assertFiniteOutputs } from '../core/outputCheck.ts';
import { InputFileError, MAX_MODEL_BYTES, readRegularFile, readTextInput } from '../io/safeRead.ts';
import type { ProviderChoice } from './onnxSession.ts';
import { WorkerModel, type InferenceModel } from './workerModel.ts';
import type { PreprocessRequest } from './preprocessWorker.ts';
import { WorkerPool } from '../workers/pool.ts';
import { DEFAULT_MAX_PIXELS, prepareImage, type PreparedImage, type PrepareOptions } from './preprocess.ts';

export const TOOL_VERSION = '0.1.0';
/** A profile placed beside a model as "<model>.gfl-profile.json" is picked up automatically. */
export const SIDECAR_PROFILE_SUFFIX = '.gfl-profile.json';

export interface DetectorOptions {
  modelPath: string;
  /** A preset name (nanodet-m, nanodet-plus, picodet, mmdet-gfl) to start from instead of guessing. */
  preset?: string;
  /** Explicit profile fields; they win over detection and presets. */
  profile?: ProfileOverride;
  /** Where `profile` came from, for error messages. */
  profileSource?: string;
  decode?: Partial<DecodeOptions>;
  /** Post-processing defaults under `decode`: GFL's test settings, or Ultralytics' validation settings (default for Ultralytics-layout models). */
  decodePreset?: 'gfl' | 'ultralytics';
  /** `['auto']` (default: the fastest measured on this model) or providers in order of preference. */
  providers?: readonly ProviderChoice[];
  intraOpThreads?: number;
  interOpThreads?: number;
  maxPixels?: number;
  /** JPEG shrink-on-load (faster, slightly different pixels): see PrepareOptions.fastDecode. */
  fastDecode?: boolean;
  /** The inference worker script (tests substitute one that dies); default dist/inferenceWorker.js. */
  inferenceWorkerFile?: string;
  /**
   * Worker threads that decode and preprocess images during detectMany; 0 prepares on the calling thread.
   * Default: one per core when the model runs on an accelerator, half the cores (at least 1) when it runs on the
   * CPU provider, whose own threads need the other half.
   */
  preprocessThreads?: number;
}

export interface ImageDetections {
  detections: Detection[];
  transform: InputTransform;
  timingMs: ImageTiming;
}

export class Detector {
  private constructor(
    private readonly model: InferenceModel,
    readonly identity: ModelIdentity,
    readonly profile: ModelProfile,
    readonly head: HeadDescription,
    private readonly plan: HeadPlan,
    private readonly decodeHead: DecodeHead,
    readonly decodeOptions: DecodeOptions,
    private readonly prepareOptions: PrepareOptions,
    private readonly preprocessThreads: number,
  ) {}

  static async create(options: DetectorOptions): Promise<Detector> {
    const modelName = path.basename(options.modelPath);
    const bytes = await readRegularFile(options.modelPath, 'model', MAX_MODEL_BYTES);
    const sidecar = await readSidecarProfile(options.modelPath);
    const withExtends = mergeOverrides(sidecar, options.profile);
    const presetName = options.preset ?? withExtends?.extends;
    const preset = presetName ? getPreset(presetName) : undefined;
    if (presetName && !preset) throw new Error(`unknown profile preset "${presetName}"`);
    const explicit = withExtends && stripExtends(withExtends);

    // Ultralytics-layout graphs (YOLOv8/YOLO11) keep their DFL softmax inside: expose it as an extra output.
    const graph = prepareGraph(bytes, modelName);
    const ultralytics = readUltralyticsMetadata(graph.inspection.metadata, modelName);
    const refusal = ultralytics && ultralyticsRefusal(ultralytics);
    if (refusal) throw new Error(`${modelName}: ${refusal}`);
    const forcedLayout = explicit?.layout ?? preset?.layout;
    const declaredInput = graph.inspection.inputs[0]?.dims ?? [];
    const declaredSize: [number, number] | undefined = declaredInput[2] > 0 && declaredInput[3] > 0 ? [declaredInput[3], declaredInput[2]] : undefined;
    const ultralyticsLayout = forcedLayout === 'ultralytics' || (!forcedLayout && (ultralytics !== undefined
      || (declaredSize !== undefined && graph.inspection.outputs.some((o) => looksLikeUltralyticsOutput(o.dims, declaredSize)))));

    const model = await WorkerModel.load(ultralyticsLayout ? graph.bytes : bytes, modelName, {
      providers: options.providers, intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads,
      modelFolder: path.dirname(path.resolve(options.modelPath)),
      probeInputSize: explicit?.inputSize ?? preset?.inputSize,
    }, { workerFile: options.inferenceWorkerFile });
    try {
      const inputSize = resolveInputSize(modelName, model.input.dims, explicit?.inputSize ?? preset?.inputSize ?? ultralytics?.imgsz);
      // One warm-up run on a mean-grey image gives the real output shapes (dynamic dims resolved) and shows
      // whether scores and DFL groups are already activated.
      const warm = await model.run(new Float32Array(3 * inputSize[0] * inputSize[1]), inputSize[1], inputSize[0]);
      assertFiniteOutputs(warm, `${modelName} (warm-up on a mean-grey image)`);
      const hints: HeadHints = {
        layout: explicit?.layout ?? preset?.layout,
        strides: explicit?.strides ?? preset?.strides,
        regMax: explicit?.regMax ?? preset?.regMax,
        numClasses: explicit?.classNames?.length,
      };
      const shapes = warm.map((t) => ({ name: t.name, dims: t.dims }));
      const tapOutputs = graph.inspection.taps.map((tap) => ({ tap, output: warm.findIndex((t) => t.name === tap.tensor) })).filter((t) => t.output >= 0);
      const plan = ultralyticsLayout
        ? planUltralyticsHead(modelName, shapes, inputSize, tapOutputs, {
          numClasses: explicit?.classNames?.length ?? ultralytics?.classNames.length,
          strides: explicit?.strides,
          centerOffset: explicit?.centerOffset ?? 0.5,
        })
        : planHead(modelName, shapes, inputSize, hints);
      const levels = sliceHead(plan, warm);
      const base = preset ?? (ultralyticsLayout ? getPreset('ultralytics')! : guessPreset(plan));
      if (ultralytics) base.classNames = ultralytics.classNames;
      const profile = mergeProfile({
        ...base,
        inputSize,
        strides: plan.levels.map((l) => l.stride),
        regMax: plan.regMax,
        classNames: plan.numClasses === base.classNames.length ? base.classNames : Array.from({ length: plan.numClasses }, (_, i) => `class_${i}`),
      }, explicit);
      if (profile.classNames.length !== plan.numClasses) {
        throw new Error(`${options.profileSource ?? 'profile'}: classNames has ${profile.classNames.length} names but ${modelName} predicts ${plan.numClasses} classes`);
      }
      const scoresActivated = profile.scoreActivation === 'auto' ? looksActivated(levels) : profile.scoreActivation === 'none';
      if (plan.layout === 'ultralytics') {
        // The exposed tensor must be the softmax over the bins: each group of n sums to 1.
        const problem = checkDistributions(levels, plan.regMax + 1, plan.levels.some((l) => l.distances.dequantize));
        if (problem) throw new Error(`${modelName}: the DFL softmax GFL Lens found does not hold per-edge distributions (${problem})`);
      }
      const distributionsActivated = plan.layout === 'integrated' ? false : plan.layout === 'ultralytics' ? true
        : profile.distributionActivation === 'auto' ? looksSoftmaxed(levels, plan.regMax) : profile.distributionActivation === 'none';
      const head = describeHead(plan, scoresActivated, distributionsActivated);
      const sources = [sidecar && `${modelName}${SIDECAR_PROFILE_SUFFIX}`, options.profile && (options.profileSource ?? 'the given profile')].filter(Boolean).join(' + ');
      const explicitPreprocessing = explicit && (['colorOrder', 'mean', 'std', 'resize'] as const).every((k) => explicit[k] !== undefined);
      head.notes.unshift(preset ? `profile: preset "${preset.name}"${explicit ? ` with overrides from ${sources}` : ''}`
        : explicitPreprocessing ? `profile: ${sources}`
          : ultralytics ? `profile: from the model's Ultralytics metadata (${ultralytics.task}, ${ultralytics.classNames.length} class names${ultralytics.version ? `, Ultralytics ${ultralytics.version}` : ''})${explicit ? `, with overrides from ${sources}` : ''}`
            : `profile: preprocessing of preset "${base.name}", guessed from the head layout${explicit ? `, with overrides from ${sources}` : ''}`);
      const decodePreset = options.decodePreset ?? (ultralyticsLayout ? 'ultralytics' : 'gfl');
      const decodeOptions: DecodeOptions = { ...(decodePreset === 'ultralytics' ? ULTRALYTICS_DECODE_OPTIONS : DEFAULT_DECODE_OPTIONS), ...options.decode };
      head.notes.push(decodePreset === 'ultralytics'
        ? 'post-processing: Ultralytics validation settings (conf 0.001, multi-label, 30,000 candidates, class-aware NMS IoU 0.7, 300 per image) unless overridden'
        : 'post-processing: GFL test settings (score 0.05, top-1000 per level, class-aware NMS IoU 0.6, 100 per image) unless overridden');
      const identity: ModelIdentity = {
        path: options.modelPath,
        fileName: modelName,
        sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        inputName: model.input.name,
        outputs: warm.map((t) => ({ name: t.name, dims: [...t.dims] })),
      };
      return new Detector(model, identity, profile, head, plan, {
        numClasses: plan.numClasses, regMax: plan.regMax, hasDistributions: head.hasDistributions,
        scoresActivated, distributionsActivated, centerOffset: profile.centerOffset, clipBoxes: profile.clipBoxes ?? true,
      }, decodeOptions, { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS, fastDecode: options.fastDecode },
      resolvePreprocessThreads(options.preprocessThreads, model.provider.active));
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  get provider() {
    return this.model.provider;
  }

  runHeader(dataset: DatasetReference): RunHeader {
    return {
      record: 'header', format: RUN_FORMAT, version: RUN_FORMAT_VERSION, createdAt: new Date().toISOString(),
      tool: { name: 'gfl-lens', version: TOOL_VERSION },
      model: this.identity, profile: this.profile, head: this.head, decode: this.decodeOptions,
      provider: this.provider, dataset,
    };
  }

  prepare(source: string | Buffer, label: string): Promise<PreparedImage> {
    return prepareImage(source, label, this.profile, this.prepareOptions);
  }

  /**
   * Prepares in the worker pool (identical result to prepare(); the tensor's memory is moved, not copied). An image
   * that fails there (its worker died, or libvips' process-wide error buffer was cleared by another decoding thread,
   * leaving "Unknown error") is prepared again on this thread, which succeeds or throws that image's own error.
   */
  private async preparePooled(pool: WorkerPool, source: string | Buffer, label: string): Promise<PreparedImage> {
    const request: Omit<PreprocessRequest, 'id'> = { kind: 'prepare', source, label, profile: this.profile, options: this.prepareOptions };
    try {
      const reply = await pool.request(request, [], `preparing ${label}`);
      return reply.prepared as PreparedImage;
    } catch {
      return this.prepare(source, label);
    }
  }

  /**
   * A preprocessing pool for one detectMany/prepareMany over several images (closed when it ends, so an idle
   * detector holds no workers), or none: one image, preprocessThreads 0, or no worker bundle (running from sources).
   */
  private startPool(count: number): WorkerPool | undefined {
    const file = count > 1 && this.preprocessThreads > 0 ? preprocessWorkerFile() : undefined;
    return file ? new WorkerPool('the preprocessing worker', Math.min(this.preprocessThreads, count), () => new Worker(file)) : undefined;
  }

  /** Runs the model. `consume` hands the tensor's memory to the inference worker (no copy); it is unusable after. */
  async infer(prepared: PreparedImage, consume = false, label?: string) {
    const [w, h] = this.profile.inputSize;
    return this.model.run(prepared.tensor, h, w, consume, label);
  }

  decode(outputs: Awaited<ReturnType<Detector['infer']>>, transform: InputTransform): Detection[] {
    return decodeDetections(sliceHead(this.plan, outputs), this.decodeHead, transform, this.decodeOptions);
  }

  /** Detects one image file (or its bytes). */
  async detect(source: string | Buffer, label = typeof source === 'string' ? source : 'image'): Promise<ImageDetections> {
    const t0 = performance.now();
    const prepared = await this.prepare(source, label);
    const t1 = performance.now();
    const outputs = await this.infer(prepared, true, label);
    assertFiniteOutputs(outputs, label);
    const t2 = performance.now();
    const detections = this.decode(outputs, prepared.transform);
    const t3 = performance.now();
    return { detections, transform: prepared.transform, timingMs: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, decodeMs: t3 - t2 } };
  }

  /**
   * Prepares many images in order through the preprocessing pool (the first stage of detectMany, on its own), with
   * at most two per pool worker in flight. Errors are yielded per image. The benchmark uses it to measure what the
   * CPU side of a dataset run can sustain when the forward pass costs no CPU.
   */
  async *prepareMany<T extends { source: string; label: string }>(items: readonly T[]): AsyncGenerator<{ item: T; prepared?: PreparedImage; error?: Error }> {
    const pool = this.startPool(items.length);
    const ahead = Math.max(3, 2 * (pool?.size ?? 1));
    const pending: Promise<PreparedImage>[] = [];
    const start = (i: number) => {
      if (i >= items.length) return;
      const promise = pool ? this.preparePooled(pool, items[i].source, items[i].label) : this.prepare(items[i].source, items[i].label);
      promise.catch(() => undefined); // observed when awaited below
      pending[i] = promise;
    };
    try {
      for (let i = 0; i < ahead; i++) start(i);
      for (let i = 0; i < items.length; i++) {
        try {
          yield { item: items[i], prepared: await pending[i] };
        } catch (error) {
          yield { item: items[i], error: error as Error };
        }
        delete pending[i];
        start(i + ahead);
      }
    } finally {
      await pool?.close();
    }
  }

  /**
   * Detects many images in order, overlapping work: while the inference worker runs image i+1, the main thread
   * decodes image i's outputs and the preprocessing pool (see preprocessThreads) reads and prepares the next
   * images. At most `prefetch` images are prepared ahead (bounded memory; default two per pool worker, at least 3).
   * Errors on one image are yielded, not thrown, so a dataset run skips bad images instead of dying.
   */
  async *detectMany<T extends { source: string; label: string }>(items: readonly T[], signal?: AbortSignal, prefetch?: number):
    AsyncGenerator<{ item: T; result?: ImageDetections; error?: Error }> {
    const pool = this.startPool(items.length);
    try {
      yield* this.pipeline(items, pool, prefetch ?? Math.max(3, 2 * (pool?.size ?? 1)), signal);
    } finally {
      await pool?.close();
    }
  }

  private async *pipeline<T extends { source: string; label: string }>(items: readonly T[], pool: WorkerPool | undefined, ahead: number, signal?: AbortSignal):
    AsyncGenerator<{ item: T; result?: ImageDetections; error?: Error }> {
    type Prepared = PreparedImage & { preparedMs: number };
    type Inferred = { prepared: Prepared; outputs: Awaited<ReturnType<Detector['infer']>>; inferenceMs: number };
    const prepared: (Promise<Prepared> | undefined)[] = [];
    const prepare = (i: number) => {
      if (i < items.length && !prepared[i]) {
        const t = performance.now();
        const started = pool ? this.preparePooled(pool, items[i].source, items[i].label) : this.prepare(items[i].source, items[i].label);
        const promise = started.then((p) => ({ ...p, preparedMs: performance.now() - t }));
        promise.catch(() => undefined); // observed when awaited below
        prepared[i] = promise;
      }
    };
    // Starts inference of image i as soon as its tensor is ready; failures surface when awaited.
    const infer = (i: number): Promise<Inferred> | undefined => {
      if (i >= items.length) return undefined;
      for (let k = i; k < i + ahead; k++) prepare(k);
      const promise = prepared[i]!.then(async (p) => {
        const t = performance.now();
        const outputs = await this.infer(p, true, items[i].label);
        assertFiniteOutputs(outputs, items[i].label);
        return { prepared: p, outputs, inferenceMs: performance.now() - t };
      });
      promise.catch(() => undefined);
      prepared[i] = undefined;
      return promise;
    };
    let current = infer(0);
    for (let i = 0; i < items.length; i++) {
      if (signal?.aborted) return;
      const next = infer(i + 1);
      try {
        const { prepared: p, outputs, inferenceMs } = await current!;
        const t = performance.now();
        const detections = this.decode(outputs, p.transform);
        yield {
          item: items[i],
          result: { detections, transform: p.transform, timingMs: { preprocessMs: p.preparedMs, inferenceMs, decodeMs: performance.now() - t } },
        };
      } catch (error) {
        yield { item: items[i], error: error as Error };
      }
      current = next;
    }
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}

function resolvePreprocessThreads(threads: number | undefined, provider: string): number {
  const cores = os.availableParallelism();
  if (threads === undefined) return provider === 'cpu' ? Math.max(1, Math.floor(cores / 2)) : cores;
  if (!Number.isInteger(threads) || threads < 0 || threads > 256) throw new Error(`preprocessing threads must be an integer in [0, 256], got ${threads}`);
  return threads;
}

/** dist/preprocessWorker.js beside the running bundle, or in dist/ of the package when running from sources. */
function preprocessWorkerFile(): string | undefined {
  return [path.join(__dirname, 'preprocessWorker.js'), path.resolve(__dirname, '..', '..', 'dist', 'preprocessWorker.js')]
    .find((file) => fs.existsSync(file));
}

function resolveInputSize(modelName: string, dims: number[], profileSize?: [number, number]): [number, number] {
  const [, , h, w] = dims;
  if (h > 0 && w > 0) {
    if (profileSize && (profileSize[0] !== w || profileSize[1] !== h)) {
      throw new Error(`${modelName}: the profile's inputSize ${profileSize.join('×')} differs from the model's fixed input ${w}×${h}`);
    }
    return [w, h];
  }
  if (profileSize) return profileSize;
  throw new Error(`${modelName}: the model input has dynamic size [${dims.join(', ')}]; set "inputSize" [width, height] in the profile`);
}

/** Picks the preset whose preprocessing most likely matches a model we only know by its head layout. */
function guessPreset(plan: HeadPlan): ModelProfile {
  if (plan.layout === 'concatenated') return getPreset('nanodet-plus')!;
  if (plan.layout === 'nchw') return getPreset('mmdet-gfl')!;
  return getPreset(plan.levels.length === 4 ? 'picodet' : 'nanodet-m')!;
}

async function readSidecarProfile(modelPath: string): Promise<ProfileOverride | undefined> {
  const file = modelPath + SIDECAR_PROFILE_SUFFIX;
  let text: string;
  try {
    text = await readTextInput(file, 'profile beside the model');
  } catch (error) {
    // No sidecar is the normal case; one that cannot be read (a pipe, a folder, bad encoding) is an error.
    if (error instanceof InputFileError && error.problem === 'file not found') return undefined;
    throw error;
  }
  return readProfileText(text, file);
}

/** Parses a profile JSON file's text; errors name the file. */
export function readProfileText(text: string, file: string): ProfileOverride {
  return parseProfileOverride(parseJsonText(text, file), file);
}

function stripExtends(override: ProfileOverride): ProfileOverride | undefined {
  const { extends: _ignored, ...fields } = override;
  return Object.keys(fields).length ? fields : undefined;
}

function mergeOverrides(a: ProfileOverride | undefined, b: ProfileOverride | undefined): ProfileOverride | undefined {
  if (!a) return b;
  if (!b) return a;
  return { ...a, ...b };
}
