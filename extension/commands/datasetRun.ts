// The dataset run flow of the extension, on the same run loop as `gfl-lens detect` (pipeline/runDetection.ts):
// images → detector → run store, with a cancellable progress notification; images stream into the analysis worker
// and the views refresh from it every 2 s.
import path from 'node:path';
import * as vscode from 'vscode';
import { unmappedSetupWarning } from '../core/coco/categoryMapping.ts';
import type { CocoDataset } from '../core/coco/cocoLoad.ts';
import { SIDECAR_PROFILE_SUFFIX } from '../inference/detector.ts';
import type { DatasetReference, RunErrorRecord, RunImageRecord } from '../core/runFormat.ts';
import type { ImageItem } from '../io/imageSources.ts';
import { RunStoreWriter } from '../io/runStore.ts';
import { runDetection } from '../pipeline/runDetection.ts';
import { requireTrust } from '../state/modelService.ts';
import { TIDE_MAIN_ERRORS } from '../core/coco/matching.ts';
import { SHOW_VIEW_CONTAINER_COMMAND } from '../contributionIds.ts';
import { EvaluationPanel } from '../webviews/evaluationPanel.ts';
import { InspectorPanel } from '../webviews/inspectorPanel.ts';
import type { SessionSnapshot } from '../state/session.ts';
import { reportError, runFileName, runsDirectory, type CommandContext } from './commandContext.ts';

export interface DatasetRunRequest {
  title: string;
  name: string;
  items: ImageItem[];
  rejected?: { label: string; imageId: number; message: string }[];
  dataset?: CocoDataset;
  reference: DatasetReference;
  /** Open the inspector on the first image when done (single images). */
  openInspector?: boolean;
}

const REFRESH_MS = 2000;
const RUN_ANYWAY = 'Run Anyway';

/** "nanodet-m-320.onnx" → "nanodet-m-320". */
export function modelStem(fileName: string): string {
  return path.basename(fileName).replace(/\.onnx$/i, '');
}

export async function runDataset(ctx: CommandContext, request: DatasetRunRequest): Promise<void> {
  if (!requireTrust('Running a model')) return;
  if (ctx.session.running) {
    void vscode.window.showWarningMessage('GFL Lens: a run is already in progress; cancel it from its notification or wait for it to finish.');
    return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `GFL Lens: ${request.title}`, cancellable: true }, async (progress, token) => {
    progress.report({ message: 'loading model…' });
    let release: (() => void) | undefined;
    ctx.session.running = true;
    try {
      const held = await ctx.models.acquire();
      release = held.release;
      const detector = held.detector;
      if (token.isCancellationRequested) return;
      const header = detector.runHeader(request.reference);
      // A model whose classes match none of the dataset's categories would only produce "Miss": stop before the run.
      const wrongSetup = request.dataset && request.reference.annotations
        ? unmappedSetupWarning(header.profile.classNames, request.dataset.categories, path.basename(header.model.fileName), SIDECAR_PROFILE_SUFFIX) : null;
      if (wrongSetup) {
        ctx.log.warn(`${wrongSetup.message}\n${wrongSetup.detail}`);
        const choice = await vscode.window.showWarningMessage(`GFL Lens: ${wrongSetup.message}`, { modal: true, detail: wrongSetup.detail }, RUN_ANYWAY);
        if (choice !== RUN_ANYWAY) return;
      }
      // "<model>-<dataset>-<time>.gflrun": runs of several models on one dataset stay apart in the folder.
      const outPath = path.join(runsDirectory(ctx.extension), runFileName(`${modelStem(header.model.fileName)}-${request.name}`));
      const writer = await RunStoreWriter.create(outPath, header);
      await ctx.session.begin(header, writer.partialPath, request.reference.annotations ?? null);
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      const total = request.items.length;
      // Images and errors not yet sent to the analysis worker.
      let pendingImages: RunImageRecord[] = [];
      let pendingErrors: RunErrorRecord[] = [];
      let lastRefresh = performance.now();
      let refreshing: Promise<unknown> | undefined;
      const flush = (): Promise<unknown> => {
        const images = pendingImages, errors = pendingErrors;
        pendingImages = [];
        pendingErrors = [];
        return ctx.session.append(images, errors, null);
      };
      ctx.log.info(`run ${request.title}: ${total} images → ${outPath}`);
      let result;
      try {
        result = await runDetection(detector, request.items.map((item, itemIndex) => ({ ...item, itemIndex })), writer, {
          signal: controller.signal,
          onImage: (record) => pendingImages.push(record),
          onError: (record) => {
            pendingErrors.push(record);
            ctx.log.warn(`skipped ${record.file}: ${record.message}`);
          },
          onProgress: (p) => {
            progress.report({ increment: 100 / total, message: `${p.done}/${total} images` });
            // Stream into the views: analysis runs in the worker while detection goes on; one refresh in flight.
            if (!refreshing && performance.now() - lastRefresh > REFRESH_MS && total > 1) {
              lastRefresh = performance.now();
              refreshing = flush().catch((error: Error) => ctx.log.warn(`refresh failed: ${error.message}`)).finally(() => { refreshing = undefined; });
            }
          },
        }, (request.rejected ?? []).map((r) => ({ record: 'error' as const, file: r.label, imageId: r.imageId, message: r.message })));
      } finally {
        cancel.dispose();
        await refreshing;
      }
      const finalPath = result.stopped || result.fatal ? writer.partialPath : outPath;
      const images = pendingImages, errors = pendingErrors;
      pendingImages = [];
      pendingErrors = [];
      const shown = await ctx.session.append(images, errors, { sourcePath: finalPath, complete: !result.stopped && !result.fatal, footer: result.footer });
      if (result.fatal) throw new Error(`the model could not run: ${result.fatal}`);
      if (result.stopped) {
        ctx.log.info(`run stopped after ${result.images} images; partial run at ${writer.partialPath}`);
        void vscode.window.showInformationMessage(`GFL Lens: run cancelled after ${result.images} of ${total} images (kept as an incomplete run).`);
        return;
      }
      const footer = result.footer!;
      ctx.log.info(`run done: ${footer.images} images, ${footer.detections} detections, ${footer.errors} errors in ${(footer.timingMs.wall / 1000).toFixed(1)} s`);
      if (request.openInspector && shown && shown.run.table.images.count) InspectorPanel.show(ctx.panels, { imageIndex: 0, detIndex: null });
      else if (shown?.analysis.evaluation) {
        // A dataset run with ground truth ends on its evaluation: the view, and a summary of where AP is lost.
        EvaluationPanel.show(ctx.panels, true);
        void announceEvaluation(shown, result.errors);
      } else if (result.errors) void vscode.window.showWarningMessage(`GFL Lens: ${result.errors} image(s) failed; see the "GFL Lens" output.`);
    } catch (error) {
      reportError(ctx, request.title, error);
    } finally {
      release?.();
      ctx.session.running = false;
    }
  });
}

/** "AP 0.254 (AP50 0.412); largest TIDE losses: Loc dAP 4.1, Miss 3.2, Bkg 1.9", with a way to the failures. */
async function announceEvaluation(shown: SessionSnapshot, failedImages: number): Promise<void> {
  const ev = shown.analysis.evaluation!;
  const stat = (key: string) => ev.stats[ev.statKeys.indexOf(key)];
  const top = [...TIDE_MAIN_ERRORS].sort((a, b) => ev.tide.dAP[b] - ev.tide.dAP[a]).slice(0, 3).map((e) => `${e} ${ev.tide.dAP[e].toFixed(1)}`);
  const failed = failedImages ? ` ${failedImages} image(s) failed (see the "GFL Lens" output).` : '';
  const choice = await vscode.window.showInformationMessage(
    `GFL Lens: AP ${stat('AP').toFixed(3)} (AP50 ${stat('AP50').toFixed(3)}); largest TIDE losses (dAP): ${top.join(', ')}.${failed}`, 'Show Failures');
  if (choice === 'Show Failures') await vscode.commands.executeCommand(SHOW_VIEW_CONTAINER_COMMAND);
}
