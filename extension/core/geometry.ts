// Resize geometry: where the original image lands in the model input, and the inverse map for boxes.
import type { InputTransform, ModelProfile, XYXY } from './types.ts';

/**
 * Letterbox: scale = min(inW / w, inH / h), resized size rounded, padded (centred or at the top-left).
 * Stretch: independent x and y scales, no padding. The recorded scales are the exact ratios of the
 * rounded resized size to the original size, so the inverse is exact for the pixels actually sampled.
 */
export function computeTransform(originalWidth: number, originalHeight: number, profile: Pick<ModelProfile, 'inputSize' | 'resize' | 'letterboxAlign'>): InputTransform {
  const [inputWidth, inputHeight] = profile.inputSize;
  if (profile.resize === 'stretch') {
    return {
      originalWidth, originalHeight, inputWidth, inputHeight,
      scaleX: inputWidth / originalWidth, scaleY: inputHeight / originalHeight, padX: 0, padY: 0,
    };
  }
  const scale = Math.min(inputWidth / originalWidth, inputHeight / originalHeight);
  const resizedWidth = Math.min(inputWidth, Math.max(1, Math.round(originalWidth * scale)));
  const resizedHeight = Math.min(inputHeight, Math.max(1, Math.round(originalHeight * scale)));
  const centred = profile.letterboxAlign === 'center';
  return {
    originalWidth, originalHeight, inputWidth, inputHeight,
    scaleX: resizedWidth / originalWidth,
    scaleY: resizedHeight / originalHeight,
    padX: centred ? Math.floor((inputWidth - resizedWidth) / 2) : 0,
    padY: centred ? Math.floor((inputHeight - resizedHeight) / 2) : 0,
  };
}

/** Size of the resized image inside the input (before padding). */
export function resizedSize(t: InputTransform): [number, number] {
  return [Math.round(t.originalWidth * t.scaleX), Math.round(t.originalHeight * t.scaleY)];
}

/** Maps a box from model-input pixels to original pixels, clipped to the original image unless told not to. */
export function inputBoxToOriginal(box: XYXY, t: InputTransform, clipToImage = true): XYXY {
  const clip = (v: number, max: number) => (clipToImage ? Math.min(Math.max(v, 0), max) : v);
  return [
    clip((box[0] - t.padX) / t.scaleX, t.originalWidth),
    clip((box[1] - t.padY) / t.scaleY, t.originalHeight),
    clip((box[2] - t.padX) / t.scaleX, t.originalWidth),
    clip((box[3] - t.padY) / t.scaleY, t.originalHeight),
  ];
}

/** Maps a point from original pixels to model-input pixels. */
export function originalPointToInput(x: number, y: number, t: InputTransform): [number, number] {
  return [x * t.scaleX + t.padX, y * t.scaleY + t.padY];
}

/**
 * IoU of two [x1, y1, x2, y2] boxes in continuous coordinates (COCO's bbox IoU, no +1). crowd: the union is the first
 * box's area, as pycocotools' iscrowd (how much of the detection a crowd region covers).
 */
export function xyxyIoU(a: readonly number[], b: readonly number[], crowd = false): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const areaA = (a[2] - a[0]) * (a[3] - a[1]);
  const union = crowd ? areaA : areaA + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}
