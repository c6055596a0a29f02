// The analysis worker (dist/analysisWorker.js via AnalysisClient): a run that streams in batch by batch must end with
// exactly the analysis of the whole run computed in-thread; an opened run gives the cheap analysis first, then the
// full one; the inspector's per-image request returns that image's detections with distributions; a worker that
// dies rejects what is pending and the next request starts a new one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { analysisSummary, analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { mapClassesToCategories } from '../../extension/core/coco/categoryMapping.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';
import { writeRunTable } from '../../extension/io/runStore.ts';
import { AnalysisClient } from '../../extension/state/analysisClient.ts';
import { groupFailures } from '../../extension/views/failureGroups.ts';
import { syntheticRun } from './helpers/reportFixtures.ts';

const repo = path.resolve(__dirname, '../..');
const workerFile = path.join(repo, 'dist/analysisWorker.js');

test('streamed batches end with the analysis of the whole run; per-image details carry distributions', async () => {
  assert.ok(fs.existsSync(workerFile), 'dist/analysisWorker.js is missing: run `node esbuild.mjs` first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-client-'));
  const { run, groundTruth } = syntheticRun();
  const annotations = path.join(dir, 'instances.json');
  fs.writeFileSync(annotations, JSON.stringify(groundTruth));
  const header = { ...run.header, dataset: { annotations } };
  const client = new AnalysisClient(workerFile);
  assert.equal(client.usesWorker, true);
  try {
    await client.begin(header, path.join(dir, 'r.gflrun.partial'), annotations);
    const first = await client.append(run.images.slice(0, 1), [], null);
    assert.equal(first.run.table.images.count, 1);
    assert.equal(first.run.complete, false);
    assert.equal(first.run.table.detections.probs, null, 'the host gets no distributions');
    const last = await client.append(run.images.slice(1), [], { sourcePath: path.join(dir, 'r.gflrun'), complete: true });
    const table = runTableFromRecords(header, run.images, [], true);
    const gt = parseCocoInstances(fs.readFileSync(annotations, 'utf8'), annotations);
    const expected = analyzeRun(table, { ...gt, name: annotations }, mapClassesToCategories(header.profile.classNames, gt.categories).classToCategory, { categoryProblems: [] });
    assert.deepEqual(last.analysis.rows, expected.rows);
    assert.deepEqual(analysisSummary(last.analysis).evaluation, analysisSummary(expected).evaluation);
    assert.deepEqual(last.analysis.calibration, expected.calibration);
    assert.equal(last.analysis.detail, 'full');
    // The Failures sidebar's groups come with the snapshot (grouped in the worker, not on the extension host).
    assert.deepEqual(last.failures.map((g) => [g.kind, g.count]), groupFailures(table, expected).map((g) => [g.kind, g.count]));
    assert.ok(last.failures.some((g) => g.count > 0));
    const details = await client.image(1);
    assert.equal(details.record.file, run.images[1].file);
    assert.equal(details.record.detections.length, run.images[1].detections.length);
    assert.equal(details.record.detections[0].edgeProbs?.length, run.images[1].detections[0].edgeProbs?.length);
    assert.deepEqual(details.groundTruth?.map((a) => a.image_id), groundTruth.annotations.filter((a) => a.image_id === run.images[1].imageId).map((a) => a.image_id));
    await assert.rejects(client.image(99), /image 99 is not in the run/);
  } finally {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('open: the cheap analysis arrives first, then the full one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-client-'));
  const { run, groundTruth } = syntheticRun();
  const annotations = path.join(dir, 'instances.json');
  fs.writeFileSync(annotations, JSON.stringify(groundTruth));
  const store = path.join(dir, 'r.gflrun');
  await writeRunTable(runTableFromRecords({ ...run.header, dataset: { annotations } }, run.images, [], true), store);
  const client = new AnalysisClient(workerFile);
  try {
    const details: string[] = [];
    const full = await client.open({ kind: 'run', path: store }, (summary) => details.push(summary.analysis.detail));
    assert.deepEqual(details, ['summary']);
    assert.equal(full.analysis.detail, 'full');
    assert.ok(full.analysis.rescoring, 'the full analysis has the rescoring experiments');
    assert.equal(full.run.label, `${run.header.model.fileName} on ${path.basename(dir)}`);
    assert.equal(full.run.complete, true);
  } finally {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that dies rejects every pending request, and the next request starts a new worker', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-client-'));
  const { run } = syntheticRun(false);
  const store = path.join(dir, 'r.gflrun');
  await writeRunTable(runTableFromRecords(run.header, run.images, [], true), store);
  const client = new AnalysisClient(workerFile);
  try {
    const pending = client.open({ kind: 'run', path: store });
    // Kill the worker while it works (as an out-of-memory abort would).
    await (client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await assert.rejects(pending, /analysis worker stopped/);
    const again = await client.open({ kind: 'run', path: store });
    assert.equal(again.run.table.images.count, run.images.length);
  } finally {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
