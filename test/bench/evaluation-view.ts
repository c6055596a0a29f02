// The evaluation view with 80 classes: NanoDet-m-320 over ../shared/data/val2017-128 (the run is made with the CLI
// when --run is not given), analysed as the worker does, its payload built as the panel does, then the view's bundle
// in headless Chromium under the real CSP. Prints the time from the message to the tables (data-ready) and to the
// drawn curves, and saves light and dark screenshots (with a handful of VS Code theme variables set on the page).
// Usage: node --import tsx test/bench/evaluation-view.ts [--run RUN.gflrun] [--screenshots DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { analyseOpenedRun, openRun } from '../../extension/io/runAnalysis.ts';
import { HostMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { runLabel, type LoadedRun } from '../../extension/state/runModel.ts';
import { evaluationData } from '../../extension/webviews/evaluationData.ts';
import { serveWebviewPages, webviewPage } from '../unit/helpers/webviewPages.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : null);
const screenshotDir = arg('--screenshots');

/** A few of the variables VS Code sets on every webview, per theme (Dark Modern / Light Modern values). */
const THEME_VARIABLES = {
  dark: { '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-widget-border': '#313131',
    '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-focusBorder': '#0078d4',
    '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-red': '#f14c4c', '--vscode-charts-purple': '#b180d7',
    '--vscode-textLink-foreground': '#4daafc', '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px' },
  light: { '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171', '--vscode-widget-border': '#e5e5e5',
    '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000', '--vscode-focusBorder': '#005fb8',
    '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-red': '#e51400', '--vscode-charts-purple': '#652d90',
    '--vscode-textLink-foreground': '#005fb8', '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px' },
};

async function main(): Promise<void> {
  let runPath = arg('--run');
  if (!runPath) {
    runPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-eval-bench-')), 'nanodet.gflrun');
    const data = path.join(shared, 'data/val2017-128');
    execFileSync('node', [path.join(repo, 'bin/gfl-lens.js'), 'detect', '--model', path.join(shared, 'models/nanodet-m-320.onnx'), '--coco', path.join(data, 'annotations/instances.json'),
      '--images', path.join(data, 'images'), '--out', runPath, '--quiet'], { stdio: 'inherit' });
  }
  const opened = await openRun(runPath);
  let t = performance.now();
  const analysis = analyseOpenedRun(opened, { detail: 'full' });
  const analysisMs = performance.now() - t;
  const header = opened.table.header;
  const run = {
    sourcePath: runPath, kind: 'run', label: runLabel(header, 'run', runPath, opened.table.images.file[0]), header, classNames: header.profile.classNames,
    strides: header.head.strides, regMax: header.head.regMax, hasDistributions: header.head.hasDistributions, notes: [], table: opened.table,
    categories: opened.groundTruth!.categories.map((c) => ({ id: c.id, name: c.name })), imagesDir: header.dataset.imagesDir ?? null, complete: true,
  } as LoadedRun;
  t = performance.now();
  const data = evaluationData(run, analysis, null)!;
  const payloadMs = performance.now() - t;
  const payloadBytes = JSON.stringify(data).length;
  console.log(`${data.classes.length} classes, ${data.images.length} images; analysis (full) ${analysisMs.toFixed(0)} ms; payload built in ${payloadMs.toFixed(1)} ms, ${(payloadBytes / 1024).toFixed(0)} KiB as JSON`);

  const pages = new Map<string, string>();
  const { origin, close } = await serveWebviewPages(repo, pages);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    for (const theme of ['dark', 'light'] as const) {
      const nonce = `bench${theme}nonce`;
      const vars = Object.entries(THEME_VARIABLES[theme]).map(([k, v]) => `${k}: ${v};`).join(' ');
      pages.set(`/evaluation-${theme}.html`, webviewPage(origin, 'evaluation', nonce)
        .replace('</head>', `<style nonce="${nonce}">html { ${vars} }</style></head>`).replace('<body>', `<body class="vscode-${theme}">`));
      const page = await browser.newPage({ viewport: { width: 1400, height: 2300 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${origin}/evaluation-${theme}.html`);
      await page.waitForFunction(() => (globalThis as unknown as { __posted: unknown[] }).__posted?.length > 0);
      const message: HostToWebview = { type: HostMessageType.EvaluationData, data };
      // Page-side code as text: the bundler's helpers (e.g. __name) do not exist in the page.
      const timing = await page.evaluate(`(async (m) => {
        const root = document.getElementById('evaluation');
        const start = performance.now();
        window.postMessage(m, '*');
        const wait = (attr, value) => new Promise((resolve) => {
          const check = () => (root.getAttribute(attr) === value ? resolve(performance.now() - start) : requestAnimationFrame(check));
          check();
        });
        const ready = await wait('data-ready', 'true');
        const curves = await wait('data-curves', 'true');
        return { ready, curves, rows: root.querySelectorAll('#class-table .class-row').length };
      })(${JSON.stringify(message)})`) as { ready: number; curves: number; rows: number };
      console.log(`${theme}: tables shown ${timing.ready.toFixed(0)} ms after the message, curves drawn at ${timing.curves.toFixed(0)} ms; ${timing.rows} class rows in the DOM (of ${data.classes.length})`);
      if (errors.length) console.log(`  page errors: ${errors.join(' | ')}`);
      if (screenshotDir) {
        fs.mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: path.join(screenshotDir, `evaluation-80-classes-${theme}.png`), fullPage: true });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    close();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
