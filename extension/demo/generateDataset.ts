// Writes the demo dataset: <out>/<split>/images/NNNNNN.png and <out>/<split>/instances_<split>.json (COCO).
// CLI: node --import tsx extension/demo/generateDataset.ts --out DIR [--seed 1] [--train 2000] [--val 200]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSharp } from '../io/sharp.ts';
import { DemoSplitBuilder, type DemoSplit } from '../core/demo/cocoDemo.ts';

export interface DemoDatasetOptions {
  outDir: string;
  seed: number;
  /** Number of images per split; a split with 0 images is not written. */
  counts: Partial<Record<DemoSplit, number>>;
  /** Called after each image, e.g. for progress output. */
  onImage?: (split: DemoSplit, index: number, total: number) => void;
}

export interface DemoSplitFiles {
  split: DemoSplit;
  imagesDir: string;
  annotationsFile: string;
  images: number;
  annotations: number;
}

/** Default seed of the shipped demo dataset (the demo model was trained on train/val of this seed). */
export const DEMO_DATASET_SEED = 1;

/** PNG options fixed explicitly so the bytes depend on the pixels only. */
const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false, palette: false } as const;

export async function encodeDemoPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return loadSharp()(rgb, { raw: { width, height, channels: 3 } }).png(PNG_OPTIONS).toBuffer();
}

/** Generates the requested splits; deterministic: the same seed and counts give the same bytes. */
export async function generateDemoDataset(options: DemoDatasetOptions): Promise<DemoSplitFiles[]> {
  const written: DemoSplitFiles[] = [];
  for (const split of ['train', 'val'] as const) {
    const total = options.counts[split] ?? 0;
    if (total <= 0) continue;
    const splitDir = path.join(options.outDir, split);
    const imagesDir = path.join(splitDir, 'images');
    fs.mkdirSync(imagesDir, { recursive: true });
    const builder = new DemoSplitBuilder(options.seed, split);
    for (let index = 0; index < total; index++) {
      const { image, entry } = builder.render(index);
      const png = await encodeDemoPng(image.rgb, image.width, image.height);
      fs.writeFileSync(path.join(imagesDir, entry.file_name), png);
      options.onImage?.(split, index, total);
    }
    const instances = builder.instances();
    const annotationsFile = path.join(splitDir, `instances_${split}.json`);
    fs.writeFileSync(annotationsFile, JSON.stringify(instances) + '\n');
    written.push({ split, imagesDir, annotationsFile, images: instances.images.length, annotations: instances.annotations.length });
  }
  return written;
}

function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`generateDataset: --${option} must be a non-negative integer, got "${text}"`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: String(DEMO_DATASET_SEED) },
      train: { type: 'string', default: '2000' },
      val: { type: 'string', default: '200' },
    },
  });
  if (!values.out) throw new Error('generateDataset: --out DIR is required');
  const started = Date.now();
  const files = await generateDemoDataset({
    outDir: values.out,
    seed: parseCount(values.seed, 'seed'),
    counts: { train: parseCount(values.train, 'train'), val: parseCount(values.val, 'val') },
  });
  for (const f of files) console.log(`${f.split}: ${f.images} images, ${f.annotations} annotations → ${f.annotationsFile}`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// Runs as a script only when invoked directly (not when imported by the demo pipeline or bundled).
if (process.argv[1] !== undefined && path.basename(process.argv[1]) === 'generateDataset.ts') {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
