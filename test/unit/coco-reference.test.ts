// COCOeval port against pycocotools' own demo case (../shared/reference/cocoeval): 100 val2014 images, 839 GT
// (9 crowd), cocoapi's fake bbox results. expected_stats.json holds the 12 stats pycocotools prints, at full precision.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { COCO_IOU_THRESHOLDS, COCO_RECALL_THRESHOLDS, evaluateCoco, formatSummary } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';

const repo = path.resolve(__dirname, '../..');
const referenceDir = path.resolve(repo, '../shared/reference/cocoeval');
const gtFile = path.join(referenceDir, 'instances_val2014_100.json');
const dtFile = path.join(referenceDir, 'instances_val2014_fakebbox100_results.json');
const expected = JSON.parse(fs.readFileSync(path.join(referenceDir, 'expected_stats.json'), 'utf8')) as { bbox: number[]; keys: string[] };

const gt = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
const dets = parseCocoResults(fs.readFileSync(dtFile, 'utf8'), dtFile, gt);
const evaluation = evaluateCoco(gt, dets);

test('all 12 stats equal pycocotools to 1e-12', () => {
  assert.equal(evaluation.stats.length, 12);
  evaluation.stats.forEach((value, i) => {
    assert.ok(Math.abs(value - expected.bbox[i]) <= 1e-12, `${expected.keys[i]}: ${value} vs ${expected.bbox[i]}`);
  });
});

test('thresholds are numpy linspace values (0.9 is 0.8999999999999999, as np.linspace(.5, .95, 10) gives)', () => {
  assert.deepEqual(Array.from(COCO_IOU_THRESHOLDS), [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  assert.equal(COCO_RECALL_THRESHOLDS.length, 101);
  assert.equal(COCO_RECALL_THRESHOLDS[3], 3 * 0.01); // 0.030000000000000002, not 0.03
  assert.equal(COCO_RECALL_THRESHOLDS[100], 1);
});

test('arrays have pycocotools dimensions and the 80 GT categories in id order', () => {
  assert.deepEqual(evaluation.precisionDims, [10, 101, 80, 4, 3]);
  assert.deepEqual(evaluation.recallDims, [10, 80, 4, 3]);
  assert.equal(evaluation.precision.length, 10 * 101 * 80 * 4 * 3);
  assert.deepEqual(evaluation.imgIds, [...new Set(gt.images.map((image) => image.id))].sort((a, b) => a - b));
  assert.equal(evaluation.catIds[0], 1);
  assert.equal(evaluation.catIds[79], 90);
  // A category's AP is undefined (−1) exactly when it has no non-crowd GT (npig = 0 in accumulate()).
  for (const category of evaluation.perCategory) assert.equal(category.ap > -1, category.numGt > 0, category.name);
  assert.ok(evaluation.perCategory.some((category) => category.numGt === 0));
});

test('PR curve of a category is the precision slice; precision is non-increasing along recall', () => {
  const person = evaluation.prCurve(1);
  assert.equal(person.precision.length, 101);
  for (let r = 1; r < 101; r++) assert.ok(person.precision[r] <= person.precision[r - 1]);
  const [T, R, K, A, M] = evaluation.precisionDims;
  assert.equal(T * R * K * A * M, evaluation.precision.length);
  const k = evaluation.catIds.indexOf(1);
  assert.equal(person.precision[50], evaluation.precision[(((0 * R + 50) * K + k) * A + 0) * M + 2]);
});

test('formatSummary prints pycocotools summarize() lines character for character', () => {
  const lines = formatSummary(evaluation.stats).split('\n');
  assert.equal(lines.length, 12);
  assert.equal(lines[0], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505');
  assert.equal(lines[1], ' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.697');
  assert.equal(lines[4], ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.519');
  assert.equal(lines[6], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387');
  assert.equal(lines[11], ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564');
  // Python rounds exact binary ties half-to-even: 0.0625 → '0.062', 0.1875 → '0.188'; −1 → '-1.000'.
  const tie = formatSummary([0.0625, 0.1875, -1, 0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]).split('\n');
  assert.ok(tie[0].endsWith('= 0.062'));
  assert.ok(tie[1].endsWith('= 0.188'));
  assert.ok(tie[2].endsWith('= -1.000'));
});

test('gfl-lens eval prints the summary and --json the stats', () => {
  const main = path.join(repo, 'extension/cli/main.ts');
  const text = execFileSync(process.execPath, ['--import', 'tsx', main, 'eval', '--gt', gtFile, '--dt', dtFile], { cwd: repo, encoding: 'utf8' });
  assert.equal(text.trimEnd(), formatSummary(expected.bbox));
  const json = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', main, 'eval', '--gt', gtFile, '--dt', dtFile, '--json'], { cwd: repo, encoding: 'utf8' }));
  assert.deepEqual(json.stats, evaluation.stats);
  assert.equal(json.perCategory.length, 80);
  assert.ok(json.tide.dAP.Cls > 0);
});
