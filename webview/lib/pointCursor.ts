// Keyboard cursor over the points of a scatter plot, so every point is reachable without a mouse: Left/Right step
// through the points in x order, Up/Down in y order, Home/End jump to the lowest/highest x, PageUp/PageDown step a
// tenth of the points in x order. Ties are broken by the other coordinate, then by index, so the order is total
// and a step always lands on a different point.

export type CursorKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';
export const CURSOR_KEYS: readonly CursorKey[] = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];

export function isCursorKey(key: string): key is CursorKey {
  return (CURSOR_KEYS as readonly string[]).includes(key);
}

export class PointCursor {
  private byX: Int32Array | null = null;
  private byY: Int32Array | null = null;
  /** Position of each point (by its index into x/y) in byX and byY. */
  private rankX = new Map<number, number>();
  private rankY = new Map<number, number>();
  private current: number | null = null;

  /** points: indices into x and y of the points on the plot (the filtered set). */
  constructor(private readonly points: Int32Array, private readonly x: ArrayLike<number>, private readonly y: ArrayLike<number>) {}

  get size(): number {
    return this.points.length;
  }

  /** The selected point (an index into x/y), or null before the first key. */
  get selected(): number | null {
    return this.current;
  }

  /** 1-based position of the selected point in x order, for "point k of n" announcements. */
  get positionInX(): number | null {
    if (this.current === null) return null;
    this.ensureOrders();
    return this.rankX.get(this.current)! + 1;
  }

  /** Keeps the selection if the point is still plotted (e.g. after a redraw); otherwise clears it. */
  select(point: number | null): void {
    this.current = point !== null && this.points.includes(point) ? point : null;
  }

  /** Applies one key; returns the newly selected point, or null when there are no points. */
  move(key: CursorKey): number | null {
    const n = this.points.length;
    if (n === 0) return (this.current = null);
    this.ensureOrders();
    const byX = this.byX!;
    const byY = this.byY!;
    if (this.current === null) {
      // The first key picks a sensible starting point: the extreme the key points towards.
      const start = key === 'ArrowLeft' || key === 'End' || key === 'PageUp' ? byX[n - 1]
        : key === 'ArrowDown' ? byY[n - 1] : key === 'ArrowUp' ? byY[0] : byX[0];
      return (this.current = start);
    }
    const ix = this.rankX.get(this.current)!;
    const iy = this.rankY.get(this.current)!;
    const page = Math.max(1, Math.round(n / 10));
    const clampRank = (r: number) => Math.min(n - 1, Math.max(0, r));
    switch (key) {
      case 'ArrowRight': this.current = byX[clampRank(ix + 1)]; break;
      case 'ArrowLeft': this.current = byX[clampRank(ix - 1)]; break;
      case 'ArrowUp': this.current = byY[clampRank(iy + 1)]; break;
      case 'ArrowDown': this.current = byY[clampRank(iy - 1)]; break;
      case 'Home': this.current = byX[0]; break;
      case 'End': this.current = byX[n - 1]; break;
      case 'PageUp': this.current = byX[clampRank(ix + page)]; break;
      case 'PageDown': this.current = byX[clampRank(ix - page)]; break;
    }
    return this.current;
  }

  private ensureOrders(): void {
    if (this.byX) return;
    const { x, y } = this;
    this.byX = Int32Array.from(this.points).sort((a, b) => x[a] - x[b] || y[a] - y[b] || a - b);
    this.byY = Int32Array.from(this.points).sort((a, b) => y[a] - y[b] || x[a] - x[b] || a - b);
    this.byX.forEach((p, r) => this.rankX.set(p, r));
    this.byY.forEach((p, r) => this.rankY.set(p, r));
  }
}
