// The order of tables that sort by any column, pure (no DOM, tested in Node); sortableTable.ts draws the headers.

export type SortDirection = 'ascending' | 'descending';
export type CellValue = string | number | null;

export interface SortState {
  column: number;
  direction: SortDirection;
}

/**
 * Rows ordered by one column: numbers numerically, text by locale; empty cells (null, NaN) last in either
 * direction; ties keep their previous order (stable).
 */
export function sortRows<T>(rows: readonly T[], value: (row: T) => CellValue, direction: SortDirection): T[] {
  const sign = direction === 'ascending' ? 1 : -1;
  const empty = (v: CellValue) => v === null || (typeof v === 'number' && Number.isNaN(v));
  return rows.map((row, index) => ({ row, index, v: value(row) })).sort((a, b) => {
    if (empty(a.v) || empty(b.v)) return empty(a.v) === empty(b.v) ? a.index - b.index : empty(a.v) ? 1 : -1;
    const order = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v));
    return sign * order || a.index - b.index;
  }).map((e) => e.row);
}

/** The next sort state after a click on `column`: a new column sorts descending for numbers (largest first), ascending for text. */
export function nextSort(current: SortState | null, column: number, numeric: boolean): SortState {
  if (current?.column === column) return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  return { column, direction: numeric ? 'descending' : 'ascending' };
}
