// Typed access to the webview API: messages out (validated by the host), messages in, persisted state.
import { WebviewMessageType, type HostToWebview, type WebviewToHost } from '../../extension/protocol/messages.ts';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = typeof acquireVsCodeApi === 'function'
  ? acquireVsCodeApi()
  : { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };

export function post(message: WebviewToHost): void {
  api.postMessage(message);
}

export function onHostMessage(handler: (message: HostToWebview) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as HostToWebview | undefined;
    if (data && typeof data === 'object' && typeof data.type === 'string') handler(data);
  });
}

/** The view's saved state (vscode.setState), falling back to what the host embedded in the page on restore. */
export function loadState<T>(): Partial<T> {
  const saved = api.getState();
  if (saved && typeof saved === 'object') return saved as Partial<T>;
  const embedded = document.getElementById('initial-state')?.textContent;
  try {
    const parsed: unknown = embedded ? JSON.parse(embedded) : null;
    return parsed && typeof parsed === 'object' ? (parsed as Partial<T>) : {};
  } catch {
    return {};
  }
}

export function saveState<T>(state: T): void {
  api.setState(state);
}

/** Reports an error to the host log (webview consoles are not visible to users). */
export function reportError(error: unknown): void {
  post({ type: WebviewMessageType.Log, level: 'error', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
}
