// A recording stand-in for the `vscode` module, enough to load dist/extension.js in plain Node, call activate(),
// run commands and talk to webview panels. Dialogs answer from queues the test fills.
import Module from 'node:module';
import path from 'node:path';

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return new Uri(base.scheme, path.join(base.fsPath, ...segments));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export interface FakePanel {
  viewType: string;
  title: string;
  html: string;
  options: unknown;
  posted: unknown[];
  receive(message: unknown): void;
  dispose(): void;
}

export function createFakeVscode(options: { trusted?: boolean; workspaceFolder?: string; settings?: Record<string, unknown>; cancelAfterReports?: number } = {}) {
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const executed: { command: string; args: unknown[] }[] = [];
  const contextKeys = new Map<string, unknown>();
  const panels: FakePanel[] = [];
  const serializers = new Map<string, unknown>();
  const treeViews = new Map<string, { treeDataProvider: { getChildren(n?: unknown): unknown[]; getTreeItem(n: unknown): Record<string, unknown> }; view: { description?: string; message?: string; title?: string } }>();
  const messages: { level: string; text: string; modal?: boolean; detail?: string }[] = [];
  const logLines: string[] = [];
  const openDialogAnswers: (Uri[] | undefined)[] = [];
  const quickPickAnswers: unknown[] = [];
  const inputBoxAnswers: (string | undefined)[] = [];
  /** The button the user clicks on the next information messages (undefined: dismissed). */
  const infoAnswers: (string | undefined)[] = [];
  const saveDialogAnswers: (Uri | undefined)[] = [];
  const progressReports: unknown[] = [];
  /** Untitled documents opened with workspace.openTextDocument({ content }). */
  const documents: { content?: string; language?: string }[] = [];
  const settings: Record<string, unknown> = { ...options.settings };
  const statusItems: Record<string, unknown>[] = [];
  const configChanged = new EventEmitter<{ affectsConfiguration(s: string): boolean }>();
  let clipboard = '';

  const log = (level: string) => (text: string) => logLines.push(`${level}: ${text}`);
  const vscode = {
    Uri,
    EventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ProgressLocation: { Notification: 15, Window: 10 },
    ConfigurationTarget: { Global: 1, Workspace: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ThemeColor: class { constructor(readonly id: string) {} },
    ThemeIcon: class { constructor(readonly id: string) {} },
    MarkdownString: class {
      value = '';
      constructor(v?: string) { this.value = v ?? ''; }
      appendText(t: string) { this.value += t; return this; }
    },
    TreeItem: class {
      [key: string]: unknown;
      constructor(readonly label: string, readonly collapsibleState = 0) {}
    },
    commands: {
      registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
        if (commands.has(id)) throw new Error(`command ${id} registered twice`);
        commands.set(id, fn);
        return { dispose: () => commands.delete(id) };
      },
      async executeCommand(id: string, ...args: unknown[]) {
        executed.push({ command: id, args });
        if (id === 'setContext') {
          contextKeys.set(args[0] as string, args[1]);
          return undefined;
        }
        const fn = commands.get(id);
        return fn ? fn(...args) : undefined;
      },
    },
    window: {
      createOutputChannel: (_name: string) => ({
        info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), trace: log('trace'),
        appendLine: log('line'), show: () => undefined, dispose: () => undefined,
      }),
      createStatusBarItem(id: string) {
        const item: Record<string, unknown> = { id, show() { item.visible = true; }, hide() { item.visible = false; }, dispose() {} };
        statusItems.push(item);
        return item;
      },
      createTreeView(id: string, o: { treeDataProvider: never }) {
        // The view object the extension sets description / message / title on.
        const view: { description?: string; message?: string; title?: string; dispose(): void } = { dispose() {} };
        treeViews.set(id, { ...o, view });
        return view;
      },
      registerWebviewPanelSerializer(viewType: string, serializer: unknown) {
        serializers.set(viewType, serializer);
        return { dispose() {} };
      },
      createWebviewPanel(viewType: string, title: string, _column?: unknown, createOptions?: unknown) {
        const received = new EventEmitter<unknown>();
        const disposed = new EventEmitter<void>();
        const panel: FakePanel & Record<string, unknown> = {
          viewType, title, html: '', options: createOptions, posted: [],
          receive: (m: unknown) => received.fire(m),
          dispose: () => disposed.fire(undefined),
          reveal() {},
          onDidDispose: disposed.event,
          webview: {
            cspSource: 'https://fake.vscode-cdn.net',
            asWebviewUri: (u: Uri) => `https://file+.vscode-resource.fake${u.fsPath}`,
            onDidReceiveMessage: received.event,
            postMessage: async (m: unknown) => { panel.posted.push(m); return true; },
            set html(v: string) { panel.html = v; },
            get html() { return panel.html; },
            set options(v: unknown) { panel.options = v; },
            get options() { return panel.options; },
          },
        };
        panels.push(panel);
        return panel;
      },
      async showOpenDialog() {
        return openDialogAnswers.shift();
      },
      async showSaveDialog() {
        return saveDialogAnswers.shift();
      },
      async showInputBox(o: { validateInput?: (text: string) => string | undefined }) {
        const answer = inputBoxAnswers.shift();
        if (answer !== undefined && o.validateInput?.(answer)) throw new Error(`input box refused "${answer}": ${o.validateInput(answer)}`);
        return answer;
      },
      async showQuickPick(items: unknown[]) {
        const answer = quickPickAnswers.shift();
        return typeof answer === 'function' ? (answer as (i: unknown[]) => unknown)(items) : answer;
      },
      async showErrorMessage(text: string) { messages.push({ level: 'error', text }); return undefined; },
      async showWarningMessage(text: string, ...rest: unknown[]) {
        const options = rest[0] && typeof rest[0] === 'object' ? rest[0] as { modal?: boolean; detail?: string } : {};
        messages.push({ level: 'warning', text, ...(options.modal ? { modal: true, detail: options.detail } : {}) });
        return undefined;
      },
      async showInformationMessage(text: string) { messages.push({ level: 'info', text }); return infoAnswers.shift(); },
      setStatusBarMessage: () => ({ dispose() {} }),
      async withProgress(_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) {
        // options.cancelAfterReports: the user presses Cancel after that many progress reports.
        const cancelled = new EventEmitter<void>();
        const token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
        let reports = 0;
        const progress = {
          report(value: unknown) {
            progressReports.push(value);
            reports++;
            if (options.cancelAfterReports !== undefined && reports === options.cancelAfterReports) {
              token.isCancellationRequested = true;
              cancelled.fire(undefined);
            }
          },
        };
        return task(progress, token);
      },
      tabGroups: { activeTabGroup: { activeTab: undefined } },
      async showTextDocument(document: unknown) { return { document }; },
    },
    workspace: {
      isTrusted: options.trusted ?? true,
      workspaceFolders: options.workspaceFolder ? [{ uri: Uri.file(options.workspaceFolder), name: 'ws', index: 0 }] : undefined,
      getConfiguration: (section: string) => ({
        get: <T>(key: string, fallback: T): T => (`${section}.${key}` in settings ? settings[`${section}.${key}`] as T : fallback),
        inspect: <T>(key: string) => ({ key: `${section}.${key}`, globalValue: `${section}.${key}` in settings ? settings[`${section}.${key}`] as T : undefined }),
        async update(key: string, value: unknown) {
          settings[`${section}.${key}`] = value;
          configChanged.fire({ affectsConfiguration: (s: string) => s === section || `${section}.${key}`.startsWith(s) });
        },
      }),
      onDidChangeConfiguration: configChanged.event,
      async findFiles() { return []; },
      async openTextDocument(options: { content?: string; language?: string }) { documents.push(options); return options; },
      asRelativePath: (u: Uri) => u.fsPath,
    },
    env: { clipboard: { writeText: async (t: string) => { clipboard = t; } } },
  };
  return {
    vscode, commands, executed, contextKeys, panels, serializers, treeViews, messages, logLines, openDialogAnswers,
    quickPickAnswers, inputBoxAnswers, infoAnswers, saveDialogAnswers, progressReports, settings, statusItems, documents, get clipboard() { return clipboard; },
  };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

/** Loads a CommonJS bundle with `require('vscode')` answered by the fake. */
export function requireWithFakeVscode(bundle: string, fake: FakeVscode): unknown {
  const fakeId = path.join(path.dirname(bundle), '__fake_vscode__.js');
  const m = new Module(fakeId);
  m.exports = fake.vscode;
  m.loaded = true;
  const cache = (Module as unknown as { _cache: Record<string, Module> })._cache;
  cache[fakeId] = m;
  const original = (Module as unknown as { _resolveFilename: (...a: unknown[]) => string })._resolveFilename;
  (Module as unknown as { _resolveFilename: (...a: unknown[]) => string })._resolveFilename = function (request: unknown, ...rest: unknown[]) {
    if (request === 'vscode') return fakeId;
    return original.call(this, request, ...rest);
  };
  try {
    delete cache[bundle];
    return Module.createRequire(bundle)(bundle);
  } finally {
    (Module as unknown as { _resolveFilename: unknown })._resolveFilename = original;
  }
}

export function fakeExtensionContext(extensionPath: string, storage: string) {
  const state = new Map<string, unknown>();
  return {
    subscriptions: [] as { dispose(): unknown }[],
    extensionUri: Uri.file(extensionPath),
    extensionPath,
    globalStorageUri: Uri.file(storage),
    workspaceState: {
      get: <T>(k: string) => state.get(k) as T | undefined,
      update: async (k: string, v: unknown) => { state.set(k, v); },
      keys: () => [...state.keys()],
    },
    state,
  };
}
