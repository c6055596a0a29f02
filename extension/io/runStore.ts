// The run store, format version 2: a directory of Apache Arrow IPC files that pandas, polars, pyarrow and DuckDB read
// without GFL Lens (pd.read_feather, pl.read_ipc("RUN.gflrun/detections/*.arrow"), pyarrow.dataset).
//
//   RUN.gflrun/
//     run.json                      {"format":"gfl-lens-run","version":2,"header":{…},"footer":{…}}  (footer when complete)
//     images/part-000000.arrow      one row per image of a batch (file, image_id, item_index, size, transform, timings, detections)
//     detections/part-000000.arrow  one row per detection of the same images (image_id, det_index, class_index, score,
//                                   x1 y1 x2 y2, level, stride, anchor_x anchor_y, dist_left … dist_bottom,
//                                   dfl_left … dfl_bottom: FixedSizeList<uint16>[R+1], p = q / 65535)
//
// Written while the run goes, one part per batch of images, each part written to a temporary name, fsynced and
// renamed (the images part last: it commits the batch). The directory is "RUN.gflrun.partial" until the footer is
// in run.json; then it is renamed to "RUN.gflrun". An interrupted run is a loadable ".partial" directory holding every
// committed batch, and nothing without a footer or with a ".partial" name is ever reported complete.
// Version 1 runs (JSON Lines files) load through a read-only conversion.
import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { parseRun, RUN_FORMAT, type RunErrorRecord, type RunFooter, type RunHeader, type RunImageRecord } from '../core/runFormat.ts';
import { RunTableBuilder, runTableFromRecords, storedBins, type DetectionColumns, type ImageColumns, type RunTable } from '../core/runTable.ts';
import { syncFolder, writeFileAtomic } from './atomicFile.ts';
import { PARTIAL_SUFFIX } from './runFiles.ts';

export const RUN_STORE_VERSION = 2;
export const RUN_JSON = 'run.json';
const EDGE_COLUMNS = ['left', 'top', 'right', 'bottom'] as const;

interface RunJson {
  format: typeof RUN_FORMAT;
  version: number;
  header: RunHeader;
  footer?: RunFooter;
  errors: RunErrorRecord[];
}

// ---------------------------------------------------------------- schemas

function imageSchema(): arrow.Schema {
  const f = (name: string, type: arrow.DataType, nullable = false) => new arrow.Field(name, type, nullable);
  return new arrow.Schema([
    f('image_id', new arrow.Float64()), f('item_index', new arrow.Int32()), f('file', new arrow.Utf8()),
    f('width', new arrow.Int32()), f('height', new arrow.Int32()), f('input_width', new arrow.Int32()), f('input_height', new arrow.Int32()),
    f('scale_x', new arrow.Float64()), f('scale_y', new arrow.Float64()), f('pad_x', new arrow.Float64()), f('pad_y', new arrow.Float64()),
    f('preprocess_ms', new arrow.Float32()), f('inference_ms', new arrow.Float32()), f('decode_ms', new arrow.Float32()),
    f('detections', new arrow.Int32()),
  ], new Map([['gfl_lens.table', 'images'], ['gfl_lens.version', String(RUN_STORE_VERSION)]]));
}

function detectionSchema(bins: number): arrow.Schema {
  const f = (name: string, type: arrow.DataType, metadata?: Map<string, string>) => new arrow.Field(name, type, false, metadata);
  const fields = [
    f('image_id', new arrow.Float64()), f('det_index', new arrow.Uint16()), f('class_index', new arrow.Uint16()),
    f('score', new arrow.Float32()),
    f('x1', new arrow.Float32()), f('y1', new arrow.Float32()), f('x2', new arrow.Float32()), f('y2', new arrow.Float32()),
    f('level', new arrow.Uint8()), f('stride', new arrow.Uint16()), f('anchor_x', new arrow.Float32()), f('anchor_y', new arrow.Float32()),
    ...EDGE_COLUMNS.map((e) => f(`dist_${e}`, new arrow.Float32())),
  ];
  if (bins > 0) {
    const meta = new Map([['gfl_lens.scale', '65535'], ['description', 'DFL bin probabilities of this edge, quantised: p = value / 65535']]);
    for (const e of EDGE_COLUMNS) fields.push(f(`dfl_${e}`, new arrow.FixedSizeList(bins, new arrow.Field('bin', new arrow.Uint16(), false)), meta));
  }
  return new arrow.Schema(fields, new Map([['gfl_lens.table', 'detections'], ['gfl_lens.version', String(RUN_STORE_VERSION)], ['gfl_lens.bins', String(bins)]]));
}

const primitive = (type: arrow.DataType, data: ArrayLike<number>, length: number): arrow.Data =>
  arrow.makeData({ type, length, data } as never);

function utf8Data(values: string[]): arrow.Data<arrow.Utf8> {
  const encoder = new TextEncoder();
  const encoded = values.map((v) => encoder.encode(v));
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i] + encoded[i].length;
  const bytes = new Uint8Array(offsets[values.length]);
  encoded.forEach((e, i) => bytes.set(e, offsets[i]));
  return arrow.makeData({ type: new arrow.Utf8(), length: values.length, valueOffsets: offsets, data: bytes });
}

function batchOf(schema: arrow.Schema, length: number, children: arrow.Data[]): arrow.RecordBatch {
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, children }));
}

/** Strided component k of an interleaved array (x1 of x1 y1 x2 y2 …). */
function strided(source: Float32Array, stride: number, k: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = source[stride * i + k];
  return out;
}

function imagesBatch(images: ImageColumns): arrow.RecordBatch {
  const n = images.count;
  const counts = new Int32Array(n);
  for (let i = 0; i < n; i++) counts[i] = images.detStart[i + 1] - images.detStart[i];
  return batchOf(imageSchema(), n, [
    primitive(new arrow.Float64(), images.imageId, n), primitive(new arrow.Int32(), images.itemIndex, n), utf8Data(images.file),
    primitive(new arrow.Int32(), images.width, n), primitive(new arrow.Int32(), images.height, n),
    primitive(new arrow.Int32(), images.inputWidth, n), primitive(new arrow.Int32(), images.inputHeight, n),
    primitive(new arrow.Float64(), images.scaleX, n), primitive(new arrow.Float64(), images.scaleY, n),
    primitive(new arrow.Float64(), images.padX, n), primitive(new arrow.Float64(), images.padY, n),
    primitive(new arrow.Float32(), images.preprocessMs, n), primitive(new arrow.Float32(), images.inferenceMs, n),
    primitive(new arrow.Float32(), images.decodeMs, n), primitive(new arrow.Int32(), counts, n),
  ]);
}

function detectionsBatch(images: ImageColumns, detections: DetectionColumns): arrow.RecordBatch {
  const n = detections.count;
  const bins = detections.bins;
  const schema = detectionSchema(bins);
  const imageId = new Float64Array(n);
  for (let d = 0; d < n; d++) imageId[d] = images.imageId[detections.imageIndex[d]];
  const children: arrow.Data[] = [
    primitive(new arrow.Float64(), imageId, n), primitive(new arrow.Uint16(), detections.detIndex, n),
    primitive(new arrow.Uint16(), detections.classIndex, n), primitive(new arrow.Float32(), detections.score, n),
    ...[0, 1, 2, 3].map((k) => primitive(new arrow.Float32(), strided(detections.bbox, 4, k, n), n)),
    primitive(new arrow.Uint8(), detections.level, n), primitive(new arrow.Uint16(), detections.stride, n),
    ...[0, 1].map((k) => primitive(new arrow.Float32(), strided(detections.anchor, 2, k, n), n)),
    ...[0, 1, 2, 3].map((k) => primitive(new arrow.Float32(), strided(detections.distances, 4, k, n), n)),
  ];
  if (bins > 0 && detections.probs) {
    const probs = detections.probs;
    for (let e = 0; e < 4; e++) {
      const edge = new Uint16Array(n * bins);
      for (let d = 0; d < n; d++) edge.set(probs.subarray((4 * d + e) * bins, (4 * d + e + 1) * bins), d * bins);
      const type = schema.fields[children.length].type as arrow.FixedSizeList;
      children.push(arrow.makeData({ type, length: n, child: primitive(new arrow.Uint16(), edge, n * bins) }));
    }
  }
  return batchOf(schema, n, children);
}

// ---------------------------------------------------------------- files

const partName = (index: number) => `part-${String(index).padStart(6, '0')}.arrow`;

/** Whether a path is a version-2 run store (a directory with run.json). */
export function isRunStore(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory() && fs.existsSync(path.join(file, RUN_JSON));
  } catch {
    return false;
  }
}

export interface RunStoreWriterOptions {
  /** Images per part file (a batch is committed to disk when it fills; default 256). */
  batchImages?: number;
}

/** Writes a run store batch by batch; see the file comment for the layout and the guarantees. */
export class RunStoreWriter {
  private batch: RunTableBuilder;
  private part = 0;
  private images = 0;
  private detections = 0;
  private readonly errors: RunErrorRecord[] = [];
  private readonly timing = { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 };
  private readonly started = performance.now();
  private readonly batchImages: number;
  private closed = false;

  private constructor(readonly outPath: string, readonly partialPath: string, private readonly header: RunHeader, options: RunStoreWriterOptions) {
    this.batch = new RunTableBuilder(storedBins(header));
    this.batchImages = Math.max(1, options.batchImages ?? 256);
  }

  /** Starts "<out>.partial/" (replacing an earlier interrupted one) and writes the header. */
  static async create(outPath: string, header: RunHeader, options: RunStoreWriterOptions = {}): Promise<RunStoreWriter> {
    const out = path.resolve(outPath);
    const partialPath = out + PARTIAL_SUFFIX;
    const parent = path.dirname(out);
    try {
      await fs.promises.mkdir(parent, { recursive: true });
      if (fs.existsSync(out) && !isRunStore(out) && fs.statSync(out).isDirectory()) {
        throw new Error('exists and is a folder that is not a GFL Lens run: choose another --out');
      }
      await fs.promises.rm(partialPath, { recursive: true, force: true });
      await fs.promises.mkdir(path.join(partialPath, 'images'), { recursive: true });
      await fs.promises.mkdir(path.join(partialPath, 'detections'), { recursive: true });
    } catch (error) {
      throw new Error(`${outPath}: cannot create the run (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const writer = new RunStoreWriter(out, partialPath, { ...header, version: RUN_STORE_VERSION }, options);
    await writer.writeRunJson();
    return writer;
  }

  private async writeRunJson(footer?: RunFooter): Promise<void> {
    const json: RunJson = { format: RUN_FORMAT, version: RUN_STORE_VERSION, header: this.header, errors: this.errors, ...(footer ? { footer } : {}) };
    await writeFileAtomic(path.join(this.partialPath, RUN_JSON), JSON.stringify(json, null, 1));
  }

  /** Adds one image; `itemIndex` is its position in the full image list (shards keep it, so a merge restores the order). */
  async addImage(record: RunImageRecord, itemIndex?: number): Promise<void> {
    this.batch.addImage(record, itemIndex ?? this.images);
    this.images++;
    this.detections += record.detections.length;
    this.timing.preprocessMs += record.timingMs.preprocessMs;
    this.timing.inferenceMs += record.timingMs.inferenceMs;
    this.timing.decodeMs += record.timingMs.decodeMs;
    if (this.batch.imageCount >= this.batchImages) await this.flush();
  }

  async addError(record: RunErrorRecord): Promise<void> {
    this.errors.push(record);
  }

  /** Adds whole columns (merge, conversion): written as one part. */
  async addColumns(images: ImageColumns, detections: DetectionColumns): Promise<void> {
    await this.flush();
    await this.writePart(images, detections);
    this.images += images.count;
    this.detections += detections.count;
    for (let i = 0; i < images.count; i++) {
      this.timing.preprocessMs += images.preprocessMs[i];
      this.timing.inferenceMs += images.inferenceMs[i];
      this.timing.decodeMs += images.decodeMs[i];
    }
  }

  /** Commits the buffered images as one part (detections first; the images part commits the batch). */
  async flush(): Promise<void> {
    if (this.batch.imageCount === 0) {
      if (this.errors.length) await this.writeRunJson();
      return;
    }
    const { images, detections } = this.batch.columns();
    this.batch = new RunTableBuilder(this.batch.bins);
    await this.writePart(images, detections);
    await this.writeRunJson();
  }

  private async writePart(images: ImageColumns, detections: DetectionColumns): Promise<void> {
    const name = partName(this.part++);
    await writeFileAtomic(path.join(this.partialPath, 'detections', name), arrow.tableToIPC(new arrow.Table(detectionsBatch(images, detections)), 'file'));
    await writeFileAtomic(path.join(this.partialPath, 'images', name), arrow.tableToIPC(new arrow.Table(imagesBatch(images)), 'file'));
  }

  /** Flushes, writes the footer, and publishes "<out>" atomically (an existing run at "<out>" is replaced). */
  async complete(): Promise<RunFooter> {
    await this.flush();
    const footer: RunFooter = {
      record: 'footer', complete: true, images: this.images, errors: this.errors.length, detections: this.detections,
      timingMs: { wall: performance.now() - this.started, ...this.timing }, finishedAt: new Date().toISOString(),
    };
    await this.writeRunJson(footer);
    const replaced = `${this.outPath}.replaced-${process.pid}`;
    const hadOld = fs.existsSync(this.outPath);
    if (hadOld) fs.renameSync(this.outPath, replaced);
    fs.renameSync(this.partialPath, this.outPath);
    await syncFolder(path.dirname(this.outPath));
    if (hadOld) fs.rmSync(replaced, { recursive: true, force: true });
    this.closed = true;
    return footer;
  }

  /** Stops without a footer: the buffered images are committed and ".partial" stays as a visibly incomplete run. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } catch {
      // Already failing (disk full, …): what was committed before stays loadable.
    }
  }

  get counts() {
    return { images: this.images, errors: this.errors.length, detections: this.detections };
  }
}

// ---------------------------------------------------------------- reading

class StoreError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'RunStoreError';
  }
}

function column<T>(table: arrow.Table, name: string, file: string): T {
  const vector = table.getChild(name);
  if (!vector) throw new StoreError(file, `missing column "${name}"`);
  return vector.toArray() as T;
}

function readArrow(file: string): arrow.Table {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new StoreError(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return arrow.tableFromIPC(bytes);
  } catch (error) {
    throw new StoreError(file, `not a readable Arrow IPC file (${(error as Error).message.slice(0, 200)})`);
  }
}

function readImagesPart(file: string): ImageColumns {
  const t = readArrow(file);
  const n = t.numRows;
  const counts = column<Int32Array>(t, 'detections', file);
  const detStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (!(counts[i] >= 0)) throw new StoreError(file, `row ${i}: negative detection count`);
    detStart[i + 1] = detStart[i] + counts[i];
  }
  const files = t.getChild('file');
  if (!files) throw new StoreError(file, 'missing column "file"');
  return {
    count: n, file: Array.from({ length: n }, (_, i) => String(files.get(i))),
    imageId: column(t, 'image_id', file), itemIndex: column(t, 'item_index', file),
    width: column(t, 'width', file), height: column(t, 'height', file),
    inputWidth: column(t, 'input_width', file), inputHeight: column(t, 'input_height', file),
    scaleX: column(t, 'scale_x', file), scaleY: column(t, 'scale_y', file), padX: column(t, 'pad_x', file), padY: column(t, 'pad_y', file),
    preprocessMs: column(t, 'preprocess_ms', file), inferenceMs: column(t, 'inference_ms', file), decodeMs: column(t, 'decode_ms', file),
    detStart,
  };
}

function interleave(parts: Float32Array[], count: number): Float32Array {
  const k = parts.length;
  const out = new Float32Array(count * k);
  for (let j = 0; j < k; j++) {
    const p = parts[j];
    for (let i = 0; i < count; i++) out[k * i + j] = p[i];
  }
  return out;
}

/**
 * Copies one edge's distributions (count × bins, per detection) into the run's layout (per detection: left, top,
 * right, bottom, each `bins` values) from detection `row` on. Element by element (a subarray per detection and edge
 * would be millions of short-lived views), two bins at a time through 32-bit views where both sides allow it.
 */
function interleaveEdge(values: Uint16Array, out: Uint16Array, row: number, count: number, e: number, bins: number): void {
  if (bins % 2 === 0 && values.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    const from32 = new Uint32Array(values.buffer, values.byteOffset, (count * bins) / 2);
    const to32 = new Uint32Array(out.buffer, out.byteOffset, out.length / 2);
    const half = bins / 2;
    for (let d = 0; d < count; d++) {
      const to = (4 * (row + d) + e) * half, from = d * half;
      for (let b = 0; b < half; b++) to32[to + b] = from32[from + b];
    }
    return;
  }
  for (let d = 0; d < count; d++) {
    const to = (4 * (row + d) + e) * bins, from = d * bins;
    for (let b = 0; b < bins; b++) out[to + b] = values[from + b];
  }
}

function readDetectionsPart(file: string, images: ImageColumns, bins: number): DetectionColumns {
  const t = readArrow(file);
  const n = t.numRows;
  if (n !== images.detStart[images.count]) {
    throw new StoreError(file, `${n} detections, but its images part lists ${images.detStart[images.count]}`);
  }
  const imageIndex = new Int32Array(n);
  for (let i = 0; i < images.count; i++) imageIndex.fill(i, images.detStart[i], images.detStart[i + 1]);
  const f32 = (name: string) => column<Float32Array>(t, name, file);
  let probs: Uint16Array | null = null;
  if (bins > 0) {
    probs = new Uint16Array(n * 4 * bins);
    EDGE_COLUMNS.forEach((edge, e) => {
      const vector = t.getChild(`dfl_${edge}`);
      if (!vector) throw new StoreError(file, `missing column "dfl_${edge}"`);
      let row = 0;
      for (const data of vector.data) {
        const child = data.children[0];
        if (!child || (child.type as arrow.DataType).typeId !== arrow.Type.Int || data.type.listSize !== bins) {
          throw new StoreError(file, `column "dfl_${edge}" must be FixedSizeList<uint16>[${bins}]`);
        }
        const values = (child.values as Uint16Array).subarray(child.offset + data.offset * bins, child.offset + (data.offset + data.length) * bins);
        interleaveEdge(values, probs!, row, data.length, e, bins);
        row += data.length;
      }
    });
  }
  return {
    count: n, imageIndex, detIndex: column(t, 'det_index', file), classIndex: column(t, 'class_index', file),
    level: column(t, 'level', file), stride: column(t, 'stride', file), score: f32('score'),
    bbox: interleave([f32('x1'), f32('y1'), f32('x2'), f32('y2')], n),
    anchor: interleave([f32('anchor_x'), f32('anchor_y')], n),
    distances: interleave(EDGE_COLUMNS.map((e) => f32(`dist_${e}`)), n),
    bins, probs,
  };
}

function readRunJson(dir: string): RunJson {
  const file = path.join(dir, RUN_JSON);
  let json: RunJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as RunJson;
  } catch (error) {
    throw new StoreError(file, `not a readable run header (${(error as Error).message.slice(0, 200)})`);
  }
  if (typeof json !== 'object' || json === null || json.format !== RUN_FORMAT) throw new StoreError(file, `not a GFL Lens run (format must be "${RUN_FORMAT}")`);
  if (json.version !== RUN_STORE_VERSION) {
    throw new StoreError(file, json.version > RUN_STORE_VERSION
      ? `run format version ${json.version} is newer than this GFL Lens understands (${RUN_STORE_VERSION}); update GFL Lens`
      : `unsupported run format version ${String(json.version)}`);
  }
  validateHeader(json.header, file);
  if (!Array.isArray(json.errors)) json.errors = [];
  return json;
}

/** Checks the fields every consumer relies on, so a damaged or hand-edited header fails here, by name. */
export function validateHeader(header: RunHeader, file: string): void {
  const fail = (field: string, what: string) => { throw new StoreError(file, `header.${field} ${what}`); };
  if (typeof header !== 'object' || header === null) fail('', 'is missing');
  const isCount = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (typeof header.model !== 'object' || header.model === null || typeof header.model.fileName !== 'string') fail('model', 'must name the model file');
  if (typeof header.profile !== 'object' || header.profile === null) fail('profile', 'is missing');
  if (!Array.isArray(header.profile.classNames) || !header.profile.classNames.every((c) => typeof c === 'string')) fail('profile.classNames', 'must be a list of names');
  if (!Array.isArray(header.profile.strides) || !header.profile.strides.every((s) => isCount(s, 4096))) fail('profile.strides', 'must be a list of strides');
  if (typeof header.head !== 'object' || header.head === null) fail('head', 'is missing');
  if (!isCount(header.head.regMax, 1024)) fail('head.regMax', 'must be an integer in [0, 1024]');
  if (!isCount(header.head.numClasses, 65535)) fail('head.numClasses', 'must be an integer in [0, 65535]');
  if (typeof header.head.hasDistributions !== 'boolean') fail('head.hasDistributions', 'must be true or false');
  if (!Array.isArray(header.head.notes)) header.head.notes = [];
  if (typeof header.dataset !== 'object' || header.dataset === null) header.dataset = {};
  if (typeof header.decode !== 'object' || header.decode === null) fail('decode', 'is missing');
  for (const key of ['scoreThreshold', 'nmsIoU', 'maxPerImage', 'topKPerLevel'] as const) {
    if (typeof header.decode[key] !== 'number' || !Number.isFinite(header.decode[key])) fail(`decode.${key}`, 'must be a number');
  }
}

/** Checks what the analysis indexes with: class indices in range, finite scores and boxes, unique image ids. */
function validateColumns(table: RunTable, file: string): void {
  const { images, detections, header } = table;
  const numClasses = header.profile.classNames.length;
  const seen = new Set<number>();
  for (let i = 0; i < images.count; i++) {
    const id = images.imageId[i];
    if (!Number.isFinite(id)) throw new StoreError(file, `image ${images.file[i]}: image id is not a number`);
    if (seen.has(id)) throw new StoreError(file, `image id ${id} appears twice (${images.file[i]})`);
    seen.add(id);
  }
  for (let d = 0; d < detections.count; d++) {
    if (detections.classIndex[d] >= numClasses) {
      throw new StoreError(file, `detection ${detections.detIndex[d]} of ${images.file[detections.imageIndex[d]]}: class ${detections.classIndex[d]} ≥ ${numClasses} classes in the header`);
    }
    const s = detections.score[d];
    if (!(s >= 0 && s <= 1)) throw new StoreError(file, `detection ${detections.detIndex[d]} of ${images.file[detections.imageIndex[d]]}: score ${s} is not in [0, 1]`);
  }
  for (let k = 0; k < detections.bbox.length; k++) {
    if (!Number.isFinite(detections.bbox[k])) {
      const d = k >> 2;
      throw new StoreError(file, `detection ${detections.detIndex[d]} of ${images.file[detections.imageIndex[d]]}: box is not finite`);
    }
  }
}

/** Loads a run: a version-2 store (complete, or an interrupted ".partial" holding its committed batches) or a v1 file. */
export async function readRun(file: string): Promise<RunTable> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new Error(`${file}: cannot read run (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message})`);
  }
  if (!stat.isDirectory()) return readRunV1(file);
  const json = readRunJson(file);
  const bins = storedBins(json.header);
  const builder = new RunTableBuilder(bins);
  const imageDir = path.join(file, 'images');
  const parts = fs.existsSync(imageDir) ? fs.readdirSync(imageDir).filter((name) => /^part-\d+\.arrow$/.test(name)).sort() : [];
  // Image parts first (small): with the totals known, the columns are allocated once at their final size.
  const imageParts = parts.map((part) => readImagesPart(path.join(imageDir, part)));
  builder.reserve(imageParts.reduce((n, p) => n + p.count, 0), imageParts.reduce((n, p) => n + p.detStart[p.count], 0));
  parts.forEach((part, k) => builder.appendColumns(imageParts[k], readDetectionsPart(path.join(file, 'detections', part), imageParts[k], bins)));
  json.errors.forEach((e) => builder.addError(e));
  const complete = json.footer !== undefined && !file.replace(/[\\/]+$/, '').endsWith(PARTIAL_SUFFIX);
  const table = builder.build(json.header, complete, complete ? json.footer : undefined);
  validateColumns(table, file);
  return table;
}

async function readRunV1(file: string): Promise<RunTable> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read run (${(error as Error).message})`);
  }
  const run = parseRun(text, file);
  validateHeader(run.header, file);
  const table = runTableFromRecords(run.header, run.images, run.errors, run.complete, run.footer);
  validateColumns(table, file);
  return table;
}

/** Writes a whole table as a complete store (v1 conversion, merge). */
export async function writeRunTable(table: RunTable, out: string, header: RunHeader = table.header): Promise<RunFooter> {
  const writer = await RunStoreWriter.create(out, header);
  const partSize = 4096;
  const { images, detections } = table;
  for (let start = 0; start < images.count; start += partSize) {
    const end = Math.min(images.count, start + partSize);
    await writer.addColumns(...sliceColumns(images, detections, start, end));
  }
  for (const error of table.errors) await writer.addError(error);
  return writer.complete();
}

/** Images start..end and their detections, re-based to start at 0. */
export function sliceColumns(images: ImageColumns, detections: DetectionColumns, start: number, end: number): [ImageColumns, DetectionColumns] {
  const d0 = images.detStart[start], d1 = images.detStart[end];
  const detStart = new Int32Array(end - start + 1);
  for (let i = start; i <= end; i++) detStart[i - start] = images.detStart[i] - d0;
  const imageIndex = new Int32Array(d1 - d0);
  for (let d = d0; d < d1; d++) imageIndex[d - d0] = detections.imageIndex[d] - start;
  const bins = detections.bins;
  return [
    {
      count: end - start, file: images.file.slice(start, end), imageId: images.imageId.slice(start, end), itemIndex: images.itemIndex.slice(start, end),
      width: images.width.slice(start, end), height: images.height.slice(start, end), inputWidth: images.inputWidth.slice(start, end),
      inputHeight: images.inputHeight.slice(start, end), scaleX: images.scaleX.slice(start, end), scaleY: images.scaleY.slice(start, end),
      padX: images.padX.slice(start, end), padY: images.padY.slice(start, end), preprocessMs: images.preprocessMs.slice(start, end),
      inferenceMs: images.inferenceMs.slice(start, end), decodeMs: images.decodeMs.slice(start, end), detStart,
    },
    {
      count: d1 - d0, imageIndex, detIndex: detections.detIndex.slice(d0, d1), classIndex: detections.classIndex.slice(d0, d1),
      level: detections.level.slice(d0, d1), stride: detections.stride.slice(d0, d1), score: detections.score.slice(d0, d1),
      bbox: detections.bbox.slice(4 * d0, 4 * d1), anchor: detections.anchor.slice(2 * d0, 2 * d1), distances: detections.distances.slice(4 * d0, 4 * d1),
      bins, probs: detections.probs ? detections.probs.slice(4 * bins * d0, 4 * bins * d1) : null,
    },
  ];
}
