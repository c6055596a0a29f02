// The one file of host ↔ webview messages, one union per direction (as vscode-hexeditor's protocol.ts).
// Everything here crosses postMessage (structured clone): plain data and typed arrays only.
import type { RunComparison } from '../core/analytics/compare.ts';
import type { CategoryMetrics } from '../core/coco/cocoEval.ts';
import type { Detection, InputTransform, TideErrorType, XYXY } from '../core/types.ts';
import type { PrCurves, ThresholdCurves } from '../core/analytics/evaluationCurves.ts';

/** Identifies a detection across a run: image index in the run and detection index in that image. */
export interface DetectionRef {
  imageIndex: number;
  detIndex: number;
}

/**
 * COCOeval verdict of a detection at IoU 0.5 as the views show it: 'ignored' = matched to a crowd region;
 * 'unevaluated' = not counted (beyond the top 100 of its image and class, or a class without a dataset category);
 * 'unknown' = the run has no ground truth.
 */
export type Outcome = 'tp' | 'fp' | 'ignored' | 'unevaluated' | 'unknown';

/** A detection as the inspector draws it: the decoded Detection plus what evaluation knows about it. */
export interface InspectorBox extends Detection {
  detIndex: number;
  className: string;
  outcome: Outcome;
  error: TideErrorType | null;
  /** IoU with the best same-class ground truth (null without ground truth). */
  iou: number | null;
  /** That ground truth box in original pixels (xyxy), for the GT marks on the distributions. */
  gtBox: XYXY | null;
  /** Distances of that GT's edges from the anchor in bins (l, t, r, b): where the bar charts mark the GT. */
  gtDistances: [number, number, number, number] | null;
  /** For a TIDE false positive: what it relates to (null otherwise). */
  context: InspectorFailureContext | null;
}

/** What a failure relates to (core/analytics/failureContext.ts): the boxes to highlight beside it, and the words. */
export interface InspectorFailureContext {
  kind: TideErrorType | 'Miss';
  /** The ground truth to highlight (for a Miss: the missed one). */
  gtId: number | null;
  /** Dupe: the true positive it duplicates; Miss: the best candidate. detIndex in the image. */
  relatedDetIndex: number | null;
  /** Loc: predicted − true edge positions (l, t, r, b) in image pixels, positive outwards. */
  edgeErrorPx: [number, number, number, number] | null;
  short: string;
  long: string;
}

export interface GroundTruthBox {
  id: number;
  bbox: XYXY;
  className: string;
  crowd: boolean;
  /** Set when TIDE counts this ground truth as missed: its best candidate and why it was not a match. */
  missed?: InspectorFailureContext | null;
}

/** The image's input transform (model-input ↔ original pixels), as the core defines it. */
export type InputTransformData = InputTransform;

export interface InspectorImage {
  imageIndex: number;
  file: string;
  /** webview URI of the image, or null when the file cannot be found (boxes are still drawn). */
  uri: string | null;
  width: number;
  height: number;
  transform: InputTransformData;
  boxes: InspectorBox[];
  groundTruth: GroundTruthBox[] | null;
  classNames: string[];
  regMax: number;
  hasDistributions: boolean;
  /** Plain-language notes about the model head (e.g. integrated DFL). */
  notes: string[];
  /** Run label, e.g. "nanodet-m-320 on coco128", and the file it was loaded from. */
  runLabel: string;
  runPath: string;
}

/** Column arrays for the calibration view: one entry per detection of the run. */
export interface CalibrationPoints {
  count: number;
  /** Float64 so the view's metrics equal the report's (analyzeRun) to the last digit. */
  score: Float64Array;
  /** IoU with the best same-class GT (0 if none): QFL's target. */
  iou: Float64Array;
  /** 1 for a true positive at IoU 0.5 (COCOeval). */
  tp: Uint8Array;
  classIndex: Uint16Array;
  level: Uint8Array;
  /** 0 small, 1 medium, 2 large (COCO area ranges). */
  size: Uint8Array;
  categoryId: Int32Array;
  /** LaECE₀ target (IoU of the τ = 0 COCOeval match, 0 for FPs) and its ignore flags. */
  laTarget: Float64Array;
  laIgnored: Uint8Array;
  /** D-ECE target (1 TP / 0 FP at IoU 0.5) and its ignore flags. */
  dTarget: Float64Array;
  dIgnored: Uint8Array;
  imageIndex: Int32Array;
  detIndex: Int32Array;
}

export interface CalibrationData {
  runLabel: string;
  runPath: string;
  classNames: string[];
  strides: number[];
  categoriesWithGroundTruth: number[];
  /** Category id → class index, for the per-class table. */
  categoryClass: [number, number][];
  points: CalibrationPoints;
  /** True while a dataset run is still streaming in. */
  partial: boolean;
  /** How to read the score–IoU plot for this model's score training, when it is not GFL's QFL (null for GFL heads). */
  scoreNote?: string | null;
}

export interface AmbiguityCard {
  ref: DetectionRef;
  rank: number;
  file: string;
  uri: string | null;
  imageWidth: number;
  imageHeight: number;
  bbox: XYXY;
  className: string;
  score: number;
  ambiguity: number;
  /** 0..3 = left, top, right, bottom. */
  drivingEdge: number;
  /** Probabilities of the driving edge, regMax + 1 bins. */
  probs: number[];
  /** Expected distance (bins) and, when matched to GT, the GT distance (bins). */
  expected: number;
  gtDistance: number | null;
  outcome: Outcome;
  iou: number | null;
}

/** What the Ambiguity view lists (the analysis worker filters and ranks; the view receives one page at a time). */
export interface AmbiguityFilters {
  /** Model class index; null = every class. */
  classIndex: number | null;
  /** Driving edge 0..3 (left, top, right, bottom); null = any. */
  edge: number | null;
  /** COCOeval verdict at IoU 0.5; null = any. */
  outcome: 'tp' | 'fp' | null;
  /** Boxes scoring at least this. */
  minScore: number;
}

export interface AmbiguityData {
  runLabel: string;
  runPath: string;
  regMax: number;
  /** One page: cards ranked offset + 1 … offset + cards.length. */
  cards: AmbiguityCard[];
  /** Why there are no cards, when there are none. */
  emptyReason: string | null;
  totalWithDistributions: number;
  /** Boxes passing the filters (every page), the page's first rank (0-based) and the page size. */
  total?: number;
  offset?: number;
  pageSize?: number;
  /** The filters this page answers, the classes to filter by, and whether outcomes are known (ground truth). */
  filters?: AmbiguityFilters;
  classes?: [number, string][];
  hasGroundTruth?: boolean;
}

/** One row of the evaluation view's per-class table (AP from COCOeval; counts at the operating threshold). */
export interface EvaluationClassRow extends Omit<CategoryMetrics, 'ar100'> {
  tp: number;
  fp: number;
  fn: number;
  /** Confidence of this class's maximum (smoothed) F1, null without ground truth. */
  bestF1Threshold: number | null;
  laece0: number | null;
}

export interface EvaluationImageRow {
  imageIndex: number;
  file: string;
  ap50: number | null;
  numGt: number;
  tp: number;
  fp: number;
  fn: number;
  /** Text of the worst failure, and where the inspector opens on it. */
  worst: string | null;
  worstRef: DetectionRef | null;
  worstGtId: number | null;
}

export interface EvaluationConfusion {
  definition: string;
  iouThreshold: number;
  confidenceThreshold: number;
  /** Row/column labels (classes, then "background"); matrix[predicted][true]. */
  labels: string[];
  categoryIds: number[];
  matrix: number[][];
  /** What each non-empty cell counts (the first 200 of each kind; the matrix has the counts): detections (inspector refs) or, in the background row, missed ground truths. */
  cells: { predicted: number; actual: number; refs: DetectionRef[]; groundTruths: { imageIndex: number; gtId: number }[] }[];
  ignoredByCrowd: number;
  unmappedDetections: number;
}

export interface EvaluationData {
  runLabel: string;
  runPath: string;
  model: string;
  dataset: string;
  provider: string;
  date: string;
  partial: boolean;
  statKeys: string[];
  /** The 12 COCO stats and the line pycocotools prints for each. */
  stats: number[];
  statLines: string[];
  classes: EvaluationClassRow[];
  pr: PrCurves;
  thresholds: ThresholdCurves;
  tide: { dAP: Record<string, number>; specialDAP: { FalsePos: number; FalseNeg: number }; counts: Record<string, number>; ap: number };
  operatingThreshold: number;
  operatingDefinition: string;
  overall: { tp: number; fp: number; fn: number; precision: number | null; recall: number | null };
  confusion: EvaluationConfusion;
  images: EvaluationImageRow[];
  imageRanking: string;
  /** Score–IoU populations, each with its exact definition. */
  scoreIoU: { label: string; definition: string; n: number; pearson: number | null; spearman: number | null }[];
  /** The shared class filter (a dataset category id), null when none. */
  categoryFilter: number | null;
}

/** A box of one compared run in the A/B view. */
export interface ComparedBox {
  detIndex: number;
  bbox: XYXY;
  score: number;
  className: string;
  /** DFL probabilities, 4 × (regMax + 1) (edges l, t, r, b), and the expected distances in bins; null without them. */
  edgeProbs: number[] | null;
  distances: [number, number, number, number];
  /** Distances (bins) of the edges of the ground truth this box overlaps most (same class), for the GT marks. */
  gtDistances: [number, number, number, number] | null;
}

/** One image of both compared runs for the A/B view. */
export interface ComparedImage {
  imageId: number;
  file: string;
  uri: string | null;
  width: number;
  height: number;
  a: { label: string; regMax: number; boxes: ComparedBox[] };
  b: { label: string; regMax: number; boxes: ComparedBox[] };
  groundTruth: GroundTruthBox[];
  /** The ground truth the view was opened on (a flip or a pair), and the two detections compared for it. */
  focus: { gtId: number | null; detIndexA: number | null; detIndexB: number | null };
}

// ---------------- host → webview ----------------

export enum HostMessageType {
  ShowImage = 'showImage',
  FocusBox = 'focusBox',
  CalibrationData = 'calibrationData',
  AmbiguityData = 'ambiguityData',
  EvaluationData = 'evaluationData',
  NoRun = 'noRun',
  CompareData = 'compareData',
  ComparedImage = 'comparedImage',
}

export type HostToWebview =
  | {
    type: HostMessageType.ShowImage; image: InspectorImage; focus: number | null; scoreThreshold: number;
    /** A ground-truth box to highlight (a missed object opened from the failures tree). */
    focusGtId: number | null;
    /** Images in the run, for previous/next navigation. */
    imageCount: number;
  }
  | { type: HostMessageType.FocusBox; detIndex: number }
  | { type: HostMessageType.CalibrationData; data: CalibrationData }
  | { type: HostMessageType.AmbiguityData; data: AmbiguityData }
  | { type: HostMessageType.EvaluationData; data: EvaluationData }
  | { type: HostMessageType.NoRun; message: string }
  | { type: HostMessageType.CompareData; data: RunComparison }
  | { type: HostMessageType.ComparedImage; image: ComparedImage; scoreThreshold: number };

// ---------------- webview → host ----------------

export enum WebviewMessageType {
  Ready = 'ready',
  OpenDetection = 'openDetection',
  SelectBox = 'selectBox',
  SelectImage = 'selectImage',
  /** Narrows every view to one dataset category (null clears): session.setViewFilter. */
  FilterCategory = 'filterCategory',
  /** Sets the session's operating threshold (e.g. "apply max-F1"); null goes back to the setting. */
  SetOperatingThreshold = 'setOperatingThreshold',
  /** Reveals a failure group (a TIDE error type) in the Failures tree. */
  RevealFailureGroup = 'revealFailureGroup',
  /** Opens the inspector on an image, highlighting a ground truth (a missed object). */
  OpenGroundTruth = 'openGroundTruth',
  Log = 'log',
  /** Ambiguity view: the page of boxes at `offset` under `filters` (offset 0 after a filter change, more after "Show more"). */
  AmbiguityQuery = 'ambiguityQuery',
  SelectComparedImage = 'selectComparedImage',
  /** Evaluation view: compares the shown run with another (the Compare with Run… command). */
  CompareWithRun = 'compareWithRun',
  ExportComparison = 'exportComparison',
}

export type WebviewToHost =
  | { type: WebviewMessageType.Ready }
  | { type: WebviewMessageType.OpenDetection; ref: DetectionRef }
  | { type: WebviewMessageType.SelectBox; imageIndex: number; detIndex: number | null }
  | { type: WebviewMessageType.SelectImage; imageIndex: number }
  | { type: WebviewMessageType.FilterCategory; categoryId: number | null }
  | { type: WebviewMessageType.SetOperatingThreshold; threshold: number | null }
  | { type: WebviewMessageType.RevealFailureGroup; group: string }
  | { type: WebviewMessageType.OpenGroundTruth; imageIndex: number; gtId: number }
  | { type: WebviewMessageType.Log; level: 'info' | 'error'; message: string }
  | { type: WebviewMessageType.AmbiguityQuery; filters: AmbiguityFilters; offset: number }
  | { type: WebviewMessageType.SelectComparedImage; imageId: number; gtId: number | null; detIndexA: number | null; detIndexB: number | null }
  | { type: WebviewMessageType.ExportComparison }
  | { type: WebviewMessageType.CompareWithRun };

/** Failure groups a TIDE bar can reveal (the Failures tree's group kinds for TIDE's error types). */
const FAILURE_GROUP_NAMES: readonly string[] = ['Miss', 'Loc', 'Cls', 'Both', 'Dupe', 'Bkg'];

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Ambiguity filters from a webview, or undefined when any field is malformed. */
export function parseAmbiguityFilters(value: unknown): AmbiguityFilters | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const f = value as Record<string, unknown>;
  if (!(f.classIndex === null || isIndex(f.classIndex))) return undefined;
  if (!(f.edge === null || (isIndex(f.edge) && f.edge <= 3))) return undefined;
  if (!(f.outcome === null || f.outcome === 'tp' || f.outcome === 'fp')) return undefined;
  if (typeof f.minScore !== 'number' || !(f.minScore >= 0 && f.minScore <= 1)) return undefined;
  return { classIndex: f.classIndex, edge: f.edge, outcome: f.outcome, minScore: f.minScore };
}

/**
 * Validates a message received from a webview. Webview content is not trusted blindly: anything malformed
 * returns undefined and is dropped by the host.
 */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case WebviewMessageType.Ready:
      return { type: WebviewMessageType.Ready };
    case WebviewMessageType.OpenDetection: {
      const ref = m.ref as Record<string, unknown> | undefined;
      if (!ref || !isIndex(ref.imageIndex) || !isIndex(ref.detIndex)) return undefined;
      return { type: WebviewMessageType.OpenDetection, ref: { imageIndex: ref.imageIndex, detIndex: ref.detIndex } };
    }
    case WebviewMessageType.SelectBox:
      if (!isIndex(m.imageIndex) || !(m.detIndex === null || isIndex(m.detIndex))) return undefined;
      return { type: WebviewMessageType.SelectBox, imageIndex: m.imageIndex, detIndex: m.detIndex };
    case WebviewMessageType.SelectImage:
      if (!isIndex(m.imageIndex)) return undefined;
      return { type: WebviewMessageType.SelectImage, imageIndex: m.imageIndex };
    case WebviewMessageType.FilterCategory:
      if (!(m.categoryId === null || (typeof m.categoryId === 'number' && Number.isSafeInteger(m.categoryId)))) return undefined;
      return { type: WebviewMessageType.FilterCategory, categoryId: m.categoryId };
    case WebviewMessageType.SetOperatingThreshold:
      if (!(m.threshold === null || (typeof m.threshold === 'number' && m.threshold >= 0 && m.threshold <= 1))) return undefined;
      return { type: WebviewMessageType.SetOperatingThreshold, threshold: m.threshold };
    case WebviewMessageType.RevealFailureGroup:
      if (typeof m.group !== 'string' || !FAILURE_GROUP_NAMES.includes(m.group)) return undefined;
      return { type: WebviewMessageType.RevealFailureGroup, group: m.group };
    case WebviewMessageType.OpenGroundTruth:
      if (!isIndex(m.imageIndex) || typeof m.gtId !== 'number' || !Number.isFinite(m.gtId)) return undefined;
      return { type: WebviewMessageType.OpenGroundTruth, imageIndex: m.imageIndex, gtId: m.gtId };
    case WebviewMessageType.SelectComparedImage: {
      const optionalIndex = (v: unknown) => v === null || isIndex(v);
      if (typeof m.imageId !== 'number' || !Number.isFinite(m.imageId) || !(m.gtId === null || (typeof m.gtId === 'number' && Number.isFinite(m.gtId)))
        || !optionalIndex(m.detIndexA) || !optionalIndex(m.detIndexB)) return undefined;
      return { type: WebviewMessageType.SelectComparedImage, imageId: m.imageId, gtId: m.gtId as number | null, detIndexA: m.detIndexA as number | null, detIndexB: m.detIndexB as number | null };
    }
    case WebviewMessageType.ExportComparison:
      return { type: WebviewMessageType.ExportComparison };
    case WebviewMessageType.CompareWithRun:
      return { type: WebviewMessageType.CompareWithRun };
    case WebviewMessageType.Log:
      if ((m.level !== 'info' && m.level !== 'error') || typeof m.message !== 'string') return undefined;
      return { type: WebviewMessageType.Log, level: m.level, message: m.message.slice(0, 2000) };
    case WebviewMessageType.AmbiguityQuery: {
      const filters = parseAmbiguityFilters(m.filters);
      if (!filters || !isIndex(m.offset)) return undefined;
      return { type: WebviewMessageType.AmbiguityQuery, filters, offset: m.offset };
    }
    default:
      return undefined;
  }
}

/** State each webview keeps with vscode.setState, read back by the host's WebviewPanelSerializer. */
export interface InspectorState {
  runPath: string | null;
  imageIndex: number;
  detIndex: number | null;
  scoreThreshold: number;
  showGt: boolean;
  showTp: boolean;
  showFp: boolean;
}

export interface CalibrationState {
  runPath: string | null;
  classFilter: number | null;
  levelFilter: number | null;
  sizeFilter: number | null;
}

export interface AmbiguityState {
  runPath: string | null;
  filters?: AmbiguityFilters;
}

export interface EvaluationState {
  runPath: string | null;
  sortKey: string;
  sortDescending: boolean;
  search: string;
  iou: '50' | '75' | 'mean';
  normalized: boolean;
  topK: number;
}

export interface CompareState {
  /** The two runs compared (A, B) and the image shown in the A/B view. */
  runPathA: string | null;
  runPathB: string | null;
  imageId: number | null;
}
