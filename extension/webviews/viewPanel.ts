// Shared life cycle of the three GFL Lens panels: HTML, validated messages in, run changes out, disposal.
import * as vscode from 'vscode';
import { HostMessageType, parseWebviewMessage, WebviewMessageType, type DetectionRef, type HostToWebview, type WebviewToHost } from '../protocol/messages.ts';
import { imagePath } from '../state/runLoader.ts';
import type { RunSession, SessionSnapshot } from '../state/session.ts';
import { imageResourceRoot } from './resourceRoots.ts';
import { viewTitle, VIEW_TYPES, webviewHtml, webviewOptions, type ViewName } from './webviewHtml.ts';

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  session: RunSession;
  log: vscode.LogOutputChannel;
  /** Opens (or reveals) the inspector on a detection; `beside`: a new inspector opens next to the calling view. */
  openInspector(ref: DetectionRef, beside?: boolean): void;
  /** Reveals, expands and selects a failure group (e.g. "Loc") in the Failures tree. */
  revealFailureGroup?(group: string): void;
}

export abstract class ViewPanel implements vscode.Disposable {
  protected readonly disposables: vscode.Disposable[] = [];
  private imageFolders = new Set<string>();
  private disposed = false;
  private readonly onDisposeCallbacks: (() => void)[] = [];

  protected constructor(readonly view: ViewName, readonly panel: vscode.WebviewPanel, protected readonly deps: PanelDependencies, initialState?: unknown) {
    panel.webview.options = webviewOptions(deps.extensionUri, []);
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, view, initialState);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'gfl-lens.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => {
        const message = parseWebviewMessage(raw);
        if (!message) {
          deps.log.warn(`${view}: dropped malformed webview message`);
          return;
        }
        this.handleMessage(message);
      }),
      deps.session.onDidChange((snapshot) => this.onRunChanged(snapshot)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  protected static createPanel(view: ViewName, column = vscode.ViewColumn.Active, preserveFocus = false): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(VIEW_TYPES[view], viewTitle(view), { viewColumn: column, preserveFocus }, { enableScripts: true });
  }

  onDidDispose(callback: () => void): void {
    this.onDisposeCallbacks.push(callback);
  }

  protected post(message: HostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private handleMessage(message: WebviewToHost): void {
    switch (message.type) {
      case WebviewMessageType.Ready:
        this.sendAll();
        break;
      case WebviewMessageType.OpenDetection:
        this.deps.openInspector(message.ref, this.opensInspectorBeside);
        break;
      case WebviewMessageType.Log:
        if (message.level === 'error') this.deps.log.error(`${this.view} webview: ${message.message}`);
        else this.deps.log.info(`${this.view} webview: ${message.message}`);
        break;
      default:
        this.onMessage(message);
    }
  }

  /** Webview URI of a run image, widening the resource roots to its folder when needed. */
  protected imageUri(imageIndex: number): string | null {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot) return null;
    const recorded = imagePath(snapshot.run, imageIndex);
    if (!recorded) return null;
    // The resource roots grow by the run's images folder, or by the one image file when the run has no folder; never
    // by a folder a run record merely names (see resourceRoots.ts).
    const allowed = imageResourceRoot(recorded, snapshot.run.imagesDir);
    if ('problem' in allowed) {
      this.deps.log.error(`${this.view}: image ${recorded} not shown: ${allowed.problem}`);
      return null;
    }
    const { file, root: folder } = allowed;
    if (!this.imageFolders.has(folder)) {
      this.imageFolders.add(folder);
      this.panel.webview.options = webviewOptions(this.deps.extensionUri, [...this.imageFolders]);
    }
    return this.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString();
  }

  protected sendNoRun(): void {
    this.post({ type: HostMessageType.NoRun, message: 'No run loaded. Run GFL on an image, a folder or a COCO dataset, or load a results file.' });
  }

  /** A view whose clicks lead to the inspector while it stays in use (lists, tables) opens it beside itself. */
  protected readonly opensInspectorBeside: boolean = false;

  /** Sends everything the view needs (after "ready" and after a run change). */
  protected abstract sendAll(): void;
  protected onMessage(_message: WebviewToHost): void {}
  protected onRunChanged(_snapshot: SessionSnapshot | undefined): void {
    this.sendAll();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const callback of this.onDisposeCallbacks) callback();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
