// Model profiles: how to feed a GFL-family model and read its head. Named presets reproduce each
// project's own test-time pipeline; a user profile (partial) overrides whatever detection found.
import { COCO_CLASS_NAMES } from './coco/categoryMapping.ts';
import type { ModelProfile } from './types.ts';
import { ultralyticsProfile } from './ultralytics.ts';

const IMAGENET_MEAN_RGB: [number, number, number] = [123.675, 116.28, 103.53];
const IMAGENET_STD_RGB: [number, number, number] = [58.395, 57.12, 57.375];
// NanoDet's config stores the same statistics in BGR order.
const NANODET_MEAN_BGR: [number, number, number] = [103.53, 116.28, 123.675];
const NANODET_STD_BGR: [number, number, number] = [57.375, 57.12, 58.395];

/** Named presets. Each comment says where its values come from. */
export const PRESETS: Readonly<Record<string, Readonly<ModelProfile>>> = {
  // NanoDet (legacy GFL head, e.g. nanodet-m): config/nanodet-m.yml — BGR, centred letterbox, reg_max 7,
  // strides 8/16/32, sigmoid scores exported; centres (x + 0.5)·stride.
  'nanodet-m': {
    name: 'nanodet-m', inputSize: [320, 320], strides: [8, 16, 32], regMax: 7, centerOffset: 0.5,
    scoreActivation: 'auto', distributionActivation: 'auto', colorOrder: 'BGR',
    mean: NANODET_MEAN_BGR, std: NANODET_STD_BGR, resize: 'letterbox', letterboxAlign: 'center', padValue: 0,
    classNames: [...COCO_CLASS_NAMES],
  },
  // NanoDet-Plus (≥ 1.0): one concatenated [1, N, C + 4(R+1)] output, strides 8/16/32/64, centres x·stride
  // (generate_grid_center_priors), keep_ratio False in its test pipeline (stretch).
  'nanodet-plus': {
    name: 'nanodet-plus', inputSize: [320, 320], strides: [8, 16, 32, 64], regMax: 7, centerOffset: 0,
    scoreActivation: 'auto', distributionActivation: 'auto', colorOrder: 'BGR',
    mean: NANODET_MEAN_BGR, std: NANODET_STD_BGR, resize: 'stretch', letterboxAlign: 'center', padValue: 0,
    classNames: [...COCO_CLASS_NAMES],
  },
  // PP-PicoDet (legacy GFL-style head): RGB, /255 then ImageNet mean/std (expressed here in 0..255 units),
  // plain resize without letterbox, strides 8/16/32/64, reg_max 7, probabilities exported.
  picodet: {
    name: 'picodet', inputSize: [320, 320], strides: [8, 16, 32, 64], regMax: 7, centerOffset: 0.5,
    scoreActivation: 'auto', distributionActivation: 'auto', colorOrder: 'RGB',
    mean: IMAGENET_MEAN_RGB, std: IMAGENET_STD_RGB, resize: 'stretch', letterboxAlign: 'center', padValue: 0,
    classNames: [...COCO_CLASS_NAMES],
  },
  // mmdetection GFL (gfl_r50_fpn_1x_coco) exported with --skip-postprocess: NCHW class logits and DFL logits per
  // level, strides 8..128, reg_max 16, anchor centres x·stride (center_offset 0), RGB ImageNet normalisation,
  // keep-ratio resize padded at the bottom/right.
  'mmdet-gfl': {
    name: 'mmdet-gfl', inputSize: [1344, 800], strides: [8, 16, 32, 64, 128], regMax: 16, centerOffset: 0,
    scoreActivation: 'auto', distributionActivation: 'auto', colorOrder: 'RGB',
    mean: IMAGENET_MEAN_RGB, std: IMAGENET_STD_RGB, resize: 'letterbox', letterboxAlign: 'top-left', padValue: 0,
    classNames: [...COCO_CLASS_NAMES], layout: 'nchw',
  },
  // Ultralytics YOLOv8/YOLO11 exports (output0 [1, 4+C, A] plus the DFL softmax GFL Lens exposes): see
  // core/ultralytics.ts. Models with Ultralytics metadata_props get this automatically, with their own class names.
  ultralytics: ultralyticsProfile([...COCO_CLASS_NAMES], [640, 640], [8, 16, 32], 15),
};

export const PRESET_NAMES = Object.keys(PRESETS);

const PROFILE_KEYS: readonly (keyof ModelProfile)[] = [
  'name', 'inputSize', 'strides', 'regMax', 'centerOffset', 'scoreActivation', 'distributionActivation',
  'colorOrder', 'mean', 'std', 'resize', 'letterboxAlign', 'padValue', 'classNames', 'layout', 'clipBoxes',
];

/** A user profile as written in JSON: any subset of fields, optionally based on a preset ("extends"). */
export type ProfileOverride = Partial<ModelProfile> & { extends?: string };

export class ProfileError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ProfileError';
  }
}

/** Bounds of profile fields: far beyond any real detector, small enough that every allocation they size succeeds. */
export const LIMITS = { inputSide: 8192, levels: 8, stride: 1024, regMax: 64, classes: 100_000 } as const;

/** Validates a parsed JSON profile; errors name the source (file or setting) and the field. */
export function parseProfileOverride(value: unknown, source: string): ProfileOverride {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProfileError(source, 'a profile must be a JSON object');
  const input = value as Record<string, unknown>;
  const out: ProfileOverride = {};
  for (const key of Object.keys(input)) {
    if (key !== 'extends' && !PROFILE_KEYS.includes(key as keyof ModelProfile)) {
      throw new ProfileError(source, `unknown field "${key.length > 60 ? `${key.slice(0, 60)}…` : key}"; known fields: extends, ${PROFILE_KEYS.join(', ')}`);
    }
  }
  const v = input;
  if (v.extends !== undefined) {
    if (typeof v.extends !== 'string' || !PRESETS[v.extends]) throw new ProfileError(source, `"extends" must name a preset: ${PRESET_NAMES.join(', ')}`);
    out.extends = v.extends;
  }
  if (v.name !== undefined) out.name = expectString(v.name, 'name', source);
  // Ranges keep every size the decoder allocates bounded (an inputSize of 60000² once gave "Invalid typed array length").
  if (v.inputSize !== undefined) out.inputSize = expectIntegers(v.inputSize, 'inputSize', 2, 2, LIMITS.inputSide, source) as [number, number];
  if (v.strides !== undefined) out.strides = expectIntegers(v.strides, 'strides', 1, LIMITS.levels, LIMITS.stride, source);
  if (v.regMax !== undefined) out.regMax = expectInteger(v.regMax, 'regMax', source, 1, LIMITS.regMax);
  if (v.centerOffset !== undefined) out.centerOffset = expectNumber(v.centerOffset, 'centerOffset', source, 0, 1);
  if (v.scoreActivation !== undefined) out.scoreActivation = expectEnum(v.scoreActivation, 'scoreActivation', ['sigmoid', 'none', 'auto'] as const, source);
  if (v.distributionActivation !== undefined) out.distributionActivation = expectEnum(v.distributionActivation, 'distributionActivation', ['softmax', 'none', 'auto'] as const, source);
  if (v.colorOrder !== undefined) out.colorOrder = expectEnum(v.colorOrder, 'colorOrder', ['RGB', 'BGR'] as const, source);
  if (v.mean !== undefined) out.mean = expectNumbers(v.mean, 'mean', 3, source, false) as [number, number, number];
  if (v.std !== undefined) {
    out.std = expectNumbers(v.std, 'std', 3, source, true) as [number, number, number];
  }
  if (v.resize !== undefined) out.resize = expectEnum(v.resize, 'resize', ['letterbox', 'stretch'] as const, source);
  if (v.letterboxAlign !== undefined) out.letterboxAlign = expectEnum(v.letterboxAlign, 'letterboxAlign', ['center', 'top-left'] as const, source);
  if (v.padValue !== undefined) out.padValue = expectNumber(v.padValue, 'padValue', source, 0, 255);
  if (v.classNames !== undefined) {
    if (!Array.isArray(v.classNames) || !v.classNames.every((n) => typeof n === 'string')) throw new ProfileError(source, '"classNames" must be an array of strings');
    if (v.classNames.length > LIMITS.classes) throw new ProfileError(source, `"classNames" has ${v.classNames.length} names; at most ${LIMITS.classes} are supported`);
    out.classNames = v.classNames as string[];
  }
  if (v.layout !== undefined) out.layout = expectEnum(v.layout, 'layout', ['per-level', 'concatenated', 'nchw', 'integrated', 'ultralytics'] as const, source);
  if (v.clipBoxes !== undefined) {
    if (typeof v.clipBoxes !== 'boolean') throw new ProfileError(source, `"clipBoxes" must be true or false, got ${JSON.stringify(v.clipBoxes)}`);
    out.clipBoxes = v.clipBoxes;
  }
  return out;
}

/** Resolves a preset name or returns undefined. */
export function getPreset(name: string): ModelProfile | undefined {
  const preset = PRESETS[name];
  return preset ? structuredClone(preset) as ModelProfile : undefined;
}

/** Applies an override on top of a base profile (override wins field by field). */
export function mergeProfile(base: ModelProfile, override: ProfileOverride | undefined): ModelProfile {
  if (!override) return base;
  const start = override.extends ? structuredClone(PRESETS[override.extends]) as ModelProfile : base;
  const merged: ModelProfile = { ...start };
  for (const key of PROFILE_KEYS) {
    const value = override[key];
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function expectString(v: unknown, field: string, source: string): string {
  if (typeof v !== 'string') throw new ProfileError(source, `"${field}" must be a string`);
  return v;
}
function expectNumber(v: unknown, field: string, source: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProfileError(source, `"${field}" must be a finite number`);
  if (v < min || v > max) throw new ProfileError(source, `"${field}" must be in [${min}, ${max}], got ${v}`);
  return v;
}
function expectInteger(v: unknown, field: string, source: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ProfileError(source, `"${field}" must be an integer in [${min}, ${max}]`);
  return v;
}
/** An array of `minLength`..`maxLength` integers, each in [1, max]. */
function expectIntegers(v: unknown, field: string, minLength: number, maxLength: number, max: number, source: string): number[] {
  const ok = Array.isArray(v) && v.length >= minLength && v.length <= maxLength && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= max);
  const count = minLength === maxLength ? `${minLength}` : `${minLength} to ${maxLength}`;
  if (!ok) throw new ProfileError(source, `"${field}" must be an array of ${count} integers in [1, ${max}]`);
  return v as number[];
}
function expectNumbers(v: unknown, field: string, length: number, source: string, positive: boolean): number[] {
  const ok = Array.isArray(v) && (length < 0 ? v.length > 0 : v.length === length)
    && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
  if (!ok) throw new ProfileError(source, `"${field}" must be an array of ${length < 0 ? 'one or more' : length} ${positive ? 'positive ' : ''}numbers`);
  return v as number[];
}
function expectEnum<T extends string>(v: unknown, field: string, allowed: readonly T[], source: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ProfileError(source, `"${field}" must be one of ${allowed.join(', ')}`);
  return v as T;
}
