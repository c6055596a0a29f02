// The one file of host ↔ webview messages, one union per direction (as vscode-hexeditor's protocol.ts).
// Everything here crosses postMessage (structured clone): plain data and typed arrays only.
import type { RunComparison } from '../core/analytics/compare.ts';
import type { Detection, InputTransform, TideErrorType, XYXY } from '../core/types.ts';

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
}

export interface GroundTruthBox {
  id: number;
  bbox: XYXY;
  className: string;
  crowd: boolean;
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

export interface AmbiguityData {
  runLabel: string;
  runPath: string;
  regMax: number;
  cards: AmbiguityCard[];
  /** Why there are no cards, when there are none. */
  emptyReason: string | null;
  totalWithDistributions: number;
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
  | { type: HostMessageType.NoRun; message: string }
  | { type: HostMessageType.CompareData; data: RunComparison }
  | { type: HostMessageType.ComparedImage; image: ComparedImage; scoreThreshold: number };

// ---------------- webview → host ----------------

export enum WebviewMessageType {
  Ready = 'ready',
  OpenDetection = 'openDetection',
  SelectBox = 'selectBox',
  SelectImage = 'selectImage',
  Log = 'log',
  SelectComparedImage = 'selectComparedImage',
  ExportComparison = 'exportComparison',
}

export type WebviewToHost =
  | { type: WebviewMessageType.Ready }
  | { type: WebviewMessageType.OpenDetection; ref: DetectionRef }
  | { type: WebviewMessageType.SelectBox; imageIndex: number; detIndex: number | null }
  | { type: WebviewMessageType.SelectImage; imageIndex: number }
  | { type: WebviewMessageType.Log; level: 'info' | 'error'; message: string }
  | { type: WebviewMessageType.SelectComparedImage; imageId: number; gtId: number | null; detIndexA: number | null; detIndexB: number | null }
  | { type: WebviewMessageType.ExportComparison };

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

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
    case WebviewMessageType.SelectComparedImage: {
      const optionalIndex = (v: unknown) => v === null || isIndex(v);
      if (typeof m.imageId !== 'number' || !Number.isFinite(m.imageId) || !(m.gtId === null || (typeof m.gtId === 'number' && Number.isFinite(m.gtId)))
        || !optionalIndex(m.detIndexA) || !optionalIndex(m.detIndexB)) return undefined;
      return { type: WebviewMessageType.SelectComparedImage, imageId: m.imageId, gtId: m.gtId as number | null, detIndexA: m.detIndexA as number | null, detIndexB: m.detIndexB as number | null };
    }
    case WebviewMessageType.ExportComparison:
      return { type: WebviewMessageType.ExportComparison };
    case WebviewMessageType.Log:
      if ((m.level !== 'info' && m.level !== 'error') || typeof m.message !== 'string') return undefined;
      return { type: WebviewMessageType.Log, level: m.level, message: m.message.slice(0, 2000) };
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
}

export interface CompareState {
  /** The two runs compared (A, B) and the image shown in the A/B view. */
  runPathA: string | null;
  runPathB: string | null;
  imageId: number | null;
}
