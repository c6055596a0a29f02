// GFL Lens extension entry: wiring only. Every registration goes to context.subscriptions.
import * as vscode from 'vscode';
import { registerCheckGpu } from './commands/checkGpu.ts';
import { type CommandContext } from './commands/commandContext.ts';
import { registerCompareWithRun } from './commands/compareWithRun.ts';
import { registerExportReport } from './commands/exportReport.ts';
import { registerFailureActions } from './commands/failureActions.ts';
import { registerFailureViewCommands } from './commands/failureView.ts';
import { registerLoadResults } from './commands/loadResults.ts';
import { registerOpenAmbiguity, registerOpenCalibration, registerOpenEvaluation } from './commands/openViews.ts';
import { registerRunOnCocoDataset } from './commands/runOnCocoDataset.ts';
import { registerRunOnFolder } from './commands/runOnFolder.ts';
import { registerRunOnImage } from './commands/runOnImage.ts';
import { registerSelectModel } from './commands/selectModel.ts';
import { ViewId } from './contributionIds.ts';
import { ModelService } from './state/modelService.ts';
import { RunSession } from './state/session.ts';
import { registerEvaluationStatusItem } from './views/evaluationStatus.ts';
import { FailuresTreeProvider } from './views/failuresTree.ts';
import { AmbiguityPanel } from './webviews/ambiguityPanel.ts';
import { CalibrationPanel } from './webviews/calibrationPanel.ts';
import { EvaluationPanel } from './webviews/evaluationPanel.ts';
import { ComparePanel } from './webviews/comparePanel.ts';
import { InspectorPanel } from './webviews/inspectorPanel.ts';
import type { PanelDependencies } from './webviews/viewPanel.ts';
import { VIEW_TYPES } from './webviews/webviewHtml.ts';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('GFL Lens', { log: true });
  const session = new RunSession(context.workspaceState, log);
  const models = new ModelService(context.extensionUri.fsPath, log);
  context.subscriptions.push(log, session, models);

  const panels: PanelDependencies = {
    extensionUri: context.extensionUri, session, log,
    openInspector: (ref, beside) => InspectorPanel.show(panels, ref, beside ? vscode.ViewColumn.Beside : undefined),
    revealFailureGroup: (group) => failures.revealGroup(failuresView, group),
  };
  const ctx: CommandContext = { extension: context, session, models, log, panels };

  const failures = new FailuresTreeProvider(session);
  const failuresView = vscode.window.createTreeView(ViewId.Failures, { treeDataProvider: failures, showCollapseAll: true });
  failures.attach(failuresView);
  context.subscriptions.push(
    failures,
    failuresView,
    registerEvaluationStatusItem(session),
    registerOpenEvaluation(ctx),
    registerRunOnImage(ctx),
    registerRunOnFolder(ctx),
    registerRunOnCocoDataset(ctx),
    registerLoadResults(ctx),
    registerOpenCalibration(ctx),
    registerOpenAmbiguity(ctx),
    registerSelectModel(ctx),
    registerCheckGpu(ctx),
    registerExportReport(ctx),
    registerCompareWithRun(ctx),
    ...registerFailureActions(ctx),
    ...registerFailureViewCommands(ctx),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('gflLens.operatingThreshold')) session.settingChanged();
    }),
  );

  // Restore panels after a reload: each panel waits for the last run to be reopened first.
  const restored = session.restore();
  const serializer = (revive: (panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown) => unknown): vscode.WebviewPanelSerializer => ({
    async deserializeWebviewPanel(panel, state) {
      await restored;
      revive(panel, panels, state);
    },
  });
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.inspector, serializer(InspectorPanel.revive)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.calibration, serializer(CalibrationPanel.revive)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.ambiguity, serializer(AmbiguityPanel.revive)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.evaluation, serializer(EvaluationPanel.revive)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.compare, serializer(ComparePanel.revive)),
  );
  log.info(`GFL Lens activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'restricted: running models disabled'})`);
}

export function deactivate(): void {}
