// Calibration view: score vs IoU, reliability diagram, LaECE₀ / LaACE₀ / D-ECE (computed in the webview from columns).
import * as vscode from 'vscode';
import { HostMessageType } from '../protocol/messages.ts';
import { calibrationData } from './panelData.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

export class CalibrationPanel extends ViewPanel {
  private static current: CalibrationPanel | undefined;
  private lastSent = 0;
  private pending: NodeJS.Timeout | undefined;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: unknown) {
    super('calibration', panel, deps, state ?? null);
    CalibrationPanel.current = this;
    this.onDidDispose(() => {
      if (this.pending) clearTimeout(this.pending);
      if (CalibrationPanel.current === this) CalibrationPanel.current = undefined;
    });
  }

  static show(deps: PanelDependencies): CalibrationPanel {
    if (CalibrationPanel.current) {
      CalibrationPanel.current.panel.reveal(undefined, false);
      return CalibrationPanel.current;
    }
    return new CalibrationPanel(ViewPanel.createPanel('calibration'), deps);
  }

  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): CalibrationPanel {
    return new CalibrationPanel(panel, deps, state);
  }

  protected sendAll(): void {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot) {
      this.sendNoRun();
      return;
    }
    const data = calibrationData(snapshot.run, snapshot.analysis);
    if (!data) {
      this.post({ type: HostMessageType.NoRun, message: 'Calibration needs ground truth: run on a COCO dataset, or load a run whose dataset annotations can be found.' });
      return;
    }
    this.lastSent = Date.now();
    this.post({ type: HostMessageType.CalibrationData, data });
  }

  protected override onRunChanged(): void {
    // Streaming runs: redraw at most every 3 s so 100k points are not re-sent on every update.
    const wait = 3000 - (Date.now() - this.lastSent);
    if (this.deps.session.snapshot?.run.complete !== false || wait <= 0) {
      this.sendAll();
      return;
    }
    if (!this.pending) {
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.sendAll();
      }, wait);
    }
  }
}
