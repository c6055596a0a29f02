// Failures tree actions: open in inspector (item click), Copy Record as JSON, Reveal Image.
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { imagePath } from '../state/runLoader.ts';
import { failureRecord } from '../views/failureGroups.ts';
import type { FailureNode } from '../views/failuresTree.ts';
import { InspectorPanel } from '../webviews/inspectorPanel.ts';
import type { CommandContext } from './commandContext.ts';

function imageIndexOf(node: FailureNode | undefined): number | undefined {
  if (!node || node.type !== 'item') return undefined;
  return node.item.kind === 'missed' ? node.item.missed.imageIndex : node.item.row.imageIndex;
}

export function registerFailureActions(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(CommandId.OpenFailure, (node?: FailureNode) => {
      if (!node || node.type !== 'item') return;
      const { item } = node;
      InspectorPanel.show(ctx.panels, item.kind === 'missed'
        ? { imageIndex: item.missed.imageIndex, detIndex: null, gtId: item.missed.gtId }
        : { imageIndex: item.row.imageIndex, detIndex: item.row.detIndex });
    }),
    vscode.commands.registerCommand(CommandId.CopyFailureRecord, async (node?: FailureNode) => {
      const run = ctx.session.snapshot?.run;
      if (!node || node.type !== 'item' || !run) return;
      const { item } = node;
      const imageIndex = imageIndexOf(node)!;
      const className = item.kind === 'missed'
        ? run.categories?.find((c) => c.id === item.missed.categoryId)?.name ?? ''
        : run.classNames[item.row.classIndex] ?? '';
      await vscode.env.clipboard.writeText(JSON.stringify(failureRecord(item, run.table.images.file[imageIndex] ?? '', className), null, 2));
      void vscode.window.setStatusBarMessage('GFL Lens: record copied', 2000);
    }),
    vscode.commands.registerCommand(CommandId.RevealFailureImage, async (node?: FailureNode) => {
      const run = ctx.session.snapshot?.run;
      const imageIndex = imageIndexOf(node);
      if (!run || imageIndex === undefined) return;
      const file = imagePath(run, imageIndex);
      if (!file) {
        void vscode.window.showWarningMessage(`GFL Lens: ${run.table.images.file[imageIndex]} cannot be found on disk.`);
        return;
      }
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(file)).then(undefined, () =>
        vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(file)));
    }),
  ];
}
