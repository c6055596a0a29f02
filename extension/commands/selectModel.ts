// GFL Lens: Select Model — workspace .onnx files, the built-in demo model, or any file; writes gflLens.model.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId, CONFIGURATION_SECTION } from '../contributionIds.ts';
import { demoModelPath } from '../state/detectorSettings.ts';
import { readSettings } from '../state/modelService.ts';
import type { CommandContext } from './commandContext.ts';

interface ModelPick extends vscode.QuickPickItem {
  value: string | 'browse';
}

export function registerSelectModel(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.SelectModel, async () => {
    const current = readSettings().model;
    const found = await vscode.workspace.findFiles('**/*.onnx', '**/{node_modules,.git}/**', 200);
    const demo = demoModelPath(ctx.extension.extensionUri.fsPath);
    const demoExists = fs.existsSync(demo);
    const items: ModelPick[] = [
      {
        label: '$(beaker) Built-in demo model', value: '',
        description: demoExists ? 'gfl-demo.onnx' : 'not in this build',
        detail: demoExists ? 'Small GFL model trained on the procedural demo shapes' : 'media/demo/gfl-demo.onnx is missing: pick a workspace model instead',
        picked: current === '',
      },
      ...found.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((uri): ModelPick => ({
        label: `$(file-binary) ${path.basename(uri.fsPath)}`,
        description: vscode.workspace.asRelativePath(uri),
        value: uri.fsPath,
        picked: current === uri.fsPath,
      })),
      { label: '$(folder-opened) Browse…', value: 'browse', description: 'any .onnx file' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'GFL Lens: Select Model', placeHolder: current ? `current: ${current}` : 'current: built-in demo model', matchOnDescription: true });
    if (!pick) return;
    let value = pick.value;
    if (value === 'browse') {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Select Model', filters: { 'ONNX models': ['onnx'] } });
      if (!picked?.length) return;
      value = picked[0].fsPath;
    }
    if (value === '' && !demoExists) {
      void vscode.window.showWarningMessage('GFL Lens: the built-in demo model is not in this build (media/demo/gfl-demo.onnx). Pick an .onnx model file.');
      return;
    }
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(CONFIGURATION_SECTION).update('model', value, target);
    ctx.log.info(`model set to ${value || 'the built-in demo model'}`);
  });
}
