// `gfl-lens` command line: detect | eval | analyze | report, on the same core as the extension.
import { describeCliFailure } from './cliErrors.ts';
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

const argv = process.argv.slice(2);
main(argv).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    // Expected failures (bad input) carry a readable message naming the file; a bug gets one line and a log file.
    const { line, exitCode } = describeCliFailure(error, argv);
    process.stderr.write(`${line}\n`);
    if (process.env.GFL_LENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCode;
  },
);
