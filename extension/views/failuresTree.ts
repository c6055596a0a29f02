// Failures sidebar: groups (Miss, Loc, Cls, …) ordered by TIDE dAP with their counts at the operating threshold,
// items by severity (see failureGroups.ts), paged; the view's description names the run it shows.
import * as vscode from 'vscode';
import { CommandId, ContextKey, TreeItemContext } from '../contributionIds.ts';
import type { RunSession, ViewFilter } from '../state/session.ts';
import { runIdentity } from '../state/runModel.ts';
import { describeFailureContext, detectionContextKey, missedContextKey } from '../core/analytics/failureContext.ts';
import { FAILURE_DESCRIPTIONS, FAILURE_PAGE_SIZE, NEEDS_GROUND_TRUTH, type FailureGroup, type FailureItem, type FailureKind } from './failureGroups.ts';


export type FailureNode =
  | { type: 'group'; group: FailureGroup }
  | { type: 'item'; item: FailureItem }
  /** "Show more": the group lists FAILURE_PAGE_SIZE more items. */
  | { type: 'more'; group: FailureGroup }
  /** The active view filter, first in the tree; a click clears it. */
  | { type: 'filter'; filter: Readonly<ViewFilter> };

export class FailuresTreeProvider implements vscode.TreeDataProvider<FailureNode>, vscode.Disposable {
  private groups: FailureGroup[] = [];
  private readonly changed = new vscode.EventEmitter<FailureNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private view: Pick<vscode.TreeView<FailureNode>, 'description' | 'message'> | undefined;
  /** Root group nodes, kept so that reveal() finds the same objects the tree was given. */
  private groupNodes: FailureNode[] = [];

  constructor(private readonly session: RunSession) {
    this.subscriptions = [
      session.onDidChange(() => this.refresh()),
      session.onDidChangeFailures(() => this.refresh()),
      session.onDidChangeViewFilter((filter) => void vscode.commands.executeCommand('setContext', ContextKey.HasViewFilter, filter.categoryId !== null || filter.size !== null || filter.imageIndex !== null)),
    ];
    this.refresh();
  }

  /** The tree view showing this provider: its description and message name the run and the population. */
  attach(view: Pick<vscode.TreeView<FailureNode>, 'description' | 'message'>): void {
    this.view = view;
    this.describe();
  }

  private refresh(): void {
    const snapshot = this.session.snapshot;
    // Grouped in the analysis worker (hundreds of milliseconds on a COCO-val-sized run): the host only renders.
    this.groups = snapshot ? snapshot.failures : [];
    this.groupNodes = this.groups.map((group): FailureNode => ({ type: 'group', group }));
    this.describe();
    this.changed.fire(undefined);
  }

  private describe(): void {
    if (!this.view) return;
    const snapshot = this.session.snapshot;
    if (!snapshot) {
      this.view.description = undefined;
      this.view.message = undefined;
      return;
    }
    const identity = runIdentity(snapshot.run, snapshot.analysis);
    const population = this.session.failurePopulation === 'all'
      ? 'every stored detection (TIDE population)'
      : `detections scoring ≥ ${this.session.operatingThreshold} (operating threshold)`;
    this.view.description = identity.title;
    this.view.message = `${identity.detail}. Failures among ${population}${snapshot.analysis.evaluation ? ', groups ordered by TIDE dAP' : ''}.`;
  }

  getChildren(node?: FailureNode): FailureNode[] {
    if (!node) {
      const filter = this.session.viewFilter;
      const filtered = filter.categoryId !== null || filter.size !== null || filter.imageIndex !== null;
      return filtered && this.groups.length ? [{ type: 'filter', filter }, ...this.groupNodes] : this.groupNodes;
    }
    if (node.type === 'group') {
      const items = node.group.items.map((item): FailureNode => ({ type: 'item', item }));
      return node.group.count > node.group.items.length ? [...items, { type: 'more', group: node.group }] : items;
    }
    return [];
  }

  getParent(node: FailureNode): FailureNode | undefined {
    if (node.type === 'group' || node.type === 'filter') return undefined;
    const kind = node.type === 'item' ? node.item.group : node.group.kind;
    return this.groupNodes.find((g) => g.type === 'group' && g.group.kind === kind);
  }

  /** Reveals, expands and selects one group (a click on a TIDE bar in the evaluation view). */
  revealGroup(view: vscode.TreeView<FailureNode>, kind: string): void {
    const node = this.groupNodes.find((g) => g.type === 'group' && g.group.kind === kind);
    if (node) void view.reveal(node, { select: true, focus: true, expand: true });
  }

  getTreeItem(node: FailureNode): vscode.TreeItem {
    if (node.type === 'filter') return this.filterItem(node.filter);
    if (node.type === 'more') {
      const { group } = node;
      const more = Math.min(FAILURE_PAGE_SIZE, group.count - group.items.length);
      const item = new vscode.TreeItem(`Show ${more} more`);
      item.id = `more:${group.kind}:${group.items.length}`;
      item.description = `${group.items.length} of ${group.count} shown`;
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: CommandId.ShowMoreFailures, title: 'Show More', arguments: [group.kind satisfies FailureKind] };
      return item;
    }
    if (node.type === 'group') {
      const { group } = node;
      const evaluation = this.session.snapshot?.analysis.evaluation ?? null;
      const noGroundTruth = !evaluation && NEEDS_GROUND_TRUTH.has(group.kind);
      const item = new vscode.TreeItem(`${group.kind}`, group.count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `group:${group.kind}`;
      item.description = noGroundTruth ? 'no ground truth' : groupDescription(group);
      item.tooltip = `${group.kind}: ${FAILURE_DESCRIPTIONS[group.kind]}`
        + (noGroundTruth ? '\nThe run has no ground truth: this group cannot be computed.' : '')
        + (group.dAP !== null ? `\nTIDE dAP ${group.dAP.toFixed(2)} AP points: what fixing every ${group.kind} error would add to AP@0.5 (over every detection).` : '');
      item.iconPath = new vscode.ThemeIcon(group.kind === 'Miss' ? 'circle-slash' : group.kind === 'Ambiguous' ? 'question' : group.kind.endsWith('confident') ? 'pulse' : 'error');
      return item;
    }
    const { item } = node;
    const snapshot = this.session.snapshot;
    const run = snapshot?.run;
    if (item.kind === 'missed') {
      const m = item.missed;
      const file = run?.table.images.file[m.imageIndex] ?? '?';
      const name = run?.categories?.find((c) => c.id === m.categoryId)?.name ?? `category ${m.categoryId}`;
      const tree = new vscode.TreeItem(`${name} missed`);
      tree.id = `Miss:${m.imageIndex}:${m.gtId}`;
      const context = snapshot?.failureContexts.get(missedContextKey(m.gtId));
      const text = context ? describeFailureContext(context, categoryNamer(run), (i) => `box #${i}`) : null;
      tree.description = `${shortName(file)} · ${Math.round(m.bbox[2])}×${Math.round(m.bbox[3])}px${text ? ` · ${text.short}` : ''}`;
      tree.tooltip = text ? `${text.long}\n${file}` : `Ground truth ${m.gtId} (${name}) in ${file}: no detection found it.`;
      tree.contextValue = TreeItemContext.FailureMissed;
      tree.command = { command: CommandId.OpenFailure, title: 'Open in Inspector', arguments: [node] };
      return tree;
    }
    const r = item.row;
    const file = run?.table.images.file[r.imageIndex] ?? '?';
    const name = run?.classNames[r.classIndex] ?? `class ${r.classIndex}`;
    const tree = new vscode.TreeItem(`${name} ${r.score.toFixed(2)}`);
    tree.id = `${item.group}:${r.imageIndex}:${r.detIndex}`;
    const parts = [shortName(file)];
    // A TIDE error names what it relates to (the true class for Cls, the edge errors for Loc, …); the same-class
    // IoU alone reads "IoU 0.00" on a Cls error.
    const context = r.error !== null ? snapshot?.failureContexts.get(detectionContextKey(r.index)) : undefined;
    const text = context ? describeFailureContext(context, categoryNamer(run), (i) => `box #${i}`) : null;
    if (text) parts.push(text.short);
    else if (r.iou !== null) parts.push(`IoU ${r.iou.toFixed(2)}`);
    if (item.group === 'Ambiguous' && r.ambiguity !== null) parts.push(`amb ${r.ambiguity.toFixed(2)} (${r.drivingEdge})`);
    tree.description = parts.join(' · ');
    tree.tooltip = `${item.group}: ${name}, score ${r.score.toFixed(3)}${r.iou !== null ? `, IoU ${r.iou.toFixed(3)} with the best same-class ground truth` : ''}, severity ${item.severity.toFixed(3)}` +
      `${text ? `\n${text.long}` : ''}\n${file} #${r.detIndex}`;
    tree.contextValue = TreeItemContext.FailureDetection;
    tree.command = { command: CommandId.OpenFailure, title: 'Open in Inspector', arguments: [node] };
    return tree;
  }

  private filterItem(filter: Readonly<ViewFilter>): vscode.TreeItem {
    const snapshot = this.session.snapshot;
    const parts: string[] = [];
    if (filter.categoryId !== null) parts.push(snapshot?.run.categories?.find((c) => c.id === filter.categoryId)?.name ?? `category ${filter.categoryId}`);
    if (filter.size !== null) parts.push(filter.size);
    if (filter.imageIndex !== null) parts.push(shortName(snapshot?.run.table.images.file[filter.imageIndex] ?? `image ${filter.imageIndex}`));
    const item = new vscode.TreeItem(`Filtered: ${parts.join(' · ')}`);
    item.id = `filter:${parts.join(':')}`;
    item.description = 'click to clear';
    item.tooltip = 'Every GFL Lens view shows only this class, size and/or image. Click to show everything again.';
    item.iconPath = new vscode.ThemeIcon('filter-filled');
    item.command = { command: CommandId.ClearViewFilter, title: 'Clear Filter' };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** "1234 · dAP 5.21 · 500 shown": how many, what they cost (TIDE), how many are listed. */
export function groupDescription(group: FailureGroup): string {
  const parts = [String(group.count)];
  if (group.dAP !== null) parts.push(`dAP ${group.dAP.toFixed(2)}`);
  if (group.items.length < group.count) parts.push(`${group.items.length} shown`);
  return parts.join(' · ');
}

function categoryNamer(run: { categories: { id: number; name: string }[] | null } | undefined): (id: number | null) => string {
  const names = new Map(run?.categories?.map((c) => [c.id, c.name]) ?? []);
  return (id) => (id === null ? 'a class the dataset lacks' : names.get(id) ?? `category ${id}`);
}

function shortName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
