// The run as the editor's host holds it: the run's columns without distributions (those stay in the analysis
// worker; the inspector fetches one image's on demand) and the one analysis the worker computed. Pure (no vscode).
import { originalPointToInput } from '../core/geometry.ts';
import type { RunHeader } from '../core/runFormat.ts';
import type { RunTable } from '../core/runTable.ts';
import type { InputTransform, XYXY } from '../core/types.ts';

/** A run as the views know it: a saved run store, a run streaming in, or a COCO results list with its dataset. */
export interface LoadedRun {
  /** Where the run is on disk (store, v1 file or results JSON); the identity used to restore views. */
  sourcePath: string;
  kind: 'run' | 'results';
  label: string;
  header: RunHeader;
  classNames: string[];
  strides: number[];
  regMax: number;
  hasDistributions: boolean;
  notes: string[];
  /** The run's columns; `detections.probs` is null on the host. */
  table: RunTable;
  /** Dataset categories (id, name) when the run has ground truth. */
  categories: { id: number; name: string }[] | null;
  /** Absolute folder image files are relative to (null: `file` is absolute). */
  imagesDir: string | null;
  complete: boolean;
}

export const xywhToXyxy = (b: readonly number[]): XYXY => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

/**
 * Distance of each GT edge from the detection's anchor centre in bins (stride units), l, t, r, b — where the
 * bar charts mark the ground truth: |anchor − gtEdge(input px)| / stride.
 */
export function gtEdgeDistances(anchor: readonly [number, number], stride: number, gtBox: XYXY, transform: InputTransform): [number, number, number, number] {
  const [gx1, gy1] = originalPointToInput(gtBox[0], gtBox[1], transform);
  const [gx2, gy2] = originalPointToInput(gtBox[2], gtBox[3], transform);
  return [(anchor[0] - gx1) / stride, (anchor[1] - gy1) / stride, (gx2 - anchor[0]) / stride, (gy2 - anchor[1]) / stride];
}

/** A dataset's display name from its annotations path: "<root>/annotations/x.json" → root, "<dir>/x.json" → dir. */
export function datasetName(annotations: string): string {
  const parts = annotations.split(/[\\/]/).filter(Boolean);
  const parent = parts.at(-2) ?? '';
  return (parent === 'annotations' ? parts.at(-3) : parent) || baseName(annotations);
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** The label the views show for a run: "model on dataset". */
export function runLabel(header: RunHeader, kind: 'run' | 'results', sourcePath: string, firstFile?: string): string {
  if (kind === 'results') return `${baseName(sourcePath)} (COCO results)`;
  const dataset = header.dataset;
  const name = dataset.annotations ? datasetName(dataset.annotations)
    : dataset.imagesDir ? baseName(dataset.imagesDir) : baseName(firstFile ?? 'images');
  return `${header.model.fileName} on ${name}`;
}

/**
 * What the Failures view calls the shown run: `title` (its description: model or results file, dataset, "partial"
 * when incomplete) and `detail` (a sentence: complete or partial, images, ground truth or "no ground truth").
 */
export function runIdentity(
  run: Pick<LoadedRun, 'kind' | 'label' | 'sourcePath' | 'complete' | 'table'>,
  analysis: { evaluation: { annotations: string } | null },
): { title: string; detail: string } {
  const images = run.table.images.count;
  const annotations = analysis.evaluation?.annotations || null;
  const dataset = annotations ? datasetName(annotations) : null;
  const name = run.kind === 'results' ? `${baseName(run.sourcePath)} (COCO results)${dataset ? ` on ${dataset}` : ''}` : run.label;
  const title = run.complete ? name : `${name} · partial`;
  const state = run.kind === 'results' ? `COCO results for ${images} images` : `${run.complete ? 'complete' : 'partial (interrupted or still running)'} run of ${images} images`;
  const truth = annotations ? `ground truth ${baseName(annotations)}` : 'no ground truth';
  return { title, detail: `${name}: ${state}, ${truth}` };
}
