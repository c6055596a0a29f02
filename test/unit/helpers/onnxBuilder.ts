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

function valueInfo(name: string, dims: number[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, 1 /* FLOAT */), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** A model with one float input of `inputDims` and one node `opType` producing `outputDims` (Identity by default). */
export function buildOnnxModel(inputDims: number[], outputDims: number[] = inputDims, opType = 'Identity'): Uint8Array {
  const node = [...str(1, 'x'), ...str(2, 'y'), ...str(4, opType)];
  const graph = [...bytes(1, node), ...str(2, 'g'), ...bytes(11, valueInfo('x', inputDims)), ...bytes(12, valueInfo('y', outputDims))];
  const opset = [...str(1, ''), ...int(2, 13)];
  return Uint8Array.from([...int(1, 8 /* ir_version */), ...bytes(8, opset), ...bytes(7, graph)]);
}
