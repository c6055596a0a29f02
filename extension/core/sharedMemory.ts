// Typed arrays in memory that worker threads read without a copy. The analysis hands its independent jobs to worker
// threads (analytics/analysisJobs.ts); a run's columns and the analysis' inputs live here so that posting them to a
// worker shares them instead of duplicating hundreds of MB on a dataset-scale run.

export type SharableArray = Float64Array | Float32Array | Int32Array | Uint16Array | Uint8Array;

export type SharableArrayType<T extends SharableArray> = { new (buffer: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/**
 * A zero-filled typed array in a SharedArrayBuffer, or in an ordinary buffer where the platform has none (a browser
 * page that is not cross-origin isolated).
 */
export function sharedArray<T extends SharableArray>(Type: SharableArrayType<T>, length: number): T {
  const Buffer = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;
  return new Type(new Buffer(length * Type.BYTES_PER_ELEMENT));
}

/** Whether another thread receives `array` without a copy. */
export function isShared(array: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer;
}
