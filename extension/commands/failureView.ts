// Failures view title commands: which detections the tree lists (population and operating threshold), the shared
// view filter (class, size, image) and its clearing, "Show more" paging, and reopening a recent run.
import fs from 'node:fs';
import * as vscode from 'vscode';
import { CommandId, SHOW_VIEW_CONTAINER_COMMAND } from '../contributionIds.ts';
import { SIZE_NAMES } from '../core/analytics/scoreIoU.ts';
import { NO_VIEW_FILTER } from '../state/session.ts';
import { baseName } from '../state/runModel.ts';
import { FAILURE_KINDS, type FailureKind } from '../views/failureGroups.ts';
import { reportError, type CommandContext } from './commandContext.ts';

interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

/** Parses the operating threshold typed by the user: a number in [0, 1], else the reason it is not one. */
export function parseThreshold(text: string): { value: number } | { error: string } {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) return { error: 'Type a score between 0 and 1, e.g. 0.25.' };
  if (value < 0 || value > 1) return { error: `${value} is outside [0, 1]: scores are probabilities.` };
  return { value };
}

export function registerFailureViewCommands(ctx: CommandContext): vscode.Disposable[] {
  const { session } = ctx;
  return [
    vscode.commands.registerCommand(CommandId.SetFailurePopulation, async () => {
      const threshold = session.operatingThreshold;
      const current = session.failurePopulation;
      const choices: Choice<'operating' | 'all' | 'threshold'>[] = [
        { label: `Detections scoring ≥ ${threshold}`, description: current === 'operating' ? 'current' : '', detail: 'The boxes a deployed detector shows (the operating threshold); Miss = ground truth no true positive at that score found', value: 'operating' },
        { label: 'Every stored detection', description: current === 'all' ? 'current' : '', detail: 'TIDE\'s population, down to the run\'s score floor (e.g. 0.05): the counts TIDE\'s dAP is computed on', value: 'all' },
        { label: 'Change the operating threshold…', description: `now ${threshold}`, detail: 'For this session; the gflLens.operatingThreshold setting sets the default', value: 'threshold' },
      ];
      const pick = await vscode.window.showQuickPick(choices, { title: 'GFL Lens: Failures population' });
      if (!pick) return;
      if (pick.value !== 'threshold') {
        session.setFailurePopulation(pick.value);
        return;
      }
      const typed = await vscode.window.showInputBox({
        title: 'GFL Lens: Operating threshold', prompt: 'Score at which TP/FP/FN, the confusion matrix and the Failures tree are counted (Ultralytics\' conf is 0.25)',
        value: String(threshold), validateInput: (text) => { const parsed = parseThreshold(text); return 'error' in parsed ? parsed.error : undefined; },
      });
      if (typed === undefined) return;
      const parsed = parseThreshold(typed);
      if ('error' in parsed) return;
      session.setOperatingThreshold(parsed.value);
      session.setFailurePopulation('operating');
    }),

    vscode.commands.registerCommand(CommandId.FilterFailures, async () => {
      const snapshot = session.snapshot;
      if (!snapshot) return;
      const { run } = snapshot;
      const filter = session.viewFilter;
      const what = await vscode.window.showQuickPick<Choice<'class' | 'size' | 'image' | 'clear'>>([
        { label: 'Class…', description: filter.categoryId !== null ? `now ${run.categories?.find((c) => c.id === filter.categoryId)?.name ?? filter.categoryId}` : '', value: 'class' },
        { label: 'Size…', description: filter.size ?? '', detail: 'COCO area ranges: small < 32², medium < 96², large', value: 'size' },
        { label: 'Image…', description: filter.imageIndex !== null ? `now ${baseName(run.table.images.file[filter.imageIndex] ?? '')}` : '', value: 'image' },
        { label: 'Clear the filter', value: 'clear' },
      ], { title: 'GFL Lens: Filter views' });
      if (!what) return;
      if (what.value === 'clear') {
        session.setViewFilter(NO_VIEW_FILTER);
      } else if (what.value === 'class') {
        if (!run.categories?.length) {
          void vscode.window.showInformationMessage('GFL Lens: the run has no ground truth, so there are no dataset categories to filter by.');
          return;
        }
        const pick = await vscode.window.showQuickPick<Choice<number | null>>([
          { label: 'Every class', value: null },
          ...[...run.categories].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ label: c.name, description: `category ${c.id}`, value: c.id })),
        ], { title: 'GFL Lens: Filter by class', matchOnDescription: true });
        if (pick) session.setViewFilter({ categoryId: pick.value });
      } else if (what.value === 'size') {
        const pick = await vscode.window.showQuickPick<Choice<(typeof SIZE_NAMES)[number] | null>>([
          { label: 'Every size', value: null }, ...SIZE_NAMES.map((size) => ({ label: size, value: size })),
        ], { title: 'GFL Lens: Filter by COCO size' });
        if (pick) session.setViewFilter({ size: pick.value });
      } else {
        const files = run.table.images.file;
        const pick = await vscode.window.showQuickPick<Choice<number | null>>([
          { label: 'Every image', value: null },
          ...Array.from({ length: run.table.images.count }, (_, i) => ({ label: baseName(files[i]), description: files[i], value: i })),
        ], { title: 'GFL Lens: Filter by image', matchOnDescription: true });
        if (pick) session.setViewFilter({ imageIndex: pick.value });
      }
    }),

    vscode.commands.registerCommand(CommandId.ClearViewFilter, () => session.setViewFilter(NO_VIEW_FILTER)),

    vscode.commands.registerCommand(CommandId.ShowMoreFailures, async (kind?: unknown) => {
      if (typeof kind === 'string' && (FAILURE_KINDS as readonly string[]).includes(kind)) await session.showMoreFailures(kind as FailureKind);
    }),

    vscode.commands.registerCommand(CommandId.OpenRecentRun, async () => {
      const recent = session.recentRuns;
      if (!recent.length) {
        void vscode.window.showInformationMessage('GFL Lens: no recent runs in this workspace yet. Run GFL on a dataset or load a run first.');
        return;
      }
      const shown = session.snapshot?.run.sourcePath;
      const pick = await vscode.window.showQuickPick(recent.map((r) => ({
        label: r.label, value: r,
        description: `${r.ref.kind === 'results' ? 'COCO results' : r.complete ? 'complete' : 'partial'}${r.ref.path === shown ? ' · shown now' : ''}`,
        detail: `${r.ref.path} · ${r.shownAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
      })), { title: 'GFL Lens: Open Recent Run', matchOnDetail: true });
      if (!pick) return;
      const { ref } = pick.value;
      if (!fs.existsSync(ref.path)) {
        await session.forgetRecent(ref.path);
        void vscode.window.showWarningMessage(`GFL Lens: ${ref.path} no longer exists; removed from the recent runs.`);
        return;
      }
      try {
        await session.open(ref);
        void vscode.commands.executeCommand(SHOW_VIEW_CONTAINER_COMMAND);
      } catch (error) {
        reportError(ctx, 'Open Recent Run', error);
      }
    }),
  ];
}
