// The on-disk format of a GFL Lens run ("*.gflrun", JSON Lines, version 1). Pure: parsing and serialising
// records only; the host writes them (incrementally, then an atomic rename) and reads them back.
//
// Layout, one JSON object per line:
//   1. header  {"record":"header","format":"gfl-lens-run","version":1, model, profile, head, decode, provider, dataset, createdAt}
//   2. image   {"record":"image", file, imageId, width, height, transform, timingMs, detections:[...]}   (one per image)
//      error   {"record":"error", file, message}                                                         (an image that failed)
//   3. footer  {"record":"footer", complete:true, images, errors, detections, timingMs, finishedAt}
// A run is written to "<out>.partial" and renamed to "<out>" only after the footer: a file without a footer
// was interrupted and is reported as incomplete, never mistaken for a complete run.
import type { DecodeOptions, Detection, HeadDescription, InputTransform, ModelProfile } from './types.ts';

export const RUN_FORMAT = 'gfl-lens-run';
export const RUN_FORMAT_VERSION = 1;
export const RUN_FILE_EXTENSION = '.gflrun';

export interface ModelIdentity {
  /** Path as given by the user (absolute when written by the extension). */
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  inputName: string;
  outputs: { name: string; dims: number[] }[];
}

export interface ProviderReport {
  /** Execution provider that actually ran the model, e.g. "cpu" or "cuda". */
  active: string;
  /** Providers tried before it, with why each was skipped or failed. */
  fallbacks: { provider: string; reason: string }[];
  intraOpThreads?: number;
  interOpThreads?: number;
}

export interface DatasetReference {
  /** COCO instances JSON used for image ids and ground truth, when the run came from a dataset. */
  annotations?: string;
  imagesDir?: string;
  /** Set on a shard (detect --shard K/N): which one, and how many images the full list has. */
  shard?: { index: number; count: number; images: number };
}

export interface RunHeader {
  record: 'header';
  format: typeof RUN_FORMAT;
  version: number;
  createdAt: string;
  tool: { name: 'gfl-lens'; version: string };
  model: ModelIdentity;
  profile: ModelProfile;
  head: HeadDescription;
  decode: DecodeOptions;
  provider: ProviderReport;
  dataset: DatasetReference;
}

export interface ImageTiming {
  preprocessMs: number;
  inferenceMs: number;
  decodeMs: number;
}

export interface RunImageRecord {
  record: 'image';
  /** Path relative to the dataset's images folder when there is one, else as given. */
  file: string;
  /** COCO image id when the run came from a dataset, else a 1-based sequence number. */
  imageId: number;
  width: number;
  height: number;
  transform: InputTransform;
  timingMs: ImageTiming;
  detections: Detection[];
}

export interface RunErrorRecord {
  record: 'error';
  file: string;
  imageId?: number;
  message: string;
}

export interface RunFooter {
  record: 'footer';
  complete: true;
  images: number;
  errors: number;
  detections: number;
  /** Wall-clock time of the whole run, and the sum of per-stage times. */
  timingMs: { wall: number } & ImageTiming;
  finishedAt: string;
}

export type RunRecord = RunHeader | RunImageRecord | RunErrorRecord | RunFooter;

/** A run loaded into memory. `complete` is false when the footer is missing (an interrupted run). */
export interface Run {
  header: RunHeader;
  images: RunImageRecord[];
  errors: RunErrorRecord[];
  footer?: RunFooter;
  complete: boolean;
}

export class RunFormatError extends Error {
  constructor(fileName: string, line: number, problem: string) {
    super(`${fileName}:${line}: ${problem}`);
    this.name = 'RunFormatError';
  }
}

/** Serialises one record as a JSON line (with trailing newline). Numbers are kept at float32 precision. */
export function serializeRunRecord(record: RunRecord): string {
  return JSON.stringify(record, roundFloat32) + '\n';
}

// Edge probabilities and boxes come from float32 tensors: printing more digits only inflates the file.
function roundFloat32(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isInteger(value)) return Number(value.toPrecision(7));
  return value;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isQuad = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every(isNumber);

/** What is wrong with an image record (its detections included), or null. */
function imageRecordProblem(record: RunImageRecord): string | null {
  if (typeof record.file !== 'string') return 'image record without a file name';
  if (!isNumber(record.imageId)) return `image ${record.file}: imageId is not a number`;
  if (!isNumber(record.width) || !isNumber(record.height)) return `image ${record.file}: width/height are not numbers`;
  const t = record.transform as unknown as Partial<Record<string, unknown>> | undefined;
  if (!t || !['scaleX', 'scaleY', 'padX', 'padY', 'inputWidth', 'inputHeight'].every((k) => isNumber(t[k]))) return `image ${record.file}: transform is missing or not numeric`;
  if (!Array.isArray(record.detections)) return `image ${record.file}: no detections array`;
  for (let k = 0; k < record.detections.length; k++) {
    const d = record.detections[k] as Partial<Record<keyof typeof record.detections[number], unknown>> | null;
    const where = `image ${record.file}, detection ${k}`;
    if (typeof d !== 'object' || d === null) return `${where}: not an object`;
    if (!isQuad(d.bbox)) return `${where}: bbox must be 4 numbers`;
    if (!isNumber(d.score)) return `${where}: score must be a number`;
    if (!Number.isInteger(d.classIndex) || (d.classIndex as number) < 0) return `${where}: classIndex must be a non-negative integer`;
    if (!Number.isInteger(d.level) || !isNumber(d.stride)) return `${where}: level and stride must be numbers`;
    if (!Array.isArray(d.anchor) || d.anchor.length !== 2 || !isQuad(d.distances)) return `${where}: anchor (2) and distances (4) must be numbers`;
    if (d.edgeProbs !== undefined && !(Array.isArray(d.edgeProbs) && d.edgeProbs.every(isNumber))) return `${where}: edgeProbs must be numbers`;
  }
  return null;
}

/** Parses the text of a .gflrun file. Throws RunFormatError naming the file and line on malformed input. */
export function parseRun(text: string, fileName: string): Run {
  const lines = text.split('\n');
  let header: RunHeader | undefined;
  let footer: RunFooter | undefined;
  const images: RunImageRecord[] = [];
  const errors: RunErrorRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let record: RunRecord;
    try {
      record = JSON.parse(line) as RunRecord;
    } catch (e) {
      // The last line of an interrupted run may be cut mid-write: tolerate only that one.
      if (i >= lines.length - 2 && !footer) break;
      throw new RunFormatError(fileName, i + 1, `not valid JSON (${(e as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new RunFormatError(fileName, i + 1, 'not a run record (expected a JSON object)');
    }
    if (!header) {
      if (record.record !== 'header' || (record as RunHeader).format !== RUN_FORMAT) {
        throw new RunFormatError(fileName, i + 1, `not a GFL Lens run: the first line must be a "${RUN_FORMAT}" header`);
      }
      header = record as RunHeader;
      if (header.version > RUN_FORMAT_VERSION) {
        throw new RunFormatError(fileName, i + 1, `run format version ${header.version} is newer than this GFL Lens understands (${RUN_FORMAT_VERSION}); update the extension`);
      }
      continue;
    }
    switch (record.record) {
      case 'image': {
        const problem = imageRecordProblem(record);
        if (problem) throw new RunFormatError(fileName, i + 1, problem);
        images.push(record);
        break;
      }
      case 'error':
        errors.push(record);
        break;
      case 'footer':
        footer = record;
        break;
      default:
        throw new RunFormatError(fileName, i + 1, `unknown record type ${JSON.stringify((record as { record?: unknown }).record)}`);
    }
  }
  if (!header) throw new RunFormatError(fileName, 1, 'empty file: no run header');
  return { header, images, errors, footer, complete: footer !== undefined };
}
