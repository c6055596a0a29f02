// GFL Lens: Select Model — workspace .onnx files, the built-in demo model, or any file; writes gflLens.model
// (workspace-relative when the file is in the workspace), then loads the model at once and says what it found:
// head layout, profile, distributions and classes — or why it cannot run.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId, CONFIGURATION_SECTION } from '../contributionIds.ts';
import type { HeadDescription, ModelProfile } from '../core/types.ts';
import { demoModelPath, resolveSettingPath, settingPathValue } from '../state/detectorSettings.ts';
import { readSettings } from '../state/modelService.ts';
import { reportError, type CommandContext } from './commandContext.ts';

const LAYOUT_NAMES: Record<HeadDescription['layout'], string> = {
  'per-level': 'GFL head, one score and one DFL output per level',
  concatenated: 'GFL head, levels concatenated in one output',
  nchw: 'GFL head, NCHW feature maps per level',
  integrated: 'GFL head with DFL integrated in the graph (no distributions)',
  ultralytics: 'Ultralytics YOLO head',
};

/** What Select Model reports about a loaded model: layout, distributions, profile, classes. */
export function describeModel(fileName: string, head: HeadDescription, profile: Pick<ModelProfile, 'classNames'>): string {
  const names = profile.classNames;
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length - 8} more)` : '');
  const distributions = head.hasDistributions ? `per-edge DFL distributions (reg_max ${head.regMax})` : 'no distributions (edge statistics unavailable)';
  const profileNote = head.notes.find((n) => n.startsWith('profile: '))?.slice('profile: '.length) ?? 'profile guessed from the head';
  return `${fileName}: ${LAYOUT_NAMES[head.layout]}, strides ${head.strides.join('/')}, ${distributions}; profile ${profileNote}; ${names.length} classes: ${shown}.`;
}

interface ModelPick extends vscode.QuickPickItem {
  value: string | 'browse';
}

export function registerSelectModel(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.SelectModel, async () => {
    const current = readSettings().model;
    const workspaceFolder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
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
        picked: current === uri.fsPath || current === settingPathValue(uri.fsPath, workspaceFolder),
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
    const target = workspaceFolder ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    // Workspace settings keep a workspace-relative path (user settings an absolute one).
    const stored = value && target === vscode.ConfigurationTarget.Workspace ? settingPathValue(value, workspaceFolder) : value;
    await vscode.workspace.getConfiguration(CONFIGURATION_SECTION).update('model', stored, target);
    ctx.log.info(`model set to ${stored || 'the built-in demo model'}${stored !== value ? ` (${resolveSettingPath(stored, { workspaceFolder }, 'gflLens.model')})` : ''}`);
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage('GFL Lens: model selected. It is loaded and checked when the workspace is trusted (Restricted Mode runs no models).');
      return;
    }
    // Validate now, not at the first run: load the model and say what was found (or what is wrong).
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `GFL Lens: checking ${value ? path.basename(value) : 'the demo model'}…` }, async () => {
      try {
        const detector = await ctx.models.get();
        const summary = describeModel(detector.identity.fileName, detector.head, detector.profile);
        ctx.log.info(`Select Model: ${summary}`);
        void vscode.window.showInformationMessage(`GFL Lens: ${summary}`);
      } catch (error) {
        reportError(ctx, `Select Model (${value ? path.basename(value) : 'demo model'} was selected but cannot run)`, error);
      }
    });
  });
}
