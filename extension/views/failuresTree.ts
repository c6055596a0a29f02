// Failures sidebar: groups (Miss, Loc, Cls, …) with counts, items by severity (see failureGroups.ts).
import * as vscode from 'vscode';
import { CommandId, TreeItemContext } from '../contributionIds.ts';
import type { RunSession } from '../state/session.ts';
import { describeFailureContext, detectionContextKey, missedContextKey } from '../core/analytics/failureContext.ts';
import { FAILURE_DESCRIPTIONS, MAX_ITEMS_PER_GROUP, type FailureGroup, type FailureItem } from './failureGroups.ts';


export type FailureNode = { type: 'group'; group: FailureGroup } | { type: 'item'; item: FailureItem };

export class FailuresTreeProvider implements vscode.TreeDataProvider<FailureNode>, vscode.Disposable {
  private groups: FailureGroup[] = [];
  private readonly changed = new vscode.EventEmitter<FailureNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly session: RunSession) {
    this.subscription = session.onDidChange(() => this.refresh());
    this.refresh();
  }

  private refresh(): void {
    const snapshot = this.session.snapshot;
    // Grouped in the analysis worker (hundreds of milliseconds on a COCO-val-sized run): the host only renders.
    this.groups = snapshot ? snapshot.failures : [];
    this.changed.fire(undefined);
  }

  getChildren(node?: FailureNode): FailureNode[] {
    if (!node) return this.groups.map((group) => ({ type: 'group', group }));
    if (node.type === 'group') return node.group.items.map((item) => ({ type: 'item', item }));
    return [];
  }

  getTreeItem(node: FailureNode): vscode.TreeItem {
    if (node.type === 'group') {
      const { group } = node;
      const item = new vscode.TreeItem(`${group.kind}`, group.count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `group:${group.kind}`;
      item.description = group.count > MAX_ITEMS_PER_GROUP ? `${group.count} (top ${MAX_ITEMS_PER_GROUP} shown)` : String(group.count);
      item.tooltip = `${group.kind}: ${FAILURE_DESCRIPTIONS[group.kind]}`;
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

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function categoryNamer(run: { categories: { id: number; name: string }[] | null } | undefined): (id: number | null) => string {
  const names = new Map(run?.categories?.map((c) => [c.id, c.name]) ?? []);
  return (id) => (id === null ? 'a class the dataset lacks' : names.get(id) ?? `category ${id}`);
}

function shortName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
