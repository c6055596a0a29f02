// Demo dataset generator (issue 8): deterministic bytes, valid COCO, exact geometry, ambiguity ground truth.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoDataset } from '../../extension/demo/generateDataset.ts';
import { DemoSplitBuilder, demoCategories, type DemoCocoInstances } from '../../extension/core/demo/cocoDemo.ts';
import { AMBIGUITY_KINDS, DEMO_IMAGE_SIZE } from '../../extension/core/demo/scene.ts';
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

  it('writes valid COCO instances: unique ids, known categories, positive boxes inside the image', () => {
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
      assert.ok(x >= 0 && y >= 0 && x + w <= DEMO_IMAGE_SIZE + 1e-9 && y + h <= DEMO_IMAGE_SIZE + 1e-9, `annotation ${a.id}: box ${a.bbox} leaves the image`);
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

  it('records ambiguous edges with known kinds, truncation exactly at the image border', () => {
    const coco = sampleInstances();
    const kindsSeen = new Set<string>();
    let cleanEdges = 0;
    for (const a of coco.annotations) {
      assert.deepEqual(a.ambiguous_edges, EDGE_NAMES.filter((e) => a.ambiguous_edges.includes(e)), 'edges in left, top, right, bottom order');
      assert.deepEqual(Object.keys(a.ambiguity).sort(), [...a.ambiguous_edges].sort());
      cleanEdges += 4 - a.ambiguous_edges.length;
      const [x, y, w, h] = a.bbox;
      const atBorder = { left: x === 0, top: y === 0, right: x + w === DEMO_IMAGE_SIZE, bottom: y + h === DEMO_IMAGE_SIZE };
      for (const edge of EDGE_NAMES) {
        const kind = a.ambiguity[edge];
        if (kind !== undefined) {
          assert.ok((AMBIGUITY_KINDS as readonly string[]).includes(kind), `unknown kind ${kind}`);
          kindsSeen.add(kind);
        }
        // Truncated edges are clipped to the border; other objects keep a margin from it.
        assert.equal(kind === 'truncation', atBorder[edge], `annotation ${a.id} ${edge}: truncation ${kind === 'truncation'} but at border ${atBorder[edge]}`);
      }
      if (a.ambiguity.left === 'occlusion' || a.ambiguity.right === 'occlusion' || a.ambiguity.top === 'occlusion' || a.ambiguity.bottom === 'occlusion') {
        assert.ok(a.visible_fraction < 1, `annotation ${a.id}: an occluded edge but the object is fully visible`);
      }
    }
    assert.deepEqual([...kindsSeen].sort(), [...AMBIGUITY_KINDS].sort());
    assert.ok(cleanEdges > coco.annotations.length * 2, 'most edges stay clean');
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
