// Numbers out of ONNX TensorProtos (initializers, Constant values) and IEEE 754 half-precision conversion
// (onnxruntime-node hands float16 tensors over as Uint16Array bit patterns; Node 20 has no Float16Array).
import { ONNX_DATA_TYPE, toNumber, type OnnxTensor } from './onnxProto.ts';

/** A tensor's values as float64, whatever its storage (raw_data little-endian, or the typed repeated fields). */
export function tensorValues(tensor: OnnxTensor): Float64Array {
  const count = (tensor.dims ?? []).reduce<number>((n, d) => n * toNumber(d), 1);
  const type = tensor.dataType ?? 0;
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      switch (type) {
        case ONNX_DATA_TYPE.FLOAT: out[i] = view.getFloat32(i * 4, true); break;
        case ONNX_DATA_TYPE.DOUBLE: out[i] = view.getFloat64(i * 8, true); break;
        case ONNX_DATA_TYPE.FLOAT16: out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
        case ONNX_DATA_TYPE.UINT8: out[i] = view.getUint8(i); break;
        case ONNX_DATA_TYPE.INT8: out[i] = view.getInt8(i); break;
        case ONNX_DATA_TYPE.INT32: out[i] = view.getInt32(i * 4, true); break;
        case ONNX_DATA_TYPE.INT64: out[i] = Number(view.getBigInt64(i * 8, true)); break;
        default: throw new Error(`tensor "${tensor.name}": data type ${type} is not readable here`);
      }
    }
    return out;
  }
  if (tensor.dataLocation === 1) throw new Error(`tensor "${tensor.name}" is stored in an external data file`);
  switch (type) {
    case ONNX_DATA_TYPE.FLOAT: return Float64Array.from(tensor.floatData ?? []);
    case ONNX_DATA_TYPE.DOUBLE: return Float64Array.from(tensor.doubleData ?? []);
    case ONNX_DATA_TYPE.INT64: return Float64Array.from(tensor.int64Data ?? [], toNumber);
    // TensorProto stores float16, int8, uint8 and int32 in int32_data (float16 as its bit pattern).
    case ONNX_DATA_TYPE.FLOAT16: return Float64Array.from(tensor.int32Data ?? [], halfToFloat);
    case ONNX_DATA_TYPE.UINT8: case ONNX_DATA_TYPE.INT8: case ONNX_DATA_TYPE.INT32: return Float64Array.from(tensor.int32Data ?? []);
    default: throw new Error(`tensor "${tensor.name}": data type ${type} is not readable here`);
  }
}

/** IEEE 754 binary16 bit pattern → number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Float16 bit patterns → Float32Array. */
export function halvesToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** number → IEEE 754 binary16 bit pattern, rounding to nearest even (as numpy's astype(float16)). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

/** Float32Array → float16 bit patterns. */
export function float32ToHalves(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}
