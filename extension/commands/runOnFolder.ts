// GFL Lens: Run GFL on Folder — every image directly inside a folder.
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { listFolderImages } from '../io/imageSources.ts';
import { runDataset } from './datasetRun.ts';
import { reportError, type CommandContext } from './commandContext.ts';

export function registerRunOnFolder(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.RunOnFolder, async (arg?: unknown) => {
    let folder = arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Run GFL on Folder' });
      if (!picked?.length) return;
      folder = picked[0].fsPath;
    }
    let items;
    try {
      items = await listFolderImages(folder);
    } catch (error) {
      reportError(ctx, 'Run GFL on Folder', error);
      return;
    }
    await runDataset(ctx, {
      title: `Run GFL on ${path.basename(folder)} (${items.length} images)`,
      name: path.basename(folder),
      items,
      reference: { imagesDir: folder },
    });
  });
}
