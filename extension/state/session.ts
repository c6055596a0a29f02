// The run the views show. One per window: loading a run or streaming a dataset run replaces it and every view
// (tree, inspector, calibration, ambiguity) refreshes from the change event. The run and its analysis live in the
// analysis worker; the session holds what the worker sent (columns without distributions + the analysis). The last
// run is remembered per workspace (workspaceState) and reopened on activation.
import * as vscode from 'vscode';
import { ContextKey } from '../contributionIds.ts';
import type { GflAnalysis } from '../core/analytics/analysis.ts';
import type { AmbiguityPage, AmbiguityQuery } from '../core/analytics/ambiguityQuery.ts';
import { FailureContextIndex } from '../core/analytics/failureContext.ts';
import type { RunErrorRecord, RunFooter, RunHeader, RunImageRecord } from '../core/runFormat.ts';
import type { ExportProgress, ExportReportResult, ReportFormat } from '../report/exportReport.ts';
import { AnalysisClient } from './analysisClient.ts';
import type { ComparedImageDetails, ImageDetails, RunSnapshotData } from './analysisWorker.ts';
import type { RunComparison } from '../core/analytics/compare.ts';
import type { PersistedRunRef } from './runLoader.ts';
import type { LoadedRun } from './runModel.ts';
import type { FailureGroup, FailureKind, FailureQuery } from '../views/failureGroups.ts';
import { FAILURE_PAGE_SIZE } from '../views/failureGroups.ts';
import { operatingThresholdOrDefault } from '../core/operatingPoint.ts';
import { readSettings } from './modelService.ts';

export const LAST_RUN_KEY = 'gflLens.lastRun';
/** The workspace's recently shown runs, newest first (workspaceState), for "Open Recent Run". */
export const RECENT_RUNS_KEY = 'gflLens.recentRuns';
export const MAX_RECENT_RUNS = 10;

/** A run the workspace showed before: how to reopen it and what to call it in the list. */
export interface RecentRun {
  ref: PersistedRunRef;
  label: string;
  complete: boolean;
  /** ISO time it was last shown. */
  shownAt: string;
}

/** Which detections the Failures tree lists: those at the operating threshold (default) or every stored one (TIDE). */
export type FailurePopulation = 'operating' | 'all';

/** What the views show of the run: set by a click in one view (a class row, a size, an image), read by all of them. */
export interface ViewFilter {
  /** A dataset category id; null = every category. */
  categoryId: number | null;
  size: 'small' | 'medium' | 'large' | null;
  /** Index of the image in the run's image table. */
  imageIndex: number | null;
}

export const NO_VIEW_FILTER: Readonly<ViewFilter> = Object.freeze({ categoryId: null, size: null, imageIndex: null });

export interface SessionSnapshot {
  run: LoadedRun;
  /** The run's analysis as the worker computed it, except `missed` (empty here: the Failures groups list them). */
  analysis: GflAnalysis;
  /** The Failures sidebar's groups, computed by the worker. */
  failures: FailureGroup[];
  /** What each listed failure relates to, by detectionContextKey / missedContextKey (core/analytics/failureContext.ts). */
  failureContexts: FailureContextIndex;
}

export class RunSession implements vscode.Disposable {
  private current: SessionSnapshot | undefined;
  private ref: PersistedRunRef | undefined;
  private readonly changed = new vscode.EventEmitter<SessionSnapshot | undefined>();
  private readonly thresholdChanged = new vscode.EventEmitter<number>();
  /** Set for the session by a view (e.g. "use max-F1"); undefined follows the gflLens.operatingThreshold setting. */
  private thresholdOverride: number | undefined;
  private filter: Readonly<ViewFilter> = NO_VIEW_FILTER;
  private readonly filterChanged = new vscode.EventEmitter<Readonly<ViewFilter>>();
  /** Fires when a view narrows or clears the shared filter. */
  readonly onDidChangeViewFilter = this.filterChanged.event;
  private readonly analyzer = new AnalysisClient();
  private population: FailurePopulation = 'operating';
  private failureLimits: Partial<Record<FailureKind, number>> = {};
  private readonly failuresChanged = new vscode.EventEmitter<readonly FailureGroup[]>();
  /** Fires when the Failures groups are recomputed for another population, threshold, filter or page. */
  readonly onDidChangeFailures = this.failuresChanged.event;
  /** Bumped by every load/clear: an answer that arrives after a newer request is dropped. */
  private generation = 0;
  readonly onDidChange = this.changed.event;
  /** Fires with the new operating threshold when a view or the setting changes it. */
  readonly onDidChangeOperatingThreshold = this.thresholdChanged.event;
  private readonly operatingPointChanged = new vscode.EventEmitter<SessionSnapshot>();
  /** Fires when the shown run's operating point (counts, per-image table, confusion matrix) was recomputed at a new threshold. */
  readonly onDidChangeOperatingPoint = this.operatingPointChanged.event;
  /** True while a model run streams into the session (exports wait for it to finish). */
  running = false;

  constructor(private readonly memento: vscode.Memento, private readonly log: vscode.LogOutputChannel) {}

  get snapshot(): SessionSnapshot | undefined {
    return this.current;
  }

  /** The score at which TP/FP/FN, the confusion matrix and the Failures tree are counted (core/operatingPoint.ts). */
  get operatingThreshold(): number {
    return this.thresholdOverride ?? readSettings().operatingThreshold;
  }

  /** Sets the operating threshold for this session (undefined: back to the setting) and tells every view. */
  setOperatingThreshold(value: number | undefined): void {
    const before = this.operatingThreshold;
    this.thresholdOverride = value === undefined ? undefined : operatingThresholdOrDefault(value);
    if (this.operatingThreshold !== before) this.thresholdMoved();
  }

  /** Whether the Failures tree lists detections at the operating threshold or every stored detection. */
  get failurePopulation(): FailurePopulation {
    return this.population;
  }

  setFailurePopulation(population: FailurePopulation): void {
    if (population === this.population) return;
    this.population = population;
    this.refreshFailures(true);
  }

  /** Lists FAILURE_PAGE_SIZE more items of one group. */
  showMoreFailures(kind: FailureKind): Promise<void> {
    const shown = this.current?.failures.find((g) => g.kind === kind)?.items.length ?? 0;
    this.failureLimits = { ...this.failureLimits, [kind]: shown + FAILURE_PAGE_SIZE };
    return this.refreshFailures(false);
  }

  /** What the worker groups failures by: population, the view filter and each group's page size. */
  get failureQuery(): FailureQuery {
    const { categoryId, size, imageIndex } = this.filter;
    return { minScore: this.population === 'all' ? null : this.operatingThreshold, filter: { categoryId, size, imageIndex }, limits: { ...this.failureLimits } };
  }

  /** Regroups the shown run's failures in the worker (a new population or filter starts again at the first page). */
  private refreshFailures(resetPages: boolean): Promise<void> {
    if (resetPages) this.failureLimits = {};
    const shown = this.current;
    if (!shown) return Promise.resolve();
    const generation = this.generation;
    return this.analyzer.failures(this.failureQuery).then(({ failures, failureContextsJson }) => {
      // Same run (the snapshot object itself may have been replaced by an operating-point update meanwhile).
      const current = this.current;
      if (generation !== this.generation || current?.run !== shown.run) return;
      current.failures = failures;
      current.failureContexts = new FailureContextIndex(failureContextsJson);
      this.failuresChanged.fire(failures);
    }, (error: Error) => this.log.warn(`failure groups not updated: ${error.message}`));
  }

  /** Tells the views, and has the worker recount the operating point at the new threshold (not the host). */
  private thresholdMoved(): void {
    const threshold = this.operatingThreshold;
    this.thresholdChanged.fire(threshold);
    if (this.population === 'operating') void this.refreshFailures(true);
    const generation = this.generation;
    this.analyzer.operatingPoint(threshold).then((operatingPoint) => {
      const current = this.current;
      if (!current || !operatingPoint || generation !== this.generation || threshold !== this.operatingThreshold) return;
      // In place: the snapshot stays the same object, so requests in flight for it (an inspector image) still land.
      current.analysis = { ...current.analysis, operatingPoint };
      this.operatingPointChanged.fire(current);
    }, (error: Error) => this.log.warn(`operating point at ${threshold}: ${error.message}`));
  }

  get viewFilter(): Readonly<ViewFilter> {
    return this.filter;
  }

  /** Narrows every view (partial: the fields given replace the current ones; NO_VIEW_FILTER clears). */
  setViewFilter(change: Partial<ViewFilter>): void {
    this.filter = change === NO_VIEW_FILTER ? NO_VIEW_FILTER : Object.freeze({ ...this.filter, ...change });
    this.filterChanged.fire(this.filter);
    this.refreshFailures(true);
  }

  /**
   * A filter names categories and images of the run it was set on: showing another run clears it, before that run's
   * failure groups are requested (they are grouped with the cleared filter).
   */
  private clearFilterForAnotherRun(sourcePath: string): void {
    if (!this.current || this.current.run.sourcePath === sourcePath || this.filter === NO_VIEW_FILTER) return;
    this.filter = NO_VIEW_FILTER;
    this.failureLimits = {};
    this.filterChanged.fire(this.filter);
  }

  /** Called when gflLens.operatingThreshold changes: views follow unless a session value is set. */
  settingChanged(): void {
    if (this.thresholdOverride === undefined) this.thresholdMoved();
  }

  /** Loads a saved run (or results file) in the worker and shows it; `persist` remembers it for the next reload. */
  async open(ref: PersistedRunRef, persist = true): Promise<SessionSnapshot | undefined> {
    const generation = ++this.generation;
    this.clearFilterForAnotherRun(ref.path);
    const started = performance.now();
    // Queued before the run: the worker analyses it at the session's threshold.
    void this.analyzer.operatingPoint(this.operatingThreshold).catch(() => undefined);
    const full = await this.analyzer.open(ref, (summary) => {
      if (generation === this.generation) void this.publish(summary, generation);
    }, this.failureQuery);
    if (generation !== this.generation) return undefined;
    this.ref = ref;
    this.log.info(`analysed ${full.run.label}: ${full.run.table.images.count} images, ${full.analysis.rows.count} detections in ${(performance.now() - started).toFixed(0)} ms`);
    for (const problem of full.analysis.evaluation?.categoryProblems ?? []) this.log.warn(`category mapping: ${problem}`);
    const shown = await this.publish(full, generation);
    if (persist && full.run.complete) await this.memento.update(LAST_RUN_KEY, ref);
    if (persist) await this.remember(ref, full.run.label, full.run.complete);
    return shown;
  }

  /** Starts a dataset run that streams into the views. */
  async begin(header: RunHeader, sourcePath: string, annotations: string | null): Promise<void> {
    ++this.generation;
    this.clearFilterForAnotherRun(sourcePath);
    this.ref = { kind: 'run', path: sourcePath };
    void this.analyzer.operatingPoint(this.operatingThreshold).catch(() => undefined);
    await this.analyzer.begin(header, sourcePath, annotations);
  }

  /** Adds streamed images (and, with `final`, ends the run) and shows the updated analysis. */
  async append(images: RunImageRecord[], errors: RunErrorRecord[], final: { sourcePath: string; complete: boolean; footer?: RunFooter } | null): Promise<SessionSnapshot | undefined> {
    const generation = this.generation;
    const data = await this.analyzer.append(images, errors, final, this.failureQuery);
    if (generation !== this.generation) return undefined;
    if (final) {
      // Remembered even when incomplete: a cancelled run reopens as the ".partial" it is.
      this.ref = { kind: 'run', path: final.sourcePath };
      await this.memento.update(LAST_RUN_KEY, this.ref);
      await this.remember(this.ref, data.run.label, data.run.complete);
    }
    return this.publish(data, generation);
  }

  /** One page of the shown run's boxes ranked by ambiguity (the Ambiguity view's filters and paging). */
  ambiguousPage(query: AmbiguityQuery): Promise<AmbiguityPage> {
    return this.analyzer.ambiguous(query);
  }

  /** One image's detections with distributions and its ground truth (from the worker, which keeps the run). */
  async imageDetails(imageIndex: number): Promise<ImageDetails> {
    try {
      return await this.analyzer.image(imageIndex);
    } catch (error) {
      // A worker that died lost the run: reload it once and ask again.
      if (!this.ref || !/worker stopped|worker failed|no run loaded/.test((error as Error).message)) throw error;
      await this.analyzer.open(this.ref, undefined, this.failureQuery);
      return this.analyzer.image(imageIndex);
    }
  }

  /** Compares the shown run (A) with another run (B) in the analysis worker, at the session's operating threshold. */
  compareWith(other: PersistedRunRef): Promise<RunComparison> {
    if (!this.current) return Promise.reject(new Error('no run is shown: load or run the first run (A) first'));
    return this.analyzer.compare(other, this.operatingThreshold);
  }

  /** One image of both compared runs (by COCO image id), with distributions, from the worker. */
  comparedImage(imageId: number): Promise<ComparedImageDetails> {
    return this.analyzer.compareImage(imageId);
  }

  exportReport(format: ReportFormat, outPath: string, plotlyBundlePath: string | undefined, onProgress: (p: ExportProgress) => void, signal?: AbortSignal): Promise<ExportReportResult> {
    return this.analyzer.export(format, outPath, plotlyBundlePath, onProgress, signal);
  }

  private async publish(data: RunSnapshotData, generation: number): Promise<SessionSnapshot | undefined> {
    if (generation !== this.generation) return undefined;
    this.current = { run: data.run, analysis: data.analysis, failures: data.failures, failureContexts: new FailureContextIndex(data.failureContextsJson) };
    await vscode.commands.executeCommand('setContext', ContextKey.HasRun, true);
    this.changed.fire(this.current);
    return this.current;
  }

  async clear(): Promise<void> {
    this.generation++;
    this.current = undefined;
    this.ref = undefined;
    await vscode.commands.executeCommand('setContext', ContextKey.HasRun, false);
    this.changed.fire(undefined);
  }

  /** The runs this workspace showed, newest first. */
  get recentRuns(): RecentRun[] {
    const stored = this.memento.get<RecentRun[]>(RECENT_RUNS_KEY);
    return Array.isArray(stored) ? stored.filter((r) => r && typeof r === 'object' && r.ref && typeof r.ref.path === 'string') : [];
  }

  /** Puts a run at the top of the recent list (one entry per path; a finished run replaces its ".partial"). */
  private async remember(ref: PersistedRunRef, label: string, complete: boolean): Promise<void> {
    const key = (path: string) => path.replace(/[\\/]+$/, '').replace(/\.partial$/, '');
    const others = this.recentRuns.filter((r) => key(r.ref.path) !== key(ref.path));
    const recent: RecentRun[] = [{ ref, label, complete, shownAt: new Date().toISOString() }, ...others].slice(0, MAX_RECENT_RUNS);
    await this.memento.update(RECENT_RUNS_KEY, recent);
  }

  /** Forgets a recent run (its file is gone). */
  async forgetRecent(path: string): Promise<void> {
    await this.memento.update(RECENT_RUNS_KEY, this.recentRuns.filter((r) => r.ref.path !== path));
  }

  /** Reopens the workspace's last run; a missing file is forgotten with a log line, not an error dialog. */
  async restore(): Promise<void> {
    const ref = this.memento.get<PersistedRunRef>(LAST_RUN_KEY);
    if (!ref || typeof ref !== 'object' || typeof ref.path !== 'string') return;
    try {
      await this.open(ref, false);
      this.log.info(`reopened last run ${ref.path}`);
    } catch (error) {
      this.log.warn(`could not reopen last run: ${(error as Error).message}`);
      await this.memento.update(LAST_RUN_KEY, undefined);
    }
  }

  dispose(): void {
    this.analyzer.dispose();
    this.changed.dispose();
    this.thresholdChanged.dispose();
    this.operatingPointChanged.dispose();
    this.filterChanged.dispose();
    this.failuresChanged.dispose();
  }
}
