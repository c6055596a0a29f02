// Two runs on the same dataset, paired object by object: what changed between two checkpoints, two exports of one
// model, or two models. Pure: the caller passes both runs' tables, their analyses (analyzeRun) and ground truth.
//
// Pairing is by image id and ground-truth id, never by position. Populations, named as the views name them:
//   • flips: non-crowd GTs and the COCOeval match at IoU 0.5 (area all, maxDets 100) by a detection scoring at least
//     the operating threshold; COCOeval matches greedily by score, so thresholding after matching equals matching
//     the thresholded detections.
//   • matched pairs: GTs that both runs match at IoU 0.5 at any score (quantisation moves scores across the
//     operating threshold: a thresholded population would drop exactly the pairs that shifted most).
//   • confident false positives: COCOeval FPs at IoU 0.5 scoring at least the operating threshold; one is "new" in B
//     when A has no confident FP of the same category in the same image overlapping it at IoU ≥ 0.5 (and vice versa).
// Calibration Δ (LaECE₀, LaACE₀, D-ECE, Pearson of score vs IoU) comes with a percentile bootstrap interval on B − A
// where both runs are resampled with the same images (paired by image), seeded, so the same inputs give the same
// interval everywhere.
import { COCO_STAT_KEYS } from '../coco/cocoEval.ts';
import { TIDE_MAIN_ERRORS, type MatchingGroundTruth, type TideMainError } from '../coco/matching.ts';
import { imageRecordAt, runTableFromRecords, type RunTable } from '../runTable.ts';
import { EDGE_NAMES, type EdgeName, type TideErrorType, type XYXY } from '../types.ts';
import { NO_ERROR, OUTCOME_CODE, OUTCOMES, TIDE_FP_ERRORS, type DetectionOutcome, type GflAnalysis } from './analysis.ts';
import { equalWidthBin } from './calibration.ts';
import { computeEdgeStats } from './edgeStats.ts';
import { createRng, DEFAULT_BOOTSTRAP, percentileInterval, spearman, type BootstrapOptions } from './statistics.ts';

export const COMPARISON_KIND = 'gfl-lens-comparison';
export const COMPARISON_VERSION = 1;

/** One side of a comparison as the caller loaded it. */
export interface CompareRunInput {
  /** What the views call the run, e.g. "nanodet-m-416.onnx". */
  label: string;
  sourcePath: string;
  /** The run's columns; `detections.probs` is needed for the distribution Δ (null: that part is left out). */
  table: RunTable;
  analysis: GflAnalysis;
  groundTruth: MatchingGroundTruth;
  /** Where the ground truth came from (named in messages). */
  annotationsPath: string | null;
  /** Hash of the ground truth's canonical form (groundTruthCanonicalText), computed by the caller. */
  groundTruthHash: string;
}

export interface CompareOptions {
  /** Score at which flips and confident FPs are counted (core/operatingPoint.ts). */
  operatingThreshold: number;
  bootstrap: BootstrapOptions;
  /** Work cap of the calibration bootstrap in cell-resamples (resamples × per-image sufficient statistics). */
  bootstrapWork: number;
  /** Localisation changes smaller than this |IoU_B − IoU_A| are not listed. */
  minLocalisationChange: number;
  /** Longest list of each kind kept (counts are always complete). */
  listLimit: number;
  /** Bins of the score-shift and IoU-shift histograms over [−1, 1]. */
  histogramBins: number;
  /** Bins of LaECE₀ and D-ECE (as analyzeRun). */
  laeceBins: number;
  deceBins: number;
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = Object.freeze({
  operatingThreshold: 0.25,
  bootstrap: DEFAULT_BOOTSTRAP,
  bootstrapWork: 2e8,
  minLocalisationChange: 0.05,
  listLimit: 200,
  histogramBins: 40,
  laeceBins: 25,
  deceBins: 10,
});

/** A detection of one run, as the lists show it. */
export interface ComparedDetection {
  /** Index of the image in that run's image table and the detection's index in the image (DetectionRef). */
  imageIndex: number;
  detIndex: number;
  score: number;
  bbox: XYXY;
  classIndex: number;
  outcome: DetectionOutcome;
  error: TideErrorType | null;
  /** IoU with the ground truth of the entry (flips, pairs) or the best same-class GT (false positives); null: none. */
  iou: number | null;
}

/** Why a run did not find a GT at the operating threshold. */
export type MissReason = 'below-threshold' | 'poorly-localised' | 'wrong-class' | 'no-detection';

export interface GtEntry {
  gtId: number;
  imageId: number;
  file: string;
  categoryId: number;
  categoryName: string;
  /** GT box, original pixels. */
  bbox: XYXY;
  /** Image index in run A's and run B's tables. */
  imageIndexA: number;
  imageIndexB: number;
}

export interface GtFlip extends GtEntry {
  /** The run that found it: its matched detection. */
  found: ComparedDetection;
  /** The run that did not: its closest attempt (the below-threshold match, else its best-IoU detection), or null. */
  missedBy: ComparedDetection | null;
  reason: MissReason;
}

export interface PairChange extends GtEntry {
  a: ComparedDetection;
  b: ComparedDetection;
  /** IoU_B − IoU_A with this GT. */
  deltaIoU: number;
  /** score_B − score_A. */
  deltaScore: number;
}

export interface AmbiguityChange extends PairChange {
  ambiguityA: number;
  ambiguityB: number;
  deltaAmbiguity: number;
}

export interface FalsePositiveChange {
  imageId: number;
  file: string;
  /** Index of the image in the run the FP belongs to, and in the other run. */
  imageIndex: number;
  otherImageIndex: number;
  categoryId: number;
  categoryName: string;
  detection: ComparedDetection;
}

export interface DeltaValue {
  a: number | null;
  b: number | null;
  /** b − a; null when either is undefined. */
  delta: number | null;
}

export interface CalibrationDelta extends DeltaValue {
  name: string;
  definition: string;
  /** Percentile bootstrap interval of b − a, images resampled jointly; null when too few resamples were usable. */
  interval: [number, number] | null;
  resamples: number;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface EdgeDistributionDelta {
  edge: EdgeName;
  meanStdPxA: number;
  meanStdPxB: number;
  deltaStdPx: number;
  meanEntropyA: number;
  meanEntropyB: number;
  deltaEntropy: number;
  /** Share of matched pairs whose edge std shrank in B (sharper). */
  sharperShare: number;
}

export interface RunSide {
  label: string;
  sourcePath: string;
  modelFile: string;
  modelSha256: string;
  profile: string;
  images: number;
  detections: number;
  hasDistributions: boolean;
  classNames: string[];
}

export interface RunComparison {
  kind: typeof COMPARISON_KIND;
  version: typeof COMPARISON_VERSION;
  a: RunSide;
  b: RunSide;
  dataset: {
    annotations: string | null;
    groundTruthHash: string;
    /** Images compared (the intersection), non-crowd GTs on them, and images only one run holds (left out). */
    images: number;
    groundTruths: number;
    onlyInA: number;
    onlyInB: number;
    /** Set when the runs cover different image sets: what was compared. */
    subsetNote: string | null;
  };
  operatingThreshold: number;
  iouThreshold: 0.5;
  /** The 12 COCO stats (−1 undefined becomes null). */
  stats: { keys: string[]; values: DeltaValue[] };
  /** AP@[.5:.95] and AP50 per category, the largest drop first (categories undefined in both runs last). */
  perClass: { categoryId: number; name: string; numGt: number; ap: DeltaValue; ap50: DeltaValue }[];
  /** TIDE dAP (AP points) per main error type, and TIDE's own AP at 0.5. */
  tide: { ap: DeltaValue; types: TideMainError[]; dAP: DeltaValue[] };
  flips: {
    counts: { groundTruths: number; foundByBoth: number; foundOnlyByA: number; foundOnlyByB: number; foundByNeither: number; localisationChanges: number };
    foundOnlyByA: GtFlip[];
    foundOnlyByB: GtFlip[];
    /** Matched by both at the operating threshold, |ΔIoU| ≥ minLocalisationChange, the largest change first. */
    localisation: PairChange[];
    minLocalisationChange: number;
  };
  confidentFalsePositives: { countA: number; countB: number; newInB: FalsePositiveChange[]; vanishedFromA: FalsePositiveChange[]; newCount: number; vanishedCount: number };
  shifts: {
    population: string;
    pairs: number;
    meanScoreShift: number | null;
    medianScoreShift: number | null;
    meanIoUShift: number | null;
    medianIoUShift: number | null;
    /** Share of pairs whose score dropped in B. */
    scoreDroppedShare: number | null;
    score: Histogram;
    iou: Histogram;
  };
  calibration: { metrics: CalibrationDelta[]; level: number; seed: number; note: string };
  distribution: { pairs: number; perEdge: EdgeDistributionDelta[]; meanAmbiguity: DeltaValue; ambiguityChanges: AmbiguityChange[] } | null;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Dataset identity

/**
 * The canonical text of a ground truth that the dataset-identity hash is taken of: images (id), categories (id, name)
 * and annotations (id, image, category, box, crowd, area), each sorted by id. Two instances files that differ only in
 * key order, whitespace or extra fields hash alike; any change of a box, a label or an image does not.
 */
export function groundTruthCanonicalText(gt: MatchingGroundTruth): string {
  const images = gt.images.map((i) => i.id).sort((x, y) => x - y);
  const categories = [...gt.categories].sort((x, y) => x.id - y.id).map((c) => [c.id, c.name]);
  const annotations = [...gt.annotations].sort((x, y) => x.id - y.id)
    .map((a) => [a.id, a.image_id, a.category_id, a.bbox[0], a.bbox[1], a.bbox[2], a.bbox[3], a.iscrowd ? 1 : 0, a.area]);
  return JSON.stringify({ images, categories, annotations });
}

/** The first difference between two ground truths, in words (for the refusal message). */
export function firstGroundTruthDifference(a: MatchingGroundTruth, b: MatchingGroundTruth): string {
  const cats = (gt: MatchingGroundTruth) => new Map(gt.categories.map((c) => [c.id, c.name]));
  const ca = cats(a), cb = cats(b);
  for (const [id, name] of ca) {
    if (!cb.has(id)) return `category ${id} "${name}" is only in A's`;
    if (cb.get(id) !== name) return `category ${id} is "${name}" in A's and "${cb.get(id)}" in B's`;
  }
  for (const [id, name] of cb) if (!ca.has(id)) return `category ${id} "${name}" is only in B's`;
  const anns = (gt: MatchingGroundTruth) => new Map(gt.annotations.map((x) => [x.id, x]));
  const aa = anns(a), ab = anns(b);
  const describe = (x: MatchingGroundTruth['annotations'][number]) => `image ${x.image_id}, category ${x.category_id}, bbox [${x.bbox.join(', ')}]${x.iscrowd ? ', crowd' : ''}, area ${x.area}`;
  for (const [id, x] of aa) {
    const y = ab.get(id);
    if (!y) return `annotation ${id} (${describe(x)}) is only in A's`;
    if (describe(x) !== describe(y)) return `annotation ${id} is (${describe(x)}) in A's and (${describe(y)}) in B's`;
  }
  for (const [id, y] of ab) if (!aa.has(id)) return `annotation ${id} (${describe(y)}) is only in B's`;
  const ia = new Set(a.images.map((i) => i.id)), ib = new Set(b.images.map((i) => i.id));
  for (const id of ia) if (!ib.has(id)) return `image ${id} is only in A's`;
  for (const id of ib) if (!ia.has(id)) return `image ${id} is only in B's`;
  return 'they differ in an image or annotation field';
}

export interface DatasetCheck {
  /** Image ids both runs hold, in A's order. */
  commonImageIds: number[];
  onlyInA: number;
  onlyInB: number;
  /** Null when both runs hold the same images. */
  subsetNote: string | null;
}

/**
 * Refuses two runs that are not on the same dataset (different ground truth, or no image in common), with a message
 * that names both runs and the first difference; otherwise returns the images to compare.
 */
export function checkSameDataset(a: CompareRunInput, b: CompareRunInput): DatasetCheck {
  const name = (run: CompareRunInput, side: string) => `${side} (${run.sourcePath})`;
  if (a.groundTruthHash !== b.groundTruthHash) {
    throw new Error(`cannot compare: ${name(a, 'A')} and ${name(b, 'B')} are evaluated against different ground truth `
      + `(A: ${a.annotationsPath ?? 'unnamed'}, ${a.groundTruth.annotations.length} annotations, hash ${a.groundTruthHash.slice(0, 12)}; `
      + `B: ${b.annotationsPath ?? 'unnamed'}, ${b.groundTruth.annotations.length} annotations, hash ${b.groundTruthHash.slice(0, 12)}): `
      + `${firstGroundTruthDifference(a.groundTruth, b.groundTruth)}. Compare runs of the same instances file (pass the same --annotations to both).`);
  }
  const idsB = new Set(b.table.images.imageId);
  const idsA = new Set(a.table.images.imageId);
  const inGroundTruth = new Set(a.groundTruth.images.map((i) => i.id));
  const shared = Array.from(a.table.images.imageId).filter((id) => idsB.has(id));
  if (shared.length === 0) {
    throw new Error(`cannot compare: ${name(a, 'A')} (${idsA.size} images) and ${name(b, 'B')} (${idsB.size} images) have no image id in common`);
  }
  const commonImageIds = shared.filter((id) => inGroundTruth.has(id));
  if (commonImageIds.length === 0) {
    throw new Error(`cannot compare: none of the ${shared.length} images the runs share is in the ground truth ${a.annotationsPath ?? ''} `
      + `(image ids such as ${shared.slice(0, 3).join(', ')}; it has ids such as ${[...inGroundTruth].slice(0, 3).join(', ')}): pass the instances file the runs were made on`);
  }
  const onlyInA = idsA.size - commonImageIds.length;
  const onlyInB = idsB.size - commonImageIds.length;
  const outsideGroundTruth = shared.length - commonImageIds.length;
  const subsetNote = onlyInA === 0 && onlyInB === 0 ? null
    : `The runs cover different images: compared on the ${commonImageIds.length} images both hold${outsideGroundTruth ? ' that are in the ground truth' : ''}`
      + `${onlyInA ? `; ${onlyInA} of A's` : ''}${onlyInB ? `; ${onlyInB} of B's` : ''} are left out (every number, both runs, is on the common images).`;
  return { commonImageIds, onlyInA, onlyInB, subsetNote };
}

/** The run restricted to the given images (same header; images in the table's order). */
export function restrictRunTable(table: RunTable, imageIds: ReadonlySet<number>): RunTable {
  const records = [];
  for (let i = 0; i < table.images.count; i++) if (imageIds.has(table.images.imageId[i])) records.push(imageRecordAt(table, i));
  return runTableFromRecords(table.header, records, table.errors, table.complete, table.footer);
}

// ---------------------------------------------------------------------------------------------------------------
// The comparison

const nullIfUndefined = (v: number | undefined | null) => (v === undefined || v === null || v < 0 || !Number.isFinite(v) ? null : v);
const deltaOf = (a: number | null, b: number | null): DeltaValue => ({ a, b, delta: a === null || b === null ? null : b - a });

/** IoU of two xyxy boxes (pycocotools' bbIou on the same boxes, non-crowd). */
function iouXYXY(p: ArrayLike<number>, po: number, q: ArrayLike<number>, qo: number): number {
  const w = Math.min(p[po + 2], q[qo + 2]) - Math.max(p[po], q[qo]);
  if (w <= 0) return 0;
  const h = Math.min(p[po + 3], q[qo + 3]) - Math.max(p[po + 1], q[qo + 1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const union = (p[po + 2] - p[po]) * (p[po + 3] - p[po + 1]) + (q[qo + 2] - q[qo]) * (q[qo + 3] - q[qo + 1]) - inter;
  return union > 0 ? inter / union : 0;
}

interface Side {
  input: CompareRunInput;
  table: RunTable;
  analysis: GflAnalysis;
  imageIndexOf: Map<number, number>;
  /** GT id → detection row that COCOeval matched at 0.5 (any score). */
  matchOf: Map<number, number>;
}

function sideOf(input: CompareRunInput): Side {
  const { table, analysis } = input;
  const rows = analysis.rows;
  if (rows.count !== table.detections.count) throw new Error(`${input.sourcePath}: the analysis has ${rows.count} rows for ${table.detections.count} detections`);
  const imageIndexOf = new Map<number, number>();
  for (let i = 0; i < table.images.count; i++) imageIndexOf.set(table.images.imageId[i], i);
  const matchOf = new Map<number, number>();
  for (let d = 0; d < rows.count; d++) if (rows.outcome[d] === OUTCOME_CODE.tp && !Number.isNaN(rows.matchedGt[d])) matchOf.set(rows.matchedGt[d], d);
  return { input, table, analysis, imageIndexOf, matchOf };
}

function compared(side: Side, d: number, iou: number | null): ComparedDetection {
  const { detections } = side.table;
  const rows = side.analysis.rows;
  const b = detections.bbox;
  return {
    imageIndex: detections.imageIndex[d], detIndex: detections.detIndex[d], score: detections.score[d],
    bbox: [b[4 * d], b[4 * d + 1], b[4 * d + 2], b[4 * d + 3]], classIndex: detections.classIndex[d],
    outcome: OUTCOMES[rows.outcome[d]], error: rows.error[d] === NO_ERROR ? null : TIDE_FP_ERRORS[rows.error[d]],
    iou,
  };
}

/** Why `side` did not find `gt` at the threshold, and its closest attempt. */
function missOf(side: Side, gtBox: Float64Array, categoryId: number, gtId: number, imageId: number): { attempt: ComparedDetection | null; reason: MissReason } {
  const matched = side.matchOf.get(gtId);
  if (matched !== undefined) return { attempt: compared(side, matched, iouXYXY(side.table.detections.bbox, 4 * matched, gtBox, 0)), reason: 'below-threshold' };
  const imageIndex = side.imageIndexOf.get(imageId);
  if (imageIndex === undefined) return { attempt: null, reason: 'no-detection' };
  const { detections, images } = side.table;
  let best = -1, bestIoU = 0, bestSame = -1, bestSameIoU = 0;
  for (let d = images.detStart[imageIndex]; d < images.detStart[imageIndex + 1]; d++) {
    const iou = iouXYXY(detections.bbox, 4 * d, gtBox, 0);
    if (iou > bestIoU) { best = d; bestIoU = iou; }
    if (side.analysis.rows.categoryId[d] === categoryId && iou > bestSameIoU) { bestSame = d; bestSameIoU = iou; }
  }
  if (bestSame >= 0 && bestSameIoU >= 0.1) return { attempt: compared(side, bestSame, bestSameIoU), reason: 'poorly-localised' };
  if (best >= 0 && bestIoU >= 0.5) return { attempt: compared(side, best, bestIoU), reason: 'wrong-class' };
  return { attempt: bestSame >= 0 ? compared(side, bestSame, bestSameIoU) : null, reason: 'no-detection' };
}

function histogram(values: ArrayLike<number>, bins: number, lo: number, hi: number): Histogram {
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    // Centred bins: a zero shift falls in the bin around 0 when bins is odd, in [0, width) when even.
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[b]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, b) => lo + b * width), counts };
}

const mean = (v: ArrayLike<number>) => {
  if (v.length === 0) return null;
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k];
  return s / v.length;
};
const median = (v: ArrayLike<number>) => {
  if (v.length === 0) return null;
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Compares two analysed runs on the same images (checkSameDataset first; restrictRunTable + analyzeRun for subsets). */
export function compareRuns(inputA: CompareRunInput, inputB: CompareRunInput, options: Partial<CompareOptions> = {}, subset?: DatasetCheck): RunComparison {
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const check = subset ?? checkSameDataset(inputA, inputB);
  if (check.onlyInA > 0 || check.onlyInB > 0) {
    if (!subset || inputA.table.images.count !== check.commonImageIds.length || inputB.table.images.count !== check.commonImageIds.length) {
      throw new Error('compareRuns needs both runs restricted to their common images (restrictRunTable, then analyzeRun)');
    }
  }
  const A = sideOf(inputA), B = sideOf(inputB);
  const evA = A.analysis.evaluation, evB = B.analysis.evaluation;
  if (!evA || !evB) throw new Error(`cannot compare: ${!evA ? inputA.sourcePath : inputB.sourcePath} has no ground truth (pass the instances file)`);
  const t = o.operatingThreshold;
  const notes: string[] = [];
  if (check.subsetNote) notes.push(check.subsetNote);

  // Ground truth on the compared images.
  const images = new Set(check.commonImageIds);
  const gts = inputA.groundTruth.annotations.filter((g) => images.has(g.image_id) && g.iscrowd !== 1);
  const categoryName = new Map(inputA.groundTruth.categories.map((c) => [c.id, c.name]));

  // 1. COCO stats, per class, TIDE.
  const stats = { keys: [...COCO_STAT_KEYS], values: COCO_STAT_KEYS.map((k) => deltaOf(nullIfUndefined(evA.stats[evA.statKeys.indexOf(k)]), nullIfUndefined(evB.stats[evB.statKeys.indexOf(k)]))) };
  const perB = new Map(evB.perCategory.map((c) => [c.categoryId, c]));
  const perClass = evA.perCategory.map((ca) => {
    const cb = perB.get(ca.categoryId);
    return {
      categoryId: ca.categoryId, name: ca.name, numGt: ca.numGt,
      ap: deltaOf(nullIfUndefined(ca.ap), nullIfUndefined(cb?.ap)), ap50: deltaOf(nullIfUndefined(ca.ap50), nullIfUndefined(cb?.ap50)),
    };
  }).sort((x, y) => (x.ap.delta ?? Infinity) - (y.ap.delta ?? Infinity) || (x.ap50.delta ?? Infinity) - (y.ap50.delta ?? Infinity) || x.categoryId - y.categoryId);
  const tide = {
    ap: deltaOf(evA.tide.ap, evB.tide.ap),
    types: [...TIDE_MAIN_ERRORS],
    dAP: TIDE_MAIN_ERRORS.map((e) => deltaOf(evA.tide.dAP[e], evB.tide.dAP[e])),
  };

  // 2. Flips and localisation changes at the operating threshold; matched pairs at any score.
  const foundOnlyByA: GtFlip[] = [];
  const foundOnlyByB: GtFlip[] = [];
  const localisation: PairChange[] = [];
  const pairs: PairChange[] = [];
  let foundByBoth = 0, foundByNeither = 0;
  const gtBox = new Float64Array(4);
  for (const g of gts) {
    gtBox[0] = g.bbox[0]; gtBox[1] = g.bbox[1]; gtBox[2] = g.bbox[0] + g.bbox[2]; gtBox[3] = g.bbox[1] + g.bbox[3];
    const dA = A.matchOf.get(g.id), dB = B.matchOf.get(g.id);
    const imageIndexA = A.imageIndexOf.get(g.image_id)!, imageIndexB = B.imageIndexOf.get(g.image_id)!;
    const entry = (): GtEntry => ({
      gtId: g.id, imageId: g.image_id, file: A.table.images.file[imageIndexA], categoryId: g.category_id,
      categoryName: categoryName.get(g.category_id) ?? String(g.category_id), bbox: [gtBox[0], gtBox[1], gtBox[2], gtBox[3]], imageIndexA, imageIndexB,
    });
    const inA = dA !== undefined && A.table.detections.score[dA] >= t;
    const inB = dB !== undefined && B.table.detections.score[dB] >= t;
    if (dA !== undefined && dB !== undefined) {
      const iouA = iouXYXY(A.table.detections.bbox, 4 * dA, gtBox, 0), iouB = iouXYXY(B.table.detections.bbox, 4 * dB, gtBox, 0);
      const pair: PairChange = {
        ...entry(), a: compared(A, dA, iouA), b: compared(B, dB, iouB), deltaIoU: iouB - iouA,
        deltaScore: B.table.detections.score[dB] - A.table.detections.score[dA],
      };
      pairs.push(pair);
      if (inA && inB && Math.abs(pair.deltaIoU) >= o.minLocalisationChange) localisation.push(pair);
    }
    if (inA && inB) foundByBoth++;
    else if (inA) {
      const miss = missOf(B, gtBox, g.category_id, g.id, g.image_id);
      foundOnlyByA.push({ ...entry(), found: compared(A, dA!, iouXYXY(A.table.detections.bbox, 4 * dA!, gtBox, 0)), missedBy: miss.attempt, reason: miss.reason });
    } else if (inB) {
      const miss = missOf(A, gtBox, g.category_id, g.id, g.image_id);
      foundOnlyByB.push({ ...entry(), found: compared(B, dB!, iouXYXY(B.table.detections.bbox, 4 * dB!, gtBox, 0)), missedBy: miss.attempt, reason: miss.reason });
    } else foundByNeither++;
  }
  const byFoundScore = (x: GtFlip, y: GtFlip) => y.found.score - x.found.score || x.gtId - y.gtId;
  foundOnlyByA.sort(byFoundScore);
  foundOnlyByB.sort(byFoundScore);
  localisation.sort((x, y) => Math.abs(y.deltaIoU) - Math.abs(x.deltaIoU) || x.gtId - y.gtId);

  // 3. New and vanished confident false positives.
  const confident = (side: Side) => {
    const out: number[] = [];
    const { score } = side.table.detections;
    for (let d = 0; d < side.analysis.rows.count; d++) if (side.analysis.rows.outcome[d] === OUTCOME_CODE.fp && score[d] >= t) out.push(d);
    return out;
  };
  const fpA = confident(A), fpB = confident(B);
  const unpaired = (own: Side, mine: number[], other: Side, theirs: number[]): FalsePositiveChange[] => {
    const byImage = new Map<number, number[]>();
    for (const d of theirs) {
      const id = other.table.images.imageId[other.table.detections.imageIndex[d]];
      const list = byImage.get(id);
      if (list) list.push(d); else byImage.set(id, [d]);
    }
    const out: FalsePositiveChange[] = [];
    for (const d of mine) {
      const imageIndex = own.table.detections.imageIndex[d];
      const imageId = own.table.images.imageId[imageIndex];
      const category = own.analysis.rows.categoryId[d];
      const twin = (byImage.get(imageId) ?? []).some((e) => other.analysis.rows.categoryId[e] === category && iouXYXY(own.table.detections.bbox, 4 * d, other.table.detections.bbox, 4 * e) >= 0.5);
      if (twin) continue;
      const iou = own.analysis.rows.iou[d];
      out.push({
        imageId, file: own.table.images.file[imageIndex], imageIndex, otherImageIndex: other.imageIndexOf.get(imageId)!, categoryId: category,
        categoryName: categoryName.get(category) ?? String(category), detection: compared(own, d, Number.isNaN(iou) ? null : iou),
      });
    }
    return out.sort((x, y) => y.detection.score - x.detection.score || x.imageId - y.imageId || x.detection.detIndex - y.detection.detIndex);
  };
  const newInB = unpaired(B, fpB, A, fpA);
  const vanishedFromA = unpaired(A, fpA, B, fpB);

  // 4. Score and IoU shift on matched pairs.
  const scoreShift = Float64Array.from(pairs, (p) => p.deltaScore);
  const iouShift = Float64Array.from(pairs, (p) => p.deltaIoU);
  let dropped = 0;
  for (const s of scoreShift) if (s < 0) dropped++;
  const shifts = {
    population: 'non-crowd ground truths matched at IoU 0.5 (COCOeval) by both runs, at any score',
    pairs: pairs.length,
    meanScoreShift: mean(scoreShift), medianScoreShift: median(scoreShift),
    meanIoUShift: mean(iouShift), medianIoUShift: median(iouShift),
    scoreDroppedShare: pairs.length ? dropped / pairs.length : null,
    score: histogram(scoreShift, o.histogramBins, -1, 1),
    iou: histogram(iouShift, o.histogramBins, -1, 1),
  };

  // 5. Calibration Δ with paired-by-image bootstrap intervals.
  const withGt = new Set(gts.map((g) => g.category_id));
  const calibration = calibrationDeltas(A, B, check.commonImageIds, withGt, o);

  // 6. Distribution Δ on matched pairs.
  const distribution = distributionDelta(A, B, pairs, o);
  if (!distribution) notes.push('Distribution Δ needs both runs with DFL distributions (a run store of a model that exposes them).');

  const limit = <T>(list: T[]) => list.slice(0, o.listLimit);
  const side = (s: Side): RunSide => ({
    label: s.input.label, sourcePath: s.input.sourcePath, modelFile: s.table.header.model.fileName, modelSha256: s.table.header.model.sha256,
    profile: s.table.header.profile.name, images: s.table.images.count, detections: s.table.detections.count,
    hasDistributions: s.analysis.source.hasDistributions, classNames: s.table.header.profile.classNames,
  });
  if (inputA.table.header.model.sha256 && inputA.table.header.model.sha256 === inputB.table.header.model.sha256) {
    notes.push('Both runs come from the same model file (same SHA-256): differences come from settings (thresholds, providers, preprocessing), not weights.');
  }
  return {
    kind: COMPARISON_KIND, version: COMPARISON_VERSION,
    a: side(A), b: side(B),
    dataset: {
      annotations: inputA.annotationsPath, groundTruthHash: inputA.groundTruthHash, images: check.commonImageIds.length, groundTruths: gts.length,
      onlyInA: check.onlyInA, onlyInB: check.onlyInB, subsetNote: check.subsetNote,
    },
    operatingThreshold: t, iouThreshold: 0.5,
    stats, perClass, tide,
    flips: {
      counts: { groundTruths: gts.length, foundByBoth, foundOnlyByA: foundOnlyByA.length, foundOnlyByB: foundOnlyByB.length, foundByNeither, localisationChanges: localisation.length },
      foundOnlyByA: limit(foundOnlyByA), foundOnlyByB: limit(foundOnlyByB), localisation: limit(localisation), minLocalisationChange: o.minLocalisationChange,
    },
    confidentFalsePositives: { countA: fpA.length, countB: fpB.length, newInB: limit(newInB), vanishedFromA: limit(vanishedFromA), newCount: newInB.length, vanishedCount: vanishedFromA.length },
    shifts, calibration, distribution, notes,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Calibration Δ: per-image sufficient statistics, so a resample is a weighted sum over images

/** One run's calibration inputs as per-image cells (key, n, Σ(p − t), Σ|p − t|) in CSR form. */
interface CalibrationCells {
  /** Cells of image k (in the common order) are start[k] .. start[k + 1]. */
  start: Int32Array;
  /** LaECE₀ cells: key = class slot × bins + bin, and the slot alone. */
  key: Int32Array;
  slot: Int32Array;
  n: Float64Array;
  diff: Float64Array;
  absDiff: Float64Array;
  /** D-ECE cells (pooled classes): key = bin. */
  dStart: Int32Array;
  dKey: Int32Array;
  dN: Float64Array;
  dDiff: Float64Array;
  /** TPs at 0.5 (score, same-class IoU) per image, for the score–IoU correlations. */
  tpStart: Int32Array;
  tpScore: Float64Array;
  tpIoU: Float64Array;
}

function calibrationCells(side: Side, imageIds: number[], slotOf: Map<number, number>, laeceBins: number, deceBins: number): CalibrationCells {
  const { table, analysis } = side;
  const rows = analysis.rows;
  const score = table.detections.score;
  const start = new Int32Array(imageIds.length + 1), dStart = new Int32Array(imageIds.length + 1), tpStart = new Int32Array(imageIds.length + 1);
  const key: number[] = [], n: number[] = [], diff: number[] = [], absDiff: number[] = [];
  const dKey: number[] = [], dN: number[] = [], dDiff: number[] = [];
  const tpScore: number[] = [], tpIoU: number[] = [];
  const cell = new Map<number, number>();
  const dCell = new Map<number, number>();
  imageIds.forEach((id, k) => {
    const i = side.imageIndexOf.get(id)!;
    cell.clear();
    dCell.clear();
    for (let d = table.images.detStart[i]; d < table.images.detStart[i + 1]; d++) {
      const slot = slotOf.get(rows.categoryId[d]);
      if (slot === undefined) continue;
      const p = score[d];
      if (!rows.laIgnored[d]) {
        const c = slot * laeceBins + equalWidthBin(p, laeceBins);
        let at = cell.get(c);
        if (at === undefined) { at = key.length; cell.set(c, at); key.push(c); n.push(0); diff.push(0); absDiff.push(0); }
        const e = p - rows.laTarget[d];
        n[at]++; diff[at] += e; absDiff[at] += Math.abs(e);
      }
      const outcome = rows.outcome[d];
      if (outcome === OUTCOME_CODE.tp || outcome === OUTCOME_CODE.fp) {
        const c = equalWidthBin(p, deceBins);
        let at = dCell.get(c);
        if (at === undefined) { at = dKey.length; dCell.set(c, at); dKey.push(c); dN.push(0); dDiff.push(0); }
        dN[at]++; dDiff[at] += p - (outcome === OUTCOME_CODE.tp ? 1 : 0);
        if (outcome === OUTCOME_CODE.tp && !Number.isNaN(rows.iou[d])) { tpScore.push(p); tpIoU.push(rows.iou[d]); }
      }
    }
    start[k + 1] = key.length;
    dStart[k + 1] = dKey.length;
    tpStart[k + 1] = tpScore.length;
  });
  return {
    start, key: Int32Array.from(key), slot: Int32Array.from(key, (k) => Math.floor(k / laeceBins)), n: Float64Array.from(n), diff: Float64Array.from(diff), absDiff: Float64Array.from(absDiff),
    dStart, dKey: Int32Array.from(dKey), dN: Float64Array.from(dN), dDiff: Float64Array.from(dDiff),
    tpStart, tpScore: Float64Array.from(tpScore), tpIoU: Float64Array.from(tpIoU),
  };
}

/** LaECE₀, LaACE₀, D-ECE and Pearson(score, IoU | TP) of one run under image weights. */
function weightedMetrics(c: CalibrationCells, weights: Uint32Array | null, slots: number, laeceBins: number, deceBins: number, scratch: Float64Array[]): number[] {
  const [binDiff, classN, classAbs, dBin] = scratch;
  binDiff.fill(0); classN.fill(0); classAbs.fill(0); dBin.fill(0);
  let dTotal = 0, m = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const images = c.start.length - 1;
  for (let k = 0; k < images; k++) {
    const w = weights ? weights[k] : 1;
    if (w === 0) continue;
    for (let j = c.start[k]; j < c.start[k + 1]; j++) {
      const key = c.key[j];
      binDiff[key] += w * c.diff[j];
      const slot = c.slot[j];
      classN[slot] += w * c.n[j];
      classAbs[slot] += w * c.absDiff[j];
    }
    for (let j = c.dStart[k]; j < c.dStart[k + 1]; j++) {
      dBin[c.dKey[j]] += w * c.dDiff[j];
      dTotal += w * c.dN[j];
    }
    for (let j = c.tpStart[k]; j < c.tpStart[k + 1]; j++) {
      const x = c.tpScore[j], y = c.tpIoU[j];
      m += w; sx += w * x; sy += w * y; sxx += w * x * x; syy += w * y * y; sxy += w * x * y;
    }
  }
  // LaECE₀ = (1/K) Σ_c (1/N_c) Σ_j |Σ_{i∈j}(p_i − IoU_i)|: equal to Σ_j (n_j/N_c)|p̄_j − ĪoU_j| (Oksuz et al. 2023 Eq. 4).
  let laece = 0, laace = 0, classes = 0;
  for (let s = 0; s < slots; s++) {
    if (classN[s] === 0) continue;
    let sum = 0;
    for (let b = 0; b < laeceBins; b++) sum += Math.abs(binDiff[s * laeceBins + b]);
    laece += sum / classN[s];
    laace += classAbs[s] / classN[s];
    classes++;
  }
  let dece = 0;
  for (let b = 0; b < deceBins; b++) dece += Math.abs(dBin[b]);
  let r = NaN;
  if (m >= 2) {
    const vx = sxx - (sx * sx) / m, vy = syy - (sy * sy) / m;
    if (vx > 1e-12 * Math.max(1, sxx) && vy > 1e-12 * Math.max(1, syy)) r = Math.max(-1, Math.min(1, (sxy - (sx * sy) / m) / Math.sqrt(vx * vy)));
  }
  return [classes ? laece / classes : NaN, classes ? laace / classes : NaN, dTotal > 0 ? dece / dTotal : NaN, r];
}

/** Spearman's ρ of the TPs of the images drawn (with multiplicity). */
function weightedSpearman(c: CalibrationCells, weights: Uint32Array): number | null {
  const xs: number[] = [], ys: number[] = [];
  for (let k = 0; k < weights.length; k++) {
    for (let w = 0; w < weights[k]; w++) for (let j = c.tpStart[k]; j < c.tpStart[k + 1]; j++) { xs.push(c.tpScore[j]); ys.push(c.tpIoU[j]); }
  }
  return spearman(xs, ys);
}

function calibrationDeltas(A: Side, B: Side, imageIds: number[], withGt: ReadonlySet<number>, o: CompareOptions): RunComparison['calibration'] {
  const slots = [...withGt].sort((x, y) => x - y);
  const slotOf = new Map(slots.map((id, s) => [id, s]));
  const cells = [calibrationCells(A, imageIds, slotOf, o.laeceBins, o.deceBins), calibrationCells(B, imageIds, slotOf, o.laeceBins, o.deceBins)];
  const scratch = () => [new Float64Array(slots.length * o.laeceBins), new Float64Array(slots.length), new Float64Array(slots.length), new Float64Array(o.deceBins)];
  const scratches = [scratch(), scratch()];
  const point = cells.map((c, s) => weightedMetrics(c, null, slots.length, o.laeceBins, o.deceBins, scratches[s]));
  const spearmanPoint = cells.map((c) => spearman(c.tpScore, c.tpIoU));

  // Resamples under a work cap: the per-resample cost is the number of cells (and TPs) of both runs. Below the cap's
  // count, at least minResamples while that costs at most 4× the cap (large runs: intervals are narrow and stable),
  // else none (no interval, said in the note).
  const work = Math.max(1, cells.reduce((sum, c) => sum + c.key.length + c.dKey.length + c.tpScore.length + imageIds.length, 0));
  const minimum = Math.min(o.bootstrap.resamples, o.bootstrap.minResamples);
  const capped = Math.min(o.bootstrap.resamples, Math.floor(o.bootstrapWork / work));
  const resamples = imageIds.length < 2 ? 0 : capped >= minimum ? capped : minimum * work <= 4 * o.bootstrapWork ? minimum : 0;
  const tpWork = cells[0].tpScore.length + cells[1].tpScore.length;
  // Spearman re-ranks each resample (n log n): under the analysis' own budget (BootstrapOptions.budget), and not at
  // all when that allows fewer than minResamples.
  const spearmanBudget = Math.min(resamples, Math.floor(o.bootstrap.budget / Math.max(1, tpWork)));
  const spearmanResamples = spearmanBudget >= minimum ? spearmanBudget : 0;
  const samples: number[][] = [[], [], [], [], []];
  const random = createRng(o.bootstrap.seed);
  const weights = new Uint32Array(imageIds.length);
  const n = imageIds.length;
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let k = 0; k < n; k++) weights[(random() * n) | 0]++;
    const ma = weightedMetrics(cells[0], weights, slots.length, o.laeceBins, o.deceBins, scratches[0]);
    const mb = weightedMetrics(cells[1], weights, slots.length, o.laeceBins, o.deceBins, scratches[1]);
    for (let k = 0; k < 4; k++) if (Number.isFinite(ma[k]) && Number.isFinite(mb[k])) samples[k].push(mb[k] - ma[k]);
    if (r < spearmanResamples) {
      const sa = weightedSpearman(cells[0], weights), sb = weightedSpearman(cells[1], weights);
      if (sa !== null && sb !== null) samples[4].push(sb - sa);
    }
  }
  const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);
  const definitions = [
    ['LaECE0', 'localisation-aware ECE at τ = 0: (1/K)·Σ_c Σ_j (|D_j^c|/|D^c|)·|mean score − mean IoU target|, 25 equal-width bins (Oksuz et al. CVPR 2023; Kuzucu et al. ECCV 2024)'],
    ['LaACE0', 'localisation-aware ACE at τ = 0, one detection per bin: (1/K)·Σ_c mean |score − IoU target| (Kuzucu et al. ECCV 2024)'],
    [`D-ECE@0.5`, 'detection ECE, classes pooled: Σ_j (|D_j|/|D|)·|mean score − precision|, TP at IoU 0.5, 10 equal-width bins (Küppers et al. CVPR-W 2020)'],
    ['Pearson score–IoU (TPs@0.5)', "Pearson's r of score and same-class IoU over true positives at IoU 0.5 (IoU-Net, Jiang et al. ECCV 2018)"],
    ['Spearman score–IoU (TPs@0.5)', "Spearman's ρ of score and same-class IoU over true positives at IoU 0.5"],
  ];
  const metrics: CalibrationDelta[] = definitions.map(([name, definition], k) => {
    const a = k < 4 ? finite(point[0][k]) : finite(spearmanPoint[0]);
    const b = k < 4 ? finite(point[1][k]) : finite(spearmanPoint[1]);
    const count = k < 4 ? resamples : spearmanResamples;
    return { name, definition, ...deltaOf(a, b), resamples: count, interval: count > 0 ? percentileInterval(samples[k], count, o.bootstrap.level) : null };
  });
  const note = `${Math.round(o.bootstrap.level * 100)}% percentile bootstrap intervals of B − A, images resampled with replacement and the same draw used for both runs (paired by image), seed ${o.bootstrap.seed}, ${resamples} resamples`
    + (spearmanResamples === 0 && resamples > 0 ? ` (none for Spearman, which re-ranks every resample: too many true positives for its budget; Pearson's interval is given)`
      : spearmanResamples < resamples ? ` (${spearmanResamples} for Spearman, which re-ranks each resample)` : '') + '.';
  return { metrics, level: o.bootstrap.level, seed: o.bootstrap.seed, note };
}

// ---------------------------------------------------------------------------------------------------------------
// Distribution Δ on matched pairs

function pairEdgeStats(side: Side, rowsOfPairs: number[]) {
  const { detections, images } = side.table;
  const probs = detections.probs!;
  const bins = detections.bins;
  const m = rowsOfPairs.length;
  const sub = new Uint16Array(m * 4 * bins);
  const stride = new Uint16Array(m), scaleX = new Float64Array(m), scaleY = new Float64Array(m);
  rowsOfPairs.forEach((d, k) => {
    sub.set(probs.subarray(d * 4 * bins, (d + 1) * 4 * bins), k * 4 * bins);
    stride[k] = detections.stride[d];
    const i = detections.imageIndex[d];
    scaleX[k] = images.scaleX[i];
    scaleY[k] = images.scaleY[i];
  });
  return computeEdgeStats({ count: m, regMax: bins - 1, probs: sub, hasProbs: new Uint8Array(m).fill(1), stride, scaleX, scaleY });
}

function distributionDelta(A: Side, B: Side, pairs: PairChange[], o: CompareOptions): RunComparison['distribution'] {
  if (!A.table.detections.probs || !B.table.detections.probs || !A.analysis.source.hasDistributions || !B.analysis.source.hasDistributions) return null;
  const rowOf = (side: Side, det: ComparedDetection) => side.table.images.detStart[det.imageIndex] + det.detIndex;
  const rowsA = pairs.map((p) => rowOf(A, p.a)), rowsB = pairs.map((p) => rowOf(B, p.b));
  const sa = pairEdgeStats(A, rowsA), sb = pairEdgeStats(B, rowsB);
  const m = pairs.length;
  const perEdge = EDGE_NAMES.map((edge, e): EdgeDistributionDelta => {
    let stdA = 0, stdB = 0, entA = 0, entB = 0, sharper = 0;
    for (let k = 0; k < m; k++) {
      stdA += sa.stdPx[4 * k + e]; stdB += sb.stdPx[4 * k + e];
      entA += sa.entropy[4 * k + e]; entB += sb.entropy[4 * k + e];
      if (sb.stdPx[4 * k + e] < sa.stdPx[4 * k + e]) sharper++;
    }
    const d = m || 1;
    return {
      edge, meanStdPxA: stdA / d, meanStdPxB: stdB / d, deltaStdPx: (stdB - stdA) / d,
      meanEntropyA: entA / d, meanEntropyB: entB / d, deltaEntropy: (entB - entA) / d, sharperShare: m ? sharper / m : 0,
    };
  });
  const changes: AmbiguityChange[] = pairs.map((p, k) => ({ ...p, ambiguityA: sa.ambiguity[k], ambiguityB: sb.ambiguity[k], deltaAmbiguity: sb.ambiguity[k] - sa.ambiguity[k] }))
    .filter((c) => Number.isFinite(c.deltaAmbiguity))
    .sort((x, y) => Math.abs(y.deltaAmbiguity) - Math.abs(x.deltaAmbiguity) || x.gtId - y.gtId);
  const meanAmbiguity = deltaOf(mean(sa.ambiguity), mean(sb.ambiguity));
  return { pairs: m, perEdge, meanAmbiguity, ambiguityChanges: changes.slice(0, Math.min(o.listLimit, 50)) };
}

// ---------------------------------------------------------------------------------------------------------------
// Text summary (CLI)

const fx = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
const sg = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);

/** The plain-text summary `gfl-lens compare` prints. */
export function formatComparisonSummary(c: RunComparison): string {
  const lines: string[] = [];
  lines.push(`GFL Lens comparison — A: ${c.a.label}   B: ${c.b.label}`);
  lines.push(`dataset ${c.dataset.annotations ?? '(unnamed)'}: ${c.dataset.images} images, ${c.dataset.groundTruths} ground truths (hash ${c.dataset.groundTruthHash.slice(0, 12)}); operating threshold ${c.operatingThreshold}`);
  if (c.dataset.subsetNote) lines.push(`note: ${c.dataset.subsetNote}`);
  lines.push('COCO stats        A        B        Δ');
  c.stats.keys.forEach((k, i) => {
    const v = c.stats.values[i];
    lines.push(`  ${k.padEnd(8)}  ${fx(v.a).padStart(7)}  ${fx(v.b).padStart(7)}  ${sg(v.delta).padStart(7)}`);
  });
  lines.push(`TIDE dAP (A → B): ${c.tide.types.map((t, i) => `${t} ${fx(c.tide.dAP[i].a, 2)}→${fx(c.tide.dAP[i].b, 2)} (${sg(c.tide.dAP[i].delta, 2)})`).join('  ')}`);
  const damaged = c.perClass.filter((p) => p.ap.delta !== null && p.ap.delta < 0).slice(0, 5);
  if (damaged.length) lines.push(`Largest per-class AP drops: ${damaged.map((p) => `${p.name} ${sg(p.ap.delta)}`).join(', ')}`);
  const f = c.flips.counts;
  lines.push(`Flips at IoU 0.5, score ≥ ${c.operatingThreshold} (${f.groundTruths} GTs): found by both ${f.foundByBoth}, only by A ${f.foundOnlyByA}, only by B ${f.foundOnlyByB}, by neither ${f.foundByNeither}; localisation changes |ΔIoU| ≥ ${c.flips.minLocalisationChange}: ${f.localisationChanges}`);
  for (const [title, list] of [['found by A, missed by B', c.flips.foundOnlyByA], ['found by B, missed by A', c.flips.foundOnlyByB]] as const) {
    for (const flip of list.slice(0, 5)) lines.push(`  ${title}: ${flip.file} GT ${flip.gtId} ${flip.categoryName}: score ${fx(flip.found.score)} IoU ${fx(flip.found.iou)}; other run: ${flip.reason}${flip.missedBy ? ` (score ${fx(flip.missedBy.score)}, IoU ${fx(flip.missedBy.iou)})` : ''}`);
  }
  const fp = c.confidentFalsePositives;
  lines.push(`Confident false positives (score ≥ ${c.operatingThreshold}): A ${fp.countA}, B ${fp.countB}; new in B ${fp.newCount}, vanished from A ${fp.vanishedCount}`);
  const s = c.shifts;
  lines.push(`Matched pairs (${s.pairs}; ${s.population}): mean score shift ${sg(s.meanScoreShift, 4)} (median ${sg(s.medianScoreShift, 4)}; dropped in ${s.scoreDroppedShare === null ? 'n/a' : `${(100 * s.scoreDroppedShare).toFixed(1)}%`}), mean IoU shift ${sg(s.meanIoUShift, 4)}`);
  lines.push('Calibration       A        B        Δ  interval');
  for (const m of c.calibration.metrics) {
    lines.push(`  ${m.name.padEnd(30)} ${fx(m.a, 4)}  ${fx(m.b, 4)}  ${sg(m.delta, 4)}  ${m.interval ? `[${sg(m.interval[0], 4)}, ${sg(m.interval[1], 4)}]` : 'n/a'}`);
  }
  lines.push(`  (${c.calibration.note})`);
  if (c.distribution) {
    const d = c.distribution;
    lines.push(`Distributions on ${d.pairs} matched pairs: mean ambiguity ${fx(d.meanAmbiguity.a)} → ${fx(d.meanAmbiguity.b)}; per edge std px Δ / entropy Δ / sharper in B:`);
    lines.push(`  ${d.perEdge.map((e) => `${e.edge} ${sg(e.deltaStdPx, 3)} / ${sg(e.deltaEntropy, 3)} / ${(100 * e.sharperShare).toFixed(0)}%`).join('   ')}`);
  }
  for (const note of c.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
