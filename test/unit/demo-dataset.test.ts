// Demo dataset generator (issue 8): deterministic bytes, valid COCO, exact geometry, ambiguity ground truth.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoDataset } from '../../extension/demo/generateDataset.ts';
import { DemoSplitBuilder, demoCategories, type DemoCocoInstances } from '../../extension/core/demo/cocoDemo.ts';
import { AMBIGUITY_KINDS, DEMO_IMAGE_SIZE, renderDemoImage } from '../../extension/core/demo/scene.ts';
import { DEMO_CLASS_NAMES, buildShape, polygonSignedDistance, shapeExtent, signedDistance } from '../../extension/core/demo/shapes.ts';
import { Rng } from '../../extension/core/demo/rng.ts';
import { EDGE_NAMES } from '../../extension/core/types.ts';

function listFiles(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function generateInto(seed: number, counts: { train: number; val: number }): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-demo-'));
  await generateDemoDataset({ outDir: dir, seed, counts });
  return dir;
}

/** 16 images rendered in memory (no PNG encoding): enough objects to see every ambiguity kind. */
function sampleInstances(): DemoCocoInstances {
  const builder = new DemoSplitBuilder(3, 'val');
  for (let i = 0; i < 16; i++) builder.render(i);
  return builder.instances();
}

describe('demo dataset generator', () => {
  it('writes the same bytes for the same seed, different bytes for another seed', async () => {
    const first = await generateInto(11, { train: 2, val: 2 });
    const second = await generateInto(11, { train: 2, val: 2 });
    const other = await generateInto(12, { train: 2, val: 2 });
    try {
      const files = listFiles(first);
      assert.deepEqual(files, [
        'train/images/000000.png', 'train/images/000001.png', 'train/instances_train.json',
        'val/images/000000.png', 'val/images/000001.png', 'val/instances_val.json',
      ]);
      assert.deepEqual(listFiles(second), files);
      for (const file of files) {
        assert.ok(fs.readFileSync(path.join(first, file)).equals(fs.readFileSync(path.join(second, file))), `${file} differs between two runs`);
      }
      assert.ok(!fs.readFileSync(path.join(first, 'val/images/000000.png')).equals(fs.readFileSync(path.join(other, 'val/images/000000.png'))));
      // The first images of a split do not depend on the split's length (a 50-image val split is a prefix of the 200).
      const longer = await generateInto(11, { train: 0, val: 3 });
      try {
        assert.ok(fs.readFileSync(path.join(first, 'val/images/000001.png')).equals(fs.readFileSync(path.join(longer, 'val/images/000001.png'))));
      } finally {
        fs.rmSync(longer, { recursive: true, force: true });
      }
    } finally {
      for (const dir of [first, second, other]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes valid COCO instances: unique ids, known categories, positive boxes, past the border only where truncated', () => {
    const coco = sampleInstances();
    assert.deepEqual(coco.categories.map((c) => c.name), [...DEMO_CLASS_NAMES]);
    assert.deepEqual(coco.categories.map((c) => c.id), [1, 2, 3, 4, 5, 6]);
    assert.equal(new Set(coco.images.map((i) => i.id)).size, coco.images.length);
    assert.equal(new Set(coco.annotations.map((a) => a.id)).size, coco.annotations.length);
    const imageIds = new Set(coco.images.map((i) => i.id));
    const categoryIds = new Set(coco.categories.map((c) => c.id));
    assert.ok(coco.annotations.length >= 2 * coco.images.length, 'several objects per image');
    for (const image of coco.images) {
      assert.equal(image.width, DEMO_IMAGE_SIZE);
      assert.equal(image.height, DEMO_IMAGE_SIZE);
      assert.match(image.file_name, /^\d{6}\.png$/);
    }
    for (const a of coco.annotations) {
      assert.ok(imageIds.has(a.image_id), `annotation ${a.id}: unknown image ${a.image_id}`);
      assert.ok(categoryIds.has(a.category_id), `annotation ${a.id}: unknown category ${a.category_id}`);
      const [x, y, w, h] = a.bbox;
      const leaves = { left: x < 0, top: y < 0, right: x + w > DEMO_IMAGE_SIZE, bottom: y + h > DEMO_IMAGE_SIZE };
      for (const edge of EDGE_NAMES) {
        assert.equal(leaves[edge], a.ambiguity[edge] === 'truncation', `annotation ${a.id}: box ${a.bbox} ${edge} edge past the border ${leaves[edge]}, kind ${a.ambiguity[edge]}`);
      }
      assert.ok(w > 0 && h > 0 && a.area > 0, `annotation ${a.id}: empty box or area`);
      // The area counts pixel centres inside the shape, so it cannot exceed the box (plus its boundary pixels).
      assert.ok(a.area <= (w + 1) * (h + 1), `annotation ${a.id}: area ${a.area} larger than its box`);
      assert.equal(a.iscrowd, 0);
    }
    // Objects overlap: at least one pair of boxes in the same image intersects.
    const overlapping = coco.images.some((image) => {
      const boxes = coco.annotations.filter((a) => a.image_id === image.id).map((a) => a.bbox);
      return boxes.some((p, i) => boxes.some((q, j) => j > i && p[0] < q[0] + q[2] && q[0] < p[0] + p[2] && p[1] < q[1] + q[3] && q[1] < p[1] + p[3]));
    });
    assert.ok(overlapping);
  });

  it('records ambiguous edges with known kinds; truncated objects continue past the border, others keep a margin', () => {
    const coco = sampleInstances();
    const kindsSeen = new Set<string>();
    let cleanEdges = 0;
    for (const a of coco.annotations) {
      assert.deepEqual(a.ambiguous_edges, EDGE_NAMES.filter((e) => a.ambiguous_edges.includes(e)), 'edges in left, top, right, bottom order');
      assert.deepEqual(Object.keys(a.ambiguity).sort(), [...a.ambiguous_edges].sort());
      cleanEdges += 4 - a.ambiguous_edges.length;
      const [x, y, w, h] = a.bbox;
      // Past the border by 15–45 % of the extent when truncated (the box is amodal); at least 3 px inside otherwise.
      const overflow = { left: -x / w, top: -y / h, right: (x + w - DEMO_IMAGE_SIZE) / w, bottom: (y + h - DEMO_IMAGE_SIZE) / h };
      for (const edge of EDGE_NAMES) {
        const kind = a.ambiguity[edge];
        if (kind !== undefined) {
          assert.ok((AMBIGUITY_KINDS as readonly string[]).includes(kind), `unknown kind ${kind}`);
          kindsSeen.add(kind);
        }
        if (kind === 'truncation') assert.ok(overflow[edge] >= 0.15 - 0.01 && overflow[edge] <= 0.45 + 0.01, `annotation ${a.id} ${edge}: overflow ${overflow[edge]}`);
        else {
          // An edge found occluded only after drawing may have its annotation offset clipped at the border.
          const side = edge === 'left' || edge === 'right' ? w : h;
          const minimum = kind === 'occlusion' ? 0 : 3;
          assert.ok(-overflow[edge] * side >= minimum - 0.01, `annotation ${a.id} ${edge}: ${(-overflow[edge] * side).toFixed(2)} px from the border`);
        }
      }
      if (a.ambiguity.left === 'occlusion' || a.ambiguity.right === 'occlusion' || a.ambiguity.top === 'occlusion' || a.ambiguity.bottom === 'occlusion') {
        assert.ok(a.visible_fraction < 1, `annotation ${a.id}: an occluded edge but the object is fully visible`);
      }
      // The amodal area counts the part past the border, which is never visible.
      if (a.ambiguous_edges.some((e) => a.ambiguity[e] === 'truncation')) assert.ok(a.visible_fraction < 1, `annotation ${a.id}: truncated but ${a.visible_fraction} visible`);
    }
    assert.deepEqual([...kindsSeen].sort(), [...AMBIGUITY_KINDS].sort());
    assert.ok(cleanEdges > coco.annotations.length * 2, 'most edges stay clean');
  });

  it('moves the annotated edge by a random offset on blurred, faded and occluded edges only', () => {
    // The annotation offset is uniform per object edge: up to 25 % of the extent (and half the ramp) for blur, 22 %
    // for low contrast, 18 % for occlusion; clean and truncated edges are the exact extent.
    const limits = { blur: 0.25, low_contrast: 0.22, occlusion: 0.18 } as const;
    const shifts: Record<keyof typeof limits, number[]> = { blur: [], low_contrast: [], occlusion: [] };
    for (let seed = 1; seed <= 12; seed++) {
      for (const object of renderDemoImage(seed).objects) {
        EDGE_NAMES.forEach((edge, e) => {
          const kind = object.ambiguity[edge];
          const shift = object.labelShift[edge];
          const outward = e < 2 ? object.extent[e] - object.bbox[e] : object.bbox[e] - object.extent[e];
          if (kind === undefined || kind === 'truncation') {
            assert.equal(shift, undefined, `seed ${seed}: ${kind ?? 'clean'} ${edge} has an offset`);
            assert.equal(object.bbox[e], object.extent[e], `seed ${seed}: ${kind ?? 'clean'} ${edge} box is not the extent`);
            return;
          }
          assert.ok(shift !== undefined, `seed ${seed}: ${kind} ${edge} without an offset`);
          assert.ok(Math.abs(outward - shift) < 1e-9, `seed ${seed}: ${kind} ${edge}: box moved ${outward}, offset ${shift}`);
          const [x1, y1, x2, y2] = object.extent;
          const limit = limits[kind] * (e % 2 === 0 ? x2 - x1 : y2 - y1);
          assert.ok(Math.abs(shift) <= limit + 1e-9, `seed ${seed}: ${kind} ${edge} offset ${shift} beyond ${limit}`);
          if (kind === 'blur') assert.ok(Math.abs(shift) <= object.blurWidth / 2 + 1e-9, `seed ${seed}: blur offset ${shift} off the ${object.blurWidth} px ramp`);
          shifts[kind].push(shift);
        });
      }
    }
    for (const kind of Object.keys(shifts) as (keyof typeof limits)[]) {
      assert.ok(shifts[kind].length >= 5, `${kind}: only ${shifts[kind].length} edges`);
      assert.ok(shifts[kind].some((v) => v > 1) && shifts[kind].some((v) => v < -1), `${kind}: offsets ${shifts[kind].join(', ')} do not go both ways`);
    }
  });

  it('draws the coverage ramp of a blurred edge centred on the true edge, whatever the annotation says', () => {
    // Image seed 86 has a fully visible circle whose only effect is a blurred left edge with a wide ramp (found by
    // scanning seeds). On the circle's middle row the signed distance is linear in x, so the pixel whose centre is c
    // has coverage 0.5 + (c − x1) / ramp (clamped to 0..1) around the true edge x1. The colour is
    // background + coverage · (object − background): we measure coverage as the colour's share of the way from the
    // background (left of the ramp) to the object (right of it), over the channels where the two differ.
    const image = renderDemoImage(86);
    const object = image.objects.find((o) => o.className === 'circle' && o.ambiguity.left === 'blur');
    assert.ok(object !== undefined, 'the blurred circle of seed 86');
    assert.deepEqual(Object.keys(object.ambiguity), ['left']);
    const ramp = object.blurWidth;
    const [x1, y1, , y2] = object.extent;
    assert.ok(ramp > 30, `ramp ${ramp}`);
    const row = Math.floor((y1 + y2) / 2);
    const color = (x: number): number[] => Array.from(image.rgb.subarray((row * image.width + x) * 3, (row * image.width + x) * 3 + 3));
    const background = color(Math.floor(x1 - ramp / 2 - 3));
    const inside = color(Math.ceil(x1 + ramp / 2 + 3));
    const channels = [0, 1, 2].filter((c) => Math.abs(inside[c] - background[c]) > 60);
    assert.ok(channels.length > 0, `object ${inside} and background ${background} too alike`);
    const coverageAt = (x: number): number => channels.reduce((sum, c) => sum + (color(x)[c] - background[c]) / (inside[c] - background[c]), 0) / channels.length;
    // Pixel grain (±5 on the object, ±3 on the image) and background texture are ±0.09 of coverage per pixel over a
    // ~90-level spread, so fit a line to the ramp's middle (coverage 0.1–0.9 by the formula) and compare it.
    const xs: number[] = [], covs: number[] = [];
    for (let x = Math.ceil(x1 - 0.4 * ramp); x <= Math.floor(x1 + 0.4 * ramp); x++) {
      xs.push(x + 0.5);
      covs.push(coverageAt(x));
    }
    const meanX = xs.reduce((a, b) => a + b, 0) / xs.length, meanC = covs.reduce((a, b) => a + b, 0) / covs.length;
    const slope = xs.reduce((sum, x, i) => sum + (x - meanX) * (covs[i] - meanC), 0) / xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0);
    const halfCoverageAt = meanX + (0.5 - meanC) / slope;
    // The edge band (45 % of the extent inwards) narrows the ramp inside the shape a little, hence 15 %.
    assert.ok(Math.abs(slope * ramp - 1) < 0.15, `ramp slope ${slope.toFixed(4)} per px, expected 1 / ${ramp.toFixed(1)}`);
    assert.ok(Math.abs(halfCoverageAt - x1) < 1.5, `coverage 0.5 at x ${halfCoverageAt.toFixed(1)}, expected the true edge ${x1.toFixed(1)}`);
    // The annotated edge is elsewhere on the ramp: the image does not show it.
    const shift = object.labelShift.left ?? 0;
    assert.ok(Math.abs(shift) > 3, `annotation offset ${shift}`);
    assert.ok(Math.abs(object.bbox[0] - (x1 - shift)) < 1e-9);
  });
});

describe('demo shapes', () => {
  it('gives exact extents and signed distances (hand-computed)', () => {
    const placement = { cx: 100, cy: 60, size: 40, aspect: 1, rotation: 0, ringInnerRatio: 0.5 };
    // An axis-aligned square of side 40 centred at (100, 60) spans 80..120 × 40..80.
    const square = buildShape('square', placement);
    assert.deepEqual(shapeExtent(square).map((v) => Math.round(v * 1e9) / 1e9), [80, 40, 120, 80]);
    assert.ok(Math.abs(signedDistance(square, 130, 60) - 10) < 1e-9, '10 px right of the right side');
    assert.ok(Math.abs(signedDistance(square, 100, 60) + 20) < 1e-9, 'centre: 20 px inside');
    // Ring: outer radius 20, inner 10 → the centre lies 10 px outside the ring (in the hole), the rim at distance 0.
    const ring = buildShape('ring', placement);
    assert.deepEqual(shapeExtent(ring), [80, 40, 120, 80]);
    assert.ok(Math.abs(signedDistance(ring, 100, 60) - 10) < 1e-9);
    assert.ok(Math.abs(signedDistance(ring, 120, 60)) < 1e-9);
    // A star rotated by any angle still has its largest extent side equal to size and centred on (cx, cy).
    const star = buildShape('star', { ...placement, rotation: 0.7 });
    const [x1, y1, x2, y2] = shapeExtent(star);
    assert.ok(Math.abs(Math.max(x2 - x1, y2 - y1) - 40) < 1e-9);
    assert.ok(Math.abs((x1 + x2) / 2 - 100) < 1e-9 && Math.abs((y1 + y2) / 2 - 60) < 1e-9);
    // Right triangle (0,0) (4,0) (0,3): the point (0, −1) is 1 below the side y = 0.
    assert.ok(Math.abs(polygonSignedDistance([[0, 0], [4, 0], [0, 3]], 0, -1) - 1) < 1e-9);
    // (1, 1) is inside: 1 from each leg and |3 + 4 − 12| / 5 = 1 from the hypotenuse 3x + 4y = 12 → −1.
    assert.ok(Math.abs(polygonSignedDistance([[0, 0], [4, 0], [0, 3]], 1, 1) + 1) < 1e-9);
    // (1, 0.5): 0.5 from the side y = 0, nearer than the other two → −0.5.
    assert.ok(Math.abs(polygonSignedDistance([[0, 0], [4, 0], [0, 3]], 1, 0.5) + 0.5) < 1e-9);
  });

  it('draws random numbers reproducibly per seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), seqA);
    assert.notDeepEqual(Array.from({ length: 5 }, () => c.nextUint32()), seqA);
    assert.deepEqual(demoCategories()[0], { id: 1, name: 'circle', supercategory: 'shape' });
  });
});
