// The run store (format 2, extension/io/runStore.ts) on real model output: NanoDet-m-320 over val2017 images.
// Read back by apache-arrow alone (no project code), stored distributions within the documented precision of the
// model's own, interrupted writes never complete-looking, version-1 runs still load, shards merge into exactly the
// single run, and the CLI, the report and the views' worker report the same numbers.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as arrow from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { analysisSummary } from '../../extension/core/analytics/analysis.ts';
import { computeEdgeStats } from '../../extension/core/analytics/edgeStats.ts';
import { serializeRunRecord, type RunImageRecord } from '../../extension/core/runFormat.ts';
import { runTableFromRecords } from '../../extension/core/runTable.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { cocoImageItems } from '../../extension/io/imageSources.ts';
import { analyseOpenedRun, loadGroundTruth, openRun } from '../../extension/io/runAnalysis.ts';
import { readRun, RunStoreWriter } from '../../extension/io/runStore.ts';
import { exportReport } from '../../extension/report/exportReport.ts';
import { AnalysisClient } from '../../extension/state/analysisClient.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const valDir = path.join(shared, 'data/val2017-128');
const model = path.join(shared, 'models/nanodet-m-320.onnx');
const COUNT = 12;

let dir: string;
let annotations: string;
let records: RunImageRecord[];
let storePath: string;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), ...args], { encoding: 'utf8', cwd: repo });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-store-'));
  const instances = JSON.parse(fs.readFileSync(path.join(valDir, 'annotations/instances.json'), 'utf8'));
  const images = instances.images.slice(0, COUNT);
  const ids = new Set(images.map((i: { id: number }) => i.id));
  annotations = path.join(dir, 'instances.json');
  fs.writeFileSync(annotations, JSON.stringify({ ...instances, images, annotations: instances.annotations.filter((a: { image_id: number }) => ids.has(a.image_id)) }));
  const gt = await loadGroundTruth(annotations);
  const imagesDir = path.join(valDir, 'images');
  const detector = await Detector.create({ modelPath: model, providers: ['cpu'] });
  storePath = path.join(dir, 'run.gflrun');
  try {
    const writer = await RunStoreWriter.create(storePath, detector.runHeader({ annotations, imagesDir }), { batchImages: 5 });
    records = [];
    for await (const { item, result, error } of detector.detectMany(cocoImageItems(gt, imagesDir).items)) {
      if (!result) throw error;
      const record: RunImageRecord = {
        record: 'image', file: item.label, imageId: item.imageId, width: result.transform.originalWidth, height: result.transform.originalHeight,
        transform: result.transform, timingMs: result.timingMs, detections: result.detections,
      };
      records.push(record);
      await writer.addImage(record);
    }
    await writer.complete();
  } finally {
    await detector.dispose();
  }
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('apache-arrow alone reads the store back: every column equals what the model produced', () => {
  const parts = fs.readdirSync(path.join(storePath, 'detections')).sort();
  assert.equal(parts.length, Math.ceil(COUNT / 5), 'one part per batch of 5 images');
  const tables = parts.map((p) => arrow.tableFromIPC(fs.readFileSync(path.join(storePath, 'detections', p))));
  const imageTables = parts.map((p) => arrow.tableFromIPC(fs.readFileSync(path.join(storePath, 'images', p))));
  const rows = tables.flatMap((t) => t.toArray().map((r) => r.toJSON()));
  const imageRows = imageTables.flatMap((t) => t.toArray().map((r) => r.toJSON()));
  assert.deepEqual(imageRows.map((r) => [r.file, r.image_id, r.width, r.height, r.detections]), records.map((r) => [r.file, r.imageId, r.width, r.height, r.detections.length]));
  const expected = records.flatMap((r) => r.detections.map((d, detIndex) => ({ imageId: r.imageId, detIndex, d })));
  assert.equal(rows.length, expected.length);
  const bins = 8;
  let worstProb = 0;
  rows.forEach((row, k) => {
    const { imageId, detIndex, d } = expected[k];
    assert.equal(row.image_id, imageId);
    assert.equal(row.det_index, detIndex);
    assert.equal(row.class_index, d.classIndex);
    assert.equal(row.score, Math.fround(d.score));
    assert.deepEqual([row.x1, row.y1, row.x2, row.y2], d.bbox.map(Math.fround));
    assert.deepEqual([row.anchor_x, row.anchor_y], d.anchor.map(Math.fround));
    assert.equal(row.level, d.level);
    assert.equal(row.stride, d.stride);
    ['left', 'top', 'right', 'bottom'].forEach((edge, e) => {
      const q = Array.from(row[`dfl_${edge}`] as Iterable<number>);
      assert.equal(q.length, bins);
      q.forEach((v, b) => { worstProb = Math.max(worstProb, Math.abs(v / 65535 - d.edgeProbs![e * bins + b])); });
    });
  });
  assert.ok(worstProb <= 0.5 / 65535 + 1e-9, `quantisation error ${worstProb}`);
  const json = JSON.parse(fs.readFileSync(path.join(storePath, 'run.json'), 'utf8'));
  assert.equal(json.version, 2);
  assert.equal(json.footer.detections, expected.length);
});

test('statistics from the stored distributions differ from the model\'s full-precision ones by < 1e-3', async () => {
  const table = await readRun(storePath);
  const n = table.detections.count;
  const full = new Float64Array(n * 32);
  let k = 0;
  for (const r of records) for (const d of r.detections) full.set(d.edgeProbs!, 32 * k++);
  const common = { count: n, regMax: 7, hasProbs: new Uint8Array(n).fill(1), stride: table.detections.stride, scaleX: new Float64Array(n).fill(1), scaleY: new Float64Array(n).fill(1) };
  const exact = computeEdgeStats({ ...common, probs: full });
  const stored = computeEdgeStats({ ...common, probs: table.detections.probs! });
  let worst = 0;
  for (const key of ['mean', 'std', 'entropy', 'top1', 'topK', 'dflMass', 'saturation', 'bimodality'] as const) {
    for (let i = 0; i < exact[key].length; i++) worst = Math.max(worst, Math.abs(exact[key][i] - stored[key][i]));
  }
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(exact.ambiguity[i] - stored.ambiguity[i]));
  assert.ok(worst < 1e-3, `largest difference ${worst}`);
  assert.ok(n > 500, `${n} detections`);
});

test('an interrupted write never leaves a complete-looking run; the partial one loads as incomplete', async () => {
  const writerScript = path.join(dir, 'writer.ts');
  fs.writeFileSync(writerScript, `
    import { RunStoreWriter } from ${JSON.stringify(path.join(repo, 'extension/io/runStore.ts'))};
    const [out, recordsFile] = process.argv.slice(2);
    const { header, images } = JSON.parse(require('node:fs').readFileSync(recordsFile, 'utf8'));
    (async () => {
      const writer = await RunStoreWriter.create(out, header, { batchImages: 2 });
      process.stdout.write('started\\n');
      for (let k = 0; k < 200; k++) await writer.addImage({ ...images[k % images.length], imageId: k + 1, file: 'f' + k + '.jpg' });
      await writer.complete();
      process.stdout.write('done\\n');
    })();
  `);
  const header = (await readRun(storePath)).header;
  const recordsFile = path.join(dir, 'records.json');
  fs.writeFileSync(recordsFile, JSON.stringify({ header, images: records }));
  // Kill points spread over the write, from right after start to around completion (seeded for reproducibility).
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let sawPartial = 0;
  for (let trial = 0; trial < 6; trial++) {
    const out = path.join(dir, `killed-${trial}.gflrun`);
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, out, recordsFile], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, random() * 400));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    if (fs.existsSync(out)) {
      const run = await readRun(out);
      assert.equal(run.complete, true);
      assert.equal(run.images.count, 200, 'a published run holds every image');
      continue;
    }
    const partial = await readRun(out + '.partial');
    sawPartial++;
    assert.equal(partial.complete, false);
    assert.equal(partial.images.count % 2, 0, 'only whole batches are loaded');
    assert.deepEqual([...partial.images.imageId], Array.from({ length: partial.images.count }, (_, k) => k + 1));
    assert.equal(partial.detections.count, partial.images.detStart[partial.images.count]);
  }
  assert.ok(sawPartial > 0, 'no trial was interrupted');
});

test('a version-1 run file loads read-only and analyses exactly like its v2 store', async () => {
  const table = await readRun(storePath);
  const v1 = path.join(dir, 'old.gflrun.jsonl');
  const header = { ...table.header, version: 1 };
  fs.writeFileSync(v1, [header, ...records].map((r) => serializeRunRecord(r as never)).join('') + serializeRunRecord({ ...table.footer!, record: 'footer' }));
  const fromV1 = analyseOpenedRun(await openRun(v1));
  const fromV2 = analyseOpenedRun(await openRun(storePath));
  assert.deepEqual(fromV1.evaluation!.stats, fromV2.evaluation!.stats);
  assert.deepEqual(fromV1.rows.outcome, fromV2.rows.outcome);
  assert.equal((await readRun(v1)).complete, true);
  // Records as the model produced them, unrounded, give the same verdicts too (v1 kept 7 digits, v2 float32).
  const direct = runTableFromRecords(table.header, records, [], true);
  assert.equal(direct.detections.count, table.detections.count);
});

test('shards (detect --shard K/3) merge into exactly the single run: same images, same evaluation', () => {
  const common = ['--model', model, '--coco', annotations, '--images', path.join(valDir, 'images'), '--quiet'];
  const single = path.join(dir, 'single.gflrun');
  assert.equal(cli(['detect', ...common, '--out', single]).code, 0);
  const shards = [0, 1, 2].map((k) => {
    const out = path.join(dir, `shard${k}.gflrun`);
    const r = cli(['detect', ...common, '--shard', `${k}/3`, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    return out;
  });
  const incomplete = cli(['merge', shards[0], shards[1], '--out', path.join(dir, 'two.gflrun')]);
  assert.notEqual(incomplete.code, 0);
  assert.match(incomplete.stderr, /shards 2\/3 are missing/);
  const merged = path.join(dir, 'merged.gflrun');
  const r = cli(['merge', ...shards.reverse(), '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(cli(['analyze', '--run', single, '--json']).stdout);
  const b = JSON.parse(cli(['analyze', '--run', merged, '--json']).stdout);
  assert.deepEqual(b.stats, a.stats);
  assert.deepEqual(b.tide, a.tide);
  assert.deepEqual(b.calibration, a.calibration);
  assert.deepEqual(b.scoreIoU, a.scoreIoU);
  assert.equal(b.source.images, COUNT);
  assert.equal(b.source.detections, a.source.detections);
  const overlap = cli(['merge', shards[0], shards[0], '--out', path.join(dir, 'dup.gflrun')]);
  assert.match(overlap.stderr, /is also in .*shards overlap/);
});

test('the CLI, the report JSON, the Parquet export and the views\' worker give the same numbers', async () => {
  const headline = JSON.parse(cli(['analyze', '--run', storePath, '--json']).stdout);
  const reportFile = path.join(dir, 'report.json');
  await exportReport({ runPath: storePath, format: 'json', outPath: reportFile });
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const client = new AnalysisClient(path.join(repo, 'dist/analysisWorker.js'));
  try {
    const view = await client.open({ kind: 'run', path: storePath });
    const viewSummary = JSON.parse(JSON.stringify(analysisSummary(view.analysis)));
    const stats = Object.fromEntries(report.analysis.evaluation.statKeys.map((k: string, i: number) => [k, report.analysis.evaluation.stats[i]]));
    assert.deepEqual(headline.stats, stats);
    assert.deepEqual(viewSummary.evaluation, report.analysis.evaluation);
    assert.deepEqual(viewSummary.calibration, report.analysis.calibration);
    assert.deepEqual(viewSummary.scoreIoU, report.analysis.scoreIoU);
    assert.deepEqual(viewSummary.topAmbiguous, report.analysis.topAmbiguous);
    assert.deepEqual(headline.calibration.laece0, report.analysis.calibration.laece0.value);
    // The Parquet export's outcome column is the same verdict per detection.
    const parquetFile = path.join(dir, 'detections.parquet');
    await exportReport({ runPath: storePath, format: 'parquet', outPath: parquetFile });
    const bytes = fs.readFileSync(parquetFile);
    const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), columns: ['outcome', 'score', 'dfl_top'] });
    assert.equal(rows.length, view.analysis.rows.count);
    const tp = rows.filter((r) => r.outcome === 'tp').length;
    assert.equal(tp, view.analysis.scoreIoU!.overall.tp.n);
    assert.equal((rows[0].dfl_top as number[]).length, 8);
  } finally {
    client.dispose();
  }
});

test('damaged run files fail on load with the file, line or field named, never as internal errors', async () => {
  const table = await readRun(storePath);
  const header = serializeRunRecord({ ...table.header, version: 1 } as never);
  const image = (fields: object) => serializeRunRecord({ ...records[0], ...fields } as never);
  const cases: [string, string, RegExp][] = [
    ['null line', header + 'null\n', /bad-null-line\.gflrun:2: not a run record/],
    ['duplicate image id', header + image({}) + image({ file: 'b.jpg' }), /image id \d+ appears twice/],
    ['header without profile', serializeRunRecord({ ...table.header, version: 1, profile: undefined } as never) + image({}), /header\.profile is missing/],
    ['score null', header + image({ detections: [{ ...records[0].detections[0], score: null }] }), /:2: image .*detection 0: score must be a number/],
    ['empty detection', header + image({ detections: [{}] }), /detection 0: bbox must be 4 numbers/],
    ['class beyond the header', header + image({ detections: [{ ...records[0].detections[0], classIndex: 500 }] }), /class 500 ≥ 80 classes/],
  ];
  for (const [name, text, expected] of cases) {
    const file = path.join(dir, `bad-${name.replace(/ /g, '-')}.gflrun`);
    fs.writeFileSync(file, text);
    await assert.rejects(readRun(file), (error: Error) => expected.test(error.message) && error.message.includes(file), name);
  }
  // A store whose header was hand-edited, or one of whose parts is cut short.
  const edited = path.join(dir, 'edited.gflrun');
  fs.cpSync(storePath, edited, { recursive: true });
  const json = JSON.parse(fs.readFileSync(path.join(edited, 'run.json'), 'utf8'));
  json.header.head.regMax = 'seven';
  fs.writeFileSync(path.join(edited, 'run.json'), JSON.stringify(json));
  await assert.rejects(readRun(edited), /run\.json: header\.head\.regMax must be an integer/);
  const cut = path.join(dir, 'cut.gflrun');
  fs.cpSync(storePath, cut, { recursive: true });
  const part = path.join(cut, 'detections', 'part-000001.arrow');
  fs.truncateSync(part, Math.floor(fs.statSync(part).size / 2));
  await assert.rejects(readRun(cut), (error: Error) => error.message.startsWith(`${part}: not a readable Arrow IPC file`));
});

test('the host\'s event loop keeps running while the worker loads, analyses and exports a 5,000-image run', { timeout: 240000 }, async () => {
  // 5,004 images: the 12 real images repeated under new ids (~460k detections), with ground truth to match.
  const copies = Math.ceil(5000 / COUNT);
  const table = await readRun(storePath);
  const images: RunImageRecord[] = [];
  for (let c = 0; c < copies; c++) for (const r of records) images.push({ ...r, imageId: r.imageId + c * 10_000_000, file: `c${c}-${r.file}` });
  const gt = JSON.parse(fs.readFileSync(annotations, 'utf8'));
  const bigGt = path.join(dir, 'instances-5k.json');
  let annotationId = 1;
  fs.writeFileSync(bigGt, JSON.stringify({
    ...gt,
    images: Array.from({ length: copies }, (_, c) => gt.images.map((i: { id: number }) => ({ ...i, id: i.id + c * 10_000_000 }))).flat(),
    annotations: Array.from({ length: copies }, (_, c) => gt.annotations.map((a: { image_id: number }) => ({ ...a, id: annotationId++, image_id: a.image_id + c * 10_000_000 }))).flat(),
  }));
  const big = path.join(dir, 'big.gflrun');
  const { writeRunTable } = await import('../../extension/io/runStore.ts');
  await writeRunTable(runTableFromRecords({ ...table.header, dataset: { annotations: bigGt } }, images, [], true), big);

  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const measure = async (work: () => Promise<unknown>) => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    await work();
    histogram.disable();
    return histogram.max / 1e6;
  };
  const client = new AnalysisClient(path.join(repo, 'dist/analysisWorker.js'));
  try {
    let detections = 0;
    const started = performance.now();
    const busy = await measure(async () => {
      const opened = await client.open({ kind: 'run', path: big });
      detections = opened.analysis.rows.count;
      await client.export('html', path.join(dir, 'big.html'), undefined, () => undefined);
    });
    // The same time with nothing to do: what the machine's own scheduling costs the event loop.
    const duration = performance.now() - started;
    const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, Math.min(duration, 20000))));
    process.stdout.write(`# ${detections} detections: host event-loop max delay ${busy.toFixed(0)} ms while loading, analysing and exporting (idle: ${idle.toFixed(0)} ms)\n`);
    assert.ok(detections > 400000, `${detections} detections`);
    assert.ok(busy <= Math.max(100, 2 * idle), `the host's event loop stalled ${busy.toFixed(0)} ms (idle baseline ${idle.toFixed(0)} ms)`);
  } finally {
    client.dispose();
  }
});
