// Comparing two 5,000-image runs (npm run bench:compare). The 5,000-image set is val2017-128 replicated under new
// image ids, as in bench:scale; the two runs are NanoDet-m-416 and its int8 export run over val2017-128, their
// per-image records replicated with the new ids (exactly what running each model on the replicated images gives).
// Prints: the comparison in-process (both analyses given: what the CLI spends after loading), and the editor's path
// (the analysis worker opens run B from its store, analyses it and compares with the loaded run A) with the event-loop
// delay of the host thread meanwhile, then the same B at another operating threshold, and peak RSS. Figures, not assertions.
// Usage: node --import tsx test/bench/compare.bench.ts [--images 5000] [--a RUN_A --b RUN_B] [--keep DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { compareRuns, groundTruthCanonicalText } from '../../extension/core/analytics/compare.ts';
import { mapClassesToCategories } from '../../extension/core/coco/categoryMapping.ts';
import { parseCocoInstances, type CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { imageRecordAt, runTableFromRecords, type RunTable } from '../../extension/core/runTable.ts';
import { readRun, writeRunTable } from '../../extension/io/runStore.ts';
import { AnalysisClient } from '../../extension/state/analysisClient.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const valDir = path.join(shared, 'data/val2017-128');
const cli = path.join(repo, 'dist/cli.js');
const { values } = parseArgs({ options: { images: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' }, keep: { type: 'string' } } });
const total = Number(values.images ?? 5000);
const work = values.keep ?? fs.mkdtempSync(path.join(repo, '.gfl-lens', 'bench-compare-'));
fs.mkdirSync(work, { recursive: true });
const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const rssMB = () => round(process.resourceUsage().maxRSS / 1024, 0);

/** A 128-image run of `model` over val2017-128 (reused from the work folder when present). */
function sourceRun(model: string, given: string | undefined): string {
  if (given) return given;
  const out = path.join(work, `${model}.gflrun`);
  if (!fs.existsSync(out)) {
    execFileSync(process.execPath, [cli, 'detect', '--model', path.join(shared, 'models', `${model}.onnx`), '--coco', path.join(valDir, 'annotations/instances.json'),
      '--images', path.join(valDir, 'images'), '--out', out, '--quiet'], { stdio: 'inherit' });
  }
  return out;
}

/** val2017-128 repeated to `count` images: copy k of image i gets id i + k·1e6 and file "r<k>_<file>". */
function replicatedInstances(count: number): CocoDataset {
  const source = parseCocoInstances(fs.readFileSync(path.join(valDir, 'annotations/instances.json'), 'utf8'), 'instances.json');
  const out: CocoDataset = { images: [], annotations: [], categories: source.categories, warnings: [] };
  let annotationId = 1;
  for (let k = 0; k < count; k++) {
    const copy = Math.floor(k / source.images.length);
    const image = source.images[k % source.images.length];
    const id = image.id + copy * 1_000_000;
    out.images.push({ ...image, id, file_name: `r${copy}_${image.file_name}` });
    for (const a of source.annotations) if (a.image_id === image.id) out.annotations.push({ ...a, id: annotationId++, image_id: id });
  }
  return out;
}

/** The run's per-image records under the replicated ids, in the replicated image order. */
function replicatedRun(table: RunTable, count: number): RunTable {
  const byId = new Map<number, number>();
  for (let i = 0; i < table.images.count; i++) byId.set(table.images.imageId[i], i);
  const n = table.images.count;
  const records = [];
  for (let k = 0; k < count; k++) {
    const copy = Math.floor(k / n);
    const i = k % n;
    const record = imageRecordAt(table, i);
    records.push({ ...record, imageId: table.images.imageId[i] + copy * 1_000_000, file: `r${copy}_${record.file}` });
  }
  return runTableFromRecords(table.header, records, [], true);
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { images: total };
  const gt = replicatedInstances(total);
  const instances = path.join(work, 'instances.json');
  fs.writeFileSync(instances, JSON.stringify(gt));
  // Both runs as stores (written once), read back as the CLI and the worker read them.
  const storeA = path.join(work, 'a-5000.gflrun'), storeB = path.join(work, 'b-5000.gflrun');
  for (const [source, store] of [[sourceRun('nanodet-m-416', values.a), storeA], [sourceRun('nanodet-m-416-int8', values.b), storeB]] as const) {
    if (fs.existsSync(store)) continue;
    const t = replicatedRun(await readRun(source), total);
    await writeRunTable(t, store, { ...t.header, dataset: { ...t.header.dataset, annotations: instances } });
  }
  const tableA = await readRun(storeA), tableB = await readRun(storeB);
  result.detections = [tableA.detections.count, tableB.detections.count];
  const mapping = mapClassesToCategories(tableA.header.profile.classNames, gt.categories);

  // In-process: what `gfl-lens compare` spends after reading the stores.
  let started = performance.now();
  const analysisA = analyzeRun(tableA, gt, mapping.classToCategory, { detail: 'summary' });
  const analysisB = analyzeRun(tableB, gt, mapping.classToCategory, { detail: 'summary' });
  result.analyseBothSeconds = round((performance.now() - started) / 1000);
  const hash = groundTruthCanonicalText(gt);
  const side = (label: string, table: RunTable, analysis: typeof analysisA) => ({ label, sourcePath: label, table, analysis, groundTruth: gt, annotationsPath: instances, groundTruthHash: hash });
  started = performance.now();
  const comparison = compareRuns(side('A', tableA, analysisA), side('B', tableB, analysisB));
  result.compareSeconds = round((performance.now() - started) / 1000);
  // Again: the first call also pays for JIT warm-up and for collecting the garbage of building the replicated runs.
  started = performance.now();
  compareRuns(side('A', tableA, analysisA), side('B', tableB, analysisB));
  result.compareAgainSeconds = round((performance.now() - started) / 1000);
  result.bootstrapResamples = comparison.calibration.metrics.map((m) => m.resamples);
  result.headline = { dAP: comparison.stats.values[0].delta, flips: comparison.flips.counts, meanScoreShift: comparison.shifts.meanScoreShift, laece0: comparison.calibration.metrics[0] };
  result.inProcessPeakRssMB = rssMB();
  process.stderr.write(`in-process: analyse both ${result.analyseBothSeconds} s, compare ${result.compareSeconds} s, again ${result.compareAgainSeconds} s\n`);

  // The editor's path: both runs as stores; A loaded in the analysis worker, then "compare with B" from the host.
  const client = new AnalysisClient(path.join(repo, 'dist/analysisWorker.js'));
  if (!client.usesWorker) throw new Error('dist/analysisWorker.js is missing: run npm run build');
  try {
    started = performance.now();
    await client.open({ kind: 'run', path: storeA });
    result.workerOpenASeconds = round((performance.now() - started) / 1000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    started = performance.now();
    const viaWorker = await client.compare({ kind: 'run', path: storeB }, 0.25);
    result.workerCompareSeconds = round((performance.now() - started) / 1000);
    delay.disable();
    result.hostEventLoopDelayMaxMs = round(delay.max / 1e6, 1);
    result.hostEventLoopDelayP99Ms = round(delay.percentile(99) / 1e6, 1);
    // The same B at another operating threshold: the worker reuses B and its analysis.
    started = performance.now();
    await client.compare({ kind: 'run', path: storeB }, 0.5);
    result.workerRecompareAtNewThresholdSeconds = round((performance.now() - started) / 1000);
    result.workerSameAsInProcess = viaWorker.flips.counts.foundOnlyByA === comparison.flips.counts.foundOnlyByA && viaWorker.stats.values[0].delta === comparison.stats.values[0].delta;
  } finally {
    client.dispose();
  }
  result.peakRssMB = rssMB();
  result.loadavg = fs.readFileSync('/proc/loadavg', 'utf8').trim();
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
}

void main();
