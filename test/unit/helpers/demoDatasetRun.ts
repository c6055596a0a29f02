// The built-in demo model (real, with distributions) run on a freshly generated demo dataset, in the built extension
// with the fake VS Code: the starting point of the UI tests that need a dataset run with ground truth.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri, type FakeVscode } from '../ui-fakeVscode.ts';

const repo = path.resolve(__dirname, '../../..');

export interface DemoDatasetRun {
  fake: FakeVscode;
  context: ReturnType<typeof fakeExtensionContext>;
  workspace: string;
}

/**
 * Generates `valImages` demo images into a new workspace, activates the extension and runs Run GFL on COCO Dataset.
 * The context goes into `live` before the run, so the test's afterEach disposes it even when the run fails.
 */
export async function demoDatasetRun(valImages: number, prefix: string, live: { subscriptions: { dispose(): unknown }[] }[]): Promise<DemoDatasetRun> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), `gfl-ws-${prefix}-`));
  execFileSync(process.execPath, ['--import', 'tsx', path.join(repo, 'extension/demo/generateDataset.ts'), '--out', path.join(workspace, 'demo'), '--train', '0', '--val', String(valImages)], { cwd: repo, stdio: 'ignore' });
  const annotations = path.join(workspace, 'demo', 'val', 'instances_val.json');
  // Default model setting: the built-in demo model.
  const fake = createFakeVscode({ workspaceFolder: workspace, settings: { 'gflLens.executionProviders': ['cpu'], 'gflLens.threads': 1 } });
  const extension = requireWithFakeVscode(path.join(repo, 'dist', 'extension.js'), fake) as { activate(ctx: unknown): void };
  const context = fakeExtensionContext(repo, fs.mkdtempSync(path.join(os.tmpdir(), `gfl-ui-${prefix}-`)));
  extension.activate(context);
  live.push(context);
  await fake.vscode.commands.executeCommand('gflLens.runOnCocoDataset', Uri.file(annotations));
  assert.deepEqual(fake.messages.filter((m) => m.level === 'error'), []);
  return { fake, context, workspace };
}
