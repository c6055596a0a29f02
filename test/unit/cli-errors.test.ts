// How the CLI reports failures: bad input as its own message (exit 1); a bug as one line naming the command and the
// log file that holds the stack (exit 70), never a bare TypeError with a stack on the terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { describeCliFailure, EXIT_INTERNAL } from '../../extension/cli/cliErrors.ts';
import { parseCocoInstances } from '../../extension/core/coco/cocoLoad.ts';

test('bad input: the validation message as is, exit 1, no log', () => {
  let error: unknown;
  try { parseCocoInstances('[]', 'gt.json'); } catch (e) { error = e; }
  const failure = describeCliFailure(error, ['eval', '--gt', 'gt.json']);
  assert.equal(failure.exitCode, 1);
  assert.match(failure.line, /^gfl-lens: gt\.json: expected a COCO instances object/);
  assert.equal(failure.log, undefined);
});

test('a bug: one line naming the command and the log; the stack goes to the log', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-cli-errors-'));
  try {
    let error: unknown;
    try { void (null as unknown as { x: number }).x; } catch (e) { error = e; }
    const failure = describeCliFailure(error, ['detect', '--coco', 'gt.json'], dir);
    assert.equal(failure.exitCode, EXIT_INTERNAL);
    assert.equal(failure.line.split('\n').length, 1);
    assert.match(failure.line, /^gfl-lens: internal error in "gfl-lens detect --coco gt\.json", please report it \(TypeError: Cannot read properties of null/);
    assert.ok(failure.log && failure.line.endsWith(`details in ${failure.log}`));
    const log = fs.readFileSync(failure.log, 'utf8');
    assert.match(log, /^gfl-lens detect --coco gt\.json\n/);
    assert.match(log, /TypeError: Cannot read properties of null[^]*at /, 'the stack is in the log');
    assert.equal(describeCliFailure('a string thrown', ['x'], dir).exitCode, EXIT_INTERNAL);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a mistyped option is the user\'s input: every command says so with its --help, exit 1, no log', () => {
  const cli = path.resolve(__dirname, '../../bin/gfl-lens.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, TMPDIR: os.tmpdir() } });
  for (const [args, expected] of [
    [['analyze', '--annotations', 'x.json'], /^gfl-lens analyze: Unknown option '--annotations' \(gfl-lens analyze --help lists the options\)$/],
    [['detect', '--score-thr'], /^gfl-lens detect: Option '--score-thr <value>' argument missing \(gfl-lens detect --help lists the options\)$/],
    [['eval', '--bogus'], /^gfl-lens eval: Unknown option '--bogus'/],
  ] as const) {
    const result = run(...args);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr.trim(), expected);
    assert.doesNotMatch(result.stderr, /internal error|details in/);
  }
});
