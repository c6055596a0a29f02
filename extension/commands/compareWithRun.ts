// GFL Lens: Compare with Run… — the shown run is A; B is a saved run, a COCO results file, or a second model run on
// A's dataset (written to the runs folder without replacing the shown run). The comparison is computed in the
// analysis worker and shown in the comparison view.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CommandId } from '../contributionIds.ts';
import { RUN_FILE_EXTENSION } from '../core/runFormat.ts';
import { Detector } from '../inference/detector.ts';
import { cocoImageItems } from '../io/imageSources.ts';
import { loadGroundTruth } from '../io/runAnalysis.ts';
import { RunStoreWriter } from '../io/runStore.ts';
import { runDetection } from '../pipeline/runDetection.ts';
import { detectorOptionsFromSettings, resolveModelPath } from '../state/detectorSettings.ts';
import { readSettings, requireTrust, settingsEnvironment } from '../state/modelService.ts';
import { isRunFile, looksLikeResultsList, type PersistedRunRef } from '../state/runLoader.ts';
import { ComparePanel } from '../webviews/comparePanel.ts';
import { reportError, runFileName, runsDirectory, targetUri, type CommandContext } from './commandContext.ts';

type Choice = vscode.QuickPickItem & { pick: 'run' | 'browse-run' | 'results' | 'selected-model' | 'model'; path?: string };

/** Saved runs in the runs folder, newest first (the shown run left out). */
function savedRuns(folder: string, shown: string): { path: string; mtime: number }[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder)
    .filter((name) => name.endsWith(RUN_FILE_EXTENSION))
    .map((name) => path.join(folder, name))
    .filter((file) => path.resolve(file) !== path.resolve(shown))
    .map((file) => ({ path: file, mtime: fs.statSync(file).mtimeMs }))
    .sort((x, y) => y.mtime - x.mtime);
}

/** Runs a model (`given`, else one picked now) over run A's dataset into a new run store (progress, cancel); returns its path. */
async function runSecondModel(ctx: CommandContext, annotations: string, imagesDir: string, given?: string): Promise<string | undefined> {
  if (!requireTrust('Running a model')) return undefined;
  let modelPath = given;
  if (!modelPath) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Run This Model', title: 'ONNX model to run on the same dataset (run B)', filters: { 'ONNX models': ['onnx'] } });
    if (!picked?.length) return undefined;
    modelPath = picked[0].fsPath;
  }
  const dataset = await loadGroundTruth(annotations);
  const { items, rejected } = cocoImageItems(dataset, imagesDir);
  const outPath = path.join(runsDirectory(ctx.extension), runFileName(`${path.basename(modelPath, '.onnx')}-compare`));
  const modelName = path.basename(modelPath);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `GFL Lens: running ${modelName} for the comparison`, cancellable: true }, async (progress, token) => {
    progress.report({ message: 'loading model…' });
    // The model's own profile is detected from its outputs; the decode and provider settings are the user's.
    // A picked model's profile is detected from its outputs; the selected model keeps the profile setting. The decode
    // and provider settings are the user's.
    const settings = readSettings();
    const detector = await Detector.create(detectorOptionsFromSettings(given ? settings : { ...settings, model: modelPath!, profile: '' }, settingsEnvironment(ctx.extension.extensionUri.fsPath)));
    try {
      const reference = { annotations: path.resolve(annotations), imagesDir: path.resolve(imagesDir) };
      const writer = await RunStoreWriter.create(outPath, detector.runHeader(reference));
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        const result = await runDetection(detector, items.map((item, itemIndex) => ({ ...item, itemIndex })), writer, {
          signal: controller.signal,
          onProgress: (p) => progress.report({ increment: 100 / items.length, message: `${p.done}/${items.length} images` }),
          onError: (record) => ctx.log.warn(`compare run: skipped ${record.file}: ${record.message}`),
        }, rejected.map((r) => ({ record: 'error' as const, file: r.label, imageId: r.imageId, message: r.message })));
        if (result.fatal) throw new Error(`the model could not run: ${result.fatal}`);
        if (result.stopped) return undefined;
        ctx.log.info(`compare run ${outPath}: ${result.images} images, ${result.detections} detections`);
        return outPath;
      } finally {
        cancel.dispose();
      }
    } finally {
      await detector.dispose();
    }
  });
}

export function registerCompareWithRun(ctx: CommandContext): vscode.Disposable {
  return vscode.commands.registerCommand(CommandId.CompareWithRun, async (arg?: unknown) => {
    const snapshot = ctx.session.snapshot;
    if (!snapshot) {
      void vscode.window.showWarningMessage('GFL Lens: load or run the first run (A) before comparing.');
      return;
    }
    if (ctx.session.running) {
      void vscode.window.showWarningMessage('GFL Lens: a run is in progress; compare when it has finished (or cancel it from its notification).');
      return;
    }
    if (!snapshot.analysis.evaluation) {
      void vscode.window.showWarningMessage(`GFL Lens: ${snapshot.run.label} has no ground truth; a comparison needs two evaluated runs on the same dataset.`);
      return;
    }
    const runA = snapshot.run;
    try {
      let ref: PersistedRunRef | undefined;
      const given = targetUri(arg)?.fsPath;
      if (given && isRunFile(given) && path.resolve(given) !== path.resolve(runA.sourcePath)) ref = { kind: 'run', path: given };
      if (!ref) {
        const annotations = runA.header.dataset.annotations;
        const imagesDir = runA.imagesDir;
        const selectedModel = (() => {
          try {
            const resolved = resolveModelPath(readSettings(), settingsEnvironment(ctx.extension.extensionUri.fsPath));
            return { path: resolved.path, name: resolved.isDemo ? 'demo model' : path.basename(resolved.path) };
          } catch {
            return { path: undefined, name: 'gflLens.model' };
          }
        })();
        const choices: Choice[] = [
          ...savedRuns(runsDirectory(ctx.extension), runA.sourcePath).slice(0, 20).map((r): Choice => ({
            label: `$(history) ${path.basename(r.path)}`, description: new Date(r.mtime).toLocaleString(), pick: 'run', path: r.path,
          })),
          { label: '$(folder-opened) Saved run…', description: 'a RUN.gflrun folder or a version-1 .gflrun file', pick: 'browse-run' },
          { label: '$(json) COCO results file…', description: 'a results JSON on the same dataset', pick: 'results' },
          ...(annotations && imagesDir ? [
            { label: `$(play) Run the selected model (${selectedModel.name}) on this dataset`, description: `${path.basename(annotations)}; the run is saved beside the others`, pick: 'selected-model' as const },
            { label: '$(play) Run another model on this dataset…', description: 'pick an ONNX file', pick: 'model' as const },
          ] : []),
        ];
        const choice = await vscode.window.showQuickPick(choices, { title: `GFL Lens: Compare ${runA.label} (A) with…`, placeHolder: 'Run B' });
        if (!choice) return;
        if (choice.pick === 'run') ref = { kind: 'run', path: choice.path! };
        else if (choice.pick === 'browse-run') {
          const picked = await vscode.window.showOpenDialog({ canSelectMany: false, canSelectFolders: true, canSelectFiles: true, openLabel: 'Compare with This Run', filters: { 'GFL Lens runs': ['gflrun'] } });
          if (!picked?.length) return;
          ref = { kind: 'run', path: picked[0].fsPath };
        } else if (choice.pick === 'results') {
          const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare with These Results', filters: { 'COCO results': ['json'] } });
          if (!picked?.length) return;
          const file = picked[0].fsPath;
          if (!(await looksLikeResultsList(file))) throw new Error(`${path.basename(file)} is not a COCO results list (it does not start with "[")`);
          if (!annotations) throw new Error(`${runA.label} names no instances file, so results cannot be evaluated against it`);
          ref = { kind: 'results', path: file, annotations, imagesDir };
        } else {
          const out = await runSecondModel(ctx, annotations!, imagesDir!, choice.pick === 'selected-model' ? selectedModel.path : undefined);
          if (!out) return;
          ref = { kind: 'run', path: out };
        }
      }
      const started = performance.now();
      const comparison = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'GFL Lens: comparing runs…' }, () => ctx.session.compareWith(ref));
      ctx.log.info(`compared ${comparison.a.label} with ${comparison.b.label} on ${comparison.dataset.images} images in ${(performance.now() - started).toFixed(0)} ms`);
      if (comparison.dataset.subsetNote) void vscode.window.showInformationMessage(`GFL Lens: ${comparison.dataset.subsetNote}`);
      ComparePanel.show(ctx.panels, comparison, ref);
    } catch (error) {
      reportError(ctx, 'Compare with Run', error);
    }
  });
}
