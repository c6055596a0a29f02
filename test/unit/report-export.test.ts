// End to end: NanoDet-m-320 over 4 val2017 images → run file → exportReport in every format; the HTML opened in
// headless Chromium (Debian `chromium`; CI installs it, so its absence is a failure, not a skip).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { GflAnalysis } from '../../extension/core/analytics/analysis.ts';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults } from '../../extension/core/coco/cocoLoad.ts';
import { round6 } from '../../extension/core/report/reportData.ts';
import { serializeRunRecord } from '../../extension/core/runFormat.ts';
import { analyseOpenedRun, openRun } from '../../extension/io/runAnalysis.ts';
import { exportReport, type ReportFormat } from '../../extension/report/exportReport.ts';
import { detectSmallRun, syntheticRun, XSS_NAME } from './helpers/reportFixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let dir: string;
let runPath: string;
let analysis: GflAnalysis;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-report-'));
  // Category 1 ("person") and model class 0 are renamed to an HTML payload: it must stay text everywhere.
  runPath = await detectSmallRun(dir, 4, XSS_NAME);
  // What the editor passes in; exportReport computes the same itself when not given one (checked below).
  analysis = analyseOpenedRun(await openRun(runPath));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Exports, exports again (with the analysis given, or computed when `computeAgain`), and compares the bytes. */
async function exportTwice(format: ReportFormat, name: string, computeAgain = false): Promise<{ first: Buffer; files: string[] }> {
  const outPath = path.join(dir, name);
  const result = await exportReport({ runPath, format, outPath, analysis });
  const first = result.files.map((f) => fs.readFileSync(f));
  const again = await exportReport({ runPath, format, outPath, analysis: computeAgain ? undefined : analysis });
  assert.deepEqual(again.files, result.files);
  again.files.forEach((f, i) => assert.ok(fs.readFileSync(f).equals(first[i]), `${path.basename(f)} differs between two exports`));
  // Atomic writes leave no temporary files behind.
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  return { first: first[0], files: result.files };
}

test('every format exports twice to identical bytes; Markdown writes its SVG charts beside it', async () => {
  for (const format of ['json', 'csv', 'coco', 'parquet'] as const) await exportTwice(format, `report.${format}`);
  const md = await exportTwice('md', 'summary.md');
  assert.deepEqual(md.files.map((f) => path.basename(f)), ['summary.md', 'summary-ap-per-class.svg', 'summary-pr-curves.svg', 'summary-threshold-curves.svg', 'summary-reliability.svg', 'summary-score-iou.svg']);
  const text = md.first.toString('utf8');
  for (const chart of md.files.slice(1)) assert.ok(text.includes(`](${path.basename(chart)})`), `${chart} not linked`);
});

test('COCO results export re-evaluates to the AP the report states', async () => {
  const { first } = await exportTwice('coco', 'results.json');
  const gt = parseCocoInstances(fs.readFileSync(path.join(dir, 'gt.json'), 'utf8'), 'gt.json');
  const stats = evaluateCoco(gt, parseCocoResults(first.toString('utf8'), 'results.json', gt)).stats;
  const report = JSON.parse((await exportTwice('json', 'full.json')).first.toString('utf8'));
  assert.deepEqual(stats, report.analysis.evaluation.stats);
  assert.deepEqual(stats.map(round6), report.evaluation.stats);
  assert.ok(stats[0] > 0.1, `AP ${stats[0]}: NanoDet finds objects on these images`);
});

test('HTML renders its plotly plots offline in Chromium, no request, no console error, payload stays text', async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
  const { files } = await exportTwice('html', 'report.html', true);
  const html = fs.readFileSync(files[0], 'utf8');
  assert.ok(!html.includes(XSS_NAME));

  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
    const url = `file://${files[0]}`;
    await page.goto(url);
    await page.waitForFunction('document.documentElement.hasAttribute("data-plots-rendered")', null, { timeout: 15000 })
      .catch(() => assert.fail(`plots never rendered: ${problems.join('; ')}`));

    const declared = Number(await page.getAttribute('html', 'data-plots-rendered'));
    assert.equal(declared, 5, `${declared} plots`); // AP bars, TIDE, 2 reliability diagrams, score-IoU heat map
    assert.equal(await page.locator('.js-plotly-plot').count(), declared);
    assert.ok(await page.locator('.js-plotly-plot .main-svg').count() >= declared, 'plotly drew no SVG');
    assert.ok(await page.locator('.js-plotly-plot .heatmaplayer image, .js-plotly-plot .hm image').count() >= 1, 'score-IoU heat map missing');
    assert.ok(await page.locator('.js-plotly-plot .bars .point').count() > 0, 'no bars drawn');
    assert.ok(await page.locator('img[src^="data:image/jpeg;base64,"]').count() > 0, 'no crops');
    const edgeCharts = await page.locator('.edge-dist svg').count();
    assert.ok(edgeCharts > 0 && (await page.locator('.edge-dist svg polyline').count()) === 4 * edgeCharts, 'edge distributions missing');

    assert.deepEqual(requests.filter((u) => u !== url && !u.startsWith('data:')), [], 'network or file requests');
    assert.deepEqual(problems, []);
    assert.deepEqual(dialogs, [], 'the payload ran');
    await page.getByText(XSS_NAME).first().scrollIntoViewIfNeeded();
    assert.ok(await page.getByText(XSS_NAME).first().isVisible(), 'the category name is not shown as text');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
  } finally {
    await browser?.close();
  }
});

test('bad input fails with a message naming the file; an aborted export writes nothing', async () => {
  await assert.rejects(exportReport({ runPath: path.join(dir, 'missing.gflrun'), format: 'json', outPath: path.join(dir, 'x.json') }), /missing\.gflrun: cannot read run \(file not found\)/);
  await assert.rejects(exportReport({ runPath, format: 'pdf' as ReportFormat, outPath: path.join(dir, 'x.pdf') }), /unknown report format "pdf"/);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(exportReport({ runPath, format: 'html', outPath: path.join(dir, 'aborted.html'), analysis, signal: controller.signal }), { name: 'AbortError' });
  assert.equal(fs.existsSync(path.join(dir, 'aborted.html')), false);
});

test('a Markdown export that fails writing the report removes the charts it wrote: no orphans', async () => {
  const out = path.join(dir, 'blocked');
  fs.mkdirSync(path.join(out, 'blocked.md'), { recursive: true }); // the report's own path is a folder: the rename fails
  await assert.rejects(exportReport({ runPath, format: 'md', outPath: path.join(out, 'blocked.md'), analysis }), /blocked\.md: cannot write \(it is a folder/);
  assert.deepEqual(fs.readdirSync(out), ['blocked.md'], 'neither charts nor temporaries left behind');
});

test('a run without ground truth whose images are gone still exports; missing crops are warnings', async () => {
  const { run } = syntheticRun(false);
  const folderRun = path.join(dir, 'folder.gflrun');
  fs.writeFileSync(folderRun, [run.header, ...run.images, run.footer!].map((r) => serializeRunRecord(r)).join(''));
  const html = await exportReport({ runPath: folderRun, format: 'html', outPath: path.join(dir, 'folder.html') });
  assert.equal(html.warnings.length, 2, html.warnings.join('\n')); // two images, neither on disk
  assert.match(html.warnings[0], /a,b "c"\.jpg: no crops/);
  const text = fs.readFileSync(html.files[0], 'utf8');
  assert.ok(text.includes('no ground truth'));
  assert.ok(!text.includes('data:image/jpeg'));
  const csv = await exportReport({ runPath: folderRun, format: 'csv', outPath: path.join(dir, 'folder.csv') });
  assert.equal(fs.readFileSync(csv.files[0], 'utf8').split('\r\n').length, 1 + 3 + 1); // header, 3 rows, final CRLF
});
