// Shared data types of the pipeline: image → tensor → raw head outputs → decoded detections → matches → metrics.
// Pure data (JSON-serialisable, except the raw tensors), so runs can be saved, reloaded and posted to webviews.

/** A raw model output handed over by the inference module: plain data, no onnxruntime types. */
export interface RawTensor {
  /** Output name as the model declares it. Informational only: never used to interpret the tensor. */
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

export type ColorOrder = 'RGB' | 'BGR';
export type ResizeMode = 'letterbox' | 'stretch';
export type ScoreActivation = 'sigmoid' | 'none' | 'auto';
export type DistributionActivation = 'softmax' | 'none' | 'auto';
export type HeadLayout = 'per-level' | 'concatenated' | 'nchw' | 'integrated' | 'ultralytics';

/**
 * How to feed a model and how to read its head. Every field is optional in a user-written profile:
 * what is missing is detected from the model's output shapes or taken from the defaults.
 */
export interface ModelProfile {
  /** Preset or user label, e.g. "nanodet-m". */
  name: string;
  /** Model input size [width, height] in pixels. */
  inputSize: [number, number];
  /** FPN strides, finest first, e.g. [8, 16, 32]. */
  strides: number[];
  /** DFL reg_max R: each edge has R + 1 bins (0..R, in stride units). */
  regMax: number;
  /** Anchor centre offset in cells: centre = (x + offset) · stride. NanoDet/PicoDet legacy: 0.5. */
  centerOffset: number;
  scoreActivation: ScoreActivation;
  distributionActivation: DistributionActivation;
  colorOrder: ColorOrder;
  /** Per-channel mean and std in 0..255 pixel units, in the model's colour order. */
  mean: [number, number, number];
  std: [number, number, number];
  resize: ResizeMode;
  /** Letterbox placement: centred (NanoDet) or at the top-left corner (mmdet-style pad). */
  letterboxAlign: 'center' | 'top-left';
  padValue: number;
  /** Class names in model output order. */
  classNames: string[];
  /** Force a head layout instead of detecting it. */
  layout?: HeadLayout;
  /**
   * Clip decoded boxes to the image (default true, as GFL/NanoDet do). false for models trained on amodal boxes
   * that continue past the border (CrowdHuman-style full boxes; GFL Lens's own demo model).
   */
  clipBoxes?: boolean;
}

/** Post-processing settings; defaults are GFL's published test settings. */
export interface DecodeOptions {
  scoreThreshold: number;
  /** Candidates kept per level before NMS (mmdet nms_pre). */
  topKPerLevel: number;
  nmsIoU: number;
  maxPerImage: number;
  /** Class-aware NMS (default) or one NMS over all classes. */
  classAgnosticNms: boolean;
  /** Candidates (box × class) kept by score before NMS, over all levels (Ultralytics max_nms); absent: no limit. */
  maxCandidates?: number;
  /**
   * Clip boxes to the model input before NMS (GFL/mmdet, default) or only map them to the image afterwards
   * (false: Ultralytics runs NMS on unclipped boxes and clips in scale_boxes). Irrelevant when the profile's clipBoxes is false.
   */
  clipBeforeNms?: boolean;
}

export const DEFAULT_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  scoreThreshold: 0.05,
  topKPerLevel: 1000,
  nmsIoU: 0.6,
  maxPerImage: 100,
  classAgnosticNms: false,
});

/** Box as [x1, y1, x2, y2]. */
export type XYXY = [number, number, number, number];

/** Maps model-input pixels back to original image pixels: original = (input − pad) / scale. */
export interface InputTransform {
  originalWidth: number;
  originalHeight: number;
  inputWidth: number;
  inputHeight: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

/** Edge order everywhere: left, top, right, bottom (GFL's distance order). */
export const EDGE_NAMES = ['left', 'top', 'right', 'bottom'] as const;
export type EdgeName = (typeof EDGE_NAMES)[number];

/** One decoded detection. Coordinates in original image pixels unless named otherwise. */
export interface Detection {
  bbox: XYXY;
  score: number;
  /** Index into the model's class list. */
  classIndex: number;
  /** FPN level index (0 = finest) and its stride in input pixels. */
  level: number;
  stride: number;
  /** Anchor centre in model-input pixels. */
  anchor: [number, number];
  /** Expected edge distances l, t, r, b in stride units (the DFL expectation). */
  distances: [number, number, number, number];
  /**
   * Per-edge probabilities, 4 × (regMax + 1), edges in l, t, r, b order, each group summing to 1.
   * Absent when the model integrates DFL inside its graph.
   */
  edgeProbs?: number[];
}

/** What the decoder learned about a model's head. */
export interface HeadDescription {
  layout: HeadLayout;
  numClasses: number;
  strides: number[];
  regMax: number;
  /** Whether the model's scores are already probabilities. */
  scoresActivated: boolean;
  /** Whether DFL groups are already softmaxed (false: logits). Irrelevant for 'integrated'. */
  distributionsActivated: boolean;
  hasDistributions: boolean;
  /** Human-readable notes, e.g. "DFL is integrated in the graph: distributions unavailable". */
  notes: string[];
}

/** Per-detection match facts computed by COCO evaluation (issue 3), consumed by analytics, views and reports. */
export type TideErrorType = 'Cls' | 'Loc' | 'Both' | 'Dupe' | 'Bkg';

/**
 * What evaluation knows about one detection (issue 3 produces it; analytics, views and reports consume it).
 * Keyed by (imageId, detIndex) where detIndex is the detection's index in its image's list.
 */
export interface DetectionMatch {
  imageId: number;
  detIndex: number;
  categoryId: number;
  score: number;
  /** Best-IoU ground truth of the same category (non-crowd), its id and IoU (0 and null when none). */
  sameClassGtId: number | null;
  sameClassIoU: number;
  /** Best-IoU ground truth of any category. */
  anyClassGtId: number | null;
  anyClassIoU: number;
  anyClassCategoryId: number | null;
  /** COCOeval greedy matching (area "all", maxDets 100) at IoU 0.5 and 0.75; ignored (crowd-matched) detections are neither. */
  tp50: boolean;
  tp75: boolean;
  /** The GT this detection is matched to at IoU 0.5 by COCOeval, if any. */
  matchedGtId50: number | null;
  /**
   * TIDE error type of a false positive at IoU 0.5, or null for true positives, ignored detections and detections
   * TIDE does not see (beyond its top 100 per image, or on an image outside the ground truth). TIDE matches on its
   * own (top 100 per image across classes), so in rare cases it differs from tp50, which is COCOeval's verdict.
   */
  error: TideErrorType | null;
  /**
   * COCOeval's verdict at IoU 0.5 (area "all", maxDets 100): 'ignored' = matched to a crowd region;
   * 'unevaluated' = beyond the top 100 of its (image, category) or its image/category is not in the ground truth.
   */
  cocoOutcome50?: 'tp' | 'fp' | 'ignored' | 'unevaluated';
}
