// COCO loading: malformed files fail with the file, the array index and the field in the message; the real
// coco128 instances load; class names map to category ids by name with the standard 80 → 91 fallback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  COCO80_TO_91, COCO_CATEGORY_NAMES, COCO_CLASS_NAMES, mapClassesToCategories, toCocoResults, unmappedSetupWarning, classDisplayNames,
} from '../../extension/core/coco/categoryMapping.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import type { Detection } from '../../extension/core/types.ts';

const shared = path.resolve(__dirname, '../../../shared');
const coco128File = path.join(shared, 'data/coco128/annotations/instances.json');

const image = (id: number) => ({ id, file_name: `${id}.jpg`, width: 640, height: 480 });
const ann = (id: number, extra: Record<string, unknown> = {}) => ({ id, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], area: 12, iscrowd: 0, ...extra });
const instances = (annotations: unknown[], images: unknown[] = [image(1), image(2)], categories: unknown[] = [{ id: 1, name: 'cat' }]) =>
  JSON.stringify({ images, annotations, categories });

function assertFails(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (error: Error) => {
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" should mention "${part}"`);
    return true;
  });
}

test('the real coco128 instances load with crowd flags, areas and the 80 standard categories', () => {
  const gt = parseCocoInstances(fs.readFileSync(coco128File, 'utf8'), coco128File);
  assert.equal(gt.annotations.length, 939);
  assert.equal(gt.annotations.filter((a) => a.iscrowd === 1).length, 10);
  assert.equal(gt.images.length, 128);
  assert.deepEqual(gt.categories.map((c) => c.id), COCO80_TO_91);
  assert.deepEqual(gt.categories.map((c) => c.name), COCO_CATEGORY_NAMES);
  assert.deepEqual(gt.warnings, []);
  const first = gt.annotations[0];
  assert.equal(typeof first.area, 'number');
  assert.notEqual(first.area, first.bbox[2] * first.bbox[3]); // segment area, kept as given
});

test('malformed instances name file, index and field', () => {
  assertFails(() => parseCocoInstances('{"images": [', 'gt.json'), 'gt.json', 'not valid JSON');
  assertFails(() => parseCocoInstances('[]', 'gt.json'), 'gt.json', 'expected a COCO instances object');
  assertFails(() => parseCocoInstances(JSON.stringify({ images: [], annotations: {}, categories: [] }), 'gt.json'), 'gt.json', '"annotations" must be an array');
  assertFails(() => parseCocoInstances(instances([ann(1), { id: 2, image_id: 1, category_id: 1, area: 1 }]), 'gt.json'), 'gt.json: annotations[1].bbox: missing');
  assertFails(() => parseCocoInstances(instances([ann(1, { bbox: [0, 0, -3, 4] })]), 'gt.json'), 'gt.json: annotations[0].bbox: width is negative (-3)');
  assertFails(() => parseCocoInstances(instances([ann(1, { bbox: [0, 0, 3, -1] })]), 'gt.json'), 'annotations[0].bbox: height is negative');
  assertFails(() => parseCocoInstances(instances([ann(1, { bbox: [0, 0, 3] })]), 'gt.json'), 'annotations[0].bbox: expected [x, y, width, height]');
  assertFails(() => parseCocoInstances(instances([ann(1, { bbox: [0, '0', 3, 4] })]), 'gt.json'), 'annotations[0].bbox: expected 4 finite numbers');
  assertFails(() => parseCocoInstances(instances([ann(1), ann(2, { image_id: 5 })]), 'gt.json'), 'annotations[1].image_id: unknown image_id 5');

  assertFails(() => parseCocoInstances(instances([ann(1), ann(1)]), 'gt.json'), 'annotations[1].id: duplicate annotation id 1');
  assertFails(() => parseCocoInstances(instances([], [image(1), image(1)]), 'gt.json'), 'images[1].id: duplicate image id 1');
  assertFails(() => parseCocoInstances(instances([], [image(1)], [{ id: 1, name: 'a' }, { id: 1, name: 'b' }]), 'gt.json'), 'categories[1].id: duplicate category id 1');
  assertFails(() => parseCocoInstances(instances([ann(1, { image_id: '1' })]), 'gt.json'), 'annotations[0].image_id: expected an integer, got the string "1"');
  assertFails(() => parseCocoInstances(instances([ann(1, { id: 1.5 })]), 'gt.json'), 'annotations[0].id: expected an integer, got number 1.5');
  assertFails(() => parseCocoInstances(instances([ann(1, { iscrowd: 2 })]), 'gt.json'), 'annotations[0].iscrowd: expected 0 or 1');
  assertFails(() => parseCocoInstances(instances([ann(1, { area: -1 })]), 'gt.json'), 'annotations[0].area: is negative');
  assertFails(() => parseCocoInstances(instances([], [{ id: 1, width: 10, height: 10 }]), 'gt.json'), 'images[0].file_name: expected a string, got missing');
  assertFails(() => parseCocoInstances(instances([], [{ ...image(1), width: 0 }]), 'gt.json'), 'images[0].width: must be positive');
  assertFails(() => parseCocoInstances(instances([], [image(1)], [{ id: 1 }]), 'gt.json'), 'categories[0].name: expected a string, got missing');
  assertFails(() => parseCocoInstances(instances([null]), 'gt.json'), 'gt.json: annotations[0]: expected an object, got null');
});

test('missing area / iscrowd are tolerated with a warning (area = w·h, iscrowd = 0)', () => {
  const gt = parseCocoInstances(instances([{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 3, 4] }]), 'gt.json');
  assert.equal(gt.annotations[0].area, 12);
  assert.equal(gt.annotations[0].iscrowd, 0);
  assert.equal(gt.warnings.length, 2);
  assert.match(gt.warnings[0], /gt\.json: 1 annotations have no "area"/);
});

test('malformed results name file, index and field; ids are checked against the ground truth', () => {
  const gt = parseCocoInstances(instances([ann(1)]), 'gt.json');
  const result = (extra: Record<string, unknown> = {}) => ({ image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5, ...extra });
  assertFails(() => parseCocoResults('{}', 'dt.json'), 'dt.json', 'expected a COCO results array');
  assertFails(() => parseCocoResults(JSON.stringify([result(), result({ score: undefined })]), 'dt.json'), 'dt.json: [1].score: expected a finite number, got missing');
  assertFails(() => parseCocoResults(JSON.stringify([result({ bbox: undefined })]), 'dt.json'), 'dt.json: [0].bbox: missing');
  assertFails(() => parseCocoResults(JSON.stringify([result({ bbox: [1, 2, -3, 4] })]), 'dt.json'), '[0].bbox: width is negative');
  assertFails(() => parseCocoResults(JSON.stringify([result(), result(), result({ image_id: 77 })]), 'dt.json', gt), 'dt.json: [2].image_id: unknown image_id 77');
  assertFails(() => parseCocoResults(JSON.stringify([result({ category_id: 3 })]), 'dt.json', gt), 'dt.json: [0].category_id: unknown category_id 3');
  assertFails(() => parseCocoResults(JSON.stringify([result({ category_id: '1' })]), 'dt.json', gt), '[0].category_id: expected an integer');
  // Without a ground truth, unknown ids are not an error (nothing to check against).
  assert.equal(parseCocoResults(JSON.stringify([result({ image_id: 77 })]), 'dt.json').length, 1);
  const parsed = parseCocoResults(JSON.stringify([result({ segmentation: [], id: 9 })]), 'dt.json', gt);
  assert.deepEqual(parsed, [{ image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 }]);
  // toCocoResults' detIndex survives a write/read round trip.
  assert.equal(parseCocoResults(JSON.stringify([result({ detIndex: 4 })]), 'dt.json', gt)[0].detIndex, 4);
  assertFails(() => parseCocoResults(JSON.stringify([result({ detIndex: 'x' })]), 'dt.json', gt), '[0].detIndex: expected an integer');
});

test('class names map to the coco128 categories by name; darknet spellings resolve to the standard ids', () => {
  const gt = parseCocoInstances(fs.readFileSync(coco128File, 'utf8'), coco128File);
  const names = fs.readFileSync(path.join(shared, 'models/coco.names'), 'utf8').trim().split('\n');
  assert.deepEqual(COCO_CLASS_NAMES, names);
  const mapping = mapClassesToCategories(names, gt.categories);
  assert.deepEqual(mapping.classToCategory, COCO80_TO_91);
  assert.deepEqual(mapping.problems, []);
  // "sofa" (index 57) is "couch" (63) and "tvmonitor" (62) is "tv" (72) in the dataset.
  assert.equal(mapping.classToCategory[57], 63);
  assert.equal(mapping.classToCategory[62], 72);
});

test('a custom class list maps by case/space-insensitive name and reports classes without a category', () => {
  const categories = [{ id: 3, name: 'Traffic Light' }, { id: 10, name: 'dog' }, { id: 11, name: 'cat' }];
  const mapping = mapClassesToCategories(['cat', 'traffic_light', 'DOG', 'sofa'], categories);
  assert.deepEqual(mapping.classToCategory, [11, 3, 10, null]);
  assert.equal(mapping.problems.length, 1);
  assert.match(mapping.problems[0], /class 3 "sofa" has no dataset category/);
  // "sofa" is only an alias when the model has the 80 COCO classes and the dataset has id 63 named "couch".
});

test('without categories an 80-class model gets the standard ids; any other model gets none, reported', () => {
  assert.deepEqual(mapClassesToCategories(COCO_CLASS_NAMES).classToCategory, COCO80_TO_91);
  const small = mapClassesToCategories(['a', 'b']);
  assert.deepEqual(small.classToCategory, [null, null]);
  assert.equal(small.problems.length, 1);
  const ambiguous = mapClassesToCategories(['a'], [{ id: 1, name: 'A' }, { id: 2, name: 'a' }]);
  assert.deepEqual(ambiguous.classToCategory, [null]);
  assert.match(ambiguous.problems[0], /several dataset categories/);
});

test('toCocoResults converts xyxy to xywh, keeps each detection\'s index and skips unmapped classes', () => {
  const detection = (bbox: [number, number, number, number], classIndex: number, score: number): Detection => ({
    bbox, score, classIndex, level: 0, stride: 8, anchor: [0, 0], distances: [0, 0, 0, 0],
  });
  const results = toCocoResults([
    { imageId: 5, detections: [detection([10, 20, 40, 80], 0, 0.9), detection([0, 0, 1, 1], 1, 0.8), detection([1, 2, 3, 5], 2, 0.7)] },
  ], [1, null, 7]);
  assert.deepEqual(results, [
    { image_id: 5, category_id: 1, bbox: [10, 20, 30, 60], score: 0.9, detIndex: 0 },
    { image_id: 5, category_id: 7, bbox: [1, 2, 2, 3], score: 0.7, detIndex: 2 },
  ]);
});

test('a model whose classes match no dataset category is a wrong setup: the warning lists both class lists and the fix', () => {
  const gt = parseCocoInstances(fs.readFileSync(coco128File, 'utf8'), coco128File);
  // NanoDet's darknet spellings map (motorbike → motorcycle …): no warning.
  assert.equal(unmappedSetupWarning(COCO_CLASS_NAMES, gt.categories, 'nanodet-m-320.onnx', '.gfl-profile.json'), null);
  // One class in common is enough to run (the rest is reported as category problems).
  assert.equal(unmappedSetupWarning(['circle', 'Person'], gt.categories, 'm.onnx', '.gfl-profile.json'), null);
  const warning = unmappedSetupWarning(['circle', 'square', 'triangle'], gt.categories, 'gfl-demo.onnx', '.gfl-profile.json')!;
  assert.match(warning.message, /None of the model's 3 classes matches one of the dataset's 80 categories/);
  assert.match(warning.detail, /Model classes \(gfl-demo\.onnx, in output order\): "circle", "square", "triangle"\./);
  assert.match(warning.detail, /Dataset categories: "person", "bicycle", .*"hair drier", "toothbrush"\./, 'all 80 names');
  const many = unmappedSetupWarning(['x'], Array.from({ length: 130 }, (_, i) => ({ id: i + 1, name: `c${i}` })), 'm.onnx', '.gfl-profile.json')!;
  assert.match(many.detail, /"c99" … and 30 more\./);
  assert.match(warning.detail, /gfl-demo\.onnx\.gfl-profile\.json" beside the model containing \{"classNames": \["person", "bicycle", "car", …\]\}/);
  // Without categories (an image folder) there is nothing to match.
  assert.equal(unmappedSetupWarning(['circle'], [], 'm.onnx', '.gfl-profile.json'), null);
});

test('one name per class: the dataset\'s category name where a class maps (motorcycle, not motorbike), the model\'s elsewhere', () => {
  const gt = parseCocoInstances(fs.readFileSync(coco128File, 'utf8'), coco128File);
  const { classToCategory } = mapClassesToCategories(COCO_CLASS_NAMES, gt.categories);
  const names = classDisplayNames(COCO_CLASS_NAMES, classToCategory, gt.categories);
  assert.deepEqual(names, COCO_CATEGORY_NAMES, 'all six darknet spellings become the instances file\'s');
  assert.equal(names[3], 'motorcycle');
  assert.equal(COCO_CLASS_NAMES[3], 'motorbike');
  // A class without a category keeps the model's name; without a dataset every class does.
  assert.deepEqual(classDisplayNames(['Cat', 'unicorn'], [1, null], [{ id: 1, name: 'cat' }]), ['cat', 'unicorn']);
  assert.deepEqual(classDisplayNames(COCO_CLASS_NAMES, COCO80_TO_91, null), COCO_CLASS_NAMES);
});
