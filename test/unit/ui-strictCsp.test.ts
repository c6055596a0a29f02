// Every webview under its real policy (extension/webviews/csp.ts: no 'unsafe-eval', no 'unsafe-inline') in headless
// Chromium: the calibration view still draws its WebGL scatter (plotly's strict scattergl) and its reliability plot,
// with plotly's stylesheet applied from the file, and no page reports a CSP violation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { HostMessageType, type CalibrationData, type CalibrationPoints } from '../../extension/protocol/messages.ts';
import { buildCsp, renderPage } from '../../extension/webviews/csp.ts';

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const NONCE = 'testNonce0123456789abcdefABCDEFG';
type View = 'inspector' | 'calibration' | 'ambiguity';

function pageHtml(origin: string, view: View): string {
  const plotly = view === 'calibration';
  const html = renderPage({
    title: view, rootId: view, cspSource: origin, nonce: NONCE,
    scriptUris: [...(plotly ? [`${origin}/dist/webview/plotly-partial.js`] : []), `${origin}/dist/webview/${view}.js`],
    styleUris: [...(plotly ? [`${origin}/dist/webview/plotly.css`] : []), `${origin}/media/webview.css`, `${origin}/media/${view}.css`],
  });
  // Stand-in for VS Code's acquireVsCodeApi, carrying the page's nonce so the policy lets it run.
  const fakeApi = `<script nonce="${NONCE}">window.acquireVsCodeApi=()=>({postMessage:()=>{},getState:()=>undefined,setState:()=>{}});</script>`;
  return html.replace('<script type="application/json"', `${fakeApi}\n    <script type="application/json"`);
}

/** 2,000 detections whose IoU follows the score with noise (a fixed LCG: reproducible). */
function calibrationData(n: number): CalibrationData {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const points: CalibrationPoints = {
    count: n, score: new Float64Array(n), iou: new Float64Array(n), tp: new Uint8Array(n), classIndex: new Uint16Array(n), level: new Uint8Array(n),
    size: new Uint8Array(n), categoryId: new Int32Array(n), laTarget: new Float64Array(n), laIgnored: new Uint8Array(n), dTarget: new Float64Array(n),
    dIgnored: new Uint8Array(n), imageIndex: new Int32Array(n), detIndex: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const score = random();
    const iou = Math.min(1, Math.max(0, score * 0.8 + (random() - 0.5) * 0.5));
    points.score[i] = score; points.iou[i] = iou; points.tp[i] = iou >= 0.5 ? 1 : 0; points.classIndex[i] = i % 2;
    points.level[i] = i % 3; points.size[i] = i % 3; points.categoryId[i] = (i % 2) + 1; points.laTarget[i] = iou;
    points.dTarget[i] = points.tp[i]; points.imageIndex[i] = Math.floor(i / 50); points.detIndex[i] = i % 50;
  }
  return { runLabel: 'synthetic', runPath: '/synthetic', classNames: ['a', 'b'], strides: [8, 16, 32], categoriesWithGroundTruth: [1, 2],
    categoryClass: [[1, 0], [2, 1]], points, partial: false };
}

test('the policy of every view has no unsafe-eval and no unsafe-inline', () => {
  const csp = buildCsp({ cspSource: 'https://x.vscode-cdn.net', nonce: 'N' });
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
  assert.match(csp, /script-src 'nonce-N';/);
  const source = fs.readFileSync(path.join(REPO, 'extension/webviews/webviewHtml.ts'), 'utf8');
  assert.doesNotMatch(source, /allowEval|inlineStyles|unsafe-/, 'webviewHtml.ts must not relax the policy for a view');
});

test('calibration, inspector and ambiguity pages run under the strict policy; the scatter is drawn with WebGL', async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium`);
  assert.ok(fs.existsSync(path.join(REPO, 'dist/webview/plotly.css')), 'dist/webview/plotly.css missing: run "npm run build"');
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pages.has(url)) return void res.writeHead(200, { 'content-type': 'text/html' }).end(pages.get(url));
    if (url === '/favicon.ico') return void res.writeHead(204).end(); // the browser asks for it on its own
    const file = path.join(REPO, url);
    if (!file.startsWith(REPO + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': url.endsWith('.js') ? 'text/javascript' : url.endsWith('.css') ? 'text/css' : 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  try {
    for (const view of ['inspector', 'ambiguity', 'calibration'] as const) {
      pages.set(`/${view}.html`, pageHtml(origin, view));
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy|CSP/i.test(m.text())) problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });
      await page.goto(`${origin}/${view}.html`);
      if (view === 'calibration') {
        await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), { type: HostMessageType.CalibrationData, data: calibrationData(2000) } as unknown as Record<string, unknown>);
        await page.waitForSelector('#calibration[data-ready="true"]', { timeout: 60000 });
        assert.equal(await page.getAttribute('#scatter', 'data-mode'), 'points');
        assert.equal(await page.getAttribute('#scatter', 'data-render-points'), '2000');
        assert.ok(await page.locator('#scatter canvas.gl-canvas').count() >= 1, 'no WebGL canvas: scattergl did not draw');
        assert.ok(await page.locator('.js-plotly-plot .main-svg').count() >= 2, 'plotly drew no SVG');
        // plotly.css is applied: the main SVG layers are absolutely positioned by its rule, not by an injected <style>.
        assert.equal(await page.locator('.js-plotly-plot .main-svg').first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { position: string } }).getComputedStyle(e).position), 'absolute');
        assert.equal(await page.locator('style#plotly\\.js-style-global').count(), 0, 'plotly injected a <style>');
      } else {
        await page.waitForLoadState('load');
      }
      assert.deepEqual(problems, [], `${view}: ${problems.join('; ')}`);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
});
