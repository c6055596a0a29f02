// A run of the project's Ultralytics-layout test model goes through detect → report like any GFL run: its header
// (Ultralytics decode settings with maxCandidates, layout "ultralytics", 8-bin distributions) fits the report schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { DEMO_DATASET_SEED, generateDemoDataset } from '../../extension/demo/generateDataset.ts';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-lens-yolo-report-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('detect + report --format json on the Ultralytics-layout model: the report validates against its schema', async () => {
  const [val] = await generateDemoDataset({ outDir: tmp, seed: DEMO_DATASET_SEED, counts: { val: 3 } });
  const run = path.join(tmp, 'yolo.gflrun'), report = path.join(tmp, 'report.json');
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repo, 'bin/gfl-lens.js'), ...args], { encoding: 'utf8' });
  const detect = cli('detect', '--model', path.join(repo, 'test/fixtures/gfl-demo-ultralytics.onnx'), '--coco', val.annotationsFile, '--images', val.imagesDir, '--out', run, '--quiet');
  assert.equal(detect.status, 0, detect.stderr);
  const exported = cli('report', run, '--format', 'json', '--out', report);
  assert.equal(exported.status, 0, exported.stderr);
  const data = JSON.parse(fs.readFileSync(report, 'utf8')) as { run: { head: { layout: string }; decode: { maxCandidates?: number } } };
  const schema = JSON.parse(fs.readFileSync(path.join(repo, 'media/schema/gfl-lens-report.schema.json'), 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  assert.ok(validate(data), JSON.stringify(validate.errors?.slice(0, 3)));
  assert.equal(data.run.head.layout, 'ultralytics');
  assert.equal(data.run.decode.maxCandidates, 30000);
});
