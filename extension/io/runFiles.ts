// Atomic writes of outputs (reports, exports) and the one ".partial" naming of anything still being written.
// The run store itself is io/runStore.ts.
import fs from 'node:fs';
import path from 'node:path';

/** Suffix of a run (or output) still being written or interrupted: never mistaken for a complete one. */
export const PARTIAL_SUFFIX = '.partial';

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
