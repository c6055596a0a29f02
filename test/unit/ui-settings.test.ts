// Settings → detector options (extension/state/detectorSettings.ts): presets, profile files, the demo model,
// providers, threads and decode settings, and the errors a user sees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS, detectorOptionsFromSettings, resolveModelPath, resolveSettingPath, SettingsError, settingPathValue, type SettingsEnvironment } from '../../extension/state/detectorSettings.ts';
import { readProfileText } from '../../extension/inference/detector.ts';

function env(files: Record<string, string>, workspaceFolder: string | null = '/ws'): SettingsEnvironment {
  return {
    extensionPath: '/ext', workspaceFolder: workspaceFolder ?? undefined,
    exists: (f) => f in files,
    readFile: (f) => {
      if (!(f in files)) throw new Error(`ENOENT ${f}`);
      return files[f];
    },
    parseProfile: readProfileText,
  };
}

const settings = (over: Partial<typeof DEFAULT_SETTINGS>) => ({ ...DEFAULT_SETTINGS, executionProviders: [...DEFAULT_SETTINGS.executionProviders], ...over });

test('empty model setting selects the built-in demo model when it is there', () => {
  assert.deepEqual(resolveModelPath({ model: '' }, env({ '/ext/media/demo/gfl-demo.onnx': '' })), { path: '/ext/media/demo/gfl-demo.onnx', isDemo: true });
});

test('a missing demo model is a clear error pointing at Select Model', () => {
  assert.throws(() => resolveModelPath({ model: '' }, env({})), (e: Error) =>
    e instanceof SettingsError && e.setting === 'gflLens.model' && /demo model is missing/.test(e.message) && /Select Model/.test(e.message));
});

test('relative model and profile paths resolve against the workspace folder; a profile file is parsed', () => {
  const files = { '/ws/models/m.onnx': '', '/ws/p.json': JSON.stringify({ extends: 'picodet', scoreActivation: 'none' }) };
  const o = detectorOptionsFromSettings(settings({ model: 'models/m.onnx', profile: './p.json' }), env(files));
  assert.equal(o.modelPath, '/ws/models/m.onnx');
  assert.equal(o.preset, undefined);
  assert.deepEqual(o.profile, { extends: 'picodet', scoreActivation: 'none' });
  assert.equal(o.profileSource, '/ws/p.json');
});

test('a preset name is passed as the preset; decode settings map to decode options; threads 0 leaves the default', () => {
  const o = detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', profile: 'nanodet-m', scoreThreshold: 0.25, nmsIoU: 0.5, maxDetections: 50, threads: 0 }), env({ '/abs/m.onnx': '' }));
  assert.equal(o.preset, 'nanodet-m');
  assert.equal(o.profile, undefined);
  assert.deepEqual(o.decode, { scoreThreshold: 0.25, nmsIoU: 0.5, maxPerImage: 50 });
  assert.equal(o.intraOpThreads, undefined);
  assert.deepEqual(o.providers, ['auto']);
  assert.deepEqual(detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', executionProviders: ['WebGPU', ' cpu'] }), env({ '/abs/m.onnx': '' })).providers, ['webgpu', 'cpu']);
  assert.equal(detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', threads: 3 }), env({ '/abs/m.onnx': '' })).intraOpThreads, 3);
});

test('bad settings name the setting', () => {
  const files = { '/abs/m.onnx': '' };
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', profile: 'nanodett' }), env(files)), /gflLens\.profile: "nanodett" is neither a preset/);
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', executionProviders: ['CPU', 'tensorrt'] }), env(files)), /gflLens\.executionProviders: unknown provider tensorrt; choose "auto" or from cuda, webgpu, dml, coreml, cpu/);
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', executionProviders: ['auto', 'cpu'] }), env(files)), /gflLens\.executionProviders: "auto" times every available provider by itself/);
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', scoreThreshold: 1.5 }), env(files)), /gflLens\.scoreThreshold: must be a number in \[0, 1\]/);
  assert.throws(() => detectorOptionsFromSettings(settings({ model: 'rel.onnx' }), env(files, null)), /relative path but no workspace folder/);
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/none.onnx' }), env(files)), /gflLens\.model: \/abs\/none\.onnx does not exist/);
  const badProfile = { ...files, '/ws/bad.json': '{"regMax": "seven"}' };
  assert.throws(() => detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', profile: 'bad.json' }), env(badProfile)), /bad\.json/);
});

test('decode settings the user did not set are left to the model\'s decode preset (a YOLO model keeps Ultralytics\' 0.001 / 0.7 / 300)', () => {
  const files = { '/abs/m.onnx': '' };
  const unset = detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', scoreThreshold: undefined, nmsIoU: undefined, maxDetections: undefined }), env(files));
  assert.deepEqual(unset.decode, {});
  const some = detectorOptionsFromSettings(settings({ model: '/abs/m.onnx', scoreThreshold: 0.2, nmsIoU: undefined, maxDetections: undefined }), env(files));
  assert.deepEqual(some.decode, { scoreThreshold: 0.2 });
});

test('a model inside the workspace is stored workspace-relative and resolves back to the same file; outside stays absolute', () => {
  assert.equal(settingPathValue('/home/u/ws/models/nanodet.onnx', '/home/u/ws'), 'models/nanodet.onnx');
  assert.equal(resolveSettingPath(settingPathValue('/home/u/ws/models/nanodet.onnx', '/home/u/ws/'), { workspaceFolder: '/home/u/ws' }, 'gflLens.model'), '/home/u/ws/models/nanodet.onnx');
  assert.equal(settingPathValue('/home/u/wsx/m.onnx', '/home/u/ws'), '/home/u/wsx/m.onnx', 'a sibling folder sharing the prefix is outside');
  assert.equal(settingPathValue('/opt/m.onnx', '/home/u/ws'), '/opt/m.onnx');
  assert.equal(settingPathValue('/opt/m.onnx', undefined), '/opt/m.onnx');
  assert.equal(settingPathValue('C:\\Users\\u\\ws\\models\\m.onnx', 'c:\\Users\\u\\ws'), 'models/m.onnx', 'Windows: case-insensitive drive, forward slashes stored');
});
