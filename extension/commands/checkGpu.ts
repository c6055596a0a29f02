// GFL Lens: Check GPU — tries every execution provider on the selected model (in a worker thread) and opens the
// report: bundled backends, what initialises and with which error, speed per provider, OS/driver hints.
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { checkGpu, formatGpuCheck } from '../inference/gpuCheck.ts';
import { withProbeWorker } from '../inference/workerModel.ts';
import { readSettings, requireTrust, settingsEnvironment } from '../state/modelService.ts';
import { resolveModelPath } from '../state/detectorSettings.ts';
import { reportError, type CommandContext } from './commandContext.ts';

export function registerCheckGpu(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.CheckGpu, async () => {
    if (!requireTrust('Checking the GPU on the selected model')) return;
    try {
      const { path: modelPath } = resolveModelPath(readSettings(), settingsEnvironment(ctx.extension.extensionUri.fsPath));
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'GFL Lens: trying each execution provider on the model…' },
        () => withProbeWorker((probe) => checkGpu(modelPath, { probe })),
      );
      const text = formatGpuCheck(report);
      ctx.log.info(`GPU check:\n${text}`);
      const document = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
      await vscode.window.showTextDocument(document, { preview: true });
    } catch (error) {
      reportError(ctx, 'Check GPU', error);
    }
  });
}
