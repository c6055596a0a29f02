// GFL Lens: Open Calibration View / Open Ambiguity View / Open Evaluation View.
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { AmbiguityPanel } from '../webviews/ambiguityPanel.ts';
import { CalibrationPanel } from '../webviews/calibrationPanel.ts';
import { EvaluationPanel } from '../webviews/evaluationPanel.ts';
import type { CommandContext } from './commandContext.ts';

export function registerOpenCalibration(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.OpenCalibration, () => {
    CalibrationPanel.show(ctx.panels);
  });
}

export function registerOpenEvaluation(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.OpenEvaluation, () => {
    EvaluationPanel.show(ctx.panels);
  });
}

export function registerOpenAmbiguity(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.OpenAmbiguity, () => {
    AmbiguityPanel.show(ctx.panels);
  });
}
