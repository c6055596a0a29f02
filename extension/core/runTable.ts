// A run held as columns: one typed array per field, one row per detection and one per image. This is the in-memory
// form of the run store (format version 2, see io/runStore.ts) and what the one analysis reads. Pure: no fs.
//
// Why columns: a 5,000-image COCO run holds ~460k detections, each with 4 × (R+1) probabilities; as objects they
// cost ~1.3 GB of heap, as columns ~60 MB, and a typed array crosses to a worker or webview without copying.
//
// Distributions are stored quantised: q = round(p · 65535) in a Uint16Array (absolute error ≤ 0.5/65535 ≈ 7.6e-6
// per bin, well inside the 1e-3 the statistics need; edge statistics renormalise each edge, so they read q as is).
import type { RunErrorRecord, RunFooter, RunHeader, RunImageRecord } from './runFormat.ts';
import type { Detection, InputTransform, XYXY } from './types.ts';
import { sharedArray, type SharableArrayType } from './sharedMemory.ts';

/** Quantisation scale of stored DFL probabilities: p = q / PROB_SCALE. */
export const PROB_SCALE = 65535;

/** One row per image that produced detections (possibly none). */
export interface ImageColumns {
  count: number;
  /** Path relative to the dataset's images folder when there is one, else as given. */
  file: string[];
  /** COCO image id (or 1-based sequence number for folder runs). */
  imageId: Float64Array;
  /** Position of the image in the full list of images the run was asked to process (orders shards on merge). */
  itemIndex: Int32Array;
  width: Int32Array;
  height: Int32Array;
  inputWidth: Int32Array;
  inputHeight: Int32Array;
  scaleX: Float64Array;
  scaleY: Float64Array;
  padX: Float64Array;
  padY: Float64Array;
  preprocessMs: Float32Array;
  inferenceMs: Float32Array;
  decodeMs: Float32Array;
  /** Detections of image i are rows detStart[i] .. detStart[i + 1] of the detection columns. */
  detStart: Int32Array;
}

/** One row per detection, in image order and, within an image, in the decoder's order (detIndex). */
export interface DetectionColumns {
  count: number;
  imageIndex: Int32Array;
  detIndex: Uint16Array;
  classIndex: Uint16Array;
  level: Uint8Array;
  stride: Uint16Array;
  score: Float32Array;
  /** x1, y1, x2, y2 per detection (original pixels). */
  bbox: Float32Array;
  /** Anchor centre x, y per detection (model-input pixels). */
  anchor: Float32Array;
  /** DFL expectations l, t, r, b per detection (stride units). */
  distances: Float32Array;
  /** Bins per edge (regMax + 1); 0 when the run has no distributions. */
  bins: number;
  /** 4 × bins quantised probabilities per detection (edges l, t, r, b), or null without distributions. */
  probs: Uint16Array | null;
}

export interface RunTable {
  header: RunHeader;
  footer?: RunFooter;
  /** False for an interrupted run or one still being written. */
  complete: boolean;
  images: ImageColumns;
  /** Images that failed (unreadable, rejected, model error), with the reason. */
  errors: RunErrorRecord[];
  detections: DetectionColumns;
}

type Typed = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends Typed> = SharableArrayType<T>;

/**
 * A typed array that grows by doubling; `view()` is the filled prefix without copying. In shared memory: the
 * analysis' worker threads read a run's columns without copying them (sharedMemory.ts).
 */
class Growable<T extends Typed> {
  private data: T;
  length = 0;
  constructor(private readonly ctor: TypedCtor<T>, capacity = 1024) {
    this.data = sharedArray(ctor, capacity);
  }
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    // Doubling for a growing run; a reservation beyond that (a stored run's known size) is taken exactly, so that
    // trimmed() has nothing to copy.
    const capacity = Math.max(need, this.data.length * 2);
    const grown = sharedArray(this.ctor, capacity);
    grown.set(this.data.subarray(0, this.length) as never);
    this.data = grown;
  }
  push(value: number): void {
    this.reserve(1);
    this.data[this.length++] = value;
  }
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values as never, this.length);
    this.length += values.length;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
  /** The filled prefix in an array of its own (growth leaves up to half the capacity unused). */
  trimmed(): T {
    if (this.data.length === this.length) return this.data;
    const fitted = sharedArray(this.ctor, this.length);
    fitted.set(this.data.subarray(0, this.length) as never);
    return fitted;
  }
}

/**
 * The shortest decimal that reads back as the same float32 (as numpy prints float32): scores and boxes are float32
 * in a run, and their float64 expansions (0.9 → 0.8999999761581421) only make exports longer and harder to read.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const f = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return Number(f.toPrecision(9));
}

export function quantizeProbability(p: number): number {
  const q = Math.round(p * PROB_SCALE);
  return q > 0 ? (q < PROB_SCALE ? q : PROB_SCALE) : 0;
}

/** Builds a RunTable image by image (a run being written or streamed into the views) or batch by batch (a store being read). */
export class RunTableBuilder {
  private readonly file: string[] = [];
  private readonly imageId = new Growable(Float64Array, 256);
  private readonly itemIndex = new Growable(Int32Array, 256);
  private readonly width = new Growable(Int32Array, 256);
  private readonly height = new Growable(Int32Array, 256);
  private readonly inputWidth = new Growable(Int32Array, 256);
  private readonly inputHeight = new Growable(Int32Array, 256);
  private readonly scaleX = new Growable(Float64Array, 256);
  private readonly scaleY = new Growable(Float64Array, 256);
  private readonly padX = new Growable(Float64Array, 256);
  private readonly padY = new Growable(Float64Array, 256);
  private readonly preprocessMs = new Growable(Float32Array, 256);
  private readonly inferenceMs = new Growable(Float32Array, 256);
  private readonly decodeMs = new Growable(Float32Array, 256);
  private readonly detStart = new Growable(Int32Array, 257);
  private readonly imageIndex = new Growable(Int32Array);
  private readonly detIndex = new Growable(Uint16Array);
  private readonly classIndex = new Growable(Uint16Array);
  private readonly level = new Growable(Uint8Array);
  private readonly stride = new Growable(Uint16Array);
  private readonly score = new Growable(Float32Array);
  private readonly bbox = new Growable(Float32Array, 4096);
  private readonly anchor = new Growable(Float32Array, 2048);
  private readonly distances = new Growable(Float32Array, 4096);
  private readonly probs: Growable<Uint16Array> | null;
  readonly errors: RunErrorRecord[] = [];

  /** `bins` = regMax + 1 when the run has distributions, else 0. */
  constructor(readonly bins: number) {
    this.probs = bins > 0 ? new Growable(Uint16Array, 4096 * bins) : null;
    this.detStart.push(0);
  }

  /** Makes room for this many more images and detections (a reader that knows the totals avoids regrowing). */
  reserve(images: number, detections: number): void {
    for (const g of [...this.imageNumberColumns(), this.detStart]) g.reserve(images);
    for (const g of [this.imageIndex, this.detIndex, this.classIndex, this.level, this.stride, this.score]) g.reserve(detections);
    this.bbox.reserve(4 * detections);
    this.distances.reserve(4 * detections);
    this.anchor.reserve(2 * detections);
    this.probs?.reserve(4 * this.bins * detections);
  }

  get imageCount(): number {
    return this.file.length;
  }

  get detectionCount(): number {
    return this.score.length;
  }

  /** The per-image number columns, in the order pushImage takes their values. */
  private imageNumberColumns(): Growable<Typed>[] {
    return [this.imageId, this.itemIndex, this.width, this.height, this.inputWidth, this.inputHeight, this.scaleX, this.scaleY,
      this.padX, this.padY, this.preprocessMs, this.inferenceMs, this.decodeMs];
  }

  /** Appends one image's row (its detections follow); returns its index. */
  private pushImage(file: string, values: readonly number[]): number {
    const imageIndex = this.file.length;
    this.file.push(file);
    this.imageNumberColumns().forEach((column, k) => column.push(values[k]));
    return imageIndex;
  }

  /** Adds one image record with its detections; `itemIndex` defaults to the image's position in this table. */
  addImage(record: RunImageRecord, itemIndex = this.file.length): void {
    const t = record.transform;
    const imageIndex = this.pushImage(record.file, [
      record.imageId, itemIndex, record.width, record.height, t.inputWidth, t.inputHeight, t.scaleX, t.scaleY, t.padX, t.padY,
      record.timingMs.preprocessMs, record.timingMs.inferenceMs, record.timingMs.decodeMs,
    ]);
    const bins = this.bins;
    record.detections.forEach((d, detIndex) => {
      this.imageIndex.push(imageIndex);
      this.detIndex.push(detIndex);
      this.classIndex.push(d.classIndex);
      this.level.push(d.level);
      this.stride.push(d.stride);
      this.score.push(d.score);
      this.bbox.append(d.bbox);
      this.anchor.append(d.anchor);
      this.distances.append(d.distances);
      if (this.probs) {
        const probs = this.probs;
        probs.reserve(4 * bins);
        if (d.edgeProbs && d.edgeProbs.length === 4 * bins) for (const p of d.edgeProbs) probs.push(quantizeProbability(p));
        else for (let b = 0; b < 4 * bins; b++) probs.push(0);
      }
    });
    this.detStart.push(this.score.length);
  }

  addError(record: RunErrorRecord): void {
    this.errors.push(record);
  }

  /** Appends whole column batches (a part of a stored run); detection imageIndex values are relative to the batch. */
  appendColumns(images: ImageColumns, detections: DetectionColumns): void {
    const imageBase = this.file.length;
    const detBase = this.score.length;
    for (const file of images.file) this.file.push(file);
    this.imageId.append(images.imageId);
    this.itemIndex.append(images.itemIndex);
    this.width.append(images.width);
    this.height.append(images.height);
    this.inputWidth.append(images.inputWidth);
    this.inputHeight.append(images.inputHeight);
    this.scaleX.append(images.scaleX);
    this.scaleY.append(images.scaleY);
    this.padX.append(images.padX);
    this.padY.append(images.padY);
    this.preprocessMs.append(images.preprocessMs);
    this.inferenceMs.append(images.inferenceMs);
    this.decodeMs.append(images.decodeMs);
    this.detStart.reserve(images.count);
    for (let i = 1; i <= images.count; i++) this.detStart.push(detBase + images.detStart[i]);
    this.imageIndex.reserve(detections.count);
    for (let d = 0; d < detections.count; d++) this.imageIndex.push(imageBase + detections.imageIndex[d]);
    this.detIndex.append(detections.detIndex);
    this.classIndex.append(detections.classIndex);
    this.level.append(detections.level);
    this.stride.append(detections.stride);
    this.score.append(detections.score);
    this.bbox.append(detections.bbox);
    this.anchor.append(detections.anchor);
    this.distances.append(detections.distances);
    if (this.probs) {
      if (!detections.probs || detections.bins !== this.bins) throw new Error(`distribution bins differ between batches (${detections.bins} vs ${this.bins})`);
      this.probs.append(detections.probs);
    }
  }

  /** Copies image i of other columns, with its detections, to the end of this table. */
  appendImageFrom(images: ImageColumns, detections: DetectionColumns, i: number): void {
    const imageIndex = this.pushImage(images.file[i], [
      images.imageId[i], images.itemIndex[i], images.width[i], images.height[i], images.inputWidth[i], images.inputHeight[i],
      images.scaleX[i], images.scaleY[i], images.padX[i], images.padY[i], images.preprocessMs[i], images.inferenceMs[i], images.decodeMs[i],
    ]);
    const d0 = images.detStart[i], d1 = images.detStart[i + 1];
    for (let d = d0; d < d1; d++) this.imageIndex.push(imageIndex);
    this.detIndex.append(detections.detIndex.subarray(d0, d1));
    this.classIndex.append(detections.classIndex.subarray(d0, d1));
    this.level.append(detections.level.subarray(d0, d1));
    this.stride.append(detections.stride.subarray(d0, d1));
    this.score.append(detections.score.subarray(d0, d1));
    this.bbox.append(detections.bbox.subarray(4 * d0, 4 * d1));
    this.anchor.append(detections.anchor.subarray(2 * d0, 2 * d1));
    this.distances.append(detections.distances.subarray(4 * d0, 4 * d1));
    if (this.probs && detections.probs) this.probs.append(detections.probs.subarray(4 * this.bins * d0, 4 * this.bins * d1));
    this.detStart.push(this.score.length);
  }

  /**
   * The columns so far: views of the builder's arrays (cheap, for a run still growing), or, `trim`, arrays of their
   * own sized to fit (for a finished table, so the doubling capacity is not kept alive).
   */
  columns(trim = false): { images: ImageColumns; detections: DetectionColumns } {
    const v = <T extends Typed>(g: Growable<T>): T => (trim ? g.trimmed() : g.view());
    return {
      images: {
        count: this.file.length, file: this.file.slice(), imageId: v(this.imageId), itemIndex: v(this.itemIndex),
        width: v(this.width), height: v(this.height), inputWidth: v(this.inputWidth), inputHeight: v(this.inputHeight),
        scaleX: v(this.scaleX), scaleY: v(this.scaleY), padX: v(this.padX), padY: v(this.padY),
        preprocessMs: v(this.preprocessMs), inferenceMs: v(this.inferenceMs), decodeMs: v(this.decodeMs),
        detStart: v(this.detStart),
      },
      detections: {
        count: this.score.length, imageIndex: v(this.imageIndex), detIndex: v(this.detIndex),
        classIndex: v(this.classIndex), level: v(this.level), stride: v(this.stride), score: v(this.score),
        bbox: v(this.bbox), anchor: v(this.anchor), distances: v(this.distances), bins: this.bins,
        probs: this.probs ? v(this.probs) : null,
      },
    };
  }

  /** The table; `trim` (default) sizes every array to fit. A run still streaming in passes false and builds again later. */
  build(header: RunHeader, complete: boolean, footer?: RunFooter, trim = true): RunTable {
    return { header, footer, complete, ...this.columns(trim), errors: this.errors.slice() };
  }
}

/** Bins per edge a run stores: regMax + 1 when the head exposes distributions, else 0. */
export function storedBins(header: RunHeader): number {
  return header.head.hasDistributions ? header.head.regMax + 1 : 0;
}

export function imageTransform(images: ImageColumns, i: number): InputTransform {
  return {
    originalWidth: images.width[i], originalHeight: images.height[i], inputWidth: images.inputWidth[i], inputHeight: images.inputHeight[i],
    scaleX: images.scaleX[i], scaleY: images.scaleY[i], padX: images.padX[i], padY: images.padY[i],
  };
}

export function detectionBox(detections: DetectionColumns, d: number): XYXY {
  const b = detections.bbox;
  return [b[4 * d], b[4 * d + 1], b[4 * d + 2], b[4 * d + 3]];
}

/** Dequantised probabilities of one detection, 4 × bins, or undefined without distributions. */
export function detectionProbs(detections: DetectionColumns, d: number): number[] | undefined {
  const { probs, bins } = detections;
  if (!probs) return undefined;
  const out = new Array<number>(4 * bins);
  const base = 4 * bins * d;
  for (let k = 0; k < 4 * bins; k++) out[k] = probs[base + k] / PROB_SCALE;
  return out;
}

/** One detection as the decoder produced it (probabilities dequantised). */
export function detectionAt(detections: DetectionColumns, d: number): Detection {
  const a = detections.anchor, dist = detections.distances;
  const detection: Detection = {
    bbox: detectionBox(detections, d), score: detections.score[d], classIndex: detections.classIndex[d],
    level: detections.level[d], stride: detections.stride[d], anchor: [a[2 * d], a[2 * d + 1]],
    distances: [dist[4 * d], dist[4 * d + 1], dist[4 * d + 2], dist[4 * d + 3]],
  };
  const probs = detectionProbs(detections, d);
  if (probs) detection.edgeProbs = probs;
  return detection;
}

/** One image with its detections, as a v1 image record (for the inspector and report crops: one image at a time). */
export function imageRecordAt(table: Pick<RunTable, 'images' | 'detections'>, i: number): RunImageRecord {
  const { images, detections } = table;
  const list: Detection[] = [];
  for (let d = images.detStart[i]; d < images.detStart[i + 1]; d++) list.push(detectionAt(detections, d));
  return {
    record: 'image', file: images.file[i], imageId: images.imageId[i], width: images.width[i], height: images.height[i],
    transform: imageTransform(images, i),
    timingMs: { preprocessMs: images.preprocessMs[i], inferenceMs: images.inferenceMs[i], decodeMs: images.decodeMs[i] },
    detections: list,
  };
}

/** Index of each image id in the table. */
export function imageIndexById(images: ImageColumns): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i < images.count; i++) map.set(images.imageId[i], i);
  return map;
}

/** Converts a run loaded as records (format version 1, or one built in memory) into columns. */
export function runTableFromRecords(header: RunHeader, images: readonly RunImageRecord[], errors: readonly RunErrorRecord[], complete: boolean, footer?: RunFooter): RunTable {
  const builder = new RunTableBuilder(storedBins(header));
  images.forEach((image) => builder.addImage(image));
  errors.forEach((error) => builder.addError(error));
  return builder.build(header, complete, footer);
}

/**
 * A COCO results list as a run (a "Load Results File" without a model): classes are the dataset's categories in file
 * order, no distributions; the header says so. `resultsFile` names the source.
 */
export function runTableFromCocoResults(
  resultsFile: string,
  results: readonly { image_id: number; category_id: number; bbox: readonly number[]; score: number }[],
  dataset: { images: { id: number; file_name: string; width: number; height: number }[]; categories: { id: number; name: string }[] },
  imagesDir: string | null,
): RunTable {
  const classOfCategory = new Map<number, number>();
  dataset.categories.forEach((c, i) => classOfCategory.set(c.id, i));
  const byImage = new Map<number, Detection[]>();
  for (const r of results) {
    const classIndex = classOfCategory.get(r.category_id);
    if (classIndex === undefined) continue;
    const list = byImage.get(r.image_id) ?? [];
    byImage.set(r.image_id, list);
    const [x, y, w, h] = r.bbox;
    list.push({ bbox: [x, y, x + w, y + h], score: r.score, classIndex, level: 0, stride: 1, anchor: [x + w / 2, y + h / 2], distances: [0, 0, 0, 0] });
  }
  const fileName = resultsFile.split(/[\\/]/).pop() ?? resultsFile;
  const header: RunHeader = {
    record: 'header', format: 'gfl-lens-run', version: 2, createdAt: '', tool: { name: 'gfl-lens', version: '' },
    model: { path: resultsFile, fileName, sha256: '', bytes: 0, inputName: '', outputs: [] },
    profile: {
      name: 'COCO results', inputSize: [0, 0], strides: [1], regMax: 0, centerOffset: 0, scoreActivation: 'none', distributionActivation: 'none',
      colorOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', letterboxAlign: 'center', padValue: 0,
      classNames: dataset.categories.map((c) => c.name),
    },
    head: { layout: 'integrated', numClasses: dataset.categories.length, strides: [1], regMax: 0, scoresActivated: true, distributionsActivated: true, hasDistributions: false, notes: ['COCO results file: boxes and scores only, no DFL distributions.'] },
    decode: { scoreThreshold: 0, topKPerLevel: 0, nmsIoU: 0, maxPerImage: 0, classAgnosticNms: false },
    provider: { active: 'none', fallbacks: [] },
    dataset: { imagesDir: imagesDir ?? undefined },
  };
  const builder = new RunTableBuilder(0);
  for (const image of dataset.images) {
    const detections = (byImage.get(image.id) ?? []).sort((a, b) => b.score - a.score);
    builder.addImage({
      record: 'image', file: image.file_name, imageId: image.id, width: image.width, height: image.height,
      transform: { originalWidth: image.width, originalHeight: image.height, inputWidth: image.width, inputHeight: image.height, scaleX: 1, scaleY: 1, padX: 0, padY: 0 },
      timingMs: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 }, detections,
    });
  }
  return builder.build(header, true);
}
