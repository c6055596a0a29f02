// The module boundary rules of eslint.config.mjs fire: ESLint's Node API lints a one-import file placed (by name)
// inside each restricted folder; a forbidden import must be reported by the boundary rule, an allowed one by nothing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint, type Linter } from 'eslint';

const repo = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: repo, overrideConfigFile: path.join(repo, 'eslint.config.mjs') });

/** Lints `import { value } from '<source>'` (used, so that only boundary rules can complain) as repo file `file`. */
async function lintImport(file: string, source: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(`import { value } from '${source}';\nexport const used = value;\n`, { filePath: path.join(repo, file) });
  assert.ok(result, `${file} was linted`);
  return result.messages;
}

async function expectForbidden(file: string, source: string, rule = 'no-restricted-imports'): Promise<void> {
  const messages = await lintImport(file, source);
  assert.ok(messages.some((m) => m.ruleId === rule && m.severity === 2), `${file}: import of ${source} passes (${JSON.stringify(messages.map((m) => m.ruleId))})`);
}

async function expectAllowed(file: string, source: string): Promise<void> {
  assert.deepEqual((await lintImport(file, source)).map((m) => `${m.ruleId}: ${m.message}`), [], `${file}: import of ${source}`);
}

const hostFolders = ['state', 'io', 'report', 'views', 'webviews', 'commands', 'cli', 'inference'];
const hostPackages = ['vscode', 'onnxruntime-node', 'sharp', 'node:fs', 'fs', 'node:fs/promises'];

test('extension/core imports no host folder and no host package, at any depth', async () => {
  // The same host folder written from three depths of core (extension/core/x.ts, core/a/x.ts, core/a/b/x.ts).
  for (const [file, up] of [['extension/core/probe.ts', '../'], ['extension/core/report/probe.ts', '../../'], ['extension/core/a/b/probe.ts', '../../../']]) {
    for (const folder of hostFolders) await expectForbidden(file, `${up}${folder}/module.ts`);
  }
  for (const name of hostPackages) await expectForbidden('extension/core/analytics/probe.ts', name);
  // core's own folders, including core/report and core/demo, whose names are also host folders.
  await expectAllowed('extension/core/probe.ts', './report/reportData.ts');
  await expectAllowed('extension/core/analytics/probe.ts', '../report/reportData.ts');
  await expectAllowed('extension/core/report/probe.ts', '../demo/scene.ts');
  await expectAllowed('extension/core/report/probe.ts', './svgCharts.ts');
  await expectAllowed('extension/core/analytics/probe.ts', '../types.ts');
});

test('extension/core cannot reach past the rules with import(), require() or deep nesting', async () => {
  const [dynamic] = await eslint.lintText("export const load = () => import('../state/session.ts');\n", { filePath: path.join(repo, 'extension/core/probe.ts') });
  assert.ok(dynamic.messages.some((m) => m.ruleId === 'no-restricted-syntax'), JSON.stringify(dynamic.messages));
  const [required] = await eslint.lintText("export const fs = require('node:fs');\n", { filePath: path.join(repo, 'extension/core/probe.ts') });
  assert.ok(required.messages.some((m) => m.ruleId === 'no-restricted-syntax'), JSON.stringify(required.messages));
  // A file nested deeper than the per-depth rules cover is an error, not an unguarded file.
  const [deep] = await eslint.lintText('export const x = 1;\n', { filePath: path.join(repo, 'extension/core/a/b/c/d/e/f/probe.ts') });
  assert.ok(deep.messages.some((m) => m.ruleId === 'no-restricted-syntax' && /MAX_DEPTH/.test(m.message)), JSON.stringify(deep.messages));
});

test('extension/protocol imports neither state nor vscode, and may import core', async () => {
  await expectForbidden('extension/protocol/probe.ts', '../state/session.ts');
  await expectForbidden('extension/protocol/probe.ts', '../io/runFiles.ts');
  await expectForbidden('extension/protocol/probe.ts', 'vscode');
  await expectAllowed('extension/protocol/probe.ts', '../core/types.ts');
});

test('webview bundles import only extension/core and extension/protocol', async () => {
  for (const [file, up] of [['webview/probe.ts', '../'], ['webview/lib/probe.ts', '../../']]) {
    for (const folder of [...hostFolders, 'demo']) await expectForbidden(file, `${up}extension/${folder}/module.ts`);
    await expectForbidden(file, `${up}extension/extension.ts`);
    await expectAllowed(file, `${up}extension/core/types.ts`);
    await expectAllowed(file, `${up}extension/protocol/messages.ts`);
  }
  for (const name of [...hostPackages, 'node:worker_threads', 'crypto', 'path/posix']) await expectForbidden('webview/probe.ts', name);
  await expectAllowed('webview/probe.ts', './lib/dom.ts');
  await expectAllowed('webview/probe.ts', 'plotly.js/lib/core');
});

test('onnxruntime-node is imported by extension/inference/onnxSession.ts only', async () => {
  await expectForbidden('extension/inference/detector.ts', 'onnxruntime-node');
  await expectForbidden('extension/state/probe.ts', 'onnxruntime-node');
  await expectAllowed('extension/inference/onnxSession.ts', 'onnxruntime-node');
  // Host folders themselves may import host modules.
  await expectAllowed('extension/commands/probe.ts', '../state/session.ts');
});
