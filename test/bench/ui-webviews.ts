// Loads the three webview bundles in headless Chromium under the real CSP (pages made by extension/webviews/csp.ts),
// feeds them the host messages of a real run (nanodet-m-320 over ../shared/data/images) and of a synthetic
// 100k-detection calibration set, checks the DOM hooks the e2e suite relies on, and prints render times.
// Usage: node --import tsx test/bench/ui-webviews.ts [--screenshots DIR]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Detector } from '../../extension/inference/detector.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';
import { cocoImageItems } from '../../extension/io/imageSources.ts';
import { HostMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { analyzeRun } from '../../extension/core/analytics/analysis.ts';
import { mapClassesToCategories } from '../../extension/core/coco/categoryMapping.ts';
import { imageRecordAt, runTableFromRecords } from '../../extension/core/runTable.ts';
import type { LoadedRun } from '../../extension/state/runModel.ts';
import { ambiguityData, inspectorImage } from '../../extension/webviews/panelData.ts';
import { syntheticCalibration, webviewPage } from '../unit/helpers/webviewPages.ts';
import type { RunImageRecord } from '../../extension/core/runFormat.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const screenshotDir = process.argv.includes('--screenshots') ? process.argv[process.argv.indexOf('--screenshots') + 1] : null;

function serve(): Promise<{ server: http.Server; origin: string; pages: Map<string, string> }> {
  const pages = new Map<string, string>();
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.jpg': 'image/jpeg', '.png': 'image/png', '.svg': 'image/svg+xml' };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pages.has(url)) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pages.get(url));
      return;
    }
    const file = url.startsWith('/shared/') ? path.join(shared, url.slice(8)) : path.join(repo, url);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ server, origin: `http://127.0.0.1:${port}`, pages });
  }));
}

async function main(): Promise<void> {
  // A real run over the first four coco128 images, with their COCO ground truth.
  const annotations = path.join(shared, 'data/coco128/annotations/instances.json');
  const full = parseCocoInstances(fs.readFileSync(annotations, 'utf8'), annotations);
  const kept = new Set(full.images.slice(0, 4).map((im) => im.id));
  const dataset = { ...full, images: full.images.filter((im) => kept.has(im.id)), annotations: full.annotations.filter((a) => kept.has(a.image_id)) };
  const imagesDir = path.join(shared, 'data/coco128/images');
  const detector = await Detector.create({ modelPath: path.join(shared, 'models/nanodet-m-320.onnx'), providers: ['cpu'] });
  const images: RunImageRecord[] = [];
  for await (const { item, result } of detector.detectMany(cocoImageItems(dataset, imagesDir).items)) {
    images.push({ record: 'image', file: item.label, imageId: item.imageId, width: result!.transform.originalWidth, height: result!.transform.originalHeight,
      transform: result!.transform, timingMs: result!.timingMs, detections: result!.detections });
  }
  const header = detector.runHeader({ annotations, imagesDir });
  await detector.dispose();
  const table = runTableFromRecords(header, images, [], true);
  const analysis = analyzeRun(table, dataset, mapClassesToCategories(header.profile.classNames, dataset.categories).classToCategory, { detail: 'summary' });
  const run: LoadedRun = {
    sourcePath: '/bench.gflrun', kind: 'run', label: 'bench', header, classNames: header.profile.classNames, strides: header.head.strides, regMax: header.head.regMax,
    hasDistributions: header.head.hasDistributions, notes: [], table, categories: dataset.categories, imagesDir, complete: true,
  };
  const imageUrl = (i: number) => `${s.origin}/shared/data/coco128/images/${images[i].file}`;

  const s = await serve();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const problems: string[] = [];
  const open = async (view: 'inspector' | 'calibration' | 'ambiguity') => {
    s.pages.set(`/${view}.html`, webviewPage(s.origin, view, 'benchNonce0123456789abcdefABCDEF'));
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    p.on('console', (m) => { if ((m.type() === 'error' || /Content Security Policy/.test(m.text())) && !m.location().url.endsWith('/favicon.ico')) problems.push(`${view} console: ${m.text()} ${m.location().url}`); });
    p.on('requestfailed', (r) => problems.push(`${view} request failed: ${r.url()}`));
    p.on('response', (r) => { if (r.status() >= 400) problems.push(`${view} HTTP ${r.status()}: ${r.url()}`); });
    p.on('pageerror', (e) => problems.push(`${view} error: ${e.message}`));
    await p.goto(`${s.origin}/${view}.html`);
    return p;
  };
  const send = (p: Awaited<ReturnType<typeof open>>, message: HostToWebview) => p.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), message as unknown as Record<string, unknown>);

  // Inspector: the image with the most detections, focused on its top box.
  const imageIndex = images.reduce((best, im, i) => (im.detections.length > images[best].detections.length ? i : best), 0);
  const inspector = await open('inspector');
  const image = inspectorImage(run, analysis, imageIndex, imageRecordAt(table, imageIndex), dataset.annotations.filter((a) => a.image_id === images[imageIndex].imageId), imageUrl(imageIndex));
  let t = performance.now();
  await send(inspector, { type: HostMessageType.ShowImage, image, focus: 0, scoreThreshold: 0.3, focusGtId: null, imageCount: images.length });
  await inspector.waitForSelector('#inspector[data-ready="true"]');
  const inspectorMs = performance.now() - t;
  const boxes = await inspector.locator('.det-box').count();
  const edges = await inspector.locator('#distributions > .edge-dist').evaluateAll((els) => els.map((e) => e.getAttribute('data-edge')));
  await inspector.locator('#inspector .stage').focus();
  await inspector.keyboard.press('ArrowRight');
  const selectedAfterKey = await inspector.evaluate(() => (globalThis as unknown as { __state?: { detIndex: number } }).__state?.detIndex);
  console.log(`inspector: ${images[imageIndex].file}, ${boxes} .det-box, distributions ${JSON.stringify(edges)}, ArrowRight selected det ${selectedAfterKey}, ready in ${inspectorMs.toFixed(0)} ms`);
  if (boxes !== image.boxes.length) problems.push(`inspector: ${boxes} .det-box for ${image.boxes.length} boxes`);
  if (edges.join() !== 'left,top,right,bottom') problems.push(`inspector: distributions ${edges}`);
  // GT / TP / FP toggles: hiding TPs hides exactly the TP boxes above the threshold.
  const visible = () => inspector.locator('g.det:not(.hidden)').count();
  const before = await visible();
  const tpShown = await inspector.locator('g.det.tp:not(.hidden)').count();
  await inspector.click('#toggle-tp');
  const afterTp = await visible();
  await inspector.click('#toggle-tp');
  const gtRects = await inspector.locator('.gt-box').count();
  console.log(`inspector toggles: ${before} boxes shown, ${tpShown} TP; TP off → ${afterTp}; ${gtRects} GT boxes`);
  if (afterTp !== before - tpShown + (tpShown && (await inspector.locator('g.det.tp .det-box.selected').count()))) problems.push(`inspector: TP toggle left ${afterTp} of ${before} (${tpShown} TP)`);
  if (gtRects !== (image.groundTruth?.length ?? 0)) problems.push(`inspector: ${gtRects} GT rects for ${image.groundTruth?.length}`);
  if (screenshotDir) await inspector.screenshot({ path: path.join(screenshotDir, 'inspector.png') });

  // Ambiguity gallery.
  const ambiguity = await open('ambiguity');
  await send(ambiguity, { type: HostMessageType.AmbiguityData, data: ambiguityData(run, analysis, imageUrl, 60) });
  await ambiguity.waitForSelector('#ambiguity[data-ready="true"]');
  console.log(`ambiguity: ${await ambiguity.locator('.amb-card').count()} .amb-card`);
  if (screenshotDir) await ambiguity.screenshot({ path: path.join(screenshotDir, 'ambiguity.png'), fullPage: false });

  // Calibration with 100k synthetic detections: time to the first frame after Plotly.react, as the view reports it.
  for (const n of [10_000, 100_000]) {
    const calibration = await open('calibration');
    t = performance.now();
    await send(calibration, { type: HostMessageType.CalibrationData, data: syntheticCalibration(n, { seed: 12345, classes: 5, perImage: 100 }) });
    await calibration.waitForSelector('#calibration[data-ready="true"]', { timeout: 60000 });
    const wall = performance.now() - t;
    if (!(await calibration.locator('#scatter').count())) {
      problems.push(`calibration: no #scatter; the view says "${await calibration.textContent('#calibration')}"`);
      break;
    }
    const renderMs = await calibration.getAttribute('#scatter', 'data-render-ms');
    const mode = await calibration.getAttribute('#scatter', 'data-mode');
    const pearsonText = await calibration.textContent('#pearson');
    await calibration.waitForSelector('#calibration[data-intervals="true"]', { timeout: 60000 });
    const intervalsMs = performance.now() - t;
    console.log(`calibration ${n} points: scatter ${mode} data-render-ms=${renderMs}, ready (all plots + metrics) ${wall.toFixed(0)} ms, bootstrap intervals at ${intervalsMs.toFixed(0)} ms, #pearson=${pearsonText} #spearman=${await calibration.textContent('#spearman')} LaECE0=${await calibration.textContent('#laece0')} timings ${await calibration.getAttribute('#calibration', 'data-timings')}`);
    if (!/^-?\d/.test(pearsonText ?? '')) problems.push(`calibration: #pearson is "${pearsonText}"`);
    if (screenshotDir) await calibration.screenshot({ path: path.join(screenshotDir, `calibration-${n}.png`), fullPage: true });
    await calibration.close();
  }
  await browser.close();
  s.server.close();
  if (problems.length) {
    console.log(`PROBLEMS:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
