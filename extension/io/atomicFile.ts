// Publishing output files so that a reader only ever sees a complete file or none: written to a temporary sibling,
// flushed to disk (fsync), renamed over the final name, and the folder entry flushed. Errors name the file and say
// what happened (a full disk says so); nothing half-written is left at the final path or as a temporary.
// Shared by report export, COCO results and (for the lead's run store) any other output.
import fs from 'node:fs';
import path from 'node:path';

/** Temporary siblings are "<name>.<pid>.<sequence>.tmp": the pid lets a later writer remove those of dead processes. */
const TMP_PATTERN = /^(.*)\.(\d+)\.(\d+)\.tmp$/;
let sequence = 0;

/** The subset of fs.promises the writer uses; tests substitute failing operations (a full disk, a dying device). */
export interface AtomicFileSystem {
  open: typeof fs.promises.open;
  rename: typeof fs.promises.rename;
  rm: typeof fs.promises.rm;
}

export interface AtomicWriteOptions {
  fileSystem?: AtomicFileSystem;
}

/** Linux pseudo file systems that accept mkdir/open in odd ways (recursive mkdir under /proc never returns). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** A readable sentence for a failed write of `file`. */
export function describeWriteError(file: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full'
    : code === 'EROFS' ? 'the file system is read-only'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'ENOTDIR' ? 'a part of the path is a file, not a folder'
          : code === 'EISDIR' ? 'it is a folder'
            : error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new Error(`${file}: cannot write (${reason}${code && !reason.includes(code) ? `, ${code}` : ''}); nothing was written there`);
}

/**
 * Creates the folder that will hold `file` (like mkdir -p), refusing pseudo file systems such as /proc, where
 * Node's recursive mkdir loops forever, with an error naming the file.
 */
export async function prepareOutputFolder(file: string): Promise<string> {
  const absolute = path.resolve(file);
  const folder = path.dirname(absolute);
  // Resolve symbolic links of the deepest existing ancestor: a link into /proc is /proc.
  let existing = folder;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  let real = existing;
  try {
    real = await fs.promises.realpath(existing);
  } catch {
    // an unreadable ancestor: mkdir below reports it
  }
  if (process.platform === 'linux' && PSEUDO_ROOTS.some((root) => real === root || real.startsWith(`${root}/`))) {
    throw new Error(`${file}: cannot write there (${real} is on the kernel's ${real.split('/')[1]} pseudo file system); choose an output path on a disk`);
  }
  try {
    await fs.promises.mkdir(folder, { recursive: true });
  } catch (error) {
    throw describeWriteError(file, error);
  }
  return folder;
}

/** Removes temporaries of `file` left by processes that no longer run (killed between write and rename). */
export async function removeStaleTemporaries(file: string): Promise<string[]> {
  const folder = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let names: string[];
  try {
    names = await fs.promises.readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TMP_PATTERN.exec(name);
    if (!match || match[1] !== base) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    await fs.promises.rm(path.join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes `data` to `file` atomically: a temporary sibling, fsync, rename, fsync of the folder. On any failure the
 * temporary is removed, the final path is untouched, and the error names `file` and the cause.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await writeChunksAtomic(file, [data], undefined, options);
}

/**
 * writeFileAtomic for content produced in chunks (large exports never held whole in memory). Cancelled by `signal`
 * between chunks (the temporary is removed, the abort error passes through). Returns the bytes written.
 */
export async function writeChunksAtomic(file: string, chunks: Iterable<string | Uint8Array>, signal?: AbortSignal, options: AtomicWriteOptions = {}): Promise<number> {
  const io = options.fileSystem ?? fs.promises;
  const folder = await prepareOutputFolder(file);
  await removeStaleTemporaries(file);
  const tmp = path.join(folder, `${path.basename(file)}.${process.pid}.${++sequence}.tmp`);
  let handle: fs.promises.FileHandle | undefined;
  let bytes = 0;
  try {
    handle = await io.open(tmp, 'wx');
    for (const chunk of chunks) {
      signal?.throwIfAborted();
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      await handle.writeFile(data);
      bytes += data.byteLength;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await io.rename(tmp, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await io.rm(tmp, { force: true }).catch(() => undefined);
    if ((error as Error)?.name === 'AbortError') throw error;
    throw describeWriteError(file, error);
  }
  await syncFolder(folder);
  return bytes;
}

/** Flushes a folder's entries, so the rename survives a power cut (best effort: not every system allows it). */
export async function syncFolder(folder: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(folder, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open folders; some network file systems refuse fsync on them.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
