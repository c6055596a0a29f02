// Every webview under its real policy (extension/webviews/csp.ts: no 'unsafe-eval', no 'unsafe-inline') in headless
// Chromium: the calibration view still draws its WebGL scatter (plotly's strict scattergl) and its reliability plot,
// with plotly's stylesheet applied from the file, and no page reports a CSP violation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { HostMessageType } from '../../extension/protocol/messages.ts';
import { buildCsp } from '../../extension/webviews/csp.ts';
import { serveWebviewPages, syntheticCalibration, webviewPage } from './helpers/webviewPages.ts';
import { evaluationData } from '../../extension/webviews/evaluationData.ts';
import { analysis as evaluatedAnalysis, run as evaluatedRun } from './helpers/evaluationFixture.ts';

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const NONCE = 'testNonce0123456789abcdefABCDEFG';

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
  const { origin, close } = await serveWebviewPages(REPO, pages);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  try {
    for (const view of ['inspector', 'ambiguity', 'calibration', 'evaluation'] as const) {
      pages.set(`/${view}.html`, webviewPage(origin, view, NONCE));
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy|CSP/i.test(m.text())) problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });
      await page.goto(`${origin}/${view}.html`);
      if (view === 'calibration') {
        await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), { type: HostMessageType.CalibrationData, data: syntheticCalibration(2000, { seed: 7, classes: 2, perImage: 50 }) } as unknown as Record<string, unknown>);
        await page.waitForSelector('#calibration[data-ready="true"]', { timeout: 60000 });
        assert.equal(await page.getAttribute('#scatter', 'data-mode'), 'points');
        assert.equal(await page.getAttribute('#scatter', 'data-render-points'), '2000');
        assert.ok(await page.locator('#scatter canvas.gl-canvas').count() >= 1, 'no WebGL canvas: scattergl did not draw');
        assert.ok(await page.locator('.js-plotly-plot .main-svg').count() >= 2, 'plotly drew no SVG');
        // plotly.css is applied: the main SVG layers are absolutely positioned by its rule, not by an injected <style>.
        assert.equal(await page.locator('.js-plotly-plot .main-svg').first().evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { position: string } }).getComputedStyle(e).position), 'absolute');
        assert.equal(await page.locator('style#plotly\\.js-style-global').count(), 0, 'plotly injected a <style>');
        // The per-class table sorts by a clicked header (aria-sort says how) and the toolbar is sticky.
        const tpsHeader = page.locator('table.per-class thead th').nth(2);
        await tpsHeader.locator('button.sort').click();
        assert.equal(await tpsHeader.getAttribute('aria-sort'), 'descending');
        const tps = await page.locator('table.per-class tbody tr td:nth-of-type(2)').allTextContents();
        assert.deepEqual(tps.map(Number), [...tps.map(Number)].sort((a, b) => b - a));
        await tpsHeader.locator('button.sort').click();
        assert.equal(await tpsHeader.getAttribute('aria-sort'), 'ascending');
        assert.equal(await page.locator('header.toolbar').evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { position: string } }).getComputedStyle(e).position), 'sticky');
      } else if (view === 'evaluation') {
        await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(m, '*'), { type: HostMessageType.EvaluationData, data: evaluationData(evaluatedRun, evaluatedAnalysis, null) } as unknown as Record<string, unknown>);
        await page.waitForSelector('#evaluation[data-curves="true"]', { timeout: 60000 });
        assert.equal(await page.locator('tr[data-stat]').count(), 12);
        assert.equal(await page.locator('#class-table .class-row').count(), 2);
        assert.ok(await page.locator('#pr-plot .main-svg').count() >= 1, 'PR curves not drawn');
        assert.ok(await page.locator('#confusion-table .cm-button').count() >= 3, 'confusion matrix cells missing');
      } else {
        await page.waitForLoadState('load');
      }
      assert.deepEqual(problems, [], `${view}: ${problems.join('; ')}`);
      await page.close();
    }
  } finally {
    await browser.close();
    close();
  }
});
