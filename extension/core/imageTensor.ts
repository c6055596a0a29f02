// Decoded pixels → model input tensor: resize, pad, colour order, mean/std, CHW — in one pass.
// The resize reproduces OpenCV's INTER_LINEAR (half-pixel centres, no antialiasing), because the GFL-family
// models were trained and are evaluated with cv2.resize/warpAffine: an antialiasing resize feeds them inputs
// they never saw and moves detections measurably (see test/unit/decode-reference.test.ts).
import type { InputTransform, ModelProfile } from './types.ts';
import { resizedSize } from './geometry.ts';

export interface DecodedImage {
  /** Interleaved 8-bit pixels, RGB order, `channels` per pixel (3, or 4 when an alpha channel is present). */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Precomputed source indices and weights of one axis (OpenCV: src = (dst + 0.5) · scale − 0.5, clamped). */
function axisTaps(dstSize: number, srcSize: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(dstSize), i1 = new Int32Array(dstSize), w = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const f = (d + 0.5) * scale - 0.5;
    let lo = Math.floor(f);
    let frac = f - lo;
    if (lo < 0) { lo = 0; frac = 0; }
    if (lo >= srcSize - 1) { lo = srcSize - 1; frac = 0; }
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, srcSize - 1);
    w[d] = frac;
  }
  return { i0, i1, w };
}

/**
 * Builds the [3, inputHeight, inputWidth] float32 tensor for `image` under `transform` (letterbox or stretch):
 * resized pixels rounded to 8 bits as cv2 does, padding filled with `padValue`, then (pixel − mean) / std in the
 * model's colour order.
 */
export function imageToTensor(image: DecodedImage, transform: InputTransform, profile: Pick<ModelProfile, 'colorOrder' | 'mean' | 'std' | 'padValue'>): Float32Array {
  const { inputWidth: W, inputHeight: H, padX, padY } = transform;
  const [rw, rh] = resizedSize(transform);
  const plane = W * H;
  const out = new Float32Array(3 * plane);
  const order = profile.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const inv = profile.std.map((s) => 1 / s);
  const padded = [0, 1, 2].map((c) => (profile.padValue - profile.mean[c]) * inv[c]);
  for (let c = 0; c < 3; c++) out.fill(padded[c], c * plane, (c + 1) * plane);

  const xs = axisTaps(rw, image.width), ys = axisTaps(rh, image.height);
  const { data, width: sw, channels: C } = image;
  // Output plane p reads source channel order[p]; unrolled per plane because this loop dominates preprocessing.
  const [s0, s1, s2] = order;
  const [m0, m1, m2] = profile.mean;
  const [i0, i1, i2] = inv;
  const x0 = xs.i0, x1 = xs.i1, xw = xs.w;
  const lerp = (r0: number, r1: number, a: number, b: number, wx: number, wy: number) => {
    const top = data[r0 + a] + (data[r0 + b] - data[r0 + a]) * wx;
    const bottom = data[r1 + a] + (data[r1 + b] - data[r1 + a]) * wx;
    return Math.round(top + (bottom - top) * wy);
  };
  for (let y = 0; y < rh; y++) {
    const row0 = ys.i0[y] * sw * C, row1 = ys.i1[y] * sw * C, wy = ys.w[y];
    let o = (y + padY) * W + padX;
    for (let x = 0; x < rw; x++, o++) {
      const a = x0[x] * C, b = x1[x] * C, wx = xw[x];
      out[o] = (lerp(row0, row1, a + s0, b + s0, wx, wy) - m0) * i0;
      out[plane + o] = (lerp(row0, row1, a + s1, b + s1, wx, wy) - m1) * i1;
      out[2 * plane + o] = (lerp(row0, row1, a + s2, b + s2, wx, wy) - m2) * i2;
    }
  }
  return out;
}
