// The run the views show. One per window: loading a run or streaming a dataset run replaces it and every view
// (tree, inspector, calibration, ambiguity) refreshes from the change event. The last run is remembered per
// workspace (workspaceState) and reopened on activation.
import * as vscode from 'vscode';
import { ContextKey } from '../contributionIds.ts';
import { AnalysisClient } from './analysisClient.ts';
import type { LoadedRun, RunAnalysis } from './runModel.ts';
import { loadPersisted, type PersistedRunRef } from './runLoader.ts';

export const LAST_RUN_KEY = 'gflLens.lastRun';

export interface SessionSnapshot {
  run: LoadedRun;
  analysis: RunAnalysis;
}

export class RunSession implements vscode.Disposable {
  private current: SessionSnapshot | undefined;
  private readonly changed = new vscode.EventEmitter<SessionSnapshot | undefined>();
  private readonly analyzer = new AnalysisClient();
  /** Bumped by every show/clear: an analysis that finishes after a newer request is dropped. */
  private generation = 0;
  readonly onDidChange = this.changed.event;
  /** True while a model run streams into the session (exports wait for it to finish). */
  running = false;

  constructor(private readonly memento: vscode.Memento, private readonly log: vscode.LogOutputChannel) {}

  get snapshot(): SessionSnapshot | undefined {
    return this.current;
  }

  /** Shows a run; `persist` remembers it for the next window reload (only complete, saved runs). */
  async show(run: LoadedRun, persist?: PersistedRunRef): Promise<SessionSnapshot | undefined> {
    const generation = ++this.generation;
    const started = performance.now();
    const analysis = await this.analyzer.analyze(run);
    if (generation !== this.generation) return undefined;
    this.log.info(`analysed ${run.label}: ${run.images.length} images, ${analysis.rows.length} detections in ${(performance.now() - started).toFixed(0)} ms`);
    for (const problem of analysis.problems) this.log.warn(`category mapping: ${problem}`);
    this.current = { run, analysis };
    if (persist) await this.memento.update(LAST_RUN_KEY, persist);
    await vscode.commands.executeCommand('setContext', ContextKey.HasRun, true);
    this.changed.fire(this.current);
    return this.current;
  }

  async clear(): Promise<void> {
    this.generation++;
    this.current = undefined;
    await vscode.commands.executeCommand('setContext', ContextKey.HasRun, false);
    this.changed.fire(undefined);
  }

  /** Reopens the workspace's last run; a missing file is forgotten with a log line, not an error dialog. */
  async restore(): Promise<void> {
    const ref = this.memento.get<PersistedRunRef>(LAST_RUN_KEY);
    if (!ref || typeof ref !== 'object' || typeof ref.path !== 'string') return;
    try {
      await this.show(await loadPersisted(ref));
      this.log.info(`reopened last run ${ref.path}`);
    } catch (error) {
      this.log.warn(`could not reopen last run: ${(error as Error).message}`);
      await this.memento.update(LAST_RUN_KEY, undefined);
    }
  }

  dispose(): void {
    this.analyzer.dispose();
    this.changed.dispose();
  }
}
