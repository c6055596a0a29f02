// The hostile-input corpus (issue 17): generated at test time into a temporary folder, each case with the outcome it
// must have. Kinds: images, COCO files, results files, models, profiles, outputs. Run files are validated by the
// run store (not here). Outcomes:
//   error    a clear error: a plain Error whose message names the file (never a TypeError/RangeError), nothing hangs;
//   warning  the input is used, and a warning naming the problem is given;
//   ok       a valid input accepted, with the correct result checked against an independent reference.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { evaluateCoco } from '../../extension/core/coco/cocoEval.ts';
import { parseCocoInstances, parseCocoResults, imageSizeMismatch, type CocoDataset } from '../../extension/core/coco/cocoLoad.ts';
import { mergeProfile, getPreset, parseProfileOverride } from '../../extension/core/profiles.ts';
import type { ModelProfile } from '../../extension/core/types.ts';
import { Detector, readProfileText } from '../../extension/inference/detector.ts';
import { prepareImage } from '../../extension/inference/preprocess.ts';
import { writeFileAtomic, type AtomicFileSystem } from '../../extension/io/atomicFile.ts';
import { cocoImageItems, listFolderImages } from '../../extension/io/imageSources.ts';
import { readTextFile } from '../../extension/io/textFiles.ts';
import { buildHeadModel, buildOnnxModel, nanodetOutputs } from '../unit/helpers/onnxBuilder.ts';

export type Kind = 'images' | 'coco' | 'results' | 'models' | 'profiles' | 'outputs';
export type Expected = 'error' | 'warning' | 'ok';

export interface CaseResult {
  /** Warnings the product gave (empty when none). */
  warnings: string[];
}

export interface HostileCase {
  kind: Kind;
  name: string;
  expect: Expected;
  /** error: the message must match (and it must name `file`); warning: one warning must match. */
  says?: RegExp;
  /** The file an error must name (its base name is looked for in the message). */
  file?: string;
  /** Runs the product on the input; for 'ok' cases, also asserts the result against a reference (throws if wrong). */
  run(): Promise<CaseResult>;
}

const NANODET = getPreset('nanodet-m')!;

function check(condition: boolean, what: string): void {
  // A failed correctness check is reported as "silently wrong" by the runner (the product gave a wrong result).
  if (!condition) throw Object.assign(new Error(`wrong result: ${what}`), { wrongResult: true });
}

const image = (id: number, extra: Record<string, unknown> = {}) => ({ id, file_name: `${id}.png`, width: 64, height: 48, ...extra });
const ann = (id: number, extra: Record<string, unknown> = {}) => ({ id, image_id: 1, category_id: 1, bbox: [4, 4, 20, 10], area: 200, iscrowd: 0, ...extra });
const instances = (over: Record<string, unknown> = {}) => ({ images: [image(1), image(2)], annotations: [ann(1), ann(2, { image_id: 2 })], categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }], ...over });
const nested = (depth: number, leaf: unknown = 1): string => '['.repeat(depth) + JSON.stringify(leaf) + ']'.repeat(depth);

/** Builds every case; files are written under `dir` (a fresh temporary folder). */
export async function buildCorpus(dir: string, shared: string): Promise<HostileCase[]> {
  const cases: HostileCase[] = [];
  const at = (name: string) => path.join(dir, name);
  const write = (name: string, content: string | Uint8Array) => {
    fs.writeFileSync(at(name), content);
    return at(name);
  };
  const mkfifo = (name: string) => {
    execFileSync('mkfifo', [at(name)]);
    return at(name);
  };

  // ---------- COCO instances files ----------
  const reference = parseCocoInstances(JSON.stringify(instances()), 'reference.json');
  const sameDataset = (d: CocoDataset) => JSON.stringify([d.images, d.annotations, d.categories]) === JSON.stringify([reference.images, reference.annotations, reference.categories]);
  const coco = (name: string, expect: Expected, content: string | Uint8Array, says?: RegExp, verify?: (d: CocoDataset) => void) => {
    const file = write(name, content);
    cases.push({
      kind: 'coco', name, expect, says, file,
      async run() {
        const dataset = parseCocoInstances(await readTextFile(file, 'COCO annotations'), file);
        verify?.(dataset);
        return { warnings: dataset.warnings };
      },
    });
  };
  const text = JSON.stringify(instances());
  coco('utf8-bom.json', 'ok', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), undefined, (d) => check(sameDataset(d), 'BOM file parses like the plain one'));
  coco('utf16le-bom.json', 'ok', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), undefined, (d) => check(sameDataset(d), 'UTF-16 LE decoded'));
  coco('utf16be-bom.json', 'ok', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]), undefined, (d) => check(sameDataset(d), 'UTF-16 BE decoded'));
  coco('utf16-no-bom.json', 'error', Buffer.from(text, 'utf16le'), /UTF-16 without a byte-order mark/);
  coco('utf32.json', 'error', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(text)]), /UTF-32/);
  coco('latin1.json', 'error', Buffer.from(JSON.stringify(instances({ categories: [{ id: 1, name: 'caf\u00e9' }, { id: 2, name: 'dog' }] })), 'latin1'), /not valid UTF-8/);
  coco('nested-bbox-10000.json', 'error', text.replace('"bbox":[4,4,20,10]', `"bbox":[${nested(10000)},1,1,1]`), /bbox: expected 4 finite numbers, got \[an array of length 1/);
  coco('nested-file-name-100000.json', 'error', text.replace('"file_name":"1.png"', `"file_name":${nested(100000)}`), /file_name: expected a string, got an array/);
  coco('huge-image-id.json', 'error', text.replace('"id":1,"file_name"', '"id":9007199254740993,"file_name"'), /beyond ±2\^53/);
  coco('image-info-no-annotations.json', 'warning', JSON.stringify({ images: [image(1)], categories: [{ id: 1, name: 'cat' }] }), /no "annotations" \(an image_info file\)/,
    (d) => check(d.imageInfoOnly === true && d.images.length === 1 && d.annotations.length === 0, 'image_info file flagged, images kept'));
  coco('unknown-category.json', 'warning', JSON.stringify(instances({ annotations: [ann(1), ann(2, { category_id: 77 })] })), /category_id missing from "categories" \(77\)/,
    (d) => check(d.annotations.length === 1 && d.annotations[0].id === 1, 'the unknown-category annotation is left out, as pycocotools does'));
  coco('images-empty.json', 'warning', JSON.stringify({ images: [], annotations: [], categories: [{ id: 1, name: 'cat' }] }), /"images" is empty/);
  coco('annotation-id-0.json', 'warning', JSON.stringify(instances({ annotations: [ann(0), ann(2, { image_id: 2 })] })), /annotation has id 0/);
  const bigBox = `[${new Array(2_000_000).fill(1).join(',')}]`;
  coco('bbox-2M-elements.json', 'error', text.replace('"bbox":[4,4,20,10]', `"bbox":${bigBox}`), /bbox: expected \[x, y, width, height\], got an array of length 2000000/);
  coco('null-annotation.json', 'error', JSON.stringify(instances({ annotations: [null] })), /annotations\[0\]: expected an object, got null/);
  coco('root-array.json', 'error', '[]', /expected a COCO instances object/);
  coco('passwd-like.json', 'error', 'root:x:0:0:root:/root:/bin/bash\nsecret:x:1000:1000::/home/secret:/bin/sh\n', /not valid JSON \(unexpected character U\+0072 \(first at line 1, column 1\)\)$/);
  coco('empty.json', 'error', '', /the file is empty/);
  coco('truncated.json', 'error', text.slice(0, text.length / 2), /not valid JSON/);
  coco('nan-literal.json', 'error', text.replace('"area":200', '"area":NaN'), /not valid JSON/);
  coco('width-string.json', 'error', JSON.stringify(instances({ images: [image(1, { width: '64' }), image(2)] })), /images\[0\]\.width: expected a finite number, got the string "64"/);
  coco('iscrowd-2.json', 'error', JSON.stringify(instances({ annotations: [ann(1, { iscrowd: 2 })] })), /iscrowd: expected 0 or 1/);
  coco('duplicate-image-id.json', 'error', JSON.stringify(instances({ images: [image(1), image(1)] })), /duplicate image id 1/);
  coco('negative-width.json', 'error', JSON.stringify(instances({ annotations: [ann(1, { bbox: [0, 0, -3, 4] })] })), /width is negative/);
  // Special files: must not block or exhaust memory.
  const fifo = mkfifo('instances-fifo.json');
  cases.push({ kind: 'coco', name: 'named-pipe.json', expect: 'error', says: /a named pipe, not a regular file/, file: fifo,
    async run() { parseCocoInstances(await readTextFile(fifo, 'COCO annotations'), fifo); return { warnings: [] }; } });
  cases.push({ kind: 'coco', name: '/dev/zero', expect: 'error', says: /a character device, not a regular file/, file: '/dev/zero',
    async run() { parseCocoInstances(await readTextFile('/dev/zero', 'COCO annotations'), '/dev/zero'); return { warnings: [] }; } });
  fs.mkdirSync(at('a-folder.json'));
  cases.push({ kind: 'coco', name: 'a-folder.json', expect: 'error', says: /a folder/, file: at('a-folder.json'),
    async run() { parseCocoInstances(await readTextFile(at('a-folder.json'), 'COCO annotations'), at('a-folder.json')); return { warnings: [] }; } });
  // 200k categories: the file loads (detection needs no evaluation); evaluating it is refused with the limit.
  const manyCategories = write('200k-categories.json', JSON.stringify(instances({ categories: Array.from({ length: 200_000 }, (_, i) => ({ id: i + 1, name: `c${i}` })) })));
  cases.push({ kind: 'coco', name: '200k-categories.json (evaluated)', expect: 'error', says: /200000 categories; COCO evaluation supports at most 10000/, file: manyCategories,
    async run() {
      const dataset = parseCocoInstances(await readTextFile(manyCategories, 'COCO annotations'), manyCategories);
      try {
        evaluateCoco(dataset, []);
      } catch (error) {
        throw new Error(`${manyCategories}: ${(error as Error).message}`);
      }
      return { warnings: dataset.warnings };
    } });

  // Traversal and links in file_name: refused for that image, named, never read.
  const imagesDir = at('images');
  fs.mkdirSync(imagesDir);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toFile(path.join(imagesDir, '1.png'));
  write('outside.png', fs.readFileSync(path.join(imagesDir, '1.png')));
  fs.symlinkSync(at('outside.png'), path.join(imagesDir, 'link-out.png'));
  fs.symlinkSync(path.join(imagesDir, '1.png'), path.join(imagesDir, 'link-in.png'));
  fs.symlinkSync('/dev/zero', path.join(imagesDir, 'zero.png'));
  const resolveCase = (name: string, fileName: string, expect: Expected, says?: RegExp) => {
    const file = write(`${name}.json`, JSON.stringify(instances({ images: [image(1, { file_name: fileName })], annotations: [] })));
    cases.push({
      kind: 'coco', name, expect, says, file,
      async run() {
        const dataset = parseCocoInstances(await readTextFile(file), file);
        const { items, rejected } = cocoImageItems(dataset, imagesDir);
        if (expect === 'ok') {
          check(items.length === 1 && rejected.length === 0, `${fileName} accepted`);
          await prepareImage(items[0].source, items[0].label, NANODET);
        }
        return { warnings: rejected.map((r) => `${r.label}: ${r.message}`) };
      },
    });
  };
  resolveCase('traversal', '../outside.png', 'warning', /\.\.\/outside\.png: file_name escapes the images folder/);
  resolveCase('absolute-path', at('outside.png'), 'warning', /file_name escapes the images folder/);
  resolveCase('symlink-out', 'link-out.png', 'warning', /link-out\.png: file_name is a symbolic link to .*outside\.png, outside the images folder/);
  resolveCase('symlink-in', 'link-in.png', 'ok');
  cases.push({
    kind: 'coco', name: 'folder with links out, to /dev/zero and a pipe', expect: 'warning', says: /zero\.png: a symbolic link to \/dev\/zero/, file: imagesDir,
    async run() {
      mkfifo('images/pipe.png');
      const refused: string[] = [];
      const items = await listFolderImages(imagesDir, (name, problem) => refused.push(`${name}: ${problem}`));
      check(items.map((i) => i.label).join() === '1.png,link-in.png', `folder listing keeps only the images inside (${items.map((i) => i.label)})`);
      check(refused.some((r) => r.startsWith('pipe.png: not a regular file')) && refused.some((r) => r.startsWith('link-out.png')), 'pipe and link out refused by name');
      return { warnings: refused };
    },
  });

  // ---------- results files ----------
  const gt = parseCocoInstances(fs.readFileSync(path.join(shared, 'data/coco128/annotations/instances.json'), 'utf8'), 'instances.json');
  const gtImage = gt.images[0].id;
  const result = (extra: Record<string, unknown> = {}) => ({ image_id: gtImage, category_id: 1, bbox: [10, 10, 50, 50], score: 0.9, ...extra });
  const results = (name: string, expect: Expected, content: string | Uint8Array, says?: RegExp, verify?: (r: ReturnType<typeof parseCocoResults>) => void) => {
    const file = write(`results-${name}`, content);
    cases.push({
      kind: 'results', name, expect, says, file,
      async run() {
        const warnings: string[] = [];
        const parsed = parseCocoResults(await readTextFile(file, 'COCO results'), file, gt, warnings);
        verify?.(parsed);
        evaluateCoco(gt, parsed);
        return { warnings };
      },
    });
  };
  results('object-not-array.json', 'error', JSON.stringify({ annotations: [result()] }), /expected a COCO results array, got an object/);
  results('ids-0-to-79.json', 'warning', JSON.stringify(Array.from({ length: 80 }, (_, k) => result({ category_id: k }))), /category_id missing from the ground truth categories \(0.*\(0-based class indices instead of category ids\?\)/);
  results('score-nan-literal.json', 'error', JSON.stringify([result()]).replace('0.9', 'NaN'), /not valid JSON/);
  results('score-null.json', 'error', JSON.stringify([result({ score: null })]), /\[0\]\.score: expected a finite number, got null/);
  results('score-string.json', 'error', JSON.stringify([result({ score: '0.9' })]), /\[0\]\.score: expected a finite number, got the string/);
  results('unknown-image.json', 'error', JSON.stringify([result({ image_id: 424242 })]), /unknown image_id 424242/);
  results('nested-bbox.json', 'error', `[{"image_id":${gtImage},"category_id":1,"score":0.5,"bbox":[${nested(20000)},1,1,1]}]`, /bbox: expected 4 finite numbers/);
  results('bom.json', 'ok', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([result()]))]), undefined, (r) => check(r.length === 1 && r[0].score === 0.9, 'BOM results parsed'));
  results('empty-array.json', 'ok', '[]', undefined, (r) => check(r.length === 0, 'no results'));
  results('utf16-bom.json', 'ok', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify([result()]), 'utf16le')]), undefined, (r) => check(r.length === 1, 'UTF-16 results parsed'));

  // ---------- images ----------
  const rgb = await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 40, b: 90 } } }).png().toBuffer();
  const referenceTensor = (await prepareImage(rgb, 'reference', NANODET)).tensor;
  const imageCase = (name: string, expect: Expected, content: Buffer | (() => string), says?: RegExp, verify?: (t: Float32Array) => void) => {
    const file = typeof content === 'function' ? content() : write(name, content);
    cases.push({
      kind: 'images', name, expect, says, file,
      async run() {
        const prepared = await prepareImage(file, file, NANODET);
        verify?.(prepared.tensor);
        return { warnings: [] };
      },
    });
  };
  const sameTensor = (t: Float32Array, tolerance = 1e-6) => t.length === referenceTensor.length && t.every((v, i) => Math.abs(v - referenceTensor[i]) <= tolerance);
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toBuffer();
  imageCase('truncated.jpg', 'error', jpeg.subarray(0, Math.floor(jpeg.length / 2)), /corrupt or truncated image/);
  const liar = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 128, g: 60, b: 20 } } }).jpeg().toBuffer());
  for (let i = 0; i < liar.length - 9; i++) if (liar[i] === 0xff && liar[i + 1] === 0xc0) { liar.writeUInt16BE(10000, i + 5); liar.writeUInt16BE(10000, i + 7); break; }
  imageCase('header-10000x10000-2KB.jpg', 'error', liar, /truncated or corrupt JPEG: \d+ bytes cannot hold the 10000×10000 image/);
  const bomb = await sharp({ create: { width: 12000, height: 12000, channels: 3, background: { r: 0, g: 0, b: 0 } } }).greyscale().png({ compressionLevel: 9 }).toBuffer();
  imageCase('bomb-144MP.png', 'error', bomb, /12000×12000 = 144 MP, above the 100 MP limit/);
  imageCase('zero-bytes.jpg', 'error', Buffer.alloc(0), /not an image|cannot decode|corrupt/);
  imageCase('text-as.jpg', 'error', Buffer.from('<html>not an image</html>'), /not an image/);
  imageCase('named-pipe.jpg', 'error', () => mkfifo('pipe.jpg'), /a named pipe, not a regular file/);
  imageCase('/dev/zero', 'error', () => '/dev/zero', /a character device, not a regular file/);
  imageCase('link-to-dev-zero.png', 'error', () => path.join(imagesDir, 'zero.png'), /a character device, not a regular file/);
  // BMPs: a valid 24-bit one decodes like the PNG; broken headers are refused.
  const bmp = (width: number, height: number, bitCount: number, colours = 0, pixels?: Uint8Array) => {
    const rowBytes = Math.floor((bitCount * width + 31) / 32) * 4;
    const paletteBytes = bitCount <= 8 ? (colours || 1 << bitCount) * 4 : 0;
    const dataOffset = 54 + Math.min(paletteBytes, 1024);
    const buffer = Buffer.alloc(dataOffset + rowBytes * height);
    buffer.write('BM', 0, 'latin1');
    buffer.writeUInt32LE(buffer.length, 2);
    buffer.writeUInt32LE(dataOffset, 10);
    buffer.writeUInt32LE(40, 14);
    buffer.writeInt32LE(width, 18);
    buffer.writeInt32LE(-height, 22);
    buffer.writeUInt16LE(1, 26);
    buffer.writeUInt16LE(bitCount, 28);
    buffer.writeUInt32LE(colours, 46);
    if (pixels) buffer.set(pixels, dataOffset);
    return buffer;
  };
  const bgrRows = (() => {
    const { width, height } = { width: 96, height: 64 };
    const rowBytes = Math.floor((24 * width + 31) / 32) * 4;
    const out = new Uint8Array(rowBytes * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set([90, 40, 200], y * rowBytes + x * 3);
    return out;
  })();
  imageCase('valid-24bit.bmp', 'ok', bmp(96, 64, 24, 0, bgrRows), undefined, (t) => check(sameTensor(t), '24-bit BMP decodes to the same pixels as the PNG'));
  imageCase('bpp-7.bmp', 'error', bmp(8, 8, 7), /invalid bit depth 7/);
  imageCase('palette-2^31.bmp', 'error', bmp(8, 8, 8, 2 ** 31), /invalid palette of 2147483648 colours/);
  imageCase('truncated.bmp', 'error', bmp(64, 64, 24).subarray(0, 200), /truncated BMP/);
  // Alpha 0 everywhere: OpenCV's imread keeps the RGB, and so must we (the model was trained on those pixels).
  const transparent = await sharp(Buffer.from(new Uint8Array(96 * 64 * 4).map((_, i) => [200, 40, 90, 0][i % 4])), { raw: { width: 96, height: 64, channels: 4 } }).png().toBuffer();
  imageCase('alpha-0-everywhere.png', 'ok', transparent, undefined, (t) => check(sameTensor(t), 'fully transparent PNG keeps its RGB like OpenCV'));
  const sixteen = await sharp(Buffer.from(new Uint8Array(96 * 64 * 3).map((_, i) => [200, 40, 90][i % 3])), { raw: { width: 96, height: 64, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
  check((await sharp(sixteen).metadata()).depth === 'ushort', 'the 16-bit fixture is 16-bit');
  imageCase('16-bit.png', 'ok', sixteen, undefined, (t) => check(sameTensor(t, 1e-5), '16-bit PNG decodes to the 8-bit pixels'));
  const grey = await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 77, g: 77, b: 77 } } }).greyscale().png().toBuffer();
  imageCase('grey.png', 'ok', grey, undefined, (t) => check(t.length === referenceTensor.length, 'grey expanded to 3 channels'));
  // An image whose real size differs from the COCO width/height: a warning (a resized dataset scores AP 0 otherwise).
  cases.push({
    kind: 'images', name: 'resized-vs-annotations', expect: 'warning', says: /is 96×64 on disk but 64×48 in the annotations/, file: 'resized.png',
    async run() {
      const file = write('resized.png', rgb);
      const prepared = await prepareImage(file, 'resized.png', NANODET);
      const warning = imageSizeMismatch(image(1, { file_name: 'resized.png' }) as never, prepared.transform.originalWidth, prepared.transform.originalHeight);
      return { warnings: warning ? [warning] : [] };
    },
  });

  // ---------- models ----------
  const white = write('white.png', await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer());
  const black = write('black.png', await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer());
  const modelCase = (name: string, expect: Expected, model: Uint8Array | (() => string), says: RegExp | undefined, use: (d: Detector, file: string) => Promise<CaseResult>) => {
    const file = typeof model === 'function' ? model() : write(name, model);
    cases.push({
      kind: 'models', name, expect, says, file,
      async run() {
        const detector = await Detector.create({ modelPath: file, providers: ['cpu'] });
        try {
          return await use(detector, file);
        } finally {
          await detector.dispose();
        }
      },
    });
  };
  const inline = buildHeadModel({ inputSize: 64, outputs: nanodetOutputs(64) });
  const expectedDetection = async () => {
    const d = await Detector.create({ modelPath: write('inline.onnx', inline.model), providers: ['cpu'] });
    try {
      return (await d.detect(white)).detections;
    } finally {
      await d.dispose();
    }
  };
  modelCase('nan-when-dark.onnx', 'warning', buildHeadModel({ inputSize: 64, outputs: nanodetOutputs(64), nanWhenDark: true }).model, /black\.png: the model output "score0" has 5120 NaN and 0 infinite values/, async (d) => {
    const warnings: string[] = [];
    let scored = 0;
    for await (const r of d.detectMany([{ source: white, label: 'white.png' }, { source: black, label: 'black.png' }])) {
      if (r.error) warnings.push(r.error.message); else scored += r.result!.detections.length;
    }
    check(scored === 1, 'the finite image is still scored');
    return { warnings };
  });
  const infOutputs = nanodetOutputs(64);
  infOutputs[1].values[7] = Infinity;
  modelCase('inf-score.onnx', 'error', buildHeadModel({ inputSize: 64, outputs: infOutputs }).model, /the model output "score1" has 0 NaN and 1 infinite values/, async () => ({ warnings: [] }));
  const external = buildHeadModel({ inputSize: 64, outputs: nanodetOutputs(64), externalDataFile: 'external.onnx.data' });
  modelCase('external-data.onnx', 'ok', () => {
    write('external.onnx.data', external.externalData!);
    return write('external-data.onnx', external.model);
  }, undefined, async (d) => {
    const got = (await d.detect(white)).detections;
    const want = await expectedDetection();
    check(JSON.stringify(got) === JSON.stringify(want) && got.length === 1, 'external-data model detects like the same model with inline weights');
    return { warnings: [] };
  });
  const missingData = buildHeadModel({ inputSize: 64, outputs: nanodetOutputs(64), externalDataFile: 'absent.data' });
  modelCase('external-data-missing.onnx', 'error', missingData.model, /external-data-missing\.onnx: not a loadable ONNX model/, async () => ({ warnings: [] }));
  modelCase('not-onnx.onnx', 'error', Buffer.from('this is not a model'), /not-onnx\.onnx: not a loadable ONNX model/, async () => ({ warnings: [] }));
  modelCase('identity.onnx', 'error', buildOnnxModel([1, 3, 64, 64]), /identity\.onnx: cannot read this model as a GFL head/, async () => ({ warnings: [] }));
  modelCase('two-inputs.onnx', 'error', buildOnnxModel([1, 3, 64, 64], [1, 3, 64, 64], 'Add', 2), /two-inputs\.onnx: expected one image input, found 2/, async () => ({ warnings: [] }));
  modelCase('uint8-input.onnx', 'error', buildOnnxModel([1, 3, 64, 64], [1, 3, 64, 64], 'Identity', 1, 2 /* UINT8 */), /uint8-input\.onnx: input "x" is uint8; GFL Lens feeds float32 images/, async () => ({ warnings: [] }));
  modelCase('sidecar-profile-fifo.onnx', 'error', () => {
    mkfifo('sidecar-profile-fifo.onnx.gfl-profile.json');
    return write('sidecar-profile-fifo.onnx', inline.model);
  }, /sidecar-profile-fifo\.onnx\.gfl-profile\.json: cannot read the profile beside the model \(it is a named pipe/, async () => ({ warnings: [] }));
  modelCase('model-fifo.onnx', 'error', () => mkfifo('model-fifo.onnx'), /a named pipe, not a regular file/, async () => ({ warnings: [] }));
  modelCase('/dev/zero', 'error', () => '/dev/zero', /a character device, not a regular file/, async () => ({ warnings: [] }));

  // ---------- profiles ----------
  const profileCase = (name: string, expect: Expected, content: string | Uint8Array, says?: RegExp, verify?: (p: ModelProfile) => void) => {
    const file = write(`profile-${name}`, content);
    cases.push({
      kind: 'profiles', name, expect, says, file,
      async run() {
        const profile = mergeProfile(NANODET, readProfileText(await readTextFile(file, 'profile'), file));
        verify?.(profile);
        return { warnings: [] };
      },
    });
  };
  profileCase('input-60000.json', 'error', JSON.stringify({ inputSize: [60000, 60000] }), /"inputSize" must be an array of 2 integers in \[1, 8192\]/);
  profileCase('input-fraction.json', 'error', JSON.stringify({ inputSize: [320.5, 320] }), /"inputSize" must be an array of 2 integers/);
  profileCase('regmax-huge.json', 'error', JSON.stringify({ regMax: 1e9 }), /"regMax" must be an integer in \[1, 64\]/);
  profileCase('strides-empty.json', 'error', JSON.stringify({ strides: [] }), /"strides" must be an array of 1 to 8 integers/);
  profileCase('pad-300.json', 'error', JSON.stringify({ padValue: 300 }), /"padValue" must be in \[0, 255\]/);
  profileCase('mean-strings.json', 'error', JSON.stringify({ mean: ['1', '2', '3'] }), /"mean" must be an array of 3 numbers/);
  profileCase('not-json.json', 'error', 'secret=hunter2\n', /not valid JSON \(unexpected character U\+0073/);
  profileCase('unknown-field.json', 'error', JSON.stringify({ ['x'.repeat(100000)]: 1 }), /unknown field "x{60}…"/);
  profileCase('bom.json', 'ok', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ inputSize: [416, 416] }))]), undefined, (p) => check(p.inputSize[0] === 416, 'BOM profile read'));
  profileCase('utf16.json', 'ok', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ padValue: 114 }), 'utf16le')]), undefined, (p) => check(p.padValue === 114, 'UTF-16 profile read'));
  cases.push({ kind: 'profiles', name: 'override object with array', expect: 'error', says: /a profile must be a JSON object/, file: 'inline',
    async run() { parseProfileOverride([], 'inline'); return { warnings: [] }; } });

  // ---------- outputs ----------
  cases.push({ kind: 'outputs', name: '--out under /proc', expect: 'error', says: /\/proc\/self\/gfl\/out\.json: cannot write there \(\/proc\/.* is on the kernel's proc pseudo file system\)/, file: '/proc/self/gfl/out.json',
    async run() { await writeFileAtomic('/proc/self/gfl/out.json', '{}'); return { warnings: [] }; } });
  const full: AtomicFileSystem = {
    open: (async (file: string, flags: string) => {
      const handle = await fs.promises.open(file, flags);
      return Object.assign(handle, { writeFile: async () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); } });
    }) as unknown as AtomicFileSystem['open'],
    rename: fs.promises.rename,
    rm: fs.promises.rm,
  };
  cases.push({ kind: 'outputs', name: 'disk full', expect: 'error', says: /results\.json: cannot write \(the disk is full, ENOSPC\); nothing was written there/, file: at('out/results.json'),
    async run() {
      try {
        await writeFileAtomic(at('out/results.json'), '[]', { fileSystem: full });
      } finally {
        check(fs.readdirSync(at('out')).length === 0, 'a full disk leaves neither the file nor a temporary');
      }
      return { warnings: [] };
    } });
  cases.push({ kind: 'outputs', name: 'stale temporary of a killed writer', expect: 'ok', file: at('stale/report.json'),
    async run() {
      fs.mkdirSync(at('stale'));
      // A pid that cannot be running (beyond Linux's pid_max) left a temporary: it is cleaned on the next write.
      fs.writeFileSync(at('stale/report.json.4194305.1.tmp'), 'half');
      await writeFileAtomic(at('stale/report.json'), '{"ok":true}');
      check(fs.readdirSync(at('stale')).join() === 'report.json' && fs.readFileSync(at('stale/report.json'), 'utf8') === '{"ok":true}', 'stale temporary removed, file published');
      return { warnings: [] };
    } });
  return cases;
}
