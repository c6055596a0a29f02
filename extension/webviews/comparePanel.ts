// Comparison view: the Δ tables, flips, confident FPs, shift histograms, calibration and distribution Δ of two runs,
// and the A/B view of one image (both runs' boxes, the ground truth, the selected pair's distributions side by side).
// The comparison itself is computed in the analysis worker (RunSession.compareWith); this panel only shows it.
import * as vscode from 'vscode';
import type { RunComparison } from '../core/analytics/compare.ts';
import { writeComparisonReport } from '../report/compareExport.ts';
import { HostMessageType, WebviewMessageType, type WebviewToHost } from '../protocol/messages.ts';
import type { PersistedRunRef } from '../state/runLoader.ts';
import type { SessionSnapshot } from '../state/session.ts';
import { comparedImage } from './compareData.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

export class ComparePanel extends ViewPanel {
  private static current: ComparePanel | undefined;
  private comparison: RunComparison | undefined;
  /** Run B, to compare again when the session's operating threshold changes. */
  private other: PersistedRunRef | undefined;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: unknown) {
    super('compare', panel, deps, state ?? null);
    ComparePanel.current = this;
    this.disposables.push(deps.session.onDidChangeOperatingThreshold(() => void this.recompare()));
    this.onDidDispose(() => {
      if (ComparePanel.current === this) ComparePanel.current = undefined;
    });
  }

  /** Shows a comparison (one panel, reused). */
  static show(deps: PanelDependencies, comparison: RunComparison, other: PersistedRunRef): ComparePanel {
    const panel = ComparePanel.current ?? new ComparePanel(ViewPanel.createPanel('compare'), deps);
    panel.comparison = comparison;
    panel.other = other;
    // Widen the resource roots to the run's images now: changing them later reloads the page (and its A/B state).
    if (deps.session.snapshot?.run.table.images.count) panel.imageUri(0);
    panel.panel.title = `GFL Compare: ${comparison.a.label} vs ${comparison.b.label}`;
    panel.panel.reveal(undefined, false);
    panel.sendAll();
    return panel;
  }

  /** After a reload the worker no longer holds run B: the panel asks for the comparison to be run again. */
  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): ComparePanel {
    return new ComparePanel(panel, deps, state);
  }

  /** The same two runs at the session's new operating threshold (the worker keeps B and its analysis). */
  private async recompare(): Promise<void> {
    if (!this.comparison || !this.other || this.deps.session.operatingThreshold === this.comparison.operatingThreshold) return;
    try {
      this.comparison = await this.deps.session.compareWith(this.other);
      this.sendAll();
    } catch (error) {
      this.deps.log.error(`compare at threshold ${this.deps.session.operatingThreshold}: ${(error as Error).message}`);
    }
  }

  protected sendAll(): void {
    if (!this.comparison) {
      this.post({ type: HostMessageType.NoRun, message: 'No comparison yet. Run "GFL Lens: Compare with Run…" (command palette or the Failures view title).' });
      return;
    }
    this.post({ type: HostMessageType.CompareData, data: this.comparison });
  }

  protected override onRunChanged(snapshot: SessionSnapshot | undefined): void {
    // Run A is the session's run: a different run makes the comparison stale.
    if (this.comparison && snapshot?.run.sourcePath !== this.comparison.a.sourcePath) {
      this.comparison = undefined;
      this.post({ type: HostMessageType.NoRun, message: 'The shown run changed, so this comparison no longer applies. Run "GFL Lens: Compare with Run…" again.' });
    }
  }

  protected override onMessage(message: WebviewToHost): void {
    if (message.type === WebviewMessageType.ExportComparison) void this.exportReport();
    if (message.type !== WebviewMessageType.SelectComparedImage) return;
    void this.showImage(message.imageId, { gtId: message.gtId, detIndexA: message.detIndexA, detIndexB: message.detIndexB });
  }

  /** Saves the comparison as HTML, Markdown (charts beside it) or JSON, by the file name the user gives. */
  private async exportReport(): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `compare-${comparison.a.label}-vs-${comparison.b.label}`.replace(/[^\w.-]+/g, '_').replace(/\.onnx/g, '');
    const target = await vscode.window.showSaveDialog({
      title: 'GFL Lens: Save Comparison Report', saveLabel: 'Save Report',
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}.html`) : undefined,
      filters: { 'HTML report': ['html'], 'Markdown': ['md'], 'JSON': ['json'] },
    });
    if (!target) return;
    try {
      const files = await writeComparisonReport(comparison, target.fsPath);
      this.deps.log.info(`comparison report: ${files.join(', ')}`);
      void vscode.window.showInformationMessage(`GFL Lens: comparison report written to ${files[0]}`);
    } catch (error) {
      this.deps.log.error(`comparison report: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`GFL Lens: could not write the comparison report: ${(error as Error).message}`);
    }
  }

  private async showImage(imageId: number, focus: { gtId: number | null; detIndexA: number | null; detIndexB: number | null }): Promise<void> {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot || !this.comparison) return;
    try {
      const details = await this.deps.session.comparedImage(imageId);
      let imageIndex = -1;
      const ids = snapshot.run.table.images.imageId;
      for (let i = 0; i < ids.length; i++) if (ids[i] === imageId) { imageIndex = i; break; }
      const categoryName = new Map((snapshot.run.categories ?? []).map((c) => [c.id, c.name]));
      const image = comparedImage(details.a, details.b, details.groundTruth, details.sides.a, details.sides.b, categoryName,
        imageIndex >= 0 ? this.imageUri(imageIndex) : null, focus);
      this.post({ type: HostMessageType.ComparedImage, image, scoreThreshold: this.comparison.operatingThreshold });
    } catch (error) {
      this.deps.log.error(`compare: image ${imageId}: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`GFL Lens: could not show image ${imageId} of both runs: ${(error as Error).message}`);
    }
  }
}
