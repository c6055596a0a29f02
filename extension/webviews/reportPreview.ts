// Export Report → Open on an HTML report: the rendered page in a webview panel (works in VS Code and in a browser
// editor such as code-server, where no local browser can open a server-side file). The page is our own export: its
// Content-Security-Policy already forbids every fetch and admits only its own scripts and styles by hash, so it is
// shown as it is, with no local resource access. Anything without that policy is not rendered.
import path from 'node:path';
import * as vscode from 'vscode';
import { REPORT_PREVIEW_VIEW_TYPE } from '../contributionIds.ts';

/** Whether an HTML text carries the export's strict policy (no network, no inline code but its own by hash). */
export function hasStrictReportPolicy(html: string): boolean {
  const policy = html.slice(0, 4096).match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1];
  if (policy === undefined || !/^default-src 'none';/.test(policy) || /'unsafe-(inline|eval)'/.test(policy)) return false;
  const scripts = policy.match(/script-src ([^;]*)/)?.[1].trim().split(/\s+/) ?? [];
  return scripts.every((source) => /^'sha256-[A-Za-z0-9+/=]+'$/.test(source));
}

/** Shows an exported HTML report rendered; returns false (nothing shown) when the file is not such a report. */
export function showReportPreview(file: string, html: string): boolean {
  if (!hasStrictReportPolicy(html)) return false;
  const panel = vscode.window.createWebviewPanel(REPORT_PREVIEW_VIEW_TYPE, `Report: ${path.basename(file)}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
    enableScripts: true, enableFindWidget: true, localResourceRoots: [],
  });
  panel.webview.html = html;
  return true;
}
