// Report export of a 128-image run (NanoDet-m-320 over ../shared/data/val2017-128, ~12k detections): time per
// format with the analysis given (the editor's path: it already has the analysis) and the whole CLI path (analysis
// computed inside exportReport where the format needs it), against the analyzeRun time itself as the baseline; output sizes.
// Usage: node --import tsx test/bench/report.bench.ts [RUN.gflrun]   (without a run, one is made first, ~15 s)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import { Detector } from '../../extension/inference/detector.ts';
import { analyseOpenedRun, openRun } from '../../extension/io/runAnalysis.ts';
import { RunStoreWriter as RunWriter } from '../../extension/io/runStore.ts';
import { exportReport, REPORT_FORMATS } from '../../extension/report/exportReport.ts';

const VAL_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'val2017-128');
const MODEL = path.resolve(__dirname, '..', '..', '..', 'shared', 'models', 'nanodet-m-320.onnx');

async function makeRun(out: string): Promise<void> {
  const annotations = path.join(VAL_DIR, 'annotations', 'instances.json');
  const imagesDir = path.join(VAL_DIR, 'images');
  const gt = parseCocoInstances(fs.readFileSync(annotations, 'utf8'), annotations);
  const detector = await Detector.create({ modelPath: MODEL });
  const writer = await RunWriter.create(out, detector.runHeader({ annotations, imagesDir }));
  const items = gt.images.map((image) => ({ source: path.join(imagesDir, image.file_name), label: image.file_name, imageId: image.id }));
  for await (const { item, result } of detector.detectMany(items)) {
    if (!result) continue;
    await writer.addImage({
      record: 'image', file: item.label, imageId: item.imageId, width: result.transform.originalWidth, height: result.transform.originalHeight,
      transform: result.transform, timingMs: result.timingMs, detections: result.detections,
    });
  }
  await writer.complete();
  await detector.dispose();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** Process CPU milliseconds (all threads) since `start`: a load-independent companion to wall time on a shared machine. */
const cpuMs = (start: NodeJS.CpuUsage) => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-report-bench-'));
  try {
    let runPath = process.argv[2];
    if (!runPath) {
      runPath = path.join(dir, 'val128.gflrun');
      const t = performance.now();
      await makeRun(runPath);
      console.log(`made ${runPath} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const opened = await openRun(runPath);
    console.log(`run: ${opened.table.images.count} images, ${opened.table.detections.count} detections; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);

    const analyzeTimes: number[] = [];
    const analyzeCpu: number[] = [];
    let analysis = analyseOpenedRun(opened); // warm-up
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      const c = process.cpuUsage();
      analysis = analyseOpenedRun(opened);
      analyzeTimes.push(performance.now() - t);
      analyzeCpu.push(cpuMs(c));
    }
    const baseline = median(analyzeTimes);
    console.log(`analyzeRun (baseline): ${baseline.toFixed(0)} ms wall, ${median(analyzeCpu).toFixed(0)} ms CPU (median of 3)`);

    console.log('export with the analysis given (editor path), median of 3:');
    for (const format of REPORT_FORMATS) {
      const outPath = path.join(dir, `report.${format === 'coco' ? 'coco.json' : format}`);
      await exportReport({ runPath, format, outPath, analysis }); // warm-up
      const times: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      for (let k = 0; k < 3; k++) {
        const t = performance.now();
        const c = process.cpuUsage();
        bytes = (await exportReport({ runPath, format, outPath, analysis })).bytes;
        times.push(performance.now() - t);
        cpu.push(cpuMs(c));
      }
      const ms = median(times);
      console.log(`  ${format.padEnd(5)} ${ms.toFixed(0).padStart(6)} ms wall, ${median(cpu).toFixed(0).padStart(6)} ms CPU  (${(ms / baseline).toFixed(2)}× analyzeRun)  ${(bytes / 1024).toFixed(0)} KiB`);
    }
    console.log('CLI path (nothing given: analysis computed inside for html, md, json), one run each:');
    for (const format of REPORT_FORMATS) {
      const t = performance.now();
      const c = process.cpuUsage();
      await exportReport({ runPath, format, outPath: path.join(dir, `cli.${format}`) });
      const ms = performance.now() - t;
      console.log(`  ${format.padEnd(5)} ${ms.toFixed(0).padStart(6)} ms wall, ${cpuMs(c).toFixed(0).padStart(6)} ms CPU  (${(ms / baseline).toFixed(2)}× analyzeRun)`);
    }
    const cli = { files: [path.join(dir, 'cli.html')] };
    const html = fs.readFileSync(cli.files[0], 'utf8');
    const crops = html.match(/data:image\/jpeg;base64,/g)?.length ?? 0;
    const plotly = fs.statSync(path.resolve(__dirname, '..', '..', 'dist', 'webview', 'plotly-partial.js')).size;
    console.log(`HTML ${(html.length / 1024).toFixed(0)} KiB: plotly ${(plotly / 1024).toFixed(0)} KiB, ${crops} crops, rest ${((html.length - plotly) / 1024).toFixed(0)} KiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
