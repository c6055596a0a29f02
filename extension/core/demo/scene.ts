// One demo image: a textured background with several shapes (overlapping, at several scales), some of
// whose edges are made ambiguous on purpose, rendered into an RGB buffer together with exact annotations.
//
// Ground-truth box convention (documented in media/demo/MODEL_CARD.md): the box is amodal, the shape's exact
// geometric extent (SDF < 0 region) whatever hides or blurs it, as in CrowdHuman's full-body boxes, except on the
// edges the generator makes ambiguous on purpose, where it models annotators' disagreement:
//   - clean edge: the exact extent, which is the visible extent (the 50 % coverage contour of the anti-aliased
//     rendering);
//   - blur (a wide coverage ramp centred on the true edge), low_contrast (the shape's colour fades almost into what
//     lies behind it towards that edge) and occlusion (the edge lies under a deliberate non-class patch, or a later
//     object hides it): the annotated edge is the true edge moved by a random offset (`labelShift`), uniform and
//     drawn per object edge, because the image does not say where such an edge is. Without the offset a model
//     learns the rule instead (the shapes are symmetric, so even a hidden or faded extent can be inferred) and its
//     edge distribution stays sharp;
//   - truncation: the shape continues past the image border, and so does the box (COCO allows it; pycocotools
//     does not clip).
import { EDGE_NAMES, type EdgeName, type XYXY } from '../types.ts';
import { Rng, latticeValue } from './rng.ts';
import { DEMO_CLASS_COLORS, DEMO_CLASS_NAMES, buildShape, shapeExtent, signedDistance, type DemoClassName, type ShapeGeometry } from './shapes.ts';

export const DEMO_IMAGE_SIZE = 320;

export const AMBIGUITY_KINDS = ['blur', 'occlusion', 'low_contrast', 'truncation'] as const;
export type AmbiguityKind = (typeof AMBIGUITY_KINDS)[number];
type PlannedKind = Exclude<AmbiguityKind, 'truncation'>;

/** Fraction of an object's extent, from an edge inwards, that an edge-local effect (blur, low contrast) covers. */
const EDGE_EFFECT_BAND = 0.45;
/** Width of a blurred edge's coverage ramp, as a fraction of the object size (8–64 px). */
const BLUR_RAMP_FRACTION = 0.45;
/**
 * Largest annotation offset on an ambiguous edge, as a fraction of the object's extent across that edge (blurred
 * edges: also at most half the ramp, so the annotated edge stays on the ramp). Objects are detected at a stride of
 * about a fifth of their size, so ±20 % of the extent is about ±1 DFL bin.
 */
const LABEL_SHIFT_OF_EXTENT: Record<Exclude<AmbiguityKind, 'truncation'>, number> = { blur: 0.25, low_contrast: 0.22, occlusion: 0.18 };
/** An edge counts as occluded when at least this fraction of the shape's pixels next to it are hidden. */
const OCCLUDED_EDGE_FRACTION = 0.5;

export interface DemoObject {
  classIndex: number;
  className: DemoClassName;
  /**
   * Annotated box [x1, y1, x2, y2] in pixels: the exact (amodal) shape extent, moved by `labelShift` on blurred,
   * low-contrast and occluded edges; past the image border on truncated edges.
   */
  bbox: XYXY;
  /** Exact shape extent (what the box would be without annotation offsets). */
  extent: XYXY;
  /** Pixel centres inside the shape (amodal: hidden pixels and those past the image border count). */
  area: number;
  /** Fraction of those pixels visible: inside the image and not hidden by a later object or an occluder. */
  visibleFraction: number;
  /** Ambiguous edges and how each was made ambiguous; clean edges are absent. */
  ambiguity: Partial<Record<EdgeName, AmbiguityKind>>;
  /** Width in pixels of the coverage ramp on blurred edges (0 when no edge is blurred). */
  blurWidth: number;
  /**
   * Per blurred, low-contrast or occluded edge: signed offset in pixels from the true edge to the annotated one,
   * positive outwards (the box reaches past the shape), negative inwards; other edges are absent (offset 0).
   */
  labelShift: Partial<Record<EdgeName, number>>;
}

export interface DemoImage {
  width: number;
  height: number;
  /** Interleaved RGB, row-major, width · height · 3 bytes. */
  rgb: Uint8Array;
  objects: DemoObject[];
}

type Rgb = [number, number, number];

interface Occluder {
  box: XYXY;
  cornerRadius: number;
  colorA: Rgb;
  colorB: Rgb;
  salt: number;
}

interface PlannedObject {
  classIndex: number;
  shape: ShapeGeometry;
  extent: XYXY;
  size: number;
  color: Rgb;
  planned: Partial<Record<EdgeName, PlannedKind>>;
  blurWidth: number;
  /** Uniform draws in [-1, 1] per edge, scaled into the annotation offset of whichever edges end up ambiguous. */
  labelDraws: number[];
  lowContrastStrength: number;
  lightAngle: number;
  salt: number;
  occluders: Occluder[];
}

type BackgroundKind = 'noise' | 'stripes' | 'checker' | 'gradient';

interface BackgroundPlan {
  kind: BackgroundKind;
  colorA: Rgb;
  colorB: Rgb;
  frequency: number;
  angle: number;
  period: number;
  salt: number;
  clutter: { x1: number; y1: number; x2: number; y2: number; radius: number; color: Rgb }[];
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
const smoothstep = (t: number): number => {
  const u = clamp(t, 0, 1);
  return u * u * (3 - 2 * u);
};

function hsvToRgb(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const table: Rgb[] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  const [r, g, b] = table[((i % 6) + 6) % 6];
  return [r * 255, g * 255, b * 255];
}

/** Muted colour (low saturation) for backgrounds and occluders, so the saturated class colours stand out. */
function mutedColor(rng: Rng, minValue: number, maxValue: number): Rgb {
  return hsvToRgb(rng.next(), rng.range(0.04, 0.24), rng.range(minValue, maxValue));
}

function valueNoise(x: number, y: number, salt: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = smoothstep(x - ix);
  const fy = smoothstep(y - iy);
  const a = latticeValue(ix, iy, salt);
  const b = latticeValue(ix + 1, iy, salt);
  const c = latticeValue(ix, iy + 1, salt);
  const d = latticeValue(ix + 1, iy + 1, salt);
  return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

/** Fractal value noise in [0, 1]: four octaves. */
function fbm(x: number, y: number, salt: number): number {
  let sum = 0;
  let amplitude = 0.5;
  let frequency = 1;
  for (let octave = 0; octave < 4; octave++) {
    sum += amplitude * valueNoise(x * frequency, y * frequency, salt + octave * 7919);
    frequency *= 2;
    amplitude *= 0.5;
  }
  return sum / 0.9375;
}

/** Weight in [0, 1] of an edge-local effect at (px, py): 1 at and beyond the edge, fading to 0 inside the band. */
function edgeWeight(edge: EdgeName, extent: XYXY, px: number, py: number): number {
  const [x1, y1, x2, y2] = extent;
  const bandX = EDGE_EFFECT_BAND * (x2 - x1);
  const bandY = EDGE_EFFECT_BAND * (y2 - y1);
  switch (edge) {
    case 'left': return 1 - smoothstep((px - x1) / bandX);
    case 'top': return 1 - smoothstep((py - y1) / bandY);
    case 'right': return 1 - smoothstep((x2 - px) / bandX);
    case 'bottom': return 1 - smoothstep((y2 - py) / bandY);
  }
}

function planBackground(rng: Rng, size: number): BackgroundPlan {
  const colorA = mutedColor(rng, 0.3, 0.8);
  const colorB = mutedColor(rng, 0.3, 0.8);
  const clutterCount = rng.int(4, 18);
  const clutter = Array.from({ length: clutterCount }, () => {
    const x1 = rng.range(0, size);
    const y1 = rng.range(0, size);
    const isLine = rng.chance(0.5);
    const length = isLine ? rng.range(10, 60) : 0;
    const angle = rng.range(0, Math.PI * 2);
    return {
      x1, y1,
      x2: x1 + length * Math.cos(angle),
      y2: y1 + length * Math.sin(angle),
      radius: isLine ? rng.range(0.8, 2.5) : rng.range(2, 7),
      color: mutedColor(rng, 0.25, 0.85),
    };
  });
  return {
    kind: rng.pick(['noise', 'stripes', 'checker', 'gradient'] as const),
    colorA, colorB,
    frequency: rng.range(1 / 70, 1 / 18),
    angle: rng.range(0, Math.PI),
    period: rng.range(10, 40),
    salt: rng.nextUint32(),
    clutter,
  };
}

function renderBackground(plan: BackgroundPlan, size: number, out: Float32Array): void {
  const cos = Math.cos(plan.angle);
  const sin = Math.sin(plan.angle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const noise = fbm(px * plan.frequency, py * plan.frequency, plan.salt);
      let t: number;
      switch (plan.kind) {
        case 'noise':
          t = noise;
          break;
        case 'stripes':
          t = 0.35 * (0.5 + 0.5 * Math.sin(((px * cos + py * sin) * 2 * Math.PI) / plan.period)) + 0.65 * noise;
          break;
        case 'checker': {
          const cx = Math.floor((px * cos + py * sin) / plan.period);
          const cy = Math.floor((-px * sin + py * cos) / plan.period);
          t = 0.3 * ((cx + cy) & 1) + 0.7 * noise;
          break;
        }
        case 'gradient':
          t = 0.6 * clamp((px * cos + py * sin) / (size * 1.4) + 0.3, 0, 1) + 0.4 * noise;
          break;
      }
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = plan.colorA[c] + (plan.colorB[c] - plan.colorA[c]) * t;
    }
  }
  for (const item of plan.clutter) {
    const margin = item.radius + 1;
    const xs = Math.max(0, Math.floor(Math.min(item.x1, item.x2) - margin));
    const xe = Math.min(size - 1, Math.ceil(Math.max(item.x1, item.x2) + margin));
    const ys = Math.max(0, Math.floor(Math.min(item.y1, item.y2) - margin));
    const ye = Math.min(size - 1, Math.ceil(Math.max(item.y1, item.y2) + margin));
    const ex = item.x2 - item.x1;
    const ey = item.y2 - item.y1;
    const len2 = ex * ex + ey * ey;
    for (let y = ys; y <= ye; y++) {
      for (let x = xs; x <= xe; x++) {
        const wx = x + 0.5 - item.x1;
        const wy = y + 0.5 - item.y1;
        const t = len2 > 0 ? clamp((wx * ex + wy * ey) / len2, 0, 1) : 0;
        const d = Math.hypot(wx - ex * t, wy - ey * t) - item.radius;
        const alpha = clamp(0.5 - d, 0, 1) * 0.7;
        if (alpha <= 0) continue;
        const o = (y * size + x) * 3;
        for (let c = 0; c < 3; c++) out[o + c] += (item.color[c] - out[o + c]) * alpha;
      }
    }
  }
}

function jitteredClassColor(rng: Rng, name: DemoClassName): Rgb {
  const base = DEMO_CLASS_COLORS[name];
  const brightness = rng.range(0.85, 1.08);
  return [0, 1, 2].map((c) => clamp(base[c] * brightness + rng.range(-16, 16), 0, 255)) as Rgb;
}

function intersectionOverSmaller(a: XYXY, b: XYXY): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const areaA = (a[2] - a[0]) * (a[3] - a[1]);
  const areaB = (b[2] - b[0]) * (b[3] - b[1]);
  return (iw * ih) / Math.min(areaA, areaB);
}

function clipBox(box: XYXY, size: number): XYXY {
  return [clamp(box[0], 0, size), clamp(box[1], 0, size), clamp(box[2], 0, size), clamp(box[3], 0, size)];
}

/**
 * An occluder over one edge: a muted, textured rounded patch covering the shape's pixels next to that edge
 * (from outside the extent to 25–45 % of the extent inwards), over the span where the shape touches that band.
 */
function planOccluder(rng: Rng, object: PlannedObject, edge: EdgeName, size: number): Occluder {
  const [x1, y1, x2, y2] = object.extent;
  const w = x2 - x1;
  const h = y2 - y1;
  const horizontal = edge === 'left' || edge === 'right';
  const depth = rng.range(0.25, 0.45) * (horizontal ? w : h);
  // Past the edge by more than the largest outward annotation offset of an occluded edge, so that edge stays hidden.
  const overhang = rng.range(0.2, 0.35) * (horizontal ? w : h) + 3;
  // Span of the shape's interior inside the covered band, measured on the pixel grid.
  let spanLo = Infinity;
  let spanHi = -Infinity;
  const xs = Math.max(0, Math.floor(x1));
  const xe = Math.min(size - 1, Math.ceil(x2));
  const ys = Math.max(0, Math.floor(y1));
  const ye = Math.min(size - 1, Math.ceil(y2));
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const inBand = edge === 'left' ? px < x1 + depth : edge === 'right' ? px > x2 - depth : edge === 'top' ? py < y1 + depth : py > y2 - depth;
      if (!inBand || signedDistance(object.shape, px, py) >= 0) continue;
      const along = horizontal ? py : px;
      spanLo = Math.min(spanLo, along);
      spanHi = Math.max(spanHi, along);
    }
  }
  if (!Number.isFinite(spanLo)) {
    spanLo = horizontal ? (y1 + y2) / 2 : (x1 + x2) / 2;
    spanHi = spanLo;
  }
  const pad = 4 + rng.range(0.05, 0.15) * (horizontal ? h : w);
  const across: [number, number] = edge === 'left' ? [x1 - overhang, x1 + depth]
    : edge === 'right' ? [x2 - depth, x2 + overhang]
      : edge === 'top' ? [y1 - overhang, y1 + depth] : [y2 - depth, y2 + overhang];
  const box: XYXY = horizontal ? [across[0], spanLo - pad, across[1], spanHi + pad] : [spanLo - pad, across[0], spanHi + pad, across[1]];
  const shortSide = Math.min(box[2] - box[0], box[3] - box[1]);
  return {
    box,
    cornerRadius: rng.range(0.15, 0.45) * shortSide,
    colorA: mutedColor(rng, 0.2, 0.75),
    colorB: mutedColor(rng, 0.2, 0.75),
    salt: rng.nextUint32(),
  };
}

function occluderSignedDistance(occluder: Occluder, px: number, py: number): number {
  const [x1, y1, x2, y2] = occluder.box;
  const r = occluder.cornerRadius;
  const qx = Math.abs(px - (x1 + x2) / 2) - ((x2 - x1) / 2 - r);
  const qy = Math.abs(py - (y1 + y2) / 2) - ((y2 - y1) / 2 - r);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  // A slight wobble (±1.5 px) so occluders do not look like the square class; the band keeps 3 px of slack.
  const wobble = 3 * (valueNoise(px / 7, py / 7, occluder.salt) - 0.5);
  return outside + Math.min(Math.max(qx, qy), 0) - r + wobble;
}

/** Signed annotation offset (px, + outwards) of an ambiguous edge of this kind, from a uniform draw in [-1, 1]. */
function labelShiftFor(kind: Exclude<AmbiguityKind, 'truncation'>, extentAcross: number, blurWidth: number, draw: number): number {
  const limit = LABEL_SHIFT_OF_EXTENT[kind] * extentAcross;
  return (kind === 'blur' ? Math.min(limit, blurWidth / 2) : limit) * draw;
}

function planObjects(rng: Rng, size: number): PlannedObject[] {
  const target = rng.int(2, 7);
  const objects: PlannedObject[] = [];
  for (let attempt = 0; attempt < target * 25 && objects.length < target; attempt++) {
    const classIndex = rng.int(0, DEMO_CLASS_NAMES.length - 1);
    const name = DEMO_CLASS_NAMES[classIndex];
    const objectSize = rng.logRange(18, 150);
    const rotationRange = name === 'star' ? Math.PI : name === 'triangle' ? 0.5 : 0.35;
    const placement = {
      cx: 0, cy: 0, size: objectSize,
      aspect: name === 'star' || name === 'cross' ? rng.range(0.85, 1.18) : rng.range(0.75, 1.33),
      rotation: rng.range(-rotationRange, rotationRange),
      ringInnerRatio: rng.range(0.45, 0.65),
    };
    const [ux1, uy1, ux2, uy2] = shapeExtent(buildShape(name, placement));
    const w = ux2 - ux1;
    const h = uy2 - uy1;
    const extentAlong = (edge: EdgeName): number => (edge === 'left' || edge === 'right' ? w : h);
    // Effects are planned before placement, so each edge gets the room its effect needs from the border.
    const truncated = new Set<EdgeName>();
    if (rng.chance(0.15)) {
      const first = rng.pick(EDGE_NAMES);
      truncated.add(first);
      if (rng.chance(0.3)) truncated.add(first === 'left' || first === 'right' ? rng.pick(['top', 'bottom'] as const) : rng.pick(['left', 'right'] as const));
    }
    const planned: Partial<Record<EdgeName, PlannedKind>> = {};
    if (rng.chance(0.55)) {
      const free = EDGE_NAMES.filter((e) => !truncated.has(e));
      const count = Math.min(free.length, rng.chance(0.3) ? 2 : 1);
      for (let i = 0; i < count; i++) {
        const edge = free.splice(rng.int(0, free.length - 1), 1)[0];
        planned[edge] = rng.pick(['blur', 'low_contrast', 'occlusion'] as const);
      }
    }
    const blurWidth = clamp(BLUR_RAMP_FRACTION * objectSize, 8, 64);
    // One draw per edge whatever is planned, so the random stream does not depend on which edges are affected.
    const labelDraws = EDGE_NAMES.map(() => rng.range(-1, 1));
    // Room between a non-truncated edge and the border: 3 px, plus the drawn ramp's half width and an outward
    // annotation offset (planned effects; an edge found occluded only after drawing is clipped instead).
    const margin = (edge: EdgeName): number => {
      const kind = planned[edge];
      const outward = kind ? Math.max(0, labelShiftFor(kind, extentAlong(edge), blurWidth, labelDraws[EDGE_NAMES.indexOf(edge)])) : 0;
      return 3 + (kind === 'blur' ? blurWidth / 2 : 0) + outward;
    };
    // Truncated sides overflow the border by 15–45 % of the extent; other sides stay inside with their margin.
    const axisStart = (lowEdge: EdgeName, highEdge: EdgeName, length: number): number | null => {
      if (truncated.has(lowEdge)) return -rng.range(0.15, 0.45) * length;
      if (truncated.has(highEdge)) return size - length + rng.range(0.15, 0.45) * length;
      const lo = margin(lowEdge);
      const hi = size - margin(highEdge) - length;
      return hi < lo ? null : rng.range(lo, hi);
    };
    const x1 = axisStart('left', 'right', w);
    const y1 = axisStart('top', 'bottom', h);
    if (x1 === null || y1 === null) continue;
    const shape = buildShape(name, { ...placement, cx: x1 + w / 2, cy: y1 + h / 2 });
    const extent = shapeExtent(shape);
    const clipped = clipBox(extent, size);
    if (objects.some((other) => intersectionOverSmaller(clipBox(other.extent, size), clipped) > 0.3)) continue;
    const object: PlannedObject = {
      classIndex, shape, extent, size: objectSize,
      color: jitteredClassColor(rng, name),
      planned,
      blurWidth,
      labelDraws,
      lowContrastStrength: rng.range(0.95, 0.99),
      lightAngle: rng.range(0, Math.PI * 2),
      salt: rng.nextUint32(),
      occluders: [],
    };
    for (const edge of EDGE_NAMES) if (planned[edge] === 'occlusion') object.occluders.push(planOccluder(rng, object, edge, size));
    objects.push(object);
  }
  return objects;
}

function drawObject(object: PlannedObject, size: number, image: Float32Array, owner: Int32Array, ownerId: number): void {
  const blurred = EDGE_NAMES.filter((e) => object.planned[e] === 'blur');
  const faded = EDGE_NAMES.filter((e) => object.planned[e] === 'low_contrast');
  const reach = (blurred.length > 0 ? object.blurWidth / 2 : 0) + 2;
  const [ex1, ey1, ex2, ey2] = object.extent;
  const xs = Math.max(0, Math.floor(ex1 - reach));
  const xe = Math.min(size - 1, Math.ceil(ex2 + reach));
  const ys = Math.max(0, Math.floor(ey1 - reach));
  const ye = Math.min(size - 1, Math.ceil(ey2 + reach));
  const lightX = Math.cos(object.lightAngle) / object.size;
  const lightY = Math.sin(object.lightAngle) / object.size;
  const cx = (ex1 + ex2) / 2;
  const cy = (ey1 + ey2) / 2;
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = signedDistance(object.shape, px, py);
      let ramp = 1;
      for (const edge of blurred) ramp = Math.max(ramp, 1 + (object.blurWidth - 1) * edgeWeight(edge, object.extent, px, py));
      // Coverage is 0.5 exactly on the shape boundary whatever the ramp width (the annotation offset is separate).
      const alpha = clamp(0.5 - d / ramp, 0, 1);
      if (alpha <= 0) continue;
      const o = (y * size + x) * 3;
      const shade = 0.86 + 0.28 * clamp((px - cx) * lightX + (py - cy) * lightY + 0.5, 0, 1);
      const grain = 10 * (latticeValue(x, y, object.salt) - 0.5);
      let fade = 0;
      for (const edge of faded) fade = Math.max(fade, object.lowContrastStrength * edgeWeight(edge, object.extent, px, py));
      for (let c = 0; c < 3; c++) {
        const behind = image[o + c];
        const own = clamp(object.color[c] * shade + grain, 0, 255);
        const color = own + (behind - own) * fade;
        image[o + c] = behind + (color - behind) * alpha;
      }
      if (d < 0) owner[y * size + x] = ownerId;
    }
  }
}

function drawOccluder(occluder: Occluder, size: number, image: Float32Array, owner: Int32Array, ownerId: number): void {
  const [x1, y1, x2, y2] = occluder.box;
  const xs = Math.max(0, Math.floor(x1 - 3));
  const xe = Math.min(size - 1, Math.ceil(x2 + 3));
  const ys = Math.max(0, Math.floor(y1 - 3));
  const ye = Math.min(size - 1, Math.ceil(y2 + 3));
  for (let y = ys; y <= ye; y++) {
    for (let x = xs; x <= xe; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = occluderSignedDistance(occluder, px, py);
      const alpha = clamp(0.5 - d, 0, 1);
      if (alpha <= 0) continue;
      const t = fbm(px / 9, py / 9, occluder.salt);
      const rim = d > -2.5 ? 0.8 : 1;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const color = (occluder.colorA[c] + (occluder.colorB[c] - occluder.colorA[c]) * t) * rim;
        image[o + c] += (color - image[o + c]) * alpha;
      }
      if (d < 0) owner[y * size + x] = ownerId;
    }
  }
}

/**
 * Amodal area and visibility of a drawn object, and which of its edges are hidden: most of its pixels next to that
 * edge (inside the image) belong to something drawn later. Pixel centres past the image border count towards the
 * area (the box is amodal) and are never visible.
 */
function measureObject(object: PlannedObject, ownerId: number, size: number, owner: Int32Array): { area: number; visible: number; occluded: Set<EdgeName> } {
  const [ex1, ey1, ex2, ey2] = object.extent;
  const [bx1, by1, bx2, by2] = clipBox(object.extent, size);
  const depth = Math.max(2, 0.12 * object.size);
  const band = { left: [0, 0], top: [0, 0], right: [0, 0], bottom: [0, 0] } as Record<EdgeName, [number, number]>;
  let area = 0;
  let visible = 0;
  for (let y = Math.floor(ey1); y < Math.ceil(ey2); y++) {
    for (let x = Math.floor(ex1); x < Math.ceil(ex2); x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      if (signedDistance(object.shape, px, py) >= 0) continue;
      area++;
      if (x < 0 || y < 0 || x >= size || y >= size) continue;
      const hidden = owner[y * size + x] !== ownerId;
      if (!hidden) visible++;
      const near: Record<EdgeName, boolean> = { left: px < bx1 + depth, top: py < by1 + depth, right: px > bx2 - depth, bottom: py > by2 - depth };
      for (const edge of EDGE_NAMES) {
        if (!near[edge]) continue;
        band[edge][0]++;
        if (hidden) band[edge][1]++;
      }
    }
  }
  const occluded = new Set(EDGE_NAMES.filter((e) => band[e][0] > 0 && band[e][1] / band[e][0] >= OCCLUDED_EDGE_FRACTION));
  return { area, visible, occluded };
}

/** Renders the demo image of one seed: same seed → same pixels and annotations. */
export function renderDemoImage(seed: number, size: number = DEMO_IMAGE_SIZE): DemoImage {
  const rng = new Rng(seed);
  const background = planBackground(rng, size);
  const objects = planObjects(rng, size);
  const image = new Float32Array(size * size * 3);
  renderBackground(background, size, image);
  const owner = new Int32Array(size * size).fill(-1);
  let nextOccluderId = objects.length;
  objects.forEach((object, index) => {
    drawObject(object, size, image, owner, index);
    for (const occluder of object.occluders) drawOccluder(occluder, size, image, owner, nextOccluderId++);
  });
  const rgb = new Uint8Array(size * size * 3);
  const grainSalt = rng.nextUint32();
  for (let i = 0; i < size * size; i++) {
    const grain = 6 * (latticeValue(i, 0, grainSalt) - 0.5);
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = clamp(Math.round(image[i * 3 + c] + grain), 0, 255);
  }
  const annotated = objects.map((object, index): DemoObject => {
    const { area, visible, occluded } = measureObject(object, index, size, owner);
    const [x1, y1, x2, y2] = object.extent;
    const truncated: Record<EdgeName, boolean> = { left: x1 < 0, top: y1 < 0, right: x2 > size, bottom: y2 > size };
    const ambiguity: Partial<Record<EdgeName, AmbiguityKind>> = {};
    const labelShift: Partial<Record<EdgeName, number>> = {};
    const bbox: XYXY = [x1, y1, x2, y2];
    EDGE_NAMES.forEach((edge, e) => {
      if (truncated[edge]) ambiguity[edge] = 'truncation';
      else if (object.planned[edge] === 'occlusion' || occluded.has(edge)) ambiguity[edge] = 'occlusion';
      else if (object.planned[edge]) ambiguity[edge] = object.planned[edge];
      const kind = ambiguity[edge];
      if (kind === undefined || kind === 'truncation') return;
      const horizontal = edge === 'left' || edge === 'right';
      const shift = labelShiftFor(kind, horizontal ? x2 - x1 : y2 - y1, object.blurWidth, object.labelDraws[e]);
      // Outward is −x/−y on the left/top edges; an edge found occluded only after drawing may need clipping.
      bbox[e] = clamp(e < 2 ? bbox[e] - shift : bbox[e] + shift, 0, size);
      labelShift[edge] = e < 2 ? object.extent[e] - bbox[e] : bbox[e] - object.extent[e];
    });
    return {
      classIndex: object.classIndex,
      className: DEMO_CLASS_NAMES[object.classIndex],
      bbox,
      extent: object.extent,
      area,
      visibleFraction: area > 0 ? visible / area : 0,
      ambiguity,
      blurWidth: EDGE_NAMES.some((e) => object.planned[e] === 'blur') ? object.blurWidth : 0,
      labelShift,
    };
  });
  return { width: size, height: size, rgb, objects: annotated };
}
