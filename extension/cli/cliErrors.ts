// How the CLI reports a failed command: bad input as the message itself (it names the file and the problem), a bug
// as one line naming the command, with the stack written to a log file instead of the terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Exit status of an internal error (a bug, not bad input): sysexits.h EX_SOFTWARE. */
export const EXIT_INTERNAL = 70;
export const EXIT_BAD_INPUT = 1;

/**
 * Errors of JavaScript's own kinds (TypeError, RangeError, …) and thrown non-errors are bugs: every expected
 * failure is a plain Error (or a subclass of it) with a readable message.
 */
export function isInternalError(error: unknown): boolean {
  if (isArgumentError(error)) return false;
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError
    || error instanceof SyntaxError || error instanceof EvalError || !(error instanceof Error);
}

/** node:util parseArgs rejects an unknown option, a missing option value or a stray argument with a TypeError
 *  carrying one of these codes: the user's typing, not a bug. */
const ARGUMENT_ERROR_CODES = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL']);

function isArgumentError(error: unknown): boolean {
  return error instanceof TypeError && ARGUMENT_ERROR_CODES.has((error as { code?: unknown }).code as string);
}

/** Writes the stack of an internal error to `<tmp>/gfl-lens-error-<time>-<pid>.log`; undefined when it cannot. */
export function writeErrorLog(error: unknown, argv: readonly string[], folder = os.tmpdir()): string | undefined {
  const file = path.join(folder, `gfl-lens-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  try {
    fs.writeFileSync(file, `gfl-lens ${argv.join(' ')}\nnode ${process.version} ${process.platform}-${process.arch}\n\n${error instanceof Error ? error.stack : String(error)}\n`);
    return file;
  } catch {
    return undefined;
  }
}

/** The stderr line and exit status for a command that threw. */
export function describeCliFailure(error: unknown, argv: readonly string[], logFolder?: string): { line: string; exitCode: number; log?: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (isArgumentError(error)) {
    const command = argv.find((a) => !a.startsWith('-')) ?? '';
    return { line: `gfl-lens${command ? ` ${command}` : ''}: ${message.split('\n')[0]} (gfl-lens ${command ? `${command} ` : ''}--help lists the options)`, exitCode: EXIT_BAD_INPUT };
  }
  if (!isInternalError(error)) return { line: `gfl-lens: ${message}`, exitCode: EXIT_BAD_INPUT };
  const log = writeErrorLog(error, argv, logFolder);
  const first = message.split('\n')[0];
  const shown = first.length > 300 ? `${first.slice(0, 300)}…` : first;
  return {
    line: `gfl-lens: internal error in "gfl-lens ${argv.join(' ')}", please report it (${error instanceof Error ? error.name : 'Error'}: ${shown})${log ? `; details in ${log}` : ''}`,
    exitCode: EXIT_INTERNAL,
    log,
  };
}
