// The CLI's command table. Each command lives in its own file and exports a CliCommand.
import { analyzeCommand } from './analyzeCommand.ts';
import { demoCommand } from './demoCommand.ts';
import { detectCommand } from './detectCommand.ts';
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
  merge: mergeCommand,
  demo: demoCommand,
};
