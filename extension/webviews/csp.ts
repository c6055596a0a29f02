// Content Security Policy and page skeleton of every GFL Lens webview, pure (no vscode) so it can be tested.
// Policy, the same for every view: nothing by default; images only from the webview resource origin
// (asWebviewUri), data: and blob:; scripts only with the page's nonce; styles from the resource origin plus the nonce (lit's <style> elements). No
// 'unsafe-eval' and no 'unsafe-inline' anywhere: the calibration view uses plotly's strict (CSP-safe) scattergl,
// whose WebGL shader glue is precompiled instead of built with Function(...), and plotly's own stylesheet is a
// file (dist/webview/plotly.css) instead of the <style> rules plotly would inject (see webview/plotly/). The two
// style attributes plotly sets are admitted by exact hash ('unsafe-hashes', core/report/cspHashes.ts).
import crypto from 'node:crypto';
import { plotlyStyleAttributeSources } from '../core/report/cspHashes.ts';
import { escapeAttribute, escapeHtml, jsonForScript } from '../core/report/escape.ts';

export interface CspOptions {
  cspSource: string;
  nonce: string;
}

function sha256Base64(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('base64');
}

export function buildCsp(o: CspOptions): string {
  return [
    `default-src 'none'`,
    `img-src ${o.cspSource} data: blob:`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}' ${plotlyStyleAttributeSources(sha256Base64)}`,
    `worker-src blob:`,
  ].join('; ') + ';';
}

/** 32 characters of base64 from 24 random bytes: unguessable per page load. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(24)).toString('base64');
}

export interface PageOptions extends CspOptions {
  title: string;
  /** id of the root element the script renders into (e.g. "inspector"). */
  rootId: string;
  /** Scripts in load order (e.g. the shared plotly bundle, then the view's bundle), all with the nonce. */
  scriptUris: string[];
  styleUris: string[];
  /** Optional JSON embedded for the script (read from #initial-state), escaped so it cannot close the tag. */
  initialState?: unknown;
}


export function renderPage(o: PageOptions): string {
  const scripts = o.scriptUris.map((u) => `<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(u)}"></script>`).join('\n    ');
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(buildCsp(o))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${escapeHtml(o.title)}</title>
    ${styles}
  </head>
  <body>
    <main id="${escapeHtml(o.rootId)}" data-ready="false" aria-busy="true" tabindex="-1"><p class="placeholder">Loading…</p></main>
    <script type="application/json" id="initial-state" nonce="${escapeHtml(o.nonce)}">${jsonForScript(o.initialState)}</script>
    ${scripts}
  </body>
</html>`;
}
