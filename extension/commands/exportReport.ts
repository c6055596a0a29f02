// GFL Lens: Export Report — the shown run as HTML, Markdown, JSON, CSV or COCO results (extension/report/exportReport.ts).
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import type { ReportFormat } from '../report/exportReport.ts';
import { showReportPreview } from '../webviews/reportPreview.ts';
import { reportError, runsDirectory, type CommandContext } from './commandContext.ts';

interface FormatPick extends vscode.QuickPickItem {
  format: ReportFormat;
  extension: string;
}

const FORMATS: FormatPick[] = [
  { label: 'HTML', description: 'self-contained page with charts and crops', format: 'html', extension: 'html' },
  { label: 'Markdown', description: 'with SVG charts beside it', format: 'md', extension: 'md' },
  { label: 'JSON', description: 'machine-readable report (JSON Schema in media/schema)', format: 'json', extension: 'json' },
  { label: 'CSV', description: 'one row per detection', format: 'csv', extension: 'csv' },
  { label: 'COCO results', description: 'standard results list for other tools', format: 'coco', extension: 'json' },
  { label: 'Parquet', description: 'detection table with distributions, for pandas, polars and DuckDB', format: 'parquet', extension: 'parquet' },
];

/** Opens a written report as a reader sees it: HTML rendered, Markdown previewed, data files in the editor. */
async function openReport(file: string, format: ReportFormat, ctx: CommandContext): Promise<void> {
  const uri = vscode.Uri.file(file);
  if (format === 'html') {
    if (showReportPreview(file, await fs.promises.readFile(file, 'utf8'))) return;
    ctx.log.warn(`${file} is not a GFL Lens HTML report with its strict Content-Security-Policy: opened as source`);
  } else if (format === 'md') {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
    return;
  }
  await vscode.commands.executeCommand('vscode.open', uri);
}

export function registerExportReport(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.ExportReport, async () => {
    const run = ctx.session.snapshot?.run;
    if (!run) {
      void vscode.window.showInformationMessage('GFL Lens: no run to export. Run GFL on a dataset or load a run first.');
      return;
    }
    if (run.kind !== 'run') {
      void vscode.window.showWarningMessage('GFL Lens: reports are made from GFL Lens runs (.gflrun); a loaded COCO results file has no model or distributions to report.');
      return;
    }
    if (ctx.session.running) {
      void vscode.window.showWarningMessage('GFL Lens: the run is still in progress; export it when it has finished.');
      return;
    }
    const pick = await vscode.window.showQuickPick(FORMATS, { title: 'GFL Lens: Export Report', placeHolder: 'Report format' });
    if (!pick) return;
    const base = path.basename(run.sourcePath).replace(/\.gflrun(\.partial)?[\\/]*$/, '');
    const target = await vscode.window.showSaveDialog({
      title: 'Export GFL Lens report',
      defaultUri: vscode.Uri.file(path.join(path.dirname(run.sourcePath) || runsDirectory(ctx.extension), `${base}${pick.format === 'coco' ? '.results' : ''}.${pick.extension}`)),
      filters: { [pick.label]: [pick.extension] },
    });
    if (!target) return;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `GFL Lens: exporting ${pick.label} report`, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      try {
        // The export runs in the analysis worker, which holds the run and its analysis: the host stays responsive.
        const result = await ctx.session.exportReport(pick.format, target.fsPath,
          vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'webview', 'plotly-partial.js').fsPath,
          ({ message, fraction }) => {
            progress.report({ message, increment: Math.max(0, fraction * 100 - reported) });
            reported = Math.max(reported, fraction * 100);
          }, controller.signal);
        for (const warning of result.warnings) ctx.log.warn(`report: ${warning}`);
        ctx.log.info(`report written: ${result.files.join(', ')} (${result.bytes} bytes)`);
        const open = await vscode.window.showInformationMessage(`GFL Lens: report written to ${path.basename(result.files[0])}`, 'Open');
        if (open) await openReport(result.files[0], pick.format, ctx);
      } catch (error) {
        if (controller.signal.aborted) ctx.log.info('report export cancelled');
        else reportError(ctx, 'Export Report', error);
      } finally {
        cancel.dispose();
      }
    });
  });
}
