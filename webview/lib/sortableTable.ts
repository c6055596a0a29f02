// Tables that sort by any column: click (or Enter/Space on) a column header; a second click reverses the order.
// The header carries aria-sort so screen readers announce the order (tableSort.ts computes it).
import { h } from './dom.ts';
import type { SortState } from './tableSort.ts';

/** A header row whose cells sort the table: each is a button, the sorted one has aria-sort. */
export function sortableHead(labels: readonly { label: string; title?: string }[], state: SortState | null, onSort: (column: number) => void): HTMLTableSectionElement {
  return h('thead', {}, h('tr', {}, ...labels.map(({ label, title }, column) => {
    const sorted = state?.column === column ? state.direction : null;
    const button = h('button', { type: 'button', class: 'sort', title: title ?? `Sort by ${label}` }, label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''));
    button.addEventListener('click', () => onSort(column));
    return h('th', { scope: 'col', 'aria-sort': sorted ?? 'none' }, button);
  })));
}
