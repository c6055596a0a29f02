// COCO instances JSON for the demo dataset, with the generator's ambiguity ground truth as extra
// annotation fields (COCO tools ignore unknown keys):
//   "ambiguous_edges": ["left", "top"]                       edges in left, top, right, bottom order
//   "ambiguity": {"left": "blur", "top": "truncation"}        how each ambiguous edge was made
import { EDGE_NAMES, type EdgeName } from '../types.ts';
import { hashSeed } from './rng.ts';
import { DEMO_IMAGE_SIZE, renderDemoImage, type AmbiguityKind, type DemoImage, type DemoObject } from './scene.ts';
import { DEMO_CLASS_NAMES } from './shapes.ts';

export type DemoSplit = 'train' | 'val';

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface DemoCocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels, rounded to 0.01 px. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  ambiguous_edges: EdgeName[];
  ambiguity: Partial<Record<EdgeName, AmbiguityKind>>;
  /** Per blurred, low-contrast or occluded edge: px from the true edge to the annotated one, + outwards (0.01 px). */
  label_shift: Partial<Record<EdgeName, number>>;
  visible_fraction: number;
}

export interface DemoCocoInstances {
  info: { description: string; version: string; seed: number; split: DemoSplit; generator: string };
  images: CocoImage[];
  annotations: DemoCocoAnnotation[];
  categories: CocoCategory[];
}

/** Version of the generator's output; bump when the same seed would give different images. */
export const DEMO_GENERATOR_VERSION = '2';

/** Category id = class index + 1, in DEMO_CLASS_NAMES order (the demo model's output order). */
export function demoCategories(): CocoCategory[] {
  return DEMO_CLASS_NAMES.map((name, index) => ({ id: index + 1, name, supercategory: 'shape' }));
}

/** Seed of one image: independent of the split's length, so the first N images of a split are the same for any N. */
export function demoImageSeed(datasetSeed: number, split: DemoSplit, index: number): number {
  return hashSeed(datasetSeed, split === 'train' ? 1 : 2, index);
}

export function demoImageFileName(index: number, extension = 'png'): string {
  return `${String(index).padStart(6, '0')}.${extension}`;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function toCocoAnnotation(object: DemoObject, id: number, imageId: number): DemoCocoAnnotation {
  const [x1, y1, x2, y2] = object.bbox.map(round2);
  const ambiguousEdges = EDGE_NAMES.filter((e) => object.ambiguity[e] !== undefined);
  return {
    id,
    image_id: imageId,
    category_id: object.classIndex + 1,
    bbox: [x1, y1, round2(x2 - x1), round2(y2 - y1)],
    area: object.area,
    iscrowd: 0,
    ambiguous_edges: ambiguousEdges,
    ambiguity: Object.fromEntries(ambiguousEdges.map((e) => [e, object.ambiguity[e]])),
    label_shift: Object.fromEntries(EDGE_NAMES.filter((e) => object.labelShift[e] !== undefined).map((e) => [e, round2(object.labelShift[e]!)])),
    visible_fraction: round2(object.visibleFraction),
  };
}

/** Builds a split image by image; the caller encodes and writes each image's pixels. */
export class DemoSplitBuilder {
  private readonly images: CocoImage[] = [];
  private readonly annotations: DemoCocoAnnotation[] = [];

  constructor(readonly datasetSeed: number, readonly split: DemoSplit, readonly imageSize: number = DEMO_IMAGE_SIZE) {}

  /** Renders image `index` (0-based; its COCO id is index + 1) and records its annotations. */
  render(index: number, extension = 'png'): { image: DemoImage; entry: CocoImage } {
    const image = renderDemoImage(demoImageSeed(this.datasetSeed, this.split, index), this.imageSize);
    const entry: CocoImage = { id: index + 1, file_name: demoImageFileName(index, extension), width: image.width, height: image.height };
    this.images.push(entry);
    for (const object of image.objects) this.annotations.push(toCocoAnnotation(object, this.annotations.length + 1, entry.id));
    return { image, entry };
  }

  instances(): DemoCocoInstances {
    return {
      info: {
        description: 'GFL Lens demo shapes dataset (procedural; ambiguity ground truth in ambiguous_edges/ambiguity)',
        version: DEMO_GENERATOR_VERSION,
        seed: this.datasetSeed,
        split: this.split,
        generator: 'extension/demo/generateDataset.ts',
      },
      images: [...this.images],
      annotations: [...this.annotations],
      categories: demoCategories(),
    };
  }
}
