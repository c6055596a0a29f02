// Ultralytics YOLOv8 / YOLO11 exports: their metadata_props → a profile, their validation post-processing as a
// decode preset, and precise refusals for exports whose per-anchor information is gone.
import { parsePythonLiteral, type PythonDict, type PythonValue } from './onnx/pythonLiteral.ts';
import type { DecodeOptions, ModelProfile } from './types.ts';

/** What an Ultralytics ONNX export says about itself (ultralytics/engine/exporter.py writes these keys). */
export interface UltralyticsMetadata {
  task: string;
  /** Class names in model order (from `names`, a Python dict {index: name}). */
  classNames: string[];
  /** Model input [width, height] from `imgsz` (Ultralytics writes [height, width]). */
  imgsz?: [number, number];
  /** Largest stride (`stride`). */
  maxStride?: number;
  /** `end2end` (YOLOv10, YOLO26 one-to-one head) or `args.nms`: the graph ends in NMS. */
  endsInNms: boolean;
  /** Pose models: [keypoints, dims]. */
  kptShape?: [number, number];
  version?: string;
  /** `args` as read, for the run header notes. */
  args: Map<string, PythonValue>;
}

export class UltralyticsMetadataError extends Error {
  constructor(modelName: string, problem: string) {
    super(`${modelName}: ${problem}`);
    this.name = 'UltralyticsMetadataError';
  }
}

const asDict = (value: PythonValue): PythonDict | undefined => (value instanceof Map ? value : undefined);

/**
 * Reads Ultralytics metadata_props, or returns undefined when the model has none (no `names` + `task`/`stride`).
 * Throws UltralyticsMetadataError naming the key when a value cannot be read.
 */
export function readUltralyticsMetadata(props: ReadonlyMap<string, string>, modelName: string): UltralyticsMetadata | undefined {
  const namesText = props.get('names');
  if (namesText === undefined || (!props.has('task') && !props.has('stride'))) return undefined;
  const read = (key: string): PythonValue | undefined => {
    const text = props.get(key);
    if (text === undefined) return undefined;
    try {
      return parsePythonLiteral(text);
    } catch (error) {
      throw new UltralyticsMetadataError(modelName, `metadata "${key}": ${(error as Error).message}`);
    }
  };
  const names = read('names');
  const namesDict = names === undefined ? undefined : asDict(names);
  let classNames: string[];
  if (namesDict) {
    classNames = [];
    for (const [key, value] of namesDict) {
      if (typeof key !== 'number' || !Number.isInteger(key) || key < 0) throw new UltralyticsMetadataError(modelName, `metadata "names": key ${JSON.stringify(key)} is not a class index`);
      classNames[key] = String(value);
    }
    const missing = classNames.findIndex((n) => n === undefined);
    if (missing >= 0 || classNames.length !== namesDict.size) throw new UltralyticsMetadataError(modelName, `metadata "names": class indices are not 0..${namesDict.size - 1}`);
  } else if (Array.isArray(names)) {
    classNames = names.map(String);
  } else {
    throw new UltralyticsMetadataError(modelName, 'metadata "names" is neither a dict {index: name} nor a list');
  }
  const imgsz = read('imgsz');
  let size: [number, number] | undefined;
  if (Array.isArray(imgsz) && imgsz.length === 2 && imgsz.every((v) => typeof v === 'number' && v > 0)) size = [imgsz[1] as number, imgsz[0] as number];
  else if (typeof imgsz === 'number' && imgsz > 0) size = [imgsz, imgsz];
  const stride = read('stride');
  const argsValue = read('args');
  const args = argsValue instanceof Map ? new Map([...argsValue].map(([k, v]) => [String(k), v])) : new Map<string, PythonValue>();
  const kpt = read('kpt_shape');
  return {
    task: props.get('task') ?? 'detect',
    classNames,
    imgsz: size,
    maxStride: typeof stride === 'number' ? stride : undefined,
    endsInNms: read('end2end') === true || args.get('nms') === true,
    kptShape: Array.isArray(kpt) && kpt.length === 2 ? [Number(kpt[0]), Number(kpt[1])] : undefined,
    version: props.get('version'),
    args,
  };
}

/** Tasks whose detect branch is Ultralytics' standard Detect head (segment and pose add channels after the classes). */
const TASKS_WITH_DETECT_HEAD = ['detect', 'segment', 'pose'];

/**
 * Why an Ultralytics export cannot be inspected, or undefined when it can. `outputs` are the declared output dims.
 */
export function ultralyticsRefusal(meta: UltralyticsMetadata): string | undefined {
  if (meta.endsInNms) {
    return 'this Ultralytics export ends in NMS (exported with nms=True, or an end2end head such as YOLOv10/YOLO26): its output is ' +
      'the final [1, 300, 6] boxes, and which anchor produced each box — and so its DFL distributions — is lost. Re-export with ' +
      "model.export(format='onnx', nms=False) (YOLOv10/YOLO26: also end2end=False) and load that file";
  }
  if (meta.task === 'obb') return 'oriented-box (OBB) models decode a rotated box per anchor; GFL Lens reads axis-aligned detect heads only';
  if (!TASKS_WITH_DETECT_HEAD.includes(meta.task)) return `task "${meta.task}" has no detection head; GFL Lens reads detect, segment and pose models`;
  return undefined;
}

/**
 * The profile an Ultralytics export implies (ultralytics/data/augment.py LetterBox, ultralytics/utils/tal.py
 * make_anchors and dist2bbox): centred letterbox padded with 114, RGB, /255 without mean/std, anchor centres
 * (x + 0.5)·stride, boxes xywh in output0, sigmoid class scores and no objectness.
 */
export function ultralyticsProfile(classNames: string[], inputSize: [number, number], strides: number[], regMax: number): ModelProfile {
  return {
    name: 'ultralytics', inputSize, strides, regMax, centerOffset: 0.5,
    scoreActivation: 'none', distributionActivation: 'none', colorOrder: 'RGB',
    mean: [0, 0, 0], std: [255, 255, 255], resize: 'letterbox', letterboxAlign: 'center', padValue: 114,
    classNames, layout: 'ultralytics', clipBoxes: true,
  };
}

/**
 * Ultralytics' validation post-processing (ultralytics/utils/nms.py non_max_suppression as DetectionValidator calls
 * it): conf 0.001, multi-label, at most 30,000 candidates by score before NMS, class-aware NMS at IoU 0.7 (boxes
 * offset by class × 7680) on unclipped boxes, 300 detections per image; boxes are clipped to the image afterwards
 * (ultralytics/utils/ops.py scale_boxes).
 */
export const ULTRALYTICS_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  scoreThreshold: 0.001,
  topKPerLevel: Number.MAX_SAFE_INTEGER,
  nmsIoU: 0.7,
  maxPerImage: 300,
  classAgnosticNms: false,
  maxCandidates: 30000,
  clipBeforeNms: false,
});
