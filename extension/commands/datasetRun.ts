// The dataset run flow of the extension (as `gfl-lens detect`): images → detector.detectMany → run file, with a
// cancellable progress notification, the views refreshed from the partial run every 2 s.
import path from 'node:path';
import * as vscode from 'vscode';
import type { CocoDataset } from '../core/coco/cocoLoad.ts';
import type { DatasetReference, RunErrorRecord, RunImageRecord } from '../core/runFormat.ts';
import type { ImageItem } from '../io/imageSources.ts';
import { RunWriter } from '../io/runFiles.ts';
import { requireTrust } from '../state/modelService.ts';
import { loadedRunFromRun } from '../state/runLoader.ts';
import { InspectorPanel } from '../webviews/inspectorPanel.ts';
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

export async function runDataset(ctx: CommandContext, request: DatasetRunRequest): Promise<void> {
  if (!requireTrust('Running a model')) return;
  if (ctx.session.running) {
    void vscode.window.showWarningMessage('GFL Lens: a run is already in progress; cancel it from its notification or wait for it to finish.');
    return;
  }
  const outPath = path.join(runsDirectory(ctx.extension), runFileName(request.name));
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `GFL Lens: ${request.title}`, cancellable: true }, async (progress, token) => {
    progress.report({ message: 'loading model…' });
    let writer: RunWriter | undefined;
    let release: (() => void) | undefined;
    ctx.session.running = true;
    try {
      const held = await ctx.models.acquire();
      release = held.release;
      const detector = held.detector;
      if (token.isCancellationRequested) return;
      const header = detector.runHeader(request.reference);
      writer = await RunWriter.create(outPath, header);
      const images: RunImageRecord[] = [];
      const errors: RunErrorRecord[] = [];
      for (const r of request.rejected ?? []) {
        const record: RunErrorRecord = { record: 'error', file: r.label, imageId: r.imageId, message: r.message };
        errors.push(record);
        await writer.addError(record);
      }
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      const total = request.items.length;
      let lastRefresh = performance.now();
      let refreshing: Promise<unknown> | undefined;
      ctx.log.info(`run ${request.title}: ${total} images → ${outPath}`);
      try {
        for await (const { item, result, error } of detector.detectMany(request.items, controller.signal)) {
          if (result) {
            const record: RunImageRecord = {
              record: 'image', file: item.label, imageId: item.imageId,
              width: result.transform.originalWidth, height: result.transform.originalHeight,
              transform: result.transform, timingMs: result.timingMs, detections: result.detections,
            };
            images.push(record);
            await writer.addImage(record);
          } else {
            const record: RunErrorRecord = { record: 'error', file: item.label, imageId: item.imageId, message: error!.message };
            errors.push(record);
            await writer.addError(record);
            ctx.log.warn(`skipped ${item.label}: ${error!.message}`);
          }
          const done = images.length + errors.length - (request.rejected?.length ?? 0);
          progress.report({ increment: 100 / total, message: `${done}/${total} images` });
          // Stream into the views: analysis runs in a worker while detection goes on; one refresh in flight at a time.
          if (!refreshing && performance.now() - lastRefresh > REFRESH_MS && total > 1) {
            lastRefresh = performance.now();
            const partial = await loadedRunFromRun({ header, images: images.slice(), errors: errors.slice(), complete: false }, writer.partialPath, request.dataset ?? null);
            refreshing = ctx.session.show(partial).catch((error: Error) => ctx.log.warn(`refresh failed: ${error.message}`)).finally(() => {
              refreshing = undefined;
            });
          }
        }
      } finally {
        cancel.dispose();
        await refreshing;
      }
      if (controller.signal.aborted) {
        await writer.abandon();
        ctx.log.info(`run stopped after ${images.length} images; partial run at ${writer.partialPath}`);
        await ctx.session.show(await loadedRunFromRun({ header, images, errors, complete: false }, writer.partialPath, request.dataset ?? null),
          { kind: 'run', path: writer.partialPath });
        void vscode.window.showInformationMessage(`GFL Lens: run cancelled after ${images.length} of ${total} images (kept as an incomplete run).`);
        return;
      }
      const footer = await writer.complete();
      writer = undefined;
      ctx.log.info(`run done: ${footer.images} images, ${footer.detections} detections, ${footer.errors} errors in ${(footer.timingMs.wall / 1000).toFixed(1)} s`);
      const run = await loadedRunFromRun({ header, images, errors, footer, complete: true }, outPath, request.dataset ?? null);
      await ctx.session.show(run, { kind: 'run', path: outPath });
      if (request.openInspector && images.length) InspectorPanel.show(ctx.panels, { imageIndex: 0, detIndex: null });
      else if (errors.length) void vscode.window.showWarningMessage(`GFL Lens: ${errors.length} image(s) failed; see the "GFL Lens" output.`);
    } catch (error) {
      await writer?.abandon();
      reportError(ctx, request.title, error);
    } finally {
      release?.();
      ctx.session.running = false;
    }
  });
}
