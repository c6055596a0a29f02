// Reading input files without trusting what the path points at: only regular files are read (a named pipe would
// block forever, /dev/zero would fill the heap), and never more than a stated size. The file is opened without
// blocking and checked on the open handle, so a swap of the path between check and read changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { decodeText } from '../core/jsonText.ts';

/** Largest text file (COCO JSON, results, profile) read: V8 strings stop at about 1 GiB (2^29 UTF-16 units). */
export const MAX_TEXT_BYTES = 512 * 1024 * 1024;
/** Largest image file read. */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;
/** Largest ONNX model read into memory (protobuf's own limit is 2 GiB; larger models keep weights in external data). */
export const MAX_MODEL_BYTES = 2 * 1024 * 1024 * 1024 - 1;

/** A file that cannot be read as input; `problem` is the reason alone, for callers that name the file their way. */
export class InputFileError extends Error {
  constructor(readonly file: string, readonly role: string, readonly problem: string) {
    super(`${file}: cannot read the ${role} (${problem})`);
    this.name = 'InputFileError';
  }
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

function kindOf(stat: fs.Stats): string {
  return stat.isFIFO() ? 'a named pipe' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device'
    : stat.isSocket() ? 'a socket' : stat.isDirectory() ? 'a folder' : 'not a regular file';
}

function openError(file: string, role: string, error: unknown): InputFileError {
  if (error instanceof InputFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied'
    : code === 'ELOOP' ? 'too many symbolic links' : (error as Error).message;
  return new InputFileError(file, role, reason);
}

function checkStat(file: string, role: string, stat: fs.Stats, maxBytes: number): number {
  if (!stat.isFile()) throw new InputFileError(file, role, `it is ${kindOf(stat)}, not a regular file`);
  if (stat.size > maxBytes) throw new InputFileError(file, role, `${stat.size} bytes, above the ${maxBytes}-byte limit`);
  return stat.size;
}

/** Reads a regular file of at most `maxBytes` bytes; anything else is an error naming the file and the problem. */
export async function readRegularFile(file: string, role: string, maxBytes: number): Promise<Buffer> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (error) {
    throw openError(file, role, error);
  }
  try {
    const size = checkStat(file, role, await handle.stat(), maxBytes);
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
      if (bytesRead === 0) break; // shrank while reading: keep what is there
      offset += bytesRead;
    }
    return offset === size ? buffer : buffer.subarray(0, offset);
  } catch (error) {
    throw openError(file, role, error);
  } finally {
    await handle.close();
  }
}

/** Synchronous readRegularFile (the eval command reads its two inputs synchronously). */
export function readRegularFileSync(file: string, role: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw openError(file, role, error);
  }
  try {
    const size = checkStat(file, role, fs.fstatSync(fd), maxBytes);
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const bytesRead = fs.readSync(fd, buffer, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return offset === size ? buffer : buffer.subarray(0, offset);
  } catch (error) {
    throw openError(file, role, error);
  } finally {
    fs.closeSync(fd);
  }
}

/** Text of a regular file: UTF-8 (BOM or not) or UTF-16 with a BOM; see core/jsonText.ts decodeText. */
export async function readTextInput(file: string, role: string): Promise<string> {
  return decodeText(await readRegularFile(file, role, MAX_TEXT_BYTES), file);
}

export function readTextInputSync(file: string, role: string): string {
  return decodeText(readRegularFileSync(file, role, MAX_TEXT_BYTES), file);
}

/** Whether `child` (an absolute, real path) is `root` itself or inside it. */
export function isInside(root: string, child: string): boolean {
  const relative = path.relative(root, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
