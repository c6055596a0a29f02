// Browser stand-in for Node's `buffer` module in the partial plotly bundle: scattergl's typedarray-pool only calls
// `Buffer.isBuffer` and `new Buffer(n)` (a byte array). Aliased by esbuild.mjs for this bundle only.
export class Buffer extends Uint8Array {
  static isBuffer(value: unknown): value is Buffer {
    return value instanceof Buffer;
  }
}
