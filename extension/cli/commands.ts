// The CLI's command table. Each command lives in its own file and exports a CliCommand.
import { analyzeCommand } from './analyzeCommand.ts';
import { compareCommand } from './compareCommand.ts';
import { demoCommand } from './demoCommand.ts';
import { detectCommand } from './detectCommand.ts';
import { doctorCommand } from './doctorCommand.ts';
import { evalCommand } from './evalCommand.ts';
import { mergeCommand } from './mergeCommand.ts';
import { reportCommand } from './reportCommand.ts';

export interface CliCommand {
  summary: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

export const commands: Record<string, CliCommand> = {
  detect: detectCommand,
  eval: evalCommand,
  analyze: analyzeCommand,
  report: reportCommand,
  compare: compareCommand,
  merge: mergeCommand,
  demo: demoCommand,
  doctor: doctorCommand,
};
