// GFL Lens: Run GFL on COCO Dataset — an instances JSON; the images folder is guessed or asked for.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { cocoImageItems, guessImagesDir } from '../io/imageSources.ts';
import { loadGroundTruth as loadDataset } from '../io/runAnalysis.ts';
import { datasetName } from '../state/runModel.ts';
import { runDataset } from './datasetRun.ts';
import { reportError, targetUri, type CommandContext } from './commandContext.ts';

/** The images folder of an annotations file: guessed from the layout, else asked for with a folder dialog. */
export async function askImagesDir(annotations: string, firstFileName: string | undefined): Promise<string | undefined> {
  const guessed = guessImagesDir(annotations, firstFileName);
  if (guessed) return guessed;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as Images Folder',
    title: `Images folder of ${path.basename(annotations)}${firstFileName ? ` (it should contain ${firstFileName})` : ''}`,
    defaultUri: vscode.Uri.file(path.dirname(annotations)),
  });
  const dir = picked?.[0]?.fsPath;
  if (dir && firstFileName && !fs.existsSync(path.join(dir, firstFileName))) {
    void vscode.window.showWarningMessage(`GFL Lens: ${firstFileName} is not in ${dir}; images that are missing will be reported as errors.`);
  }
  return dir;
}

export function registerRunOnCocoDataset(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.RunOnCocoDataset, async (arg?: unknown) => {
    let annotations = targetUri(arg)?.fsPath;
    if (!annotations || !annotations.toLowerCase().endsWith('.json')) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Run GFL on COCO Dataset', filters: { 'COCO instances': ['json'] } });
      if (!picked?.length) return;
      annotations = picked[0].fsPath;
    }
    try {
      const dataset = await loadDataset(annotations);
      if (dataset.images.length === 0) throw new Error(`${annotations}: the dataset has no images`);
      const imagesDir = await askImagesDir(annotations, dataset.images[0]?.file_name);
      if (!imagesDir) return;
      const { items, rejected } = cocoImageItems(dataset, imagesDir);
      for (const warning of dataset.warnings) ctx.log.warn(`${path.basename(annotations)}: ${warning}`);
      const name = datasetName(path.resolve(annotations));
      await runDataset(ctx, {
        title: `Run GFL on ${name} (${items.length} images)`,
        name,
        items, rejected, dataset,
        // An image_info file (no annotations) is no ground truth: the run records none, as the CLI's does.
        reference: { annotations: dataset.imageInfoOnly ? undefined : path.resolve(annotations), imagesDir: path.resolve(imagesDir) },
      });
    } catch (error) {
      reportError(ctx, 'Run GFL on COCO Dataset', error);
    }
  });
}
