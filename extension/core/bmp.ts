// Windows BMP decoding. sharp's libvips build has no BMP loader, and BMP is simple enough to read exactly:
// BITMAPINFOHEADER and later (V4/V5), 1/4/8-bit palettes, 16/24/32-bit with BI_RGB or BI_BITFIELDS,
// bottom-up or top-down rows. RLE-compressed files are refused with a clear message.
import type { DecodedImage } from './imageTensor.ts';

export class BmpError extends Error {}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Decodes a BMP file's bytes into interleaved RGB (3 channels). Throws BmpError on malformed or unsupported files. */
export function decodeBmp(bytes: Uint8Array, maxPixels = Infinity): DecodedImage {
  if (!isBmp(bytes) || bytes.length < 26) throw new BmpError('not a BMP file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40 || 14 + headerSize > bytes.length) throw new BmpError(`unsupported BMP header (${headerSize} bytes; OS/2 bitmaps are not supported)`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bitCount = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0) throw new BmpError(`invalid BMP size ${width}×${rawHeight}`);
  if (width * height > maxPixels) throw new BmpError(`image is ${width}×${height}, above the pixel limit`);
  // Only the depths BMP defines; anything else used to decode as a blank image.
  if (![1, 4, 8, 16, 24, 32].includes(bitCount)) throw new BmpError(`invalid bit depth ${bitCount} (BMP allows 1, 4, 8, 16, 24 or 32)`);
  const BI_RGB = 0, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6;
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw new BmpError(`compressed BMP (compression ${compression}: RLE/JPEG/PNG) is not supported; convert it to PNG`);
  }
  const rowBytes = Math.floor((bitCount * width + 31) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) throw new BmpError('truncated BMP: pixel data is shorter than the header says');

  let masks: [number, number, number] | undefined;
  if (bitCount === 16 || bitCount === 32) {
    if (compression === BI_RGB) masks = bitCount === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
    else masks = [view.getUint32(54, true), view.getUint32(58, true), view.getUint32(62, true)];
  }
  let palette: Uint8Array | undefined;
  if (bitCount <= 8) {
    const declared = view.getUint32(46, true);
    if (declared > 1 << bitCount) throw new BmpError(`invalid palette of ${declared} colours for ${bitCount}-bit pixels (at most ${1 << bitCount})`);
    const colours = declared || 1 << bitCount;
    const start = 14 + headerSize;
    if (start + colours * 4 > bytes.length) throw new BmpError(`truncated BMP: the ${colours}-colour palette is cut off`);
    palette = bytes.subarray(start, start + colours * 4); // B, G, R, reserved
  } else if (bitCount !== 24 && !masks) {
    throw new BmpError(`unsupported bit depth ${bitCount}`);
  }

  const out = new Uint8Array(width * height * 3);
  const channel = (value: number, mask: number) => {
    if (!mask) return 0;
    const shift = Math.log2(mask & -mask);
    const max = mask / 2 ** shift;
    return Math.round((((value & mask) >>> 0) / 2 ** shift) * 255 / max);
  };
  for (let y = 0; y < height; y++) {
    const src = dataOffset + (topDown ? y : height - 1 - y) * rowBytes;
    const dst = y * width * 3;
    for (let x = 0; x < width; x++) {
      const o = dst + x * 3;
      if (palette) {
        const bitPos = x * bitCount;
        const byte = bytes[src + (bitPos >> 3)];
        const index = bitCount === 8 ? byte : (byte >> (8 - bitCount - (bitPos & 7))) & ((1 << bitCount) - 1);
        if (index * 4 + 2 >= palette.length) throw new BmpError(`palette index ${index} out of range`);
        out[o] = palette[index * 4 + 2]; out[o + 1] = palette[index * 4 + 1]; out[o + 2] = palette[index * 4];
      } else if (bitCount === 24) {
        const p = src + x * 3;
        out[o] = bytes[p + 2]; out[o + 1] = bytes[p + 1]; out[o + 2] = bytes[p];
      } else {
        const value = bitCount === 16 ? view.getUint16(src + x * 2, true) : view.getUint32(src + x * 4, true);
        out[o] = channel(value, masks![0]); out[o + 1] = channel(value, masks![1]); out[o + 2] = channel(value, masks![2]);
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}
