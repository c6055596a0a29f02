// Builds tiny ONNX models byte by byte (protobuf wire format), so tests can feed onnxruntime models that are
// valid ONNX but not detectors, without committing binary fixtures.

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
const field = (num: number, wire: number) => varint((num << 3) | wire);
const int = (num: number, value: number) => [...field(num, 0), ...varint(value)];
const bytes = (num: number, content: number[]) => [...field(num, 2), ...varint(content.length), ...content];
const str = (num: number, s: string) => bytes(num, [...Buffer.from(s, 'utf8')]);

function valueInfo(name: string, dims: number[], elemType = 1 /* FLOAT */): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, elemType), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/**
 * A model with `inputs` inputs of `inputDims` (x, x1, …; element type `elemType`, 1 = float, 2 = uint8) and one node
 * `opType` over them producing `outputDims` (Identity by default).
 */
export function buildOnnxModel(inputDims: number[], outputDims: number[] = inputDims, opType = 'Identity', inputs = 1, elemType = 1): Uint8Array {
  const names = Array.from({ length: inputs }, (_, i) => (i === 0 ? 'x' : `x${i}`));
  const node = [...names.flatMap((n) => str(1, n)), ...str(2, 'y'), ...str(4, opType)];
  const graph = [...bytes(1, node), ...str(2, 'g'), ...names.flatMap((n) => bytes(11, valueInfo(n, inputDims, elemType))), ...bytes(12, valueInfo('y', outputDims, elemType))];
  const opset = [...str(1, ''), ...int(2, 13)];
  return Uint8Array.from([...int(1, 8 /* ir_version */), ...bytes(8, opset), ...bytes(7, graph)]);
}

const float32Bytes = (values: Float32Array) => [...new Uint8Array(values.buffer, values.byteOffset, values.byteLength)];
const int64Dims = (dims: number[]) => dims.flatMap((d) => int(1, d));

/** A float tensor initializer; with `external`, its bytes live in that file (ONNX external data) instead. */
function tensorProto(name: string, dims: number[], values: Float32Array, external?: { location: string; offset: number }): number[] {
  const head = [...int64Dims(dims), ...int(2, 1 /* FLOAT */), ...str(8, name)];
  if (!external) return [...head, ...bytes(9, float32Bytes(values))];
  const entry = (key: string, value: string) => bytes(13, [...str(1, key), ...str(2, value)]);
  return [...head, ...entry('location', external.location), ...entry('offset', String(external.offset)), ...entry('length', String(values.byteLength)),
    ...int(14, 1 /* EXTERNAL */)];
}

function nodeProto(inputs: string[], outputs: string[], opType: string, attributes: number[][] = []): number[] {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, opType), ...attributes.flatMap((a) => bytes(5, a))];
}

const intAttribute = (name: string, value: number) => [...str(1, name), ...int(3, value), ...int(20, 2 /* INT */)];

export interface HeadOutput {
  name: string;
  dims: number[];
  values: Float32Array;
}

export interface HeadModelOptions {
  /** Input [1, 3, size, size]. */
  inputSize: number;
  outputs: HeadOutput[];
  /**
   * Makes output 0 depend on the image: it gets sqrt(min(input)) · 0 added, which is 0 for an input without
   * negative values (the mean-grey warm-up, a bright image) and NaN when any normalised pixel is below the mean.
   */
  nanWhenDark?: boolean;
  /** Stores every initializer in this file beside the model (ONNX external data), returned as `externalData`. */
  externalDataFile?: string;
}

/**
 * A detector-shaped model whose outputs are constant tensors (a GFL head's layout with chosen values): the
 * decoder, the output checks and the loaders can be driven with exactly the numbers a test needs.
 */
export function buildHeadModel(o: HeadModelOptions): { model: Uint8Array; externalData?: Uint8Array } {
  const initializers: number[][] = [];
  const nodes: number[][] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const addInitializer = (name: string, dims: number[], values: Float32Array) => {
    if (o.externalDataFile) {
      initializers.push(tensorProto(name, dims, values, { location: o.externalDataFile, offset }));
      chunks.push(new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)));
      offset += values.byteLength;
    } else {
      initializers.push(tensorProto(name, dims, values));
    }
  };
  o.outputs.forEach((out, i) => {
    addInitializer(`c${i}`, out.dims, out.values);
    if (i === 0 && o.nanWhenDark) {
      addInitializer('zero', [], Float32Array.of(0));
      nodes.push(nodeProto(['x'], ['xmin'], 'ReduceMin', [intAttribute('keepdims', 0)]));
      nodes.push(nodeProto(['xmin'], ['xsqrt'], 'Sqrt'));
      nodes.push(nodeProto(['xsqrt', 'zero'], ['xzero'], 'Mul'));
      nodes.push(nodeProto([`c${i}`, 'xzero'], [out.name], 'Add'));
    } else {
      nodes.push(nodeProto([`c${i}`], [out.name], 'Identity'));
    }
  });
  const graph = [
    ...nodes.flatMap((n) => bytes(1, n)), ...str(2, 'head'),
    ...initializers.flatMap((t) => bytes(5, t)),
    ...bytes(11, valueInfo('x', [1, 3, o.inputSize, o.inputSize])),
    ...o.outputs.flatMap((out) => bytes(12, valueInfo(out.name, out.dims))),
  ];
  const opset = [...str(1, ''), ...int(2, 13)];
  const model = Uint8Array.from([...int(1, 8), ...bytes(8, opset), ...bytes(7, graph)]);
  if (!o.externalDataFile) return { model };
  const externalData = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) { externalData.set(c, at); at += c.length; }
  return { model, externalData };
}

/**
 * NanoDet-m style outputs for a square input: per level a [N, classes] sigmoid score tensor and a [N, 32] DFL
 * logit tensor (reg_max 7), strides 8/16/32. Scores 0.01 everywhere except `peak` (level 0, anchor 0, class 0),
 * DFL logits 0 (uniform); `patch` may overwrite values (e.g. put a NaN or an Inf somewhere).
 */
export function nanodetOutputs(inputSize: number, classes = 80, peak = 0.9): HeadOutput[] {
  const outputs: HeadOutput[] = [];
  [8, 16, 32].forEach((stride, level) => {
    const n = (inputSize / stride) ** 2;
    const scores = new Float32Array(n * classes).fill(0.01);
    if (level === 0) scores[0] = peak;
    outputs.push({ name: `score${level}`, dims: [n, classes], values: scores });
  });
  [8, 16, 32].forEach((stride, level) => {
    const n = (inputSize / stride) ** 2;
    outputs.push({ name: `dfl${level}`, dims: [n, 32], values: new Float32Array(n * 32) });
  });
  return outputs;
}
