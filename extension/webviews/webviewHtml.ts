// The one place webview HTML is made: CSP with a fresh nonce, script and style URIs through asWebviewUri, and
// the panel options (scripts on, resource roots limited to the extension's bundles/media and the image folders).
import crypto from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { WebviewPanelType } from '../contributionIds.ts';
import { makeNonce, renderPage } from './csp.ts';

export type ViewName = 'inspector' | 'calibration' | 'ambiguity' | 'evaluation' | 'compare';

export const VIEW_TYPES: Record<ViewName, WebviewPanelType> = {
  inspector: WebviewPanelType.Inspector,
  calibration: WebviewPanelType.Calibration,
  ambiguity: WebviewPanelType.Ambiguity,
  evaluation: WebviewPanelType.Evaluation,
  compare: WebviewPanelType.Compare,
};

const TITLES: Record<ViewName, string> = {
  inspector: 'GFL Inspector',
  calibration: 'GFL Calibration',
  ambiguity: 'GFL Ambiguity',
  evaluation: 'GFL Evaluation',
  compare: 'GFL Compare',
};

export function viewTitle(view: ViewName): string {
  return TITLES[view];
}

/** Resource roots: the built bundles, media, and the folders the run's images live in. */
export function webviewOptions(extensionUri: vscode.Uri, imageFolders: readonly string[]): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  const unique = [...new Set(imageFolders.map((f) => path.resolve(f)))];
  return {
    enableScripts: true,
    enableFindWidget: false,
    retainContextWhenHidden: false,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
      ...unique.map((f) => vscode.Uri.file(f)),
    ],
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: ViewName, initialState?: unknown): string {
  const asUri = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...segments)).toString();
  // The calibration view draws with plotly's strict build and plotly's stylesheet as a file: see csp.ts.
  const plotly = view === 'calibration' || view === 'evaluation' || view === 'compare';
  return renderPage({
    title: TITLES[view],
    rootId: view,
    cspSource: webview.cspSource,
    nonce: makeNonce((n) => crypto.randomBytes(n)),
    // The calibration view uses the shared partial plotly bundle (window.Plotly), also inlined into HTML reports.
    scriptUris: [...(plotly ? [asUri('dist', 'webview', 'plotly-partial.js')] : []), asUri('dist', 'webview', `${view}.js`)],
    styleUris: [...(plotly ? [asUri('dist', 'webview', 'plotly.css')] : []), asUri('media', 'webview.css'), asUri('media', `${view}.css`)],
    initialState,
  });
}
