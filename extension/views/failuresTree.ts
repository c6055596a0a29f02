// Failures sidebar: groups (Miss, Loc, Cls, …) with counts, items by severity (see failureGroups.ts).
import * as vscode from 'vscode';
import { CommandId, TreeItemContext } from '../contributionIds.ts';
import type { RunSession } from '../state/session.ts';
import { FAILURE_DESCRIPTIONS, MAX_ITEMS_PER_GROUP, type FailureGroup, type FailureItem } from './failureGroups.ts';


export type FailureNode = { type: 'group'; group: FailureGroup } | { type: 'item'; item: FailureItem };

export class FailuresTreeProvider implements vscode.TreeDataProvider<FailureNode>, vscode.Disposable {
  private groups: FailureGroup[] = [];
  private readonly changed = new vscode.EventEmitter<FailureNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** Root nodes, kept so that reveal() finds the same objects the tree was given. */
  private groupNodes: FailureNode[] = [];

  constructor(private readonly session: RunSession) {
    this.subscriptions = [session.onDidChange(() => this.refresh()), session.onDidChangeViewFilter(() => this.refresh())];
    this.refresh();
  }

  private refresh(): void {
    const snapshot = this.session.snapshot;
    // Grouped in the analysis worker (hundreds of milliseconds on a COCO-val-sized run): the host only renders.
    this.groups = snapshot ? snapshot.failures.map((group) => withCategoryFilter(group, this.session.viewFilter.categoryId)) : [];
    this.groupNodes = this.groups.map((group) => ({ type: 'group', group }));
    this.changed.fire(undefined);
  }

  getChildren(node?: FailureNode): FailureNode[] {
    if (!node) return this.groupNodes;
    if (node.type === 'group') return node.group.items.map((item) => ({ type: 'item', item }));
    return [];
  }

  getParent(node: FailureNode): FailureNode | undefined {
    return node.type === 'group' ? undefined : this.groupNodes.find((g) => g.type === 'group' && g.group.kind === node.item.group);
  }

  /** Reveals, expands and selects one group (a click on a TIDE bar in the evaluation view). */
  revealGroup(view: vscode.TreeView<FailureNode>, kind: string): void {
    const node = this.groupNodes.find((g) => g.type === 'group' && g.group.kind === kind);
    if (node) void view.reveal(node, { select: true, focus: true, expand: true });
  }

  getTreeItem(node: FailureNode): vscode.TreeItem {
    if (node.type === 'group') {
      const { group } = node;
      const item = new vscode.TreeItem(`${group.kind}`, group.items.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `group:${group.kind}`;
      const filter = this.session.viewFilter.categoryId;
      const categoryName = filter === null ? '' : this.session.snapshot?.run.categories?.find((c) => c.id === filter)?.name ?? `category ${filter}`;
      item.description = filter !== null ? `${group.items.length} ${categoryName} (class filter; among the top ${MAX_ITEMS_PER_GROUP} of ${group.count})`
        : group.count > MAX_ITEMS_PER_GROUP ? `${group.count} (top ${MAX_ITEMS_PER_GROUP} shown)` : String(group.count);
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
      tree.description = `${shortName(file)} · ${Math.round(m.bbox[2])}×${Math.round(m.bbox[3])}px`;
      tree.tooltip = `Ground truth ${m.gtId} (${name}) in ${file}: no detection found it.`;
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
    if (r.iou !== null) parts.push(`IoU ${r.iou.toFixed(2)}`);
    if (item.group === 'Ambiguous' && r.ambiguity !== null) parts.push(`amb ${r.ambiguity.toFixed(2)} (${r.drivingEdge})`);
    tree.description = parts.join(' · ');
    tree.tooltip = `${item.group}: ${name}, score ${r.score.toFixed(3)}${r.iou !== null ? `, IoU ${r.iou.toFixed(3)}` : ''}, severity ${item.severity.toFixed(3)}\n${file} #${r.detIndex}`;
    tree.contextValue = TreeItemContext.FailureDetection;
    tree.command = { command: CommandId.OpenFailure, title: 'Open in Inspector', arguments: [node] };
    return tree;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** The group narrowed to one dataset category (session.viewFilter.categoryId, set by a class row click); null: as is. */
function withCategoryFilter(group: FailureGroup, categoryId: number | null): FailureGroup {
  if (categoryId === null) return group;
  return { ...group, items: group.items.filter((item) => (item.kind === 'missed' ? item.missed.categoryId : item.row.categoryId) === categoryId) };
}

function shortName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
