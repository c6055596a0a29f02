// What the editor needs to know about run files on disk: which paths are runs, what a workspace remembers to reopen,
// and where a run's image is. Loading itself happens in the analysis worker (analysisWorker.ts).
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILE_EXTENSION } from '../core/runFormat.ts';
import { PARTIAL_SUFFIX } from '../io/runFiles.ts';
import type { LoadedRun } from './runModel.ts';

/** What the workspace remembers to reopen after a reload. */
export type PersistedRunRef =
  | { kind: 'run'; path: string }
  | { kind: 'results'; path: string; annotations: string; imagesDir: string | null };

/** A run store folder (RUN.gflrun), an interrupted one (RUN.gflrun.partial), or a version-1 run file. */
export function isRunFile(file: string): boolean {
  const clean = file.replace(/[\\/]+$/, '');
  return clean.endsWith(RUN_FILE_EXTENSION) || clean.endsWith(`${RUN_FILE_EXTENSION}${PARTIAL_SUFFIX}`);
}

/** Peeks at a JSON file: a COCO results list starts with "[", an instances file with "{". */
export async function looksLikeResultsList(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart().startsWith('[');
  } finally {
    await handle.close();
  }
}

/** Absolute path of a run image on disk (null when it cannot be located). */
export function imagePath(run: LoadedRun, imageIndex: number): string | null {
  const file = run.table.images.file[imageIndex];
  if (file === undefined) return null;
  const resolved = path.isAbsolute(file) ? file : run.imagesDir ? path.join(run.imagesDir, file) : null;
  return resolved && fs.existsSync(resolved) ? resolved : null;
}
