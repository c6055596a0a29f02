// GFL Lens: Run GFL on Image — explorer context / editor title on an image (several selected images run as a set).
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { IMAGE_EXTENSIONS, isImageFile } from '../io/imageSources.ts';
import { runDataset } from './datasetRun.ts';
import { targetUri, type CommandContext } from './commandContext.ts';

export function registerRunOnImage(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.RunOnImage, async (arg?: unknown, selection?: unknown) => {
    let uris = Array.isArray(selection) ? selection.filter((u): u is vscode.Uri => u instanceof vscode.Uri && isImageFile(u.fsPath)) : [];
    if (uris.length === 0) {
      const uri = targetUri(arg);
      if (uri && isImageFile(uri.fsPath)) uris = [uri];
    }
    if (uris.length === 0) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Run GFL', filters: { Images: IMAGE_EXTENSIONS.map((e) => e.slice(1)) } });
      if (!picked?.length) return;
      uris = picked;
    }
    const files = uris.map((u) => u.fsPath);
    const dirs = new Set(files.map((f) => path.dirname(f)));
    const imagesDir = dirs.size === 1 ? [...dirs][0] : undefined;
    await runDataset(ctx, {
      title: files.length === 1 ? `Run GFL on ${path.basename(files[0])}` : `Run GFL on ${files.length} images`,
      name: files.length === 1 ? path.parse(files[0]).name : 'images',
      items: files.map((f, i) => ({ source: f, label: imagesDir ? path.basename(f) : f, imageId: i + 1 })),
      reference: { imagesDir },
      openInspector: true,
    });
  });
}
