// Dataset-scale figures of the run store and the one analysis (npm run bench:scale). Builds a 5,000-image COCO set by
// repeating the 128 images of ../shared/data/val2017-128 under new names and ids, runs NanoDet-m-320 over it with the
// CLI, reloads and analyses the run, exports HTML, replicates the run to 50,000 images (4.6M detections) and analyses
// that, and measures the extension host's event-loop delay while the analysis worker loads and exports the 5,000-image
// run. Each CLI step runs in its own process; peak RSS is that process's (GNU time). Prints one JSON object.
// Also compares the store format with Parquet on the same detection table (size, write and read time).
// Usage: node --import tsx test/bench/scale.bench.ts [--images 5000] [--keep DIR] [--skip-detect RUN]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parquetReadObjects } from 'hyparquet';
import { mergeRunTables } from '../../extension/core/runMerge.ts';
import type { RunTable } from '../../extension/core/runTable.ts';
import { analyseOpenedRun, openRun } from '../../extension/io/runAnalysis.ts';
import { writeChunksAtomic } from '../../extension/io/atomicFile.ts';
import { readRun, writeRunTable } from '../../extension/io/runStore.ts';
import { parquetChunks } from '../../extension/report/parquetExport.ts';
import { AnalysisClient } from '../../extension/state/analysisClient.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const valDir = path.join(shared, 'data/val2017-128');
const model = path.join(shared, 'models/nanodet-m-320.onnx');
const cli = path.join(repo, 'dist/cli.js');

const { values } = parseArgs({ options: { images: { type: 'string' }, keep: { type: 'string' }, 'skip-detect': { type: 'string' } } });
const total = Number(values.images ?? 5000);
const work = values.keep ?? fs.mkdtempSync(path.join(repo, '.gfl-lens', 'bench-scale-'));
fs.mkdirSync(work, { recursive: true });

/** The val2017-128 instances repeated `copies` times with image and annotation ids offset per copy. */
function replicatedInstances(count: number, linkImagesInto: string | null) {
  const source = JSON.parse(fs.readFileSync(path.join(valDir, 'annotations/instances.json'), 'utf8'));
  const images: unknown[] = [];
  const annotations: unknown[] = [];
  let annotationId = 1;
  for (let k = 0; k < count; k++) {
    const copy = Math.floor(k / source.images.length);
    const image = source.images[k % source.images.length];
    const id = image.id + copy * 1_000_000;
    const fileName = `r${copy}_${image.file_name}`;
    images.push({ ...image, id, file_name: fileName });
    for (const a of source.annotations) if (a.image_id === image.id) annotations.push({ ...a, id: annotationId++, image_id: id });
    if (linkImagesInto) {
      const target = path.join(linkImagesInto, fileName);
      if (!fs.existsSync(target)) {
        try {
          fs.linkSync(path.join(valDir, 'images', image.file_name), target);
        } catch {
          fs.copyFileSync(path.join(valDir, 'images', image.file_name), target);
        }
      }
    }
  }
  return { ...source, images, annotations };
}

/** Runs a CLI command in its own process; wall seconds and peak RSS (MB) from GNU time. */
function measure(args: string[]): { seconds: number; peakRssMB: number; stdout: string } {
  const timeFile = path.join(work, 'time.txt');
  const started = performance.now();
  const stdout = execFileSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMB = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024;
  return { seconds: round(seconds), peakRssMB: round(peakRssMB), stdout };
}

/** Each figure also goes to stderr as soon as it is measured (a long run shows its progress). */
function record(result: Record<string, unknown>, key: string, value: unknown): void {
  result[key] = value;
  process.stderr.write(`${key}: ${JSON.stringify(value)}\n`);
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const dirBytes = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
  .reduce((sum, e) => sum + (e.isDirectory() ? dirBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);

/** Image ids of the 5,000-image set stay below 10⁸: each 50k copy adds this. */
const COPY_ID_OFFSET = 100_000_000;

/** The table repeated `times` times with new image ids (+10⁸ per copy) and item indices, as shards of one run. */
function replicateTable(table: RunTable, times: number): RunTable {
  const shards = Array.from({ length: times }, (_, k) => {
    const images = { ...table.images, imageId: table.images.imageId.map((id) => id + k * COPY_ID_OFFSET), itemIndex: table.images.itemIndex.map((i) => i + k * table.images.count) };
    return { name: `copy ${k}`, table: { ...table, images } };
  });
  return mergeRunTables(shards);
}

async function main(): Promise<void> {
  const result: Record<string, unknown> = { machine: { cores: os.cpus().length, loadAverageAtStart: os.loadavg().map((v) => round(v)) }, images: total };
  const imagesDir = path.join(work, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  const instances = path.join(work, 'instances.json');
  fs.writeFileSync(instances, JSON.stringify(replicatedInstances(total, imagesDir)));
  const runPath = values['skip-detect'] ?? path.join(work, 'run.gflrun');

  if (!values['skip-detect']) {
    const analyze = measure(['analyze', '--model', model, '--coco', instances, '--images', imagesDir, '--out', runPath, '--json', '--quiet']);
    record(result, 'analyze', { seconds: analyze.seconds, peakRssMB: analyze.peakRssMB, target: '≤ 700 MB' });
  }
  const table = await readRun(runPath);
  record(result, 'run', { images: table.images.count, detections: table.detections.count, storeMB: round(dirBytes(runPath) / 1e6), target: '≤ 60 MB' });

  const reload = measure(['analyze', '--run', runPath, '--json']);
  const headline = JSON.parse(reload.stdout);
  record(result, 'reloadAndAnalyze', { seconds: reload.seconds, peakRssMB: reload.peakRssMB, AP: headline.stats?.AP, target: '≤ 3 s, ≤ 600 MB' });

  const html = measure(['report', runPath, '--format', 'html', '--out', path.join(work, 'report.html'), '--quiet']);
  record(result, 'htmlExport', { seconds: html.seconds, peakRssMB: html.peakRssMB, MB: round(fs.statSync(path.join(work, 'report.html')).size / 1e6), target: '≤ 5 s, ≤ 700 MB' });

  // Store format choice: the same detections as Parquet (hyparquet-writer) vs the Arrow IPC store.
  {
    const opened = await openRun(runPath);
    const analysis = analyseOpenedRun(opened, { detail: 'summary' });
    const parquetFile = path.join(work, 'detections.parquet');
    let t = performance.now();
    await writeChunksAtomic(parquetFile, parquetChunks(opened.table, analysis));
    const parquetWrite = (performance.now() - t) / 1000;
    t = performance.now();
    const bytes = fs.readFileSync(parquetFile);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), columns: ['score', 'dfl_left'] });
    const parquetRead = (performance.now() - t) / 1000;
    t = performance.now();
    const again = await readRun(runPath);
    const arrowRead = (performance.now() - t) / 1000;
    t = performance.now();
    const arrowCopy = path.join(work, 'rewrite.gflrun');
    await writeRunTable(again, arrowCopy);
    const arrowWrite = (performance.now() - t) / 1000;
    record(result, 'formats', {
      arrowStore: { MB: round(dirBytes(runPath) / 1e6), writeSeconds: round(arrowWrite), readAllColumnsSeconds: round(arrowRead) },
      parquetExport: { MB: round(fs.statSync(parquetFile).size / 1e6), writeSeconds: round(parquetWrite), readTwoColumnsSeconds: round(parquetRead), rows: rows.length },
    });
    fs.rmSync(arrowCopy, { recursive: true, force: true });
  }

  // Extension host: event-loop delay while the worker opens + analyses the run and exports HTML.
  {
    const client = new AnalysisClient(path.join(repo, 'dist/analysisWorker.js'));
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const t = performance.now();
    await client.open({ kind: 'run', path: runPath });
    const opened = performance.now() - t;
    await client.export('html', path.join(work, 'host-report.html'), undefined, () => undefined);
    histogram.disable();
    client.dispose();
    // The same time doing nothing: what the machine's own scheduling (its load) costs the event loop.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, Math.min(30000, performance.now() - t)));
    idle.disable();
    record(result, 'hostEventLoop', {
      maxDelayMs: round(histogram.max / 1e6, 1), p99DelayMs: round(histogram.percentile(99) / 1e6, 1),
      idleMaxDelayMs: round(idle.max / 1e6, 1), openSeconds: round(opened / 1000), target: 'max ≤ 100 ms',
    });
  }

  // 50,000 images: the 5,000-image run replicated ten times (with matching ground truth), analysed from the store.
  if (table.images.count * 10 <= 60000) {
    const big = replicateTable(table, 10);
    const bigRun = path.join(work, 'run50k.gflrun');
    await writeRunTable(big, bigRun);
    const gt = JSON.parse(fs.readFileSync(instances, 'utf8'));
    const images: unknown[] = [];
    const annotations: unknown[] = [];
    let annotationId = 1;
    for (let k = 0; k < 10; k++) {
      for (const image of gt.images) images.push({ ...image, id: image.id + k * COPY_ID_OFFSET });
      for (const a of gt.annotations) annotations.push({ ...a, id: annotationId++, image_id: a.image_id + k * COPY_ID_OFFSET });
    }
    const bigInstances = path.join(work, 'instances50k.json');
    fs.writeFileSync(bigInstances, JSON.stringify({ ...gt, images, annotations }));
    const run50k = measure(['analyze', '--run', bigRun, '--coco', bigInstances, '--json']);
    record(result, 'run50k', { images: big.images.count, detections: big.detections.count, storeMB: round(dirBytes(bigRun) / 1e6), analyzeSeconds: run50k.seconds, peakRssMB: run50k.peakRssMB, target: '≤ 30 s, ≤ 2048 MB' });
  }
  record(result, 'machine', { ...(result.machine as object), loadAverageAtEnd: os.loadavg().map((v) => round(v)) });
  console.log(JSON.stringify(result, null, 2));
  if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
