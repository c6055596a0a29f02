// The gfl-lens entry's relaunch (extension/cli/relaunch.ts): which commands on which machines run in a child with
// V8's concurrent recompilation off, and that the child gets the flag and the arguments, passes its exit code back,
// and is stopped by a SIGTERM sent to the entry; and the built entry gives the same output either way.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { forwardedExecArgv, shouldRelaunch, V8_TUNING_FLAG } from '../../extension/cli/relaunch.ts';

const repo = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-relaunch-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the child gets this process\'s Node options but no inline script (it would run again)', () => {
  assert.deepEqual(forwardedExecArgv(['--import', 'tsx', '-e', 'relaunch()', '--max-old-space-size=4096']), ['--import', 'tsx', '--max-old-space-size=4096']);
  assert.deepEqual(forwardedExecArgv(['--eval=x', '-p', 'y', '--cpu-prof']), ['--cpu-prof']);
});

test('relaunched: the analysing commands, when the analysis threads leave no core to spare', () => {
  const none = {};
  assert.equal(shouldRelaunch(['analyze', '--run', 'r'], [], none, 2), true);
  assert.equal(shouldRelaunch(['report', 'r', '--format', 'html'], [], none, 2), true);
  assert.equal(shouldRelaunch(['analyze'], [], none, 3), true, '1 + 2 job threads on 3 cores');
  assert.equal(shouldRelaunch(['analyze'], [], none, 4), false, 'a core to spare');
  // eval and compare analyse on one thread: the compiler has the other core.
  for (const command of ['detect', 'merge', 'doctor', 'eval', 'compare', '--help']) assert.equal(shouldRelaunch([command], [], none, 2), false, command);
  assert.equal(shouldRelaunch([], [], none, 2), false);
  assert.equal(shouldRelaunch(['analyze'], [V8_TUNING_FLAG], none, 2), false, 'already relaunched');
  assert.equal(shouldRelaunch(['analyze'], [], { GFL_LENS_RELAUNCHED: '1', GFL_LENS_RELAUNCH: '1' }, 2), false, 'a relaunched process never relaunches');
  assert.equal(shouldRelaunch(['analyze'], ['--inspect=9229'], none, 2), false, 'a debugger port opens once');
  assert.equal(shouldRelaunch(['analyze'], [], { GFL_LENS_ANALYSIS_THREADS: '0' }, 2), false, 'one thread: the compiler has a core');
  assert.equal(shouldRelaunch(['analyze'], [], { GFL_LENS_ANALYSIS_THREADS: 'many' }, 2), false, 'the command reports the bad value');
  assert.equal(shouldRelaunch(['analyze'], [], { GFL_LENS_RELAUNCH: '0' }, 2), false);
  assert.equal(shouldRelaunch(['analyze'], [], { GFL_LENS_RELAUNCH: '1' }, 64), true);
  assert.equal(shouldRelaunch(['detect'], [], { GFL_LENS_RELAUNCH: '1' }, 64), false);
});

/** Runs relaunch() in a fresh Node process on a stand-in main file; resolves with its exit code or signal. */
function relaunchStandIn(mainSource: string, onStarted?: (parent: number) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const main = path.join(dir, `main-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(main, mainSource);
  const entry = path.join(dir, `entry-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(entry, `require(${JSON.stringify(path.join(repo, 'extension/cli/relaunch.ts'))}).relaunch(['analyze', 'a b'], ${JSON.stringify(main)}, () => process.exit(99));\n`);
  const parent = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  parent.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    if (stdout.includes('started')) onStarted?.(parent.pid!);
  });
  return new Promise((resolve) => parent.on('exit', (code, signal) => resolve({ code, signal, stdout })));
}

test('the child runs with the flag and the arguments, and its exit code is the entry\'s', async () => {
  const result = await relaunchStandIn(`console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2) })); process.exitCode = 7;`);
  assert.equal(result.code, 7);
  const seen = JSON.parse(result.stdout);
  assert.ok(seen.execArgv.includes(V8_TUNING_FLAG), seen.execArgv.join(' '));
  assert.deepEqual(seen.argv, ['analyze', 'a b']);
});

test('SIGTERM sent to the entry stops the child, and the entry ends by the same signal', async () => {
  const marker = path.join(dir, 'terminated');
  const result = await relaunchStandIn(
    `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'yes'); process.exit(143); });
     console.log('started'); setTimeout(() => process.exit(0), 20000); // no orphan if the signal never comes`,
    (parent) => process.kill(parent, 'SIGTERM'),
  );
  assert.equal(fs.readFileSync(marker, 'utf8'), 'yes', 'the child got SIGTERM');
  assert.equal(result.code, 143, 'the child\'s exit code');
});

test('the built entry: the same output and exit code relaunched or not', { skip: !fs.existsSync(path.join(repo, 'dist/cliMain.js')) && 'run "npm run build" first' }, () => {
  const missing = path.join(dir, 'missing.gflrun');
  const run = (relaunch: string) => spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), 'analyze', '--run', missing], { encoding: 'utf8', env: { ...process.env, GFL_LENS_RELAUNCH: relaunch } });
  const here = run('0'), child = run('1');
  assert.equal(here.status, 1);
  assert.match(here.stderr, /missing\.gflrun/);
  assert.equal(child.status, here.status);
  assert.equal(child.stderr, here.stderr);
  assert.equal(child.stdout, here.stdout);
});
