// Run files on disk: written record by record to "<out>.partial", completed by an atomic rename after the
// footer, so an interrupted run never leaves a file that looks complete. Also atomic writes of other outputs.
import fs from 'node:fs';
import path from 'node:path';
import { parseRun, serializeRunRecord, type Run, type RunErrorRecord, type RunFooter, type RunHeader, type RunImageRecord } from '../core/runFormat.ts';

export const PARTIAL_SUFFIX = '.partial';

export class RunWriter {
  private images = 0;
  private errors = 0;
  private detections = 0;
  private readonly timing = { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 };
  private readonly started = performance.now();

  private constructor(private readonly handle: fs.promises.FileHandle, readonly outPath: string, readonly partialPath: string) {}

  static async create(outPath: string, header: RunHeader): Promise<RunWriter> {
    await fs.promises.mkdir(path.dirname(path.resolve(outPath)), { recursive: true });
    const partialPath = outPath + PARTIAL_SUFFIX;
    const handle = await fs.promises.open(partialPath, 'w');
    const writer = new RunWriter(handle, outPath, partialPath);
    await handle.write(serializeRunRecord(header));
    return writer;
  }

  async addImage(record: RunImageRecord): Promise<void> {
    this.images++;
    this.detections += record.detections.length;
    this.timing.preprocessMs += record.timingMs.preprocessMs;
    this.timing.inferenceMs += record.timingMs.inferenceMs;
    this.timing.decodeMs += record.timingMs.decodeMs;
    await this.handle.write(serializeRunRecord(record));
  }

  async addError(record: RunErrorRecord): Promise<void> {
    this.errors++;
    await this.handle.write(serializeRunRecord(record));
  }

  /** Writes the footer, flushes, and renames the partial file into place. */
  async complete(): Promise<RunFooter> {
    const footer: RunFooter = {
      record: 'footer', complete: true, images: this.images, errors: this.errors, detections: this.detections,
      timingMs: { wall: performance.now() - this.started, ...this.timing }, finishedAt: new Date().toISOString(),
    };
    await this.handle.write(serializeRunRecord(footer));
    await this.handle.sync();
    await this.handle.close();
    await fs.promises.rename(this.partialPath, this.outPath);
    return footer;
  }

  /** Stops without a footer: the ".partial" file stays as a visibly incomplete run. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  get counts() {
    return { images: this.images, errors: this.errors, detections: this.detections };
  }
}

/** Loads a run file; errors name the file and line. */
export async function readRunFile(file: string): Promise<Run> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot read run (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message})`);
  }
  return parseRun(text, file);
}

/** Writes a file atomically: to a temporary sibling, then renamed into place. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes chunks to a temporary sibling, fsyncs and renames into place, so a large export never exists half-written at
 * its final path. Returns the bytes written. Cancelled by `signal` between chunks (the temporary file is removed).
 */
export async function writeChunksAtomic(file: string, chunks: Iterable<string | Uint8Array>, signal?: AbortSignal): Promise<number> {
  await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.promises.open(tmp, 'w');
  let bytes = 0;
  try {
    for (const chunk of chunks) {
      signal?.throwIfAborted();
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      await handle.write(data);
      bytes += data.byteLength;
    }
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, file);
    return bytes;
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw code ? new Error(`${file}: cannot write (${code === 'ENOSPC' ? 'disk full' : code})`) : error;
  }
}
