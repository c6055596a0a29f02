// Status bar entry to the evaluation view: shows the shown run's COCO AP and opens the view on click.
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import type { RunSession } from '../state/session.ts';

export function registerEvaluationStatusItem(session: RunSession): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('gflLens.evaluation', vscode.StatusBarAlignment.Left, 99);
  item.name = 'GFL Lens Evaluation';
  item.command = CommandId.OpenEvaluation;
  const update = () => {
    const ev = session.snapshot?.analysis.evaluation;
    if (!ev) {
      item.hide();
      return;
    }
    const ap = ev.stats[ev.statKeys.indexOf('AP')];
    item.text = `$(dashboard) AP ${ap >= 0 ? ap.toFixed(3) : 'n/a'}`;
    item.tooltip = `GFL Lens: COCO AP@[.50:.95] of ${session.snapshot?.run.label ?? 'the shown run'}. Click to open the evaluation view.`;
    item.show();
  };
  const subscription = session.onDidChange(update);
  update();
  return { dispose: () => { subscription.dispose(); item.dispose(); } };
}
