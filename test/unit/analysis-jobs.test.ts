// The analysis' independent jobs (TIDE, what-if rescoring) on worker threads, on real model output (NanoDet-m-320 over
// val2017 images): the same analysis as in place; TIDE and COCOeval read a ground truth sent as columns as they read
// its objects; a job worker that dies fails the analysis promptly and the next one gets a fresh worker; idle job
// workers do not keep a process alive; an analysis that gives up the run's distributions once read is the same
// analysis; and nothing the analysis returns lives in shared memory (replies to the host and to webviews must not
// carry SharedArrayBuffers).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeRun, type GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import { cocoGroundTruthColumns, evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { tideErrors } from '../../extension/core/coco/matching.ts';
import { DEFAULT_BOOTSTRAP } from '../../extension/core/analytics/statistics.ts';
import { mapClassesToCategories } from '../../extension/core/coco/categoryMapping.ts';
import { analyseOpenedRunInParallel, type OpenedRun } from '../../extension/io/runAnalysis.ts';
import { AnalysisJobPool, analysisJobThreads } from '../../extension/workers/analysisJobs.ts';
import { WorkerDiedError } from '../../extension/workers/rpc.ts';
import { val2017Run } from './helpers/val2017Run.ts';

const repo = path.resolve(__dirname, '../..');
const jobWorker = path.join(repo, 'dist/analysisJobWorker.js');
const COUNT = 24;
const OPTIONS = { detail: 'full' as const, bootstrap: { ...DEFAULT_BOOTSTRAP, resamples: 50 } };

let dir: string;
let opened: OpenedRun;
let inPlace: GflAnalysis;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-jobs-'));
  const { annotations, gt, table } = await val2017Run(COUNT, dir);
  const mapping = mapClassesToCategories(table.header.profile.classNames, gt.categories);
  opened = { sourcePath: path.join(dir, 'run.gflrun'), kind: 'run', table, groundTruth: gt, annotationsPath: annotations, mapping, notes: [] };
  inPlace = analyzeRun(opened.table, { ...opened.groundTruth!, name: annotations }, opened.mapping.classToCategory, { ...OPTIONS, categoryProblems: opened.mapping.problems });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Paths of the typed arrays in `value` whose memory is a SharedArrayBuffer. */
function sharedViews(value: unknown, at = 'analysis', found: string[] = [], seen = new Set<unknown>()): string[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof SharedArrayBuffer) found.push(at);
  } else if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const [key, v] of Object.entries(value)) sharedViews(v, `${at}.${key}`, found, seen);
  }
  return found;
}

describe('analysis jobs on worker threads', { skip: !fs.existsSync(jobWorker) && 'run "npm run build" first' }, () => {
  test('the analysis with TIDE and rescoring on a worker equals the analysis in place, number for number', async () => {
    const pool = new AnalysisJobPool(1, jobWorker);
    try {
      const parallel = await analyseOpenedRunInParallel(opened, OPTIONS, pool);
      assert.ok(inPlace.evaluation && inPlace.rescoring, 'the fixture has ground truth and distributions');
      assert.ok(inPlace.evaluation.tide.counts.Loc > 0 && inPlace.missed.length > 0, 'TIDE found errors and misses');
      assert.deepEqual(parallel, inPlace);
    } finally {
      await pool.close();
    }
  });

  test('releaseDistributions: the same analysis, and the run holds no distributions afterwards', async () => {
    const own = { ...opened, table: { ...opened.table, detections: { ...opened.table.detections } } };
    const released = await analyseOpenedRunInParallel(own, { ...OPTIONS, releaseDistributions: true }, null);
    assert.equal(own.table.detections.probs, null);
    assert.ok(opened.table.detections.probs, 'the caller\'s other tables keep theirs');
    assert.ok(inPlace.topAmbiguous.length > 10 && inPlace.topAmbiguous[0].probs.length === opened.table.detections.bins);
    assert.deepEqual(released, inPlace);
  });

  test('nothing in the analysis lives in shared memory', () => {
    // The run's own columns do (the jobs read them without copies): the check sees shared memory where it is.
    assert.ok(sharedViews(opened.table).includes('analysis.detections.score'));
    assert.deepEqual(sharedViews(inPlace), []);
  });

  test('TIDE and COCOeval give the same numbers on the ground truth as columns as on its objects (and stats-only)', () => {
    const gt = opened.groundTruth!;
    const columns = cocoGroundTruthColumns(gt);
    const { table } = opened;
    const mapped = Array.from({ length: table.detections.count }, (_, d) => d).filter((d) => opened.mapping.classToCategory[table.detections.classIndex[d]] != null);
    const b = table.detections.bbox;
    const results = {
      count: mapped.length,
      imageId: Float64Array.from(mapped, (d) => table.images.imageId[table.detections.imageIndex[d]]),
      categoryId: Float64Array.from(mapped, (d) => opened.mapping.classToCategory[table.detections.classIndex[d]]!),
      bbox: Float64Array.from(mapped.flatMap((d) => [b[4 * d], b[4 * d + 1], b[4 * d + 2] - b[4 * d], b[4 * d + 3] - b[4 * d + 1]])),
      score: Float64Array.from(mapped, (d) => table.detections.score[d]),
    };
    const fromObjects = tideErrors(gt, results);
    assert.ok(fromObjects.summary.counts.Bkg > 0 && fromObjects.missedGt.length > 0);
    assert.deepEqual(tideErrors(columns, results), fromObjects);
    const stats = evaluateCoco(gt, results).stats;
    assert.ok(stats[0] > 0.1);
    assert.deepEqual(evaluateCoco(columns, results).stats, stats);
    // The what-if evaluations accumulate only what the stats read.
    assert.deepEqual(evaluateCoco(columns, results, { outcomeThresholds: [], statsOnly: true }).stats, stats);
  });

  test('a job worker that dies fails the analysis at once, and the next job starts a fresh worker', async () => {
    const dying = path.join(dir, 'dying-job-worker.cjs');
    fs.writeFileSync(dying, "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
    const pool = new AnalysisJobPool(1, dying);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(analyseOpenedRunInParallel(opened, OPTIONS, pool), (error: Error) => {
          assert.ok(error instanceof WorkerDiedError, error.message);
          assert.match(error.message, /analysis job worker .*stopped \(exit code 3\) while running the tide job/);
          return true;
        });
      }
    } finally {
      await pool.close();
    }
  });

  test('idle job workers do not keep a finished process alive', () => {
    const script = `
      const { AnalysisJobPool } = require(${JSON.stringify(path.join(repo, 'extension/workers/analysisJobs.ts'))});
      const { cocoGroundTruthColumns } = require(${JSON.stringify(path.join(repo, 'extension/core/coco/cocoEval.ts'))});
      const gt = { images: [{ id: 1 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }], categories: [{ id: 1, name: 'a' }] };
      const results = { count: 1, imageId: new Float64Array([1]), categoryId: new Float64Array([1]), bbox: new Float64Array([0, 0, 10, 10]), score: new Float64Array([0.9]) };
      new AnalysisJobPool(1, ${JSON.stringify(jobWorker)}).run({ kind: 'tide', groundTruth: cocoGroundTruthColumns(gt), results })
        .then((r) => console.log('ap', r.summary.ap));`;
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30000 });
    assert.equal(out.trim(), 'ap 100');
    assert.ok(Date.now() - started < 30000);
  });

  test('GFL_LENS_ANALYSIS_THREADS: 0 runs jobs in place, a bad value is refused with its name', () => {
    assert.equal(analysisJobThreads({ GFL_LENS_ANALYSIS_THREADS: '0' }), 0);
    assert.equal(analysisJobThreads({ GFL_LENS_ANALYSIS_THREADS: '3' }), 3);
    assert.equal(analysisJobThreads({}), Math.max(0, Math.min(2, os.availableParallelism() - 1)));
    assert.throws(() => analysisJobThreads({ GFL_LENS_ANALYSIS_THREADS: 'two' }), /GFL_LENS_ANALYSIS_THREADS must be a whole number ≥ 0, got "two"/);
  });
});
