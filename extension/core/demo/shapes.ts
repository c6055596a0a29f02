// Shape geometry of the demo dataset: each object class is a silhouette with an exact signed distance
// function, so rendering (anti-aliased or deliberately blurred) and the ground-truth box agree exactly:
// the shape's boundary is the 0-level set of the SDF, and its box is the analytic extent (polygon vertices,
// circle centre ± radius).
import type { XYXY } from '../types.ts';

export const DEMO_CLASS_NAMES = ['circle', 'square', 'triangle', 'star', 'cross', 'ring'] as const;
export type DemoClassName = (typeof DEMO_CLASS_NAMES)[number];

/** Base colour per class (sRGB 0..255), saturated so they stand out from the muted backgrounds. */
export const DEMO_CLASS_COLORS: Readonly<Record<DemoClassName, readonly [number, number, number]>> = {
  circle: [214, 48, 40],
  square: [40, 88, 214],
  triangle: [46, 164, 58],
  star: [236, 196, 28],
  cross: [196, 52, 188],
  ring: [28, 184, 196],
};

export type Point = [number, number];

export type ShapeGeometry =
  | { kind: 'polygon'; vertices: Point[] }
  | { kind: 'circle'; cx: number; cy: number; radius: number }
  | { kind: 'ring'; cx: number; cy: number; radius: number; innerRadius: number };

/** Signed distance from (px, py) to a simple polygon: negative inside (Inigo Quilez's exact polygon SDF). */
export function polygonSignedDistance(vertices: readonly Point[], px: number, py: number): number {
  const n = vertices.length;
  let best = (px - vertices[0][0]) ** 2 + (py - vertices[0][1]) ** 2;
  let sign = 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const [vix, viy] = vertices[i];
    const [vjx, vjy] = vertices[j];
    const ex = vjx - vix;
    const ey = vjy - viy;
    const wx = px - vix;
    const wy = py - viy;
    const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    const bx = wx - ex * t;
    const by = wy - ey * t;
    best = Math.min(best, bx * bx + by * by);
    const c1 = py >= viy;
    const c2 = py < vjy;
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) sign = -sign;
  }
  return sign * Math.sqrt(best);
}

export function signedDistance(shape: ShapeGeometry, px: number, py: number): number {
  switch (shape.kind) {
    case 'polygon':
      return polygonSignedDistance(shape.vertices, px, py);
    case 'circle':
      return Math.hypot(px - shape.cx, py - shape.cy) - shape.radius;
    case 'ring': {
      const middle = (shape.radius + shape.innerRadius) / 2;
      const halfWidth = (shape.radius - shape.innerRadius) / 2;
      return Math.abs(Math.hypot(px - shape.cx, py - shape.cy) - middle) - halfWidth;
    }
  }
}

/** The shape's exact (unclipped) extent [x1, y1, x2, y2]. */
export function shapeExtent(shape: ShapeGeometry): XYXY {
  if (shape.kind !== 'polygon') {
    return [shape.cx - shape.radius, shape.cy - shape.radius, shape.cx + shape.radius, shape.cy + shape.radius];
  }
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const [x, y] of shape.vertices) {
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  }
  return [x1, y1, x2, y2];
}

/** Unit outline of a polygon class, centred on the origin, before scaling and rotation. */
function unitOutline(name: Exclude<DemoClassName, 'circle' | 'ring'>): Point[] {
  switch (name) {
    case 'square':
      return [[-1, -1], [1, -1], [1, 1], [-1, 1]];
    case 'triangle':
      return [0, 1, 2].map((i) => polar(1, -Math.PI / 2 + (i * 2 * Math.PI) / 3));
    case 'star':
      return Array.from({ length: 10 }, (_, i) => polar(i % 2 === 0 ? 1 : 0.45, -Math.PI / 2 + (i * Math.PI) / 5));
    case 'cross': {
      const a = 0.34;
      return [[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a], [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a], [-a, -a]];
    }
  }
}

function polar(radius: number, angle: number): Point {
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
}

export interface ShapePlacement {
  /** Centre of the extent box in image pixels. */
  cx: number;
  cy: number;
  /** Largest side of the extent box in pixels. */
  size: number;
  /** Width/height stretch applied before rotation (polygons only; circles and rings stay round). */
  aspect: number;
  /** Rotation in radians (polygons only). */
  rotation: number;
  /** Inner/outer radius ratio of a ring. */
  ringInnerRatio: number;
}

/** Builds a class's geometry so that its extent box is centred at (cx, cy) with its largest side = size. */
export function buildShape(name: DemoClassName, placement: ShapePlacement): ShapeGeometry {
  const { cx, cy, size } = placement;
  if (name === 'circle') return { kind: 'circle', cx, cy, radius: size / 2 };
  if (name === 'ring') return { kind: 'ring', cx, cy, radius: size / 2, innerRadius: (size / 2) * placement.ringInnerRatio };
  const sx = Math.sqrt(placement.aspect);
  const sy = 1 / sx;
  const cos = Math.cos(placement.rotation);
  const sin = Math.sin(placement.rotation);
  const rotated: Point[] = unitOutline(name).map(([x, y]) => [cos * x * sx - sin * y * sy, sin * x * sx + cos * y * sy]);
  const [x1, y1, x2, y2] = shapeExtent({ kind: 'polygon', vertices: rotated });
  const scale = size / Math.max(x2 - x1, y2 - y1);
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return { kind: 'polygon', vertices: rotated.map(([x, y]) => [cx + (x - mx) * scale, cy + (y - my) * scale]) };
}
