// `gfl-lens` command line: detect | eval | analyze | report, on the same core as the extension.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commands } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    return name === undefined || name === '--help' || name === '-h' ? 0 : 2;
  }
  return command.run(rest);
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  gfl-lens ${name.padEnd(8)} ${c.summary}`);
  return `GFL Lens: inspect GFL-family detectors (QFL + DFL).\n\nUsage:\n${lines.join('\n')}\n\nRun "gfl-lens <command> --help" for its options.\n`;
}

/** Exit status of an internal error (a bug, not bad input): sysexits.h EX_SOFTWARE. */
const EXIT_INTERNAL = 70;

/**
 * Errors of JavaScript's own kinds (TypeError, RangeError, …) are bugs: every expected failure is a plain Error
 * with a readable message. A bug gets one line naming the command and its inputs; its stack goes to a log file.
 */
function isInternal(error: unknown): error is Error {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError
    || error instanceof SyntaxError || error instanceof EvalError || !(error instanceof Error);
}

function writeLog(error: unknown, argv: string[]): string | undefined {
  const file = path.join(os.tmpdir(), `gfl-lens-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  try {
    fs.writeFileSync(file, `gfl-lens ${argv.join(' ')}\nnode ${process.version} ${process.platform}-${process.arch}\n\n${error instanceof Error ? error.stack : String(error)}\n`);
    return file;
  } catch {
    return undefined;
  }
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (isInternal(error)) {
      const log = writeLog(error, argv);
      const shown = message.length > 300 ? `${message.slice(0, 300)}…` : message;
      process.stderr.write(`gfl-lens: internal error in "gfl-lens ${argv.join(' ')}", please report it (${error instanceof Error ? error.name : 'Error'}: ${shown.split('\n')[0]})` +
        `${log ? `; details in ${log}` : ''}\n`);
      if (process.env.GFL_LENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = EXIT_INTERNAL;
      return;
    }
    // Expected failures (bad input) carry a readable message naming the file.
    process.stderr.write(`gfl-lens: ${message}\n`);
    if (process.env.GFL_LENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
