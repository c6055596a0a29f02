// Image → model input tensor with sharp: EXIF orientation applied, grayscale expanded and alpha dropped (RGB kept
// as stored, like OpenCV's imread IMREAD_COLOR, which these models were trained with) to 3 channels, letterbox or
// stretch resize, colour order and mean/std, CHW float32.
import { loadSharp } from '../io/sharp.ts';
import { decodeBmp, isBmp } from '../core/bmp.ts';
import { computeTransform, resizedSize } from '../core/geometry.ts';
import { imageToTensor, type DecodedImage } from '../core/imageTensor.ts';
import type { InputTransform, ModelProfile } from '../core/types.ts';
import { InputFileError, MAX_IMAGE_BYTES, readRegularFile } from '../io/safeRead.ts';

/** Refuse images beyond this many pixels (decompression bombs, mis-scanned files). */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/**
 * A JPEG with fewer bytes than pixels / 1000 is suspicious: even a flat colour needs about 0.006 bytes per pixel.
 * Such files are decoded strictly (every libjpeg warning is an error), which turns a header claiming 10000×10000
 * over 2 KB of data into a "truncated" error instead of a blank 400 MB image with no detections.
 */
const MIN_JPEG_BYTES_PER_PIXEL = 1 / 1000;

export interface PreparedImage {
  tensor: Float32Array;
  transform: InputTransform;
  /** Time spent reading + decoding the file, and resizing + normalising into the tensor (one thread each). */
  stageMs?: { decodeMs: number; tensorMs: number };
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
export interface PrepareOptions {
  maxPixels?: number;
  /**
   * Decode JPEGs at 1/2, 1/4 or 1/8 scale in the DCT domain when the model input is that much smaller (libjpeg
   * shrink-on-load): about 1.7× faster preprocessing on COCO-sized images, but the pixels differ from OpenCV's
   * full decode + INTER_LINEAR (NanoDet-m-320 on val2017-128: median IoU to the reference 0.98 instead of 0.995,
   * AP −0.001). Off by default: fidelity to the model's own preprocessing comes first.
   */
  fastDecode?: boolean;
}

export async function prepareImage(source: string | Buffer, label: string, profile: ModelProfile, options: PrepareOptions = {}): Promise<PreparedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const started = performance.now();
  let bytes: Buffer;
  try {
    // Regular files only, size-capped: a named pipe or /dev/zero in an images folder must not hang or fill memory.
    bytes = typeof source === 'string' ? await readRegularFile(source, 'image', MAX_IMAGE_BYTES) : source;
  } catch (error) {
    throw error instanceof InputFileError ? new ImageReadError(label, error.problem) : asImageError(label, error);
  }
  if (isBmp(bytes)) {
    // libvips (inside sharp) has no BMP loader; BMP carries no EXIF orientation.
    let decoded: DecodedImage;
    try {
      decoded = decodeBmp(bytes, maxPixels);
    } catch (error) {
      throw new ImageReadError(label, `cannot decode BMP (${(error as Error).message})`);
    }
    return toTensor(decoded, profile, started);
  }
  return prepareWithSharp(bytes, label, profile, maxPixels, options.fastDecode ?? false, started);
}

function toTensor(decoded: DecodedImage, profile: ModelProfile, started: number, transform = computeTransform(decoded.width, decoded.height, profile)): PreparedImage {
  const decodedAt = performance.now();
  const tensor = imageToTensor(decoded, transform, profile);
  return { tensor, transform, stageMs: { decodeMs: decodedAt - started, tensorMs: performance.now() - decodedAt } };
}

async function prepareWithSharp(source: Buffer, label: string, profile: ModelProfile, maxPixels: number, fastDecode: boolean, started: number): Promise<PreparedImage> {
  let width: number, height: number, format: string | undefined;
  try {
    // failOn 'truncated' turns a cut-off JPEG/PNG into an error instead of a silently grey image.
    // Header only: read the size without sharp's own pixel limit, so the limit error below can give the numbers.
    const meta = await loadSharp()(source, { failOn: 'truncated', limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no image dimensions');
    format = meta.format;
    // EXIF orientations 5–8 swap width and height.
    [width, height] = meta.autoOrient ? [meta.autoOrient.width, meta.autoOrient.height] : [meta.width, meta.height];
    if (meta.width * meta.height > maxPixels) {
      throw new ImageReadError(label, `image is ${meta.width}×${meta.height} = ${(meta.width * meta.height / 1e6).toFixed(0)} MP, above the ${maxPixels / 1e6} MP limit`);
    }
  } catch (error) {
    throw asImageError(label, error, source);
  }
  const transform = computeTransform(width, height, profile);
  const strict = format === 'jpeg' && source.length < width * height * MIN_JPEG_BYTES_PER_PIXEL;
  let decoded: DecodedImage;
  try {
    // sharp decodes (EXIF-oriented, grey expanded to sRGB, alpha removed with the colour kept: OpenCV's imread
    // ignores alpha, so a fully transparent PNG still shows its RGB to the model); the resize is done by
    // imageToTensor to match OpenCV's INTER_LINEAR, which these models were trained with.
    const shrink = fastDecode && format === 'jpeg' ? jpegShrinkFactor(width, height, resizedSize(transform)) : 1;
    let pipeline = loadSharp()(source, { failOn: strict ? 'warning' : 'truncated', limitInputPixels: maxPixels }).autoOrient();
    if (shrink > 1) pipeline = pipeline.resize(Math.ceil(width / shrink), Math.ceil(height / shrink), { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: true });
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== Math.ceil(width / shrink) || info.height !== Math.ceil(height / shrink)) {
      throw new Error(`unexpected decoded layout ${info.width}×${info.height}×${info.channels}`);
    }
    decoded = { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    if (strict) throw new ImageReadError(label, `truncated or corrupt JPEG: ${source.length} bytes cannot hold the ${width}×${height} image its header declares (${(error as Error).message.split('\n')[0]})`);
    throw asImageError(label, error, source);
  }
  return toTensor(decoded, profile, started, transform);
}

/**
 * JPEG can be decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg "shrink-on-load"), several times faster
 * than a full decode. The largest such factor that keeps the decoded image at least as large as the resized one.
 */
function jpegShrinkFactor(width: number, height: number, [resizedWidth, resizedHeight]: [number, number]): number {
  let k = 1;
  while (k < 8 && width / (k * 2) >= resizedWidth && height / (k * 2) >= resizedHeight) k *= 2;
  return k;
}

function asImageError(label: string, error: unknown, bytes?: Uint8Array): ImageReadError {
  if (error instanceof ImageReadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // libvips keeps one error buffer per process: with images decoding in several threads, a failure can arrive as
  // "Unknown error". A JPEG without its end marker or a PNG without IEND is truncated whatever the message says.
  if (/unknown error/i.test(message) && bytes && endsEarly(bytes)) return new ImageReadError(label, 'corrupt or truncated image (the file ends before its image data does)');
  if (/ENOENT|no such file|input file is missing/i.test(message)) return new ImageReadError(label, 'file not found');
  if (/unsupported image format/i.test(message)) return new ImageReadError(label, 'not an image (unsupported or unrecognised format)');
  if (/pixel limit/i.test(message)) return new ImageReadError(label, `image is larger than the pixel limit: ${message}`);
  if (/premature end|truncated|corrupt|VipsJpeg|pngload|Invalid|bad|EOF/i.test(message)) return new ImageReadError(label, `corrupt or truncated image (${message.split('\n')[0]})`);
  return new ImageReadError(label, `cannot decode image (${message.split('\n')[0]})`);
}

/** A JPEG (FF D8 …) that does not end with its EOI marker (FF D9), or a PNG whose last chunk is not IEND. */
function endsEarly(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    // Some writers append padding after EOI: look for it near the end.
    for (let i = n - 2; i >= Math.max(2, n - 64); i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return false;
    return true;
  }
  const png = [0x89, 0x50, 0x4e, 0x47];
  if (n >= 8 && png.every((b, i) => bytes[i] === b)) return !(n >= 12 && String.fromCharCode(...bytes.subarray(n - 8, n - 4)) === 'IEND');
  return false;
}
