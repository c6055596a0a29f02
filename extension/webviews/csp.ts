// Content Security Policy and page skeleton of every GFL Lens webview, pure (no vscode) so it can be tested.
// Policy: nothing by default; images only from the webview resource origin (asWebviewUri), data: and blob:;
// scripts only with the page's nonce; styles from the resource origin plus the nonce. No remote content.
// The calibration view relaxes two things, because plotly's WebGL scatter requires them:
//   • script-src 'unsafe-eval': regl (plotly's WebGL layer) compiles its shader glue with Function(...).
//   • style-src 'unsafe-inline' (instead of the nonce): plotly injects <style> rules and style attributes at
//     runtime. A nonce in style-src would disable 'unsafe-inline', so that view carries no style nonce.
// Scripts are never allowed 'unsafe-inline'.

export interface CspOptions {
  cspSource: string;
  nonce: string;
  allowEval?: boolean;
  inlineStyles?: boolean;
}

export function buildCsp(o: CspOptions): string {
  const script = [`'nonce-${o.nonce}'`, ...(o.allowEval ? [`'unsafe-eval'`] : [])].join(' ');
  const style = [o.cspSource, o.inlineStyles ? `'unsafe-inline'` : `'nonce-${o.nonce}'`].join(' ');
  return [
    `default-src 'none'`,
    `img-src ${o.cspSource} data: blob:`,
    `font-src ${o.cspSource}`,
    `script-src ${script}`,
    `style-src ${style}`,
    `worker-src blob:`,
  ].join('; ') + ';';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Escapes a double-quoted attribute value; single quotes (CSP keywords) stay readable. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]);
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

/** Escapes JSON for a <script type="application/json"> block: no "<", so "</script>" cannot appear. */
export function jsonForScriptTag(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
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
    <script type="application/json" id="initial-state" nonce="${escapeHtml(o.nonce)}">${jsonForScriptTag(o.initialState)}</script>
    ${scripts}
  </body>
</html>`;
}
