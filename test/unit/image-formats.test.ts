// Every extension in IMAGE_EXTENSIONS is a format the loaders really decode: one small image is written in each
// format (sharp's own encoders, lossless where the format allows; BMP built byte by byte), listed from a folder
// and prepared; each tensor must equal the PNG's (JPEG within its quantisation error).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { mergeProfile, PRESETS } from '../../extension/core/profiles.ts';
import { prepareImage } from '../../extension/inference/preprocess.ts';
import { IMAGE_EXTENSIONS, listFolderImages } from '../../extension/io/imageSources.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfl-formats-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const WIDTH = 12;
const HEIGHT = 8;
// A smooth gradient (JPEG keeps it within a few levels) in RGB order.
const rgb = Buffer.alloc(WIDTH * HEIGHT * 3);
for (let y = 0; y < HEIGHT; y++) {
  for (let x = 0; x < WIDTH; x++) rgb.set([40 + 15 * x, 60 + 20 * y, 200 - 8 * x - 6 * y], (y * WIDTH + x) * 3);
}

/** 24-bit bottom-up BMP (BITMAPINFOHEADER, BI_RGB): B, G, R bytes, rows padded to 4 bytes. */
function encodeBmp(): Buffer {
  const rowBytes = Math.ceil((WIDTH * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + rowBytes * HEIGHT);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2); buf.writeUInt32LE(54, 10); buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(WIDTH, 18); buf.writeInt32LE(HEIGHT, 22); buf.writeUInt16LE(1, 26); buf.writeUInt16LE(24, 28);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      buf.set([rgb[i + 2], rgb[i + 1], rgb[i]], 54 + (HEIGHT - 1 - y) * rowBytes + x * 3);
    }
  }
  return buf;
}

async function encode(ext: string): Promise<Buffer> {
  const image = () => sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  switch (ext) {
    case '.jpg': case '.jpeg': return image().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    case '.png': return image().png().toBuffer();
    case '.webp': return image().webp({ lossless: true }).toBuffer();
    case '.tif': case '.tiff': return image().tiff({ compression: 'lzw' }).toBuffer();
    case '.bmp': return encodeBmp();
    default: throw new Error(`no encoder for ${ext}: add one when IMAGE_EXTENSIONS grows`);
  }
}

test('each listed image extension is listed from a folder and decodes to the same pixels', async () => {
  for (const ext of IMAGE_EXTENSIONS) fs.writeFileSync(path.join(tmp, `image${ext}`), await encode(ext));
  fs.writeFileSync(path.join(tmp, 'upper.PNG'), await encode('.png'));
  fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not an image');
  fs.writeFileSync(path.join(tmp, 'animation.gif'), await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).gif().toBuffer());

  const listed = (await listFolderImages(tmp)).map((item) => item.label);
  assert.deepEqual(listed, [...IMAGE_EXTENSIONS.map((ext) => `image${ext}`), 'upper.PNG'].sort());

  const profile = mergeProfile(PRESETS.picodet, { inputSize: [WIDTH, HEIGHT] });
  const reference = (await prepareImage(path.join(tmp, 'image.png'), 'image.png', profile)).tensor;
  // Normalised units: one 8-bit level is 1/std ≈ 0.017 here, so JPEG gets 3 levels.
  const levels = (n: number) => n / Math.min(...profile.std);
  for (const ext of IMAGE_EXTENSIONS) {
    const { tensor } = await prepareImage(path.join(tmp, `image${ext}`), `image${ext}`, profile);
    assert.equal(tensor.length, reference.length, ext);
    let worst = 0;
    for (let i = 0; i < tensor.length; i++) worst = Math.max(worst, Math.abs(tensor[i] - reference[i]));
    assert.ok(worst <= (ext === '.jpg' || ext === '.jpeg' ? levels(3) : 1e-6), `${ext}: differs from the PNG by ${worst.toFixed(4)}`);
  }
});
