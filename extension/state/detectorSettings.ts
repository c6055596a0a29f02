// Settings → detector options, pure (no vscode; files are read through a callback) so it is unit-tested.
// gflLens.model: path (absolute, or relative to the first workspace folder); empty = the built-in demo model.
// gflLens.profile: a preset name, or a path to a JSON profile (same resolution); empty = auto-detect (plus a
// "<model>.gfl-profile.json" sidecar, which the detector reads itself).
import { DEFAULT_OPERATING_THRESHOLD } from '../core/operatingPoint.ts';
import { PRESET_NAMES } from '../core/profiles.ts';
import { checkSettingRange, type RangedSetting } from '../core/settingRanges.ts';
import type { DecodeOptions } from '../core/types.ts';
import type { DetectorOptions } from '../inference/detector.ts';
import { parseProviderList } from '../inference/providerDiagnosis.ts';

export const DEMO_MODEL_RELATIVE = 'media/demo/gfl-demo.onnx';

export interface GflLensSettings {
  model: string;
  profile: string;
  executionProviders: string[];
  threads: number;
  /** Decode settings the user set; undefined keeps the model's decode preset (GFL's 0.05 / 0.6 / 100, or
   * Ultralytics' 0.001 / 0.7 / 300 for YOLO models), so a YOLO model is not run with GFL's thresholds. */
  scoreThreshold?: number;
  nmsIoU?: number;
  maxDetections?: number;
  /** The score at which the views count TP/FP/FN (core/operatingPoint.ts); not a detector setting. */
  operatingThreshold: number;
}

export const DEFAULT_SETTINGS: Readonly<GflLensSettings> = Object.freeze({
  model: '',
  profile: '',
  executionProviders: ['auto'],
  threads: 0,
  scoreThreshold: 0.05,
  nmsIoU: 0.6,
  maxDetections: 100,
  operatingThreshold: DEFAULT_OPERATING_THRESHOLD,
});

export interface SettingsEnvironment {
  extensionPath: string;
  workspaceFolder?: string;
  /** Reads a UTF-8 file; throws when it does not exist. */
  readFile(file: string): string;
  exists(file: string): boolean;
  /** Parses a profile JSON text (the detector's readProfileText). */
  parseProfile(text: string, file: string): DetectorOptions['profile'];
}

/** Thrown for settings that cannot work; the message names the setting and says what to do. */
export class SettingsError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'SettingsError';
  }
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

export function joinPath(dir: string, rel: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.replace(/[\\/]+$/, '') + sep + rel.replace(/^\.[\\/]/, '');
}

/**
 * The value a path setting stores for a file: relative to the workspace folder when the file is inside it (a
 * workspace's settings.json then works for everyone who clones it, and resolveSettingPath reads it back), else
 * absolute. Forward slashes in the relative form, as VS Code's settings use.
 */
export function settingPathValue(file: string, workspaceFolder: string | undefined): string {
  if (!workspaceFolder) return file;
  const normalise = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const root = normalise(workspaceFolder);
  const target = normalise(file);
  const windows = /^[a-zA-Z]:\//.test(root);
  const inside = windows ? target.toLowerCase().startsWith(`${root.toLowerCase()}/`) : target.startsWith(`${root}/`);
  return inside ? target.slice(root.length + 1) : file;
}

/** Resolves a user path setting: "~"-free; absolute stays, relative is against the workspace folder. */
export function resolveSettingPath(value: string, env: Pick<SettingsEnvironment, 'workspaceFolder'>, setting: string): string {
  if (isAbsolutePath(value)) return value;
  if (!env.workspaceFolder) throw new SettingsError(setting, `"${value}" is a relative path but no workspace folder is open; use an absolute path`);
  return joinPath(env.workspaceFolder, value);
}

export function demoModelPath(extensionPath: string): string {
  return joinPath(extensionPath, DEMO_MODEL_RELATIVE);
}

/** Which model file the settings select, and whether it is the built-in demo. */
export function resolveModelPath(settings: Pick<GflLensSettings, 'model'>, env: SettingsEnvironment): { path: string; isDemo: boolean } {
  const value = settings.model.trim();
  if (!value) {
    const path = demoModelPath(env.extensionPath);
    if (!env.exists(path)) {
      throw new SettingsError('gflLens.model', `no model selected and the built-in demo model is missing (${DEMO_MODEL_RELATIVE} is not in this build); run "GFL Lens: Select Model" and pick an .onnx file`);
    }
    return { path, isDemo: true };
  }
  const path = resolveSettingPath(value, env, 'gflLens.model');
  if (!env.exists(path)) throw new SettingsError('gflLens.model', `${path} does not exist; run "GFL Lens: Select Model"`);
  return { path, isDemo: false };
}

function checkNumber(setting: string, key: RangedSetting, value: unknown): number {
  try {
    return checkSettingRange(setting, key, value);
  } catch (error) {
    throw new SettingsError(setting, (error as Error).message.slice(setting.length + 1));
  }
}

/** Full detector options from the settings. */
export function detectorOptionsFromSettings(settings: GflLensSettings, env: SettingsEnvironment): DetectorOptions {
  const { path: modelPath } = resolveModelPath(settings, env);
  const options: DetectorOptions = { modelPath };
  const profile = settings.profile.trim();
  if (profile) {
    if (PRESET_NAMES.includes(profile)) options.preset = profile;
    else {
      const file = resolveSettingPath(profile, env, 'gflLens.profile');
      if (!env.exists(file)) {
        throw new SettingsError('gflLens.profile', `"${profile}" is neither a preset (${PRESET_NAMES.join(', ')}) nor an existing JSON profile file`);
      }
      options.profile = env.parseProfile(env.readFile(file), file);
      options.profileSource = file;
    }
  }
  try {
    const providers = parseProviderList(settings.executionProviders, 'gflLens.executionProviders');
    if (providers.length) options.providers = providers;
  } catch (error) {
    throw new SettingsError('gflLens.executionProviders', (error as Error).message.replace(/^gflLens\.executionProviders: /, ''));
  }
  const threads = checkNumber('gflLens.threads', 'threads', settings.threads);
  if (threads > 0) options.intraOpThreads = Math.round(threads);
  const decode: Partial<DecodeOptions> = {};
  if (settings.scoreThreshold !== undefined) decode.scoreThreshold = checkNumber('gflLens.scoreThreshold', 'scoreThreshold', settings.scoreThreshold);
  if (settings.nmsIoU !== undefined) decode.nmsIoU = checkNumber('gflLens.nmsIoU', 'nmsIoU', settings.nmsIoU);
  if (settings.maxDetections !== undefined) decode.maxPerImage = Math.round(checkNumber('gflLens.maxDetections', 'maxPerImage', settings.maxDetections));
  options.decode = decode;
  return options;
}

/** A stable key: the cached detector is reused while this does not change. */
export function detectorKey(options: DetectorOptions): string {
  return JSON.stringify(options);
}
