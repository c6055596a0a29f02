// The comparison webview page under its real policy in headless Chromium: it renders a comparison (tables, plotly
// histograms), a flip row opens the A/B view by keyboard (the message it posts), and in the A/B view the image and
// its SVG overlay cover exactly the same rectangle at every viewport size (one transform), with both runs' boxes,
// the focused GT and the pair's eight edge distributions. No CSP violation, no page error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { compareRuns } from '../../extension/core/analytics/compare.ts';
import { HostMessageType, WebviewMessageType, type ComparedImage } from '../../extension/protocol/messages.ts';
import { BOOT, RUN_A, RUN_B, side } from './helpers/compareFixtures.ts';
import { serveWebviewPages, webviewPage } from './helpers/webviewPages.ts';

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const NONCE = 'testNonce0123456789abcdefABCDEFG';


test('comparison page: strict policy, flips open the A/B view, image and overlay share one transform at every size', async () => {
  assert.ok(fs.existsSync(path.join(REPO, 'dist/webview/compare.js')), 'dist/webview/compare.js missing: run "npm run build"');
  const comparison = compareRuns(side('a', RUN_A), side('b', RUN_B), { bootstrap: BOOT });
  const flip = comparison.flips.foundOnlyByA[0];
  const pagePath = '/compare.html';
  const pages = new Map<string, string | [string, string]>([
    ['/image.svg', ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><rect width="1000" height="1000" fill="#777"/></svg>']],
  ]);
  const { origin, close } = await serveWebviewPages(REPO, pages);
  pages.set(pagePath, webviewPage(origin, 'compare', NONCE));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy|CSP/i.test(m.text())) problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });
    await page.goto(`${origin}${pagePath}`);
    const postToPage = (message: unknown) => page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*'), message as Record<string, unknown>);
    await postToPage({ type: HostMessageType.CompareData, data: comparison });
    await page.waitForSelector('#compare[data-ready="true"]');
    assert.equal(await page.locator('section[data-list="only-a"] .open-row').count(), 1);
    assert.equal(await page.locator('section[data-list="only-b"] .open-row').count(), 1);
    assert.ok(await page.locator('#shifts .js-plotly-plot .main-svg').count() >= 2, 'the shift histograms are drawn');
    assert.match(await page.locator('#calibration').textContent() ?? '', /LaECE0/);

    // Keyboard: ArrowDown from the first flip of A goes nowhere (one row); Enter posts the selection.
    const row = page.locator('section[data-list="only-a"] .open-row').first();
    await row.focus();
    await row.press('Enter');
    const posted = await page.evaluate(() => (globalThis as unknown as { __posted: unknown[] }).__posted);
    assert.deepEqual(posted.at(-1), { type: WebviewMessageType.SelectComparedImage, imageId: flip.imageId, gtId: flip.gtId, detIndexA: flip.found.detIndex, detIndexB: null });

    // The host's answer: both runs' boxes on a 1000 × 1000 image.
    const box = (detIndex: number, bbox: [number, number, number, number], score: number) => ({ detIndex, bbox, score, className: 'person', edgeProbs: new Array(32).fill(1 / 8), distances: [1, 1, 1, 1], gtDistances: [1, 1, 1, 1] });
    const image: ComparedImage = {
      imageId: flip.imageId, file: flip.file, uri: `${origin}/image.svg`, width: 1000, height: 1000,
      a: { label: 'a', regMax: 7, boxes: [box(0, [0, 0, 100, 100], 0.9), box(1, [200, 0, 300, 100], 0.8)] as never },
      b: { label: 'b', regMax: 7, boxes: [box(0, [0, 0, 100, 100], 0.9), box(1, [2, 2, 102, 102], 0.85)] as never },
      groundTruth: [{ id: flip.gtId, bbox: flip.bbox, className: 'person', crowd: false }],
      focus: { gtId: flip.gtId, detIndexA: 1, detIndexB: 0 },
    };
    await postToPage({ type: HostMessageType.ComparedImage, image, scoreThreshold: 0.25 });
    await page.waitForSelector('#ab .ab-stage img.ab-image');
    await page.waitForFunction("(() => { const img = document.querySelector('#ab .ab-image'); return !!img && img.complete && img.naturalWidth > 0; })()");
    assert.equal(await page.locator('#ab .ab-box.a').count(), 2);
    assert.equal(await page.locator('#ab .ab-box.b').count(), 2);
    assert.equal(await page.locator('#ab .ab-gt.focus').count(), 1);
    assert.equal(await page.locator('#ab .ab-dist .dist-chart').count(), 8, 'four edges × two runs');

    // One transform: the image, the overlay and a box's screen position agree at several sizes.
    for (const viewport of [{ width: 1300, height: 900 }, { width: 700, height: 900 }, { width: 1600, height: 500 }]) {
      await page.setViewportSize(viewport);
      // A string, not a function: tsx would wrap a nested named function in a helper the page does not have.
      const geometry = await page.evaluate(`(() => {
        const r = (sel) => { const b = document.querySelector(sel).getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; };
        return { image: r('#ab .ab-image'), overlay: r('#ab .ab-overlay'), box: r('#ab .ab-box.a[data-det-index="1"]') };
      })()`) as { image: number[]; overlay: number[]; box: number[] };
      geometry.image.forEach((v, i) => assert.ok(Math.abs(v - geometry.overlay[i]) < 0.5, `${JSON.stringify(viewport)}: image ${geometry.image} vs overlay ${geometry.overlay}`));
      const scale = geometry.image[2] / 1000;
      assert.ok(Math.abs(geometry.image[3] - geometry.image[2]) < 0.5, 'the stage keeps the image aspect ratio');
      // Box [200, 0, 300, 100] in image pixels lands at the image's origin + 200·scale (stroke width aside).
      assert.ok(Math.abs(geometry.box[0] - (geometry.image[0] + 200 * scale)) < 3, `${JSON.stringify(viewport)}: box x ${geometry.box[0]} vs ${geometry.image[0] + 200 * scale}`);
      assert.ok(Math.abs(geometry.box[2] - 100 * scale) < 5, `box width ${geometry.box[2]} vs ${100 * scale}`);
    }
    // Another box of B, chosen by keyboard (boxes are focusable), becomes B's side of the distributions.
    await page.locator('#ab .ab-box.b[data-det-index="1"]').focus();
    await page.keyboard.press('Enter');
    assert.match(await page.locator('#ab .ab-dist-head').textContent() ?? '', /B: person 0\.850/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    close();
  }
});
