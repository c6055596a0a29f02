// The valid range of every numeric detection setting, defined once: the CLI flags (gfl-lens detect) and the
// editor's settings (gflLens.*) are checked against the same numbers.

export const SETTING_RANGES = Object.freeze({
  /** Detections scoring below this are dropped before NMS. */
  scoreThreshold: [0, 1],
  nmsIoU: [0, 1],
  /** Kept per image after NMS; the run store indexes detections of an image with 16 bits. */
  maxPerImage: [1, 10000],
  /** Candidates per FPN level before NMS. */
  topKPerLevel: [1, 10_000_000],
  /** Candidates (box × class) over all levels before NMS (Ultralytics max_nms). */
  maxCandidates: [1, 10_000_000],
  /** onnxruntime intra-op threads; 0 = onnxruntime's default. */
  threads: [0, 256],
} as const satisfies Record<string, readonly [number, number]>);

export type RangedSetting = keyof typeof SETTING_RANGES;

/** The value when it is a number inside the setting's range; otherwise a message naming `label` and the range. */
export function checkSettingRange(label: string, key: RangedSetting, value: unknown): number {
  const [min, max] = SETTING_RANGES[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${label} must be a number in [${min}, ${max}], got ${typeof value === 'string' ? `"${value}"` : JSON.stringify(value)}`);
  }
  return value;
}
