// The worker-thread analysis (dist/analysisWorker.js via AnalysisClient): a run that grows by appended images is
// sent incrementally and must analyse exactly like the whole run analysed in-thread.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { AnalysisClient } from '../../extension/state/analysisClient.ts';
import { analyzeLoadedRun, runFromCocoResults, type LoadedRun } from '../../extension/state/runModel.ts';

const repo = path.resolve(__dirname, '../..');
const workerFile = path.join(repo, 'dist/analysisWorker.js');
const shared = path.resolve(repo, '../shared/reference/cocoeval');

test('incremental worker analysis equals in-thread analysis of the whole run', async () => {
  assert.ok(fs.existsSync(workerFile), 'dist/analysisWorker.js is missing: run `node esbuild.mjs` first');
  const gtFile = path.join(shared, 'instances_val2014_100.json');
  const resultsFile = path.join(shared, 'instances_val2014_fakebbox100_results.json');
  const dataset = parseCocoInstances(fs.readFileSync(gtFile, 'utf8'), gtFile);
  const full = runFromCocoResults(resultsFile, parseCocoResults(fs.readFileSync(resultsFile, 'utf8'), resultsFile, dataset), dataset, null);
  const client = new AnalysisClient(workerFile);
  assert.equal(client.usesWorker, true);
  try {
    // Streaming: the first 30 images, then 70, then all 100 and complete, as datasetRun sends them.
    const stage = (n: number, complete: boolean): LoadedRun => ({ ...full, images: full.images.slice(0, n), complete });
    const first = await client.analyze(stage(30, false));
    assert.deepEqual(first.rows, analyzeLoadedRun(stage(30, false)).rows);
    await client.analyze(stage(70, false));
    const last = await client.analyze(stage(100, true));
    const expected = analyzeLoadedRun(full);
    assert.deepEqual(last.rows, expected.rows);
    assert.deepEqual(last.missed, expected.missed);
    assert.deepEqual(last.calibration, expected.calibration);
    assert.deepEqual(last.tide, expected.tide);
    // A different run replaces the worker's copy instead of appending to it.
    const other: LoadedRun = { ...full, images: full.images.slice(50).map((im) => ({ ...im })) };
    assert.deepEqual((await client.analyze(other)).rows, analyzeLoadedRun(other).rows);
  } finally {
    client.dispose();
  }
});
