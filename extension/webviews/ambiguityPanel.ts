// Ambiguity view: the most ambiguous boxes, each cropped around its driving edge with that edge's distribution.
// Filters (class, driving edge, outcome, score) and pages of AMBIGUITY_PAGE_SIZE come from the analysis worker
// (core/analytics/ambiguityQuery.ts): the view never receives every row.
import * as vscode from 'vscode';
import { AMBIGUITY_PAGE_SIZE, DEFAULT_AMBIGUITY_QUERY } from '../core/analytics/ambiguityQuery.ts';
import { EDGE_NAMES } from '../core/types.ts';
import { HostMessageType, parseAmbiguityFilters, WebviewMessageType, type AmbiguityFilters, type WebviewToHost } from '../protocol/messages.ts';
import { ambiguityPageData } from './panelData.ts';
import { ViewPanel, type PanelDependencies } from './viewPanel.ts';

const DEFAULT_FILTERS: AmbiguityFilters = { classIndex: null, edge: null, outcome: null, minScore: DEFAULT_AMBIGUITY_QUERY.minScore };

export class AmbiguityPanel extends ViewPanel {
  private static current: AmbiguityPanel | undefined;
  private filters: AmbiguityFilters;
  /** Bumped by every request: a page that arrives after a newer request is dropped. */
  private request = 0;

  private constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state?: unknown) {
    super('ambiguity', panel, deps, state ?? null);
    this.filters = parseAmbiguityFilters((state as { filters?: unknown } | null | undefined)?.filters) ?? DEFAULT_FILTERS;
    AmbiguityPanel.current = this;
    this.onDidDispose(() => {
      if (AmbiguityPanel.current === this) AmbiguityPanel.current = undefined;
    });
    this.disposables.push(deps.session.onDidChangeViewFilter((filter) => this.followClassFilter(filter.categoryId)));
  }

  /** A class picked in another view (the evaluation view's class table) narrows this one to the model classes mapped to it. */
  private followClassFilter(categoryId: number | null): void {
    const classToCategory = this.deps.session.snapshot?.analysis.source.classToCategory ?? [];
    const classIndex = categoryId === null ? null : classToCategory.indexOf(categoryId);
    if (classIndex === -1 || classIndex === this.filters.classIndex) return;
    this.filters = { ...this.filters, classIndex };
    void this.sendPage(0);
  }

  static show(deps: PanelDependencies): AmbiguityPanel {
    if (AmbiguityPanel.current) {
      AmbiguityPanel.current.panel.reveal(undefined, false);
      return AmbiguityPanel.current;
    }
    return new AmbiguityPanel(ViewPanel.createPanel('ambiguity'), deps);
  }

  static revive(panel: vscode.WebviewPanel, deps: PanelDependencies, state: unknown): AmbiguityPanel {
    return new AmbiguityPanel(panel, deps, state);
  }

  protected sendAll(): void {
    void this.sendPage(0);
  }

  protected override onMessage(message: WebviewToHost): void {
    if (message.type !== WebviewMessageType.AmbiguityQuery) return;
    this.filters = message.filters;
    void this.sendPage(message.offset);
  }

  private async sendPage(offset: number): Promise<void> {
    const snapshot = this.deps.session.snapshot;
    if (!snapshot) {
      this.sendNoRun();
      return;
    }
    const request = ++this.request;
    const filters = this.filters;
    try {
      const page = snapshot.run.hasDistributions
        ? await this.deps.session.ambiguousPage({
          classIndex: filters.classIndex, edge: filters.edge === null ? null : EDGE_NAMES[filters.edge], outcome: filters.outcome,
          minScore: filters.minScore, offset, limit: AMBIGUITY_PAGE_SIZE,
        })
        : { total: 0, offset: 0, boxes: [] };
      if (request !== this.request || this.deps.session.snapshot?.run !== snapshot.run) return;
      this.post({ type: HostMessageType.AmbiguityData, data: ambiguityPageData(snapshot.run, snapshot.analysis, page, filters, AMBIGUITY_PAGE_SIZE, (i) => this.imageUri(i)) });
    } catch (error) {
      this.deps.log.error(`ambiguity: ${(error as Error).message}`);
    }
  }
}
