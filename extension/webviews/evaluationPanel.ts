// Evaluation view: the 12 COCO stats, per-class table, PR and threshold curves, confusion matrix, TIDE bars and the
// worst images of the shown run, all read from its one analysis. Clicks narrow the other views (session.viewFilter),
// set the operating threshold (recounted in the analysis worker) or open the inspector and the Failures tree.
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { HostMessageType, WebviewMessageType, type WebviewToHost } from '../protocol/messages.ts';
import { evaluationData } from './evaluationData.ts';
import { InspectorPanel } from './inspectorPanel.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

export class EvaluationPanel extends ViewPanel {
  private static current: EvaluationPanel | undefined;
  private lastSent = 0;
  protected override readonly opensInspectorBeside = true;
  private pending: NodeJS.Timeout | undefined;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: unknown) {
    super('evaluation', panel, deps, state ?? null);
    EvaluationPanel.current = this;
    this.disposables.push(
      deps.session.onDidChangeOperatingPoint(() => this.sendAll()),
      deps.session.onDidChangeViewFilter(() => this.sendAll()),
    );
    this.onDidDispose(() => {
      if (this.pending) clearTimeout(this.pending);
      if (EvaluationPanel.current === this) EvaluationPanel.current = undefined;
    });
  }

  /** `preserveFocus`: opened by a finishing run, it must not take the keyboard from what the user is doing. */
  static show(deps: PanelDependencies, preserveFocus = false): EvaluationPanel {
    if (EvaluationPanel.current) {
      EvaluationPanel.current.panel.reveal(undefined, preserveFocus);
      return EvaluationPanel.current;
    }
    return new EvaluationPanel(ViewPanel.createPanel('evaluation', vscode.ViewColumn.Active, preserveFocus), deps);
  }

  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): EvaluationPanel {
    return new EvaluationPanel(panel, deps, state);
  }

  protected sendAll(): void {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot) {
      this.sendNoRun();
      return;
    }
    const data = evaluationData(snapshot.run, snapshot.analysis, this.deps.session.viewFilter.categoryId);
    if (!data) {
      this.post({ type: HostMessageType.NoRun, message: 'The evaluation view needs ground truth: run on a COCO dataset, or load a run whose dataset annotations can be found.' });
      return;
    }
    this.lastSent = Date.now();
    this.post({ type: HostMessageType.EvaluationData, data });
  }

  protected override onMessage(message: WebviewToHost): void {
    switch (message.type) {
      case WebviewMessageType.FilterCategory:
        this.deps.session.setViewFilter({ categoryId: message.categoryId });
        break;
      case WebviewMessageType.SetOperatingThreshold:
        this.deps.session.setOperatingThreshold(message.threshold ?? undefined);
        break;
      case WebviewMessageType.RevealFailureGroup:
        this.deps.revealFailureGroup?.(message.group);
        break;
      case WebviewMessageType.OpenGroundTruth:
        InspectorPanel.show(this.deps, { imageIndex: message.imageIndex, detIndex: null, gtId: message.gtId }, vscode.ViewColumn.Beside);
        break;
      case WebviewMessageType.CompareWithRun:
        void vscode.commands.executeCommand(CommandId.CompareWithRun);
        break;
    }
  }

  protected override onRunChanged(): void {
    // Streaming runs: redraw at most every 3 s.
    const wait = 3000 - (Date.now() - this.lastSent);
    if (this.deps.session.snapshot?.run.complete !== false || wait <= 0) {
      this.sendAll();
      return;
    }
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.sendAll();
    }, wait);
  }
}
