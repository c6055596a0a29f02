// The model the commands run: settings → detector, created on first use and kept until the settings change.
// Also owns the status bar item ("$(eye) GFL: model · provider", click → Select Model).
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId, CONFIGURATION_SECTION } from '../contributionIds.ts';
import { operatingThresholdOrDefault } from '../core/operatingPoint.ts';
import { Detector, readProfileText } from '../inference/detector.ts';
import { DEFAULT_SETTINGS, detectorKey, detectorOptionsFromSettings, resolveModelPath, type GflLensSettings, type SettingsEnvironment } from './detectorSettings.ts';

/** A setting's value where the user set it (folder, workspace or user settings), else undefined. */
function explicitSetting<T>(c: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const i = c.inspect<T>(key);
  return i ? (i.workspaceFolderValue ?? i.workspaceValue ?? i.globalValue) : undefined;
}

export function readSettings(): GflLensSettings {
  const c = vscode.workspace.getConfiguration(CONFIGURATION_SECTION);
  return {
    model: c.get<string>('model', DEFAULT_SETTINGS.model),
    profile: c.get<string>('profile', DEFAULT_SETTINGS.profile),
    executionProviders: c.get<string[]>('executionProviders', [...DEFAULT_SETTINGS.executionProviders]),
    threads: c.get<number>('threads', DEFAULT_SETTINGS.threads),
    // Only what the user set: unset decode settings keep the model's decode preset (GFL or Ultralytics).
    scoreThreshold: explicitSetting<number>(c, 'scoreThreshold'),
    nmsIoU: explicitSetting<number>(c, 'nmsIoU'),
    maxDetections: explicitSetting<number>(c, 'maxDetections'),
    operatingThreshold: operatingThresholdOrDefault(c.get<number>('operatingThreshold', DEFAULT_SETTINGS.operatingThreshold)),
  };
}

export function settingsEnvironment(extensionPath: string): SettingsEnvironment {
  return {
    extensionPath,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    readFile: (file) => fs.readFileSync(file, 'utf8'),
    exists: (file) => fs.existsSync(file),
    parseProfile: readProfileText,
  };
}

/** Running a model executes code paths over user files; VS Code's restricted mode forbids it. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(
    `GFL Lens: ${action} is disabled in Restricted Mode: running a model reads and executes workspace-provided files (ONNX graphs, profiles). Trust this workspace to run models; loading saved runs and results still works.`,
    'Manage Workspace Trust',
  ).then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

export class ModelService implements vscode.Disposable {
  private detector: { key: string; promise: Promise<Detector> } | undefined;
  /** Runs holding a detector, and detectors replaced by new settings while held (disposed on last release). */
  private readonly holds = new Map<Detector, number>();
  private readonly retired = new Set<Detector>();
  private readonly statusItem: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionPath: string, private readonly log: vscode.LogOutputChannel) {
    this.statusItem = vscode.window.createStatusBarItem('gflLens.model', vscode.StatusBarAlignment.Left, 50);
    this.statusItem.name = 'GFL Lens Model';
    this.statusItem.command = CommandId.SelectModel;
    this.disposables.push(this.statusItem, vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(CONFIGURATION_SECTION)) {
        void this.reset();
        this.updateStatus();
      }
    }));
    this.updateStatus();
    this.statusItem.show();
  }

  /** The detector for the current settings (created once, reused). Throws with a message fit for the user. */
  async get(): Promise<Detector> {
    const options = detectorOptionsFromSettings(readSettings(), settingsEnvironment(this.extensionPath));
    const key = detectorKey(options);
    if (this.detector?.key !== key) {
      await this.reset();
      this.log.info(`loading model ${options.modelPath}${options.preset ? ` (preset ${options.preset})` : ''}`);
      const promise = Detector.create(options);
      this.detector = { key, promise };
      promise.then((d) => {
        this.log.info(`model ${d.identity.fileName}: provider ${d.provider.decision ?? d.provider.active}; ${d.head.notes.join('; ')}`);
        for (const f of d.provider.fallbacks) this.log.info(`  provider ${f.provider} not used: ${f.reason}`);
        this.updateStatus(d);
      }, (error: Error) => {
        this.log.error(`model load failed: ${error.message}`);
        if (this.detector?.promise === promise) this.detector = undefined;
        this.updateStatus(undefined, error.message);
      });
    }
    return this.detector.promise;
  }

  /**
   * The detector for a run: disposal is deferred while a run holds it, so changing the settings mid-run cannot
   * pull the model out from under the run. Call release() when done.
   */
  async acquire(): Promise<{ detector: Detector; release(): void }> {
    const detector = await this.get();
    this.holds.set(detector, (this.holds.get(detector) ?? 0) + 1);
    let released = false;
    return {
      detector,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.holds.get(detector) ?? 1) - 1;
        if (left > 0) this.holds.set(detector, left);
        else {
          this.holds.delete(detector);
          if (this.retired.delete(detector)) void detector.dispose();
        }
      },
    };
  }

  private async reset(): Promise<void> {
    const previous = this.detector;
    this.detector = undefined;
    if (!previous) return;
    const detector = await previous.promise.catch(() => undefined);
    if (!detector) return;
    if (this.holds.has(detector)) this.retired.add(detector);
    else await detector.dispose();
  }

  private updateStatus(detector?: Detector, error?: string): void {
    let name: string;
    try {
      const { path: file, isDemo } = resolveModelPath(readSettings(), settingsEnvironment(this.extensionPath));
      name = isDemo ? 'demo model' : path.basename(file);
    } catch {
      name = readSettings().model ? path.basename(readSettings().model) : 'no model';
    }
    const provider = detector ? ` · ${detector.provider.active}` : '';
    this.statusItem.text = `$(eye) GFL: ${name}${provider}`;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendText(`GFL Lens model: ${name}\n`);
    tip.appendText(detector ? `Execution provider: ${detector.provider.decision ?? detector.provider.active}\n` : 'Loaded on first run\n');
    for (const f of detector?.provider.fallbacks ?? []) tip.appendText(`  ${f.provider} not used: ${f.reason}\n`);
    if (error) tip.appendText(`Last error: ${error}\n`);
    tip.appendText('Click to select a model.');
    this.statusItem.tooltip = tip;
    this.statusItem.backgroundColor = error ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    void this.reset();
    for (const d of this.disposables) d.dispose();
  }
}
