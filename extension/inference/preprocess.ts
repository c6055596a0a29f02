// Image → model input tensor with sharp: EXIF orientation applied, grayscale expanded and alpha flattened to
// 3 channels, letterbox or stretch resize, colour order and mean/std, CHW float32.
import fs from 'node:fs';
import sharp from 'sharp';
import { decodeBmp, isBmp } from '../core/bmp.ts';
import { computeTransform } from '../core/geometry.ts';
import { imageToTensor, type DecodedImage } from '../core/imageTensor.ts';
import type { InputTransform, ModelProfile } from '../core/types.ts';

/** Refuse images beyond this many pixels (decompression bombs, mis-scanned files). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface PreparedImage {
  tensor: Float32Array;
  transform: InputTransform;
}

export class ImageReadError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ImageReadError';
  }
}

/**
 * Reads and prepares one image. `source` is a path or the file's bytes; `label` names it in errors.
 * Throws ImageReadError for missing, corrupt, truncated, non-image or oversized files.
 */
export async function prepareImage(source: string | Buffer, label: string, profile: ModelProfile, maxPixels = DEFAULT_MAX_PIXELS): Promise<PreparedImage> {
  let bytes: Buffer;
  try {
    bytes = typeof source === 'string' ? await fs.promises.readFile(source) : source;
  } catch (error) {
    throw asImageError(label, error);
  }
  if (isBmp(bytes)) {
    // libvips (inside sharp) has no BMP loader; BMP carries no EXIF orientation.
    let decoded: DecodedImage;
    try {
      decoded = decodeBmp(bytes, maxPixels);
    } catch (error) {
      throw new ImageReadError(label, `cannot decode BMP (${(error as Error).message})`);
    }
    const transform = computeTransform(decoded.width, decoded.height, profile);
    return { tensor: imageToTensor(decoded, transform, profile), transform };
  }
  return prepareWithSharp(bytes, label, profile, maxPixels);
}

async function prepareWithSharp(source: Buffer, label: string, profile: ModelProfile, maxPixels: number): Promise<PreparedImage> {
  let width: number, height: number;
  try {
    // failOn 'truncated' turns a cut-off JPEG/PNG into an error instead of a silently grey image.
    // Header only: read the size without sharp's own pixel limit, so the limit error below can give the numbers.
    const meta = await sharp(source, { failOn: 'truncated', limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no image dimensions');
    // EXIF orientations 5–8 swap width and height.
    [width, height] = meta.autoOrient ? [meta.autoOrient.width, meta.autoOrient.height] : [meta.width, meta.height];
    if (meta.width * meta.height > maxPixels) {
      throw new ImageReadError(label, `image is ${meta.width}×${meta.height} = ${(meta.width * meta.height / 1e6).toFixed(0)} MP, above the ${maxPixels / 1e6} MP limit`);
    }
  } catch (error) {
    throw asImageError(label, error);
  }
  const transform = computeTransform(width, height, profile);
  let decoded: DecodedImage;
  try {
    // sharp decodes (EXIF-oriented, grey expanded to sRGB, alpha flattened onto the pad colour); the resize is
    // done by imageToTensor to match OpenCV's INTER_LINEAR, which these models were trained with.
    const pad = Math.max(0, Math.min(255, Math.round(profile.padValue)));
    const { data, info } = await sharp(source, { failOn: 'truncated', limitInputPixels: maxPixels })
      .autoOrient()
      .flatten({ background: { r: pad, g: pad, b: pad } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new Error(`unexpected decoded layout ${info.width}×${info.height}×${info.channels}`);
    }
    decoded = { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw asImageError(label, error);
  }
  return { tensor: imageToTensor(decoded, transform, profile), transform };
}

/** HWC RGB uint8 → CHW float32 in the model's colour order, (pixel − mean) / std. */
export function toChwTensor(rgb: Uint8Array, width: number, height: number, profile: Pick<ModelProfile, 'colorOrder' | 'mean' | 'std'>): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  // Channel c of the output reads source channel order[c].
  const order = profile.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const src = order[c];
    const mean = profile.mean[c];
    const inv = 1 / profile.std[c];
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (rgb[i * 3 + src] - mean) * inv;
  }
  return out;
}

function asImageError(label: string, error: unknown): ImageReadError {
  if (error instanceof ImageReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/ENOENT|no such file|input file is missing/i.test(message)) return new ImageReadError(label, 'file not found');
  if (/unsupported image format/i.test(message)) return new ImageReadError(label, 'not an image (unsupported or unrecognised format)');
  if (/pixel limit/i.test(message)) return new ImageReadError(label, `image is larger than the pixel limit: ${message}`);
  if (/premature end|truncated|corrupt|VipsJpeg|pngload|Invalid|bad|EOF/i.test(message)) return new ImageReadError(label, `corrupt or truncated image (${message.split('\n')[0]})`);
  return new ImageReadError(label, `cannot decode image (${message.split('\n')[0]})`);
}
