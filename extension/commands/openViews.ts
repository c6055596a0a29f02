// GFL Lens: Open Calibration View / Open Ambiguity View.
import * as vscode from 'vscode';
import { AmbiguityPanel } from '../webviews/ambiguityPanel.ts';
import { CalibrationPanel } from '../webviews/calibrationPanel.ts';
import type { CommandContext } from './commandContext.ts';

export const OPEN_CALIBRATION_COMMAND = 'gflLens.openCalibration';
export const OPEN_AMBIGUITY_COMMAND = 'gflLens.openAmbiguity';

export function registerOpenCalibration(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_CALIBRATION_COMMAND, () => {
    CalibrationPanel.show(ctx.panels);
  });
}

export function registerOpenAmbiguity(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_AMBIGUITY_COMMAND, () => {
    AmbiguityPanel.show(ctx.panels);
  });
}
