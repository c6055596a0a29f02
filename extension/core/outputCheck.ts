// Model outputs that are not finite numbers (NaN, ±Inf) cannot be scored: a NaN distance became a null box scored
// as 0, NaN scores silently emptied a whole FPN level, and one +Inf score made every score look un-activated.
// Checked per image, before decoding, so the image is reported as failed with the tensor named.
import type { RawTensor } from './types.ts';

export class NonFiniteOutputError extends Error {
  constructor(readonly label: string, readonly tensor: string, readonly nanCount: number, readonly infCount: number, readonly firstIndex: number) {
    super(`${label}: the model output "${tensor}" has ${nanCount} NaN and ${infCount} infinite values (first at flat index ${firstIndex}); ` +
      'the image is counted as failed, not scored (a numerically unstable model or a wrong input normalisation?)');
    this.name = 'NonFiniteOutputError';
  }
}

/** Throws NonFiniteOutputError naming `label` (the image) and the first tensor holding a NaN or an infinity. */
export function assertFiniteOutputs(outputs: readonly RawTensor[], label: string): void {
  for (const tensor of outputs) {
    const data = tensor.data;
    // Fast path: v - v is 0 for every finite v and NaN for NaN and ±Inf.
    let firstIndex = -1;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v - v !== 0) {
        firstIndex = i;
        break;
      }
    }
    if (firstIndex < 0) continue;
    let nanCount = 0, infCount = 0;
    for (let i = firstIndex; i < data.length; i++) {
      const v = data[i];
      if (Number.isFinite(v)) continue;
      if (Number.isNaN(v)) nanCount++; else infCount++;
    }
    throw new NonFiniteOutputError(label, tensor.name, nanCount, infCount, firstIndex);
  }
}
