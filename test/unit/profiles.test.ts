// Model profiles: JSON overrides are validated field by field and merged over presets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPreset, mergeProfile, parseProfileOverride, ProfileError } from '../../extension/core/profiles.ts';

describe('model profiles', () => {
  it('reads clipBoxes and keeps the preset default (clip) when it is absent', () => {
    const nanodet = getPreset('nanodet-m')!;
    assert.equal(mergeProfile(nanodet, parseProfileOverride({ regMax: 7 }, 'p.json')).clipBoxes, undefined);
    const amodal = mergeProfile(nanodet, parseProfileOverride({ clipBoxes: false }, 'p.json'));
    assert.equal(amodal.clipBoxes, false);
    assert.equal(amodal.regMax, nanodet.regMax);
  });

  it('names the file and the field for a wrong type or an unknown field', () => {
    assert.throws(() => parseProfileOverride({ clipBoxes: 'no' }, 'model.gfl-profile.json'),
      (e: Error) => e instanceof ProfileError && e.message === 'model.gfl-profile.json: "clipBoxes" must be true or false, got "no"');
    assert.throws(() => parseProfileOverride({ clipBoxs: false }, 'model.gfl-profile.json'),
      (e: Error) => e instanceof ProfileError && /model\.gfl-profile\.json: unknown field "clipBoxs"; known fields: .*clipBoxes/.test(e.message));
    assert.throws(() => parseProfileOverride({ extends: 'yolo' }, 'p.json'), /p\.json: "extends" must name a preset: nanodet-m/);
    assert.throws(() => parseProfileOverride([1], 'p.json'), /p\.json: a profile must be a JSON object/);
  });

  it('lets a profile extend a preset and override single fields', () => {
    const merged = mergeProfile(getPreset('mmdet-gfl')!, parseProfileOverride({ extends: 'picodet', inputSize: [416, 416] }, 'p.json'));
    assert.equal(merged.name, 'picodet');
    assert.deepEqual(merged.inputSize, [416, 416]);
    assert.deepEqual(merged.strides, getPreset('picodet')!.strides);
  });
});
