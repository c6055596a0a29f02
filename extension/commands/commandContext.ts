// What every command gets: the session, the model service, the log and the panel dependencies.
import path from 'node:path';
import * as vscode from 'vscode';
import type { ModelService } from '../state/modelService.ts';
import type { RunSession } from '../state/session.ts';
import type { PanelDependencies } from '../webviews/viewPanel.ts';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  session: RunSession;
  models: ModelService;
  log: vscode.LogOutputChannel;
  panels: PanelDependencies;
}

/** Runs are kept in the workspace (".gfl-lens/runs") or, without a workspace, in the extension's global storage. */
export function runsDirectory(extension: vscode.ExtensionContext): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, '.gfl-lens', 'runs') : path.join(extension.globalStorageUri.fsPath, 'runs');
}

/** "<name>-<UTC timestamp>.gflrun": sortable, never overwrites an earlier run. */
export function runFileName(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'run';
  return `${safe}-${stamp}.gflrun`;
}

/** Shows an error to the user and logs it; commands never throw into VS Code. */
export function reportError(ctx: Pick<CommandContext, 'log'>, action: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  ctx.log.error(`${action}: ${message}`);
  void vscode.window.showErrorMessage(`GFL Lens: ${action} failed: ${message}`, 'Show Log').then((choice) => {
    if (choice) ctx.log.show(true);
  });
}

/** The file a command was invoked on: explorer/editor argument, else the active editor's file. */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (active && typeof active === 'object' && 'uri' in active && (active as { uri: unknown }).uri instanceof vscode.Uri) return (active as { uri: vscode.Uri }).uri;
  return undefined;
}
