// GFL Lens: Load Results File — a saved run (RUN.gflrun folder, or a version-1 file), or a COCO results JSON (with
// its instances file). No model needed.
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId, SHOW_VIEW_CONTAINER_COMMAND } from '../contributionIds.ts';
import { loadGroundTruth } from '../io/runAnalysis.ts';
import { isRunFile, looksLikeResultsList } from '../state/runLoader.ts';
import { askImagesDir } from './runOnCocoDataset.ts';
import { reportError, targetUri, type CommandContext } from './commandContext.ts';

export function registerLoadResults(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.LoadResults, async (arg?: unknown) => {
    let file = targetUri(arg)?.fsPath;
    if (!file || !(isRunFile(file) || file.toLowerCase().endsWith('.json'))) {
      // A run is a folder (RUN.gflrun/), a COCO results list a file: VS Code's dialogs pick one kind at a time.
      const kind = await vscode.window.showQuickPick([
        { label: 'GFL Lens run', description: 'a RUN.gflrun folder (or an interrupted RUN.gflrun.partial)', folder: true },
        { label: 'COCO results JSON', description: 'or a version-1 .gflrun file', folder: false },
      ], { title: 'GFL Lens: Load Results', placeHolder: 'What to load' });
      if (!kind) return;
      const picked = await vscode.window.showOpenDialog(kind.folder
        ? { canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Load Run' }
        : { canSelectMany: false, openLabel: 'Load Results', filters: { 'COCO results and version-1 runs': ['json', 'gflrun'] } });
      if (!picked?.length) return;
      file = picked[0].fsPath;
    }
    try {
      if (isRunFile(file)) {
        await ctx.session.open({ kind: 'run', path: file });
      } else {
        if (!(await looksLikeResultsList(file))) {
          throw new Error(`${path.basename(file)} is not a COCO results list (it does not start with "["). For an instances (ground truth) file use "GFL Lens: Run GFL on COCO Dataset".`);
        }
        const gt = await vscode.window.showOpenDialog({
          canSelectMany: false, openLabel: 'Use as Ground Truth', title: `COCO instances JSON (ground truth) for ${path.basename(file)}`,
          filters: { 'COCO instances': ['json'] }, defaultUri: vscode.Uri.file(path.dirname(file)),
        });
        if (!gt?.length) return;
        const annotations = gt[0].fsPath;
        const dataset = await loadGroundTruth(annotations);
        const imagesDir = (await askImagesDir(annotations, dataset.images[0]?.file_name)) ?? null;
        await ctx.session.open({ kind: 'results', path: file, annotations, imagesDir });
      }
      void vscode.commands.executeCommand(SHOW_VIEW_CONTAINER_COMMAND);
    } catch (error) {
      reportError(ctx, 'Load Results File', error);
    }
  });
}
