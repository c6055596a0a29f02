// Ambiguity view: the most ambiguous boxes, each cropped around its driving edge with that edge's distribution.
import * as vscode from 'vscode';
import { HostMessageType } from '../protocol/messages.ts';
import { ambiguityData } from './panelData.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

export class AmbiguityPanel extends ViewPanel {
  private static current: AmbiguityPanel | undefined;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: unknown) {
    super('ambiguity', panel, deps, state ?? null);
    AmbiguityPanel.current = this;
    this.onDidDispose(() => {
      if (AmbiguityPanel.current === this) AmbiguityPanel.current = undefined;
    });
  }

  static show(deps: PanelDependencies): AmbiguityPanel {
    if (AmbiguityPanel.current) {
      AmbiguityPanel.current.panel.reveal(undefined, false);
      return AmbiguityPanel.current;
    }
    return new AmbiguityPanel(ViewPanel.createPanel('ambiguity'), deps);
  }

  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): AmbiguityPanel {
    return new AmbiguityPanel(panel, deps, state);
  }

  protected sendAll(): void {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot) {
      this.sendNoRun();
      return;
    }
    // The analysis' ranking, the same the report and the CLI print.
    const data = ambiguityData(snapshot.run, snapshot.analysis, (i) => this.imageUri(i), 60);
    this.post({ type: HostMessageType.AmbiguityData, data });
  }
}
