// Which images a run covers: one file, a folder, or a COCO dataset's image list resolved under its images folder.
import fs from 'node:fs';
import path from 'node:path';
import type { CocoDataset } from '../core/coco/cocoLoad.ts';
import { isInside } from './safeRead.ts';

/**
 * Image files the loaders take (lower case): the formats sharp decodes here (JPEG, PNG, WebP, TIFF) and BMP, which
 * core/bmp.ts decodes. package.json's menus use the same list (test/unit/contributions.test.ts checks them).
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'];

export interface ImageItem {
  /** Absolute path read from disk. */
  source: string;
  /** Path as recorded in the run: relative to the images folder when there is one. */
  label: string;
  /** COCO image id, or a 1-based sequence number for plain folders. */
  imageId: number;
}

export function isImageFile(file: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

function realPathOrNull(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/**
 * Where `file` really is, if that is inside `root` (both through symbolic links): the real path, or a sentence saying
 * why not. A file that does not exist passes (its reader says "file not found").
 */
export function resolveInsideRoot(root: string, file: string): { real: string } | { problem: string } {
  const realRoot = realPathOrNull(root) ?? path.resolve(root);
  const absolute = path.resolve(root, file);
  if (!isInside(path.resolve(root), absolute)) return { problem: `the path leads outside the images folder ${realRoot}` };
  const real = realPathOrNull(absolute);
  if (real === null) return { real: absolute };
  if (!isInside(realRoot, real)) return { problem: `a symbolic link to ${real}, outside the images folder ${realRoot}: not read` };
  return { real };
}

/**
 * Images directly inside a folder (not recursive), sorted by name for a reproducible order. Symbolic links are
 * followed only when they stay inside the folder; the others are reported through `onRefused` and not read.
 */
export async function listFolderImages(dir: string, onRefused?: (name: string, problem: string) => void): Promise<ImageItem[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new Error(`${dir}: cannot list images (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'folder not found' : (error as Error).message})`);
  }
  const items: { name: string; source: string }[] = [];
  for (const entry of entries) {
    if (!isImageFile(entry.name)) continue;
    if (entry.isSymbolicLink()) {
      const resolved = resolveInsideRoot(dir, entry.name);
      if ('problem' in resolved) onRefused?.(entry.name, resolved.problem);
      else items.push({ name: entry.name, source: resolved.real });
    } else if (entry.isFile()) {
      items.push({ name: entry.name, source: path.join(dir, entry.name) });
    } else if (!entry.isDirectory()) {
      onRefused?.(entry.name, 'not a regular file (a named pipe, socket or device): not read');
    }
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (items.length === 0) throw new Error(`${dir}: no images (${IMAGE_EXTENSIONS.join(', ')}) in this folder`);
  return items.map(({ name, source }, i) => ({ source, label: name, imageId: i + 1 }));
}

/**
 * Resolves a COCO dataset's images under `imagesDir`. A file_name that escapes the folder (absolute, with "..", or
 * through a symbolic link) is refused for that image, reported in `rejected`, never read.
 */
export function cocoImageItems(dataset: CocoDataset, imagesDir: string): { items: ImageItem[]; rejected: { label: string; imageId: number; message: string }[] } {
  const root = path.resolve(imagesDir);
  const items: ImageItem[] = [];
  const rejected: { label: string; imageId: number; message: string }[] = [];
  for (const image of dataset.images) {
    const resolved = path.resolve(root, image.file_name);
    if (path.isAbsolute(image.file_name) || !(resolved + path.sep).startsWith(root + path.sep) || resolved === root) {
      rejected.push({ label: image.file_name, imageId: image.id, message: `file_name escapes the images folder ${root}` });
      continue;
    }
    const inside = resolveInsideRoot(root, image.file_name);
    if ('problem' in inside) {
      rejected.push({ label: image.file_name, imageId: image.id, message: `file_name is ${inside.problem}` });
      continue;
    }
    items.push({ source: inside.real, label: image.file_name, imageId: image.id });
  }
  return { items, rejected };
}

/** Guesses the images folder of a COCO annotations file: "<root>/images" or "<root>/<split>" beside "annotations/". */
export function guessImagesDir(annotationsFile: string, firstFileName?: string): string | undefined {
  const annDir = path.dirname(path.resolve(annotationsFile));
  const root = path.basename(annDir) === 'annotations' ? path.dirname(annDir) : annDir;
  const split = path.basename(annotationsFile).match(/^instances_(.+)\.json$/)?.[1];
  const candidates = [path.join(root, 'images'), ...(split ? [path.join(root, split), path.join(root, 'images', split)] : []), annDir];
  return candidates.find((dir) => fs.existsSync(dir) && (!firstFileName || fs.existsSync(path.join(dir, firstFileName))));
}
