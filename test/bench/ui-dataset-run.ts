// "Run GFL on COCO Dataset" over ../shared/data/coco128 through the built extension (dist/extension.js) with the
// recording fake vscode: wall time, how often the views were refreshed while streaming, and the extension host's
// event-loop delay (what a user would feel as a sluggish extension host) compared with an idle baseline.
// Usage: node --import tsx test/bench/ui-dataset-run.ts [model.onnx]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createFakeVscode, fakeExtensionContext, requireWithFakeVscode, Uri } from '../unit/ui-fakeVscode.ts';

const repo = path.resolve(__dirname, '../..');
const shared = path.resolve(repo, '../shared');

async function main(): Promise<void> {
  const model = process.argv[2] ?? path.join(shared, 'models/nanodet-m-320.onnx');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-bench-'));
  const fake = createFakeVscode({ workspaceFolder: workspace, settings: { 'gflLens.model': model, 'gflLens.executionProviders': ['cpu'] } });
  const extension = requireWithFakeVscode(path.join(repo, 'dist/extension.js'), fake) as { activate(ctx: unknown): void };
  const context = fakeExtensionContext(repo, workspace);
  extension.activate(context);

  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  idle.disable();

  const tree = fake.treeViews.get('gflLens.failures')!.treeDataProvider;
  let refreshes = 0;
  (tree as unknown as { onDidChangeTreeData(l: () => void): void }).onDidChangeTreeData(() => refreshes++);
  const busy = monitorEventLoopDelay({ resolution: 5 });
  busy.enable();
  const started = performance.now();
  await fake.vscode.commands.executeCommand('gflLens.runOnCocoDataset', Uri.file(path.join(shared, 'data/coco128/annotations/instances.json')));
  const wall = performance.now() - started;
  busy.disable();
  const errors = fake.messages.filter((m) => m.level === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.text).join('\n'));
  const groups = (tree.getChildren() as { group: { kind: string; count: number } }[]).map((g) => `${g.group.kind} ${g.group.count}`);
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(`model ${path.basename(model)}, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`coco128 run: ${(wall / 1000).toFixed(1)} s wall, ${refreshes} tree refreshes while streaming (every ≥ 2 s + final)`);
  console.log(`event-loop delay idle: p50 ${ms(idle.percentile(50))} ms, p99 ${ms(idle.percentile(99))} ms, max ${ms(idle.max)} ms`);
  console.log(`event-loop delay during the run: p50 ${ms(busy.percentile(50))} ms, p99 ${ms(busy.percentile(99))} ms, max ${ms(busy.max)} ms`);
  console.log(`failures: ${groups.join(', ')}`);
  console.log(fake.logLines.filter((l) => /analysed|run done|loading model/.test(l)).join("\n"));
  for (const s of context.subscriptions) s.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
