// The inspector: one image of the run with its boxes; the webview draws boxes and per-edge distributions.
import * as vscode from 'vscode';
import { HostMessageType, WebviewMessageType, type DetectionRef, type InspectorState, type WebviewToHost } from '../protocol/messages.ts';
import { AMBIGUOUS_MIN_SCORE } from '../core/analytics/analysis.ts';
import { readSettings } from '../state/modelService.ts';
import type { SessionSnapshot } from '../state/session.ts';
import { inspectorImage } from './panelData.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

export class InspectorPanel extends ViewPanel {
  private static current: InspectorPanel | undefined;
  private imageIndex = 0;
  private focus: number | null = null;
  private focusGtId: number | null = null;
  private shownRun: string | null = null;
  /** Bumped per request to the worker: a slower answer for an earlier image is dropped. */
  private request = 0;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: InspectorState) {
    super('inspector', panel, deps, state ?? null);
    if (state) {
      this.imageIndex = state.imageIndex;
      this.focus = state.detIndex;
    }
    InspectorPanel.current = this;
    this.onDidDispose(() => {
      if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    });
  }

  /** Opens or reveals the inspector on an image, optionally focusing one detection; `column` places a new one. */
  static show(deps: PanelDependencies, ref: DetectionRef | { imageIndex: number; detIndex: null; gtId?: number }, column?: vscode.ViewColumn): InspectorPanel {
    let inspector = InspectorPanel.current;
    if (inspector) inspector.panel.reveal(undefined, false);
    else inspector = new InspectorPanel(ViewPanel.createPanel('inspector', column), deps);
    const sameImage = inspector.imageIndex === ref.imageIndex && inspector.shownRun === deps.session.snapshot?.run.sourcePath;
    inspector.imageIndex = ref.imageIndex;
    inspector.focus = ref.detIndex;
    inspector.focusGtId = 'gtId' in ref && ref.gtId !== undefined ? ref.gtId : null;
    if (sameImage && ref.detIndex !== null) inspector.post({ type: HostMessageType.FocusBox, detIndex: ref.detIndex });
    else inspector.sendAll();
    return inspector;
  }

  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): InspectorPanel {
    const s = state as Partial<InspectorState> | undefined;
    const valid = s && Number.isInteger(s.imageIndex) ? (s as InspectorState) : undefined;
    return new InspectorPanel(panel, deps, valid);
  }

  protected sendAll(): void {
    const snapshot = this.deps.session.snapshot;
    const count = snapshot?.run.table.images.count ?? 0;
    if (!snapshot || count === 0) {
      this.sendNoRun();
      return;
    }
    if (this.imageIndex >= count) {
      this.imageIndex = 0;
      this.focus = null;
    }
    const imageIndex = this.imageIndex;
    const request = ++this.request;
    // The image's detections and distributions come from the analysis worker, which keeps the run.
    this.deps.session.imageDetails(imageIndex).then((details) => {
      if (request !== this.request || this.deps.session.snapshot?.run !== snapshot.run) return;
      const image = inspectorImage(snapshot.run, snapshot.analysis, imageIndex, details.record, details.groundTruth, this.imageUri(imageIndex), details.failureContexts);
      this.shownRun = snapshot.run.sourcePath;
      this.panel.title = `GFL: ${image.file.split(/[\\/]/).pop()}`;
      const threshold = Math.max(readSettings().scoreThreshold ?? 0, AMBIGUOUS_MIN_SCORE);
      this.post({ type: HostMessageType.ShowImage, image, focus: this.focus, scoreThreshold: threshold, focusGtId: this.focusGtId, imageCount: count });
    }, (error: Error) => this.deps.log.error(`inspector: ${error.message}`));
  }

  protected override onMessage(message: WebviewToHost): void {
    if (message.type === WebviewMessageType.SelectBox && message.imageIndex === this.imageIndex) this.focus = message.detIndex;
    if (message.type === WebviewMessageType.SelectImage && message.imageIndex < (this.deps.session.snapshot?.run.table.images.count ?? 0)) {
      this.imageIndex = message.imageIndex;
      this.focus = null;
      this.focusGtId = null;
      this.sendAll();
    }
  }

  protected override onRunChanged(snapshot: SessionSnapshot | undefined): void {
    // A streaming run changes every few seconds: redraw only if the shown image is new or changed.
    if (snapshot && snapshot.run.sourcePath === this.shownRun && this.imageIndex < snapshot.run.table.images.count && !snapshot.run.complete) return;
    this.sendAll();
  }
}
