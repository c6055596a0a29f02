// Shared by the strict-CSP page tests and the webview benchmark: a webview page as VS Code would serve it (the real
// policy from extension/webviews/csp.ts, with a stand-in acquireVsCodeApi), a server for it, and synthetic
// calibration columns.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { CalibrationData, CalibrationPoints } from '../../../extension/protocol/messages.ts';
import { renderPage } from '../../../extension/webviews/csp.ts';

export type WebviewName = 'inspector' | 'calibration' | 'ambiguity' | 'evaluation' | 'compare';

/**
 * The view's page served from `origin` (the repository at its root), under its real policy. The stand-in for
 * acquireVsCodeApi carries the nonce, so the policy lets it run; it records posted messages (window.__posted) and
 * state (window.__state).
 */
export function webviewPage(origin: string, view: WebviewName, nonce: string): string {
  const plotly = view === 'calibration' || view === 'evaluation' || view === 'compare';
  const html = renderPage({
    title: view, rootId: view, cspSource: origin, nonce,
    scriptUris: [...(plotly ? [`${origin}/dist/webview/plotly-partial.js`] : []), `${origin}/dist/webview/${view}.js`],
    styleUris: [...(plotly ? [`${origin}/dist/webview/plotly.css`] : []), `${origin}/media/webview.css`, `${origin}/media/${view}.css`],
  });
  const fakeApi = `<script nonce="${nonce}">window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>undefined,setState:(s)=>{window.__state=s;}});</script>`;
  return html.replace('<script type="application/json"', `${fakeApi}\n    <script type="application/json"`);
}

/**
 * A local server for webview pages: `pages` by URL path (HTML, or [content type, body]; read at each request, so
 * pages can be added once the origin is known), everything else from the repository's files.
 */
export async function serveWebviewPages(repo: string, pages: Map<string, string | [string, string]>): Promise<{ origin: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const page = pages.get(url);
    if (page !== undefined) {
      const [type, body] = typeof page === 'string' ? ['text/html', page] : page;
      return void res.writeHead(200, { 'content-type': type }).end(body);
    }
    if (url === '/favicon.ico') return void res.writeHead(204).end(); // the browser asks for it on its own
    const file = path.join(repo, url);
    if (!file.startsWith(repo + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': url.endsWith('.js') ? 'text/javascript' : url.endsWith('.css') ? 'text/css' : 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

/** `n` detections of `classes` classes whose IoU follows the score with noise (a seeded LCG: reproducible). */
export function syntheticCalibration(n: number, { seed, classes, perImage }: { seed: number; classes: number; perImage: number }): CalibrationData {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const points: CalibrationPoints = {
    count: n, score: new Float64Array(n), iou: new Float64Array(n), tp: new Uint8Array(n), classIndex: new Uint16Array(n), level: new Uint8Array(n),
    size: new Uint8Array(n), categoryId: new Int32Array(n), laTarget: new Float64Array(n), laIgnored: new Uint8Array(n), dTarget: new Float64Array(n),
    dIgnored: new Uint8Array(n), imageIndex: new Int32Array(n), detIndex: new Int32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const score = random();
    const iou = Math.min(1, Math.max(0, score * 0.8 + (random() - 0.5) * 0.5));
    points.score[i] = score;
    points.iou[i] = iou;
    points.tp[i] = iou >= 0.5 ? 1 : 0;
    points.classIndex[i] = i % classes;
    points.level[i] = i % 3;
    points.size[i] = (i >> 2) % 3;
    points.categoryId[i] = (i % classes) + 1;
    points.laTarget[i] = iou;
    points.dTarget[i] = points.tp[i];
    points.imageIndex[i] = Math.floor(i / perImage);
    points.detIndex[i] = i % perImage;
  }
  const ids = Array.from({ length: classes }, (_, c) => c + 1);
  return {
    runLabel: 'synthetic', runPath: '/synthetic', classNames: ids.map((id) => String.fromCharCode(96 + id)), strides: [8, 16, 32],
    categoriesWithGroundTruth: ids, categoryClass: ids.map((id) => [id, id - 1] as [number, number]), points, partial: false,
  };
}
