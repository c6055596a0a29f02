// Where the `gfl-lens` entry (dist/cli.js, cli/entry.ts) runs the command line (dist/cliMain.js): in its own process,
// or, for the commands whose analysis runs on two threads (analyze, report, demo) on a machine with no core to spare,
// in a child Node process with V8's concurrent recompilation off.
//
// Why: the analysis keeps two JavaScript threads busy (the analysis and its job worker, workers/analysisJobs.ts). On
// two cores, V8's background compiler then gets no core of its own, optimised code arrives late and the hot loops run
// longer in the interpreter: `analyze --run` on a 5,000-image run takes 0.3 s (10%) less, and 0.8 s less CPU, when
// each thread compiles its own hot functions (README, "Scale"). With a core to spare the
// flag does not help, and the command runs here. GFL_LENS_RELAUNCH=0 never relaunches, 1 relaunches those commands
// on any machine.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { analysisJobThreads } from '../workers/analysisJobs.ts';

export const V8_TUNING_FLAG = '--no-concurrent-recompilation';
/** Set in the child's environment: a relaunched process never relaunches again. */
const RELAUNCHED = 'GFL_LENS_RELAUNCHED';
/** The commands whose analysis runs on two threads (analyseOpenedRunInParallel); eval and compare use one. */
const ANALYSING_COMMANDS = new Set(['analyze', 'report', 'demo']);

/** Whether to run `argv` in a child with V8_TUNING_FLAG (see above). */
export function shouldRelaunch(
  argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism(),
): boolean {
  if (execArgv.includes(V8_TUNING_FLAG) || env[RELAUNCHED] === '1') return false;
  // A debugger's port cannot be opened twice.
  if (execArgv.some((a) => a.startsWith('--inspect'))) return false;
  if (env.GFL_LENS_RELAUNCH === '0') return false;
  if (!ANALYSING_COMMANDS.has(argv[0] ?? '')) return false;
  if (env.GFL_LENS_RELAUNCH === '1') return true;
  let threads: number;
  try {
    threads = analysisJobThreads(env, cores);
  } catch {
    return false; // the command reports the bad setting itself
  }
  return threads > 0 && 1 + threads >= cores;
}

/** dist/cliMain.js beside this bundle (a path computed at run time: the bundler leaves it to Node). */
const mainFile = path.join(__dirname, 'cliMain.js');

function runHere(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the other bundle, loaded only when it runs here
  require(mainFile);
}

/**
 * The command in a child process: the terminal's Ctrl-C reaches it directly (one process group), SIGTERM and SIGHUP
 * sent to this process are passed on, and its exit code (or signal) becomes this process's.
 */
export function relaunch(argv: readonly string[], file = mainFile, runInstead = runHere): void {
  if (process.env[RELAUNCHED] === '1') {
    runInstead();
    return;
  }
  const child = spawn(process.execPath, [...forwardedExecArgv(process.execArgv), V8_TUNING_FLAG, file, ...argv], {
    stdio: 'inherit', env: { ...process.env, [RELAUNCHED]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => () => { child.kill(signal); };
  const handlers = { SIGTERM: forward('SIGTERM'), SIGHUP: forward('SIGHUP'), SIGINT: () => undefined } as const;
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  child.on('error', (error) => {
    process.stderr.write(`gfl-lens: could not start ${process.execPath} (${error.message}); running in this process\n`);
    for (const [signal, handler] of Object.entries(handlers)) process.off(signal, handler);
    runInstead();
  });
  child.on('exit', (code, signal) => {
    for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}

/** This process's Node options for the child, without a script given inline (-e, -p), which would run again. */
export function forwardedExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (['-e', '--eval', '-p', '--print', '-pe'].includes(arg)) { i++; continue; }
    if (/^--(eval|print)=/.test(arg)) continue;
    out.push(arg);
  }
  return out;
}

/** Runs the command line: here, or relaunched (shouldRelaunch). */
export function launch(argv: readonly string[] = process.argv.slice(2)): void {
  if (shouldRelaunch(argv, process.execArgv)) relaunch(argv);
  else runHere();
}
