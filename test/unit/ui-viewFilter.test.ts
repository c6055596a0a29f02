// The shared view filter across views, in the built extension with the fake VS Code: a class picked in the evaluation
// view narrows the Ambiguity view (whose own class filter is by model class) to the model class mapped to it.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { HostMessageType, WebviewMessageType, type HostToWebview } from '../../extension/protocol/messages.ts';
import { demoDatasetRun } from './helpers/demoDatasetRun.ts';
import { until } from './helpers/until.ts';

const live: { subscriptions: { dispose(): unknown }[] }[] = [];
afterEach(() => {
  for (const context of live.splice(0)) for (const s of context.subscriptions.splice(0)) s.dispose();
});

type AmbiguityMessage = Extract<HostToWebview, { type: HostMessageType.AmbiguityData }>;
type EvaluationMessage = Extract<HostToWebview, { type: HostMessageType.EvaluationData }>;

test('a class row picked in the evaluation view narrows the Ambiguity view to that class; clearing it widens it again', { timeout: 120000 }, async () => {
  // The built-in demo model (real, with distributions) on its own dataset.
  const { fake } = await demoDatasetRun(6, 'filter', live);

  await fake.vscode.commands.executeCommand('gflLens.openAmbiguity');
  const ambiguity = fake.panels.find((p) => p.viewType === 'gflLens.ambiguity')!;
  const pages = () => ambiguity.posted.filter((m) => (m as HostToWebview).type === HostMessageType.AmbiguityData) as AmbiguityMessage[];
  ambiguity.receive({ type: WebviewMessageType.Ready });
  await until(() => pages().length > 0, 'ambiguity data', 30000);
  const unfiltered = pages().at(-1)!.data;
  assert.equal(unfiltered.filters?.classIndex, null);
  const classesShown = new Set(unfiltered.cards.map((c) => c.className));
  assert.ok(classesShown.size > 1, `ambiguous boxes of several classes: ${[...classesShown].join(', ')}`);

  if (!fake.panels.some((p) => p.viewType === 'gflLens.evaluation')) await fake.vscode.commands.executeCommand('gflLens.openEvaluation');
  const evaluation = fake.panels.find((p) => p.viewType === 'gflLens.evaluation')!;
  evaluation.receive({ type: WebviewMessageType.Ready });
  await until(() => evaluation.posted.some((m) => (m as HostToWebview).type === HostMessageType.EvaluationData), 'evaluation data', 30000);
  const { data } = evaluation.posted.find((m) => (m as HostToWebview).type === HostMessageType.EvaluationData) as EvaluationMessage;
  const picked = data.classes.find((c) => c.name === unfiltered.cards[0].className)!;
  assert.ok(picked, `the evaluation view lists ${unfiltered.cards[0].className}`);

  const before = pages().length;
  evaluation.receive({ type: WebviewMessageType.FilterCategory, categoryId: picked.categoryId });
  await until(() => pages().length > before, 'an ambiguity page under the class filter', 30000);
  const narrowed = pages().at(-1)!.data;
  assert.notEqual(narrowed.filters?.classIndex, null);
  assert.ok(narrowed.cards.length > 0);
  assert.deepEqual([...new Set(narrowed.cards.map((c) => c.className))], [picked.name]);
  assert.ok((narrowed.total ?? 0) < (unfiltered.total ?? 0));

  const beforeClear = pages().length;
  evaluation.receive({ type: WebviewMessageType.FilterCategory, categoryId: null });
  await until(() => pages().length > beforeClear, 'an ambiguity page without the filter', 30000);
  assert.equal(pages().at(-1)!.data.filters?.classIndex, null);
  assert.equal(pages().at(-1)!.data.total, unfiltered.total);
});
