// Loading what the views show from disk: a .gflrun (with its dataset when the header names one) or a COCO
// results JSON with the instances file it refers to.
import fs from 'node:fs';
import path from 'node:path';
import { parseCocoInstances, parseCocoResults, type CocoDataset } from '../core/coco/cocoLoad.ts';
import { RUN_FILE_EXTENSION, type Run } from '../core/runFormat.ts';
import { readRunFile } from '../io/runFiles.ts';
import { baseName, datasetName, runFromCocoResults, type LoadedRun } from './runModel.ts';
import { readTextFile } from '../io/textFiles.ts';

/** What the workspace remembers to reopen after a reload. */
export type PersistedRunRef =
  | { kind: 'run'; path: string }
  | { kind: 'results'; path: string; annotations: string; imagesDir: string | null };

export async function loadDataset(annotations: string): Promise<CocoDataset> {
  return parseCocoInstances(await readTextFile(annotations, 'COCO annotations'), annotations);
}

export function isRunFile(file: string): boolean {
  return file.endsWith(RUN_FILE_EXTENSION) || file.endsWith(`${RUN_FILE_EXTENSION}.partial`);
}

/** Peeks at a JSON file: a COCO results list starts with "[", an instances file with "{". */
export async function looksLikeResultsList(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('[');
  } finally {
    await handle.close();
  }
}

/** Turns a parsed run into the views' model; the dataset is loaded when the header names one that exists. */
export async function loadedRunFromRun(run: Run, sourcePath: string, dataset?: CocoDataset | null): Promise<LoadedRun> {
  const { header } = run;
  let ds = dataset ?? null;
  const notes = [...header.head.notes];
  if (ds === null && header.dataset.annotations) {
    if (fs.existsSync(header.dataset.annotations)) ds = await loadDataset(header.dataset.annotations);
    else notes.push(`ground truth ${header.dataset.annotations} not found: no TP/FP or calibration`);
  }
  if (!run.complete) notes.push('incomplete run (interrupted or still running): the footer is missing');
  const name = header.dataset.annotations ? datasetName(header.dataset.annotations)
    : header.dataset.imagesDir ? path.basename(header.dataset.imagesDir) : baseName(run.images[0]?.file ?? 'images');
  return {
    sourcePath, kind: 'run', label: `${header.model.fileName} on ${name}`, header,
    classNames: header.profile.classNames, strides: header.head.strides, regMax: header.head.regMax,
    hasDistributions: header.head.hasDistributions, notes,
    images: run.images, errors: run.errors, dataset: ds,
    imagesDir: header.dataset.imagesDir ?? null, complete: run.complete,
  };
}

export async function loadRunFile(file: string): Promise<LoadedRun> {
  return loadedRunFromRun(await readRunFile(file), file);
}

export async function loadResultsFile(resultsFile: string, annotations: string, imagesDir: string | null, loaded?: CocoDataset): Promise<LoadedRun> {
  const dataset = loaded ?? await loadDataset(annotations);
  const results = parseCocoResults(await readTextFile(resultsFile, 'COCO results'), resultsFile, dataset);
  return runFromCocoResults(resultsFile, results, dataset, imagesDir);
}

export async function loadPersisted(ref: PersistedRunRef): Promise<LoadedRun> {
  return ref.kind === 'run' ? loadRunFile(ref.path) : loadResultsFile(ref.path, ref.annotations, ref.imagesDir);
}

/** Absolute path of a run image on disk (null when it cannot be located). */
export function imagePath(run: LoadedRun, imageIndex: number): string | null {
  const image = run.images[imageIndex];
  if (!image) return null;
  const file = path.isAbsolute(image.file) ? image.file : run.imagesDir ? path.join(run.imagesDir, image.file) : null;
  return file && fs.existsSync(file) ? file : null;
}
