// Builds small ONNX graphs for tests with the project's ONNX schema (protobufjs), so surgery tests run on real
// graph variants (opset-11 sandwich, QLinearSoftmax, float16, no DFL) without committing binary fixtures.
import { encodeModel, ONNX_ATTRIBUTE_TYPE, ONNX_DATA_TYPE, type OnnxAttribute, type OnnxNode, type OnnxTensor } from '../../../extension/core/onnx/onnxProto.ts';
import { float32ToHalves } from '../../../extension/core/onnx/tensorData.ts';

export type ElemType = 'float' | 'float16' | 'uint8' | 'int8' | 'int64';
const TYPE_CODE: Record<ElemType, number> = {
  float: ONNX_DATA_TYPE.FLOAT, float16: ONNX_DATA_TYPE.FLOAT16, uint8: ONNX_DATA_TYPE.UINT8, int8: ONNX_DATA_TYPE.INT8, int64: ONNX_DATA_TYPE.INT64,
};

export function tensor(name: string, type: ElemType, dims: number[], values: ArrayLike<number>): OnnxTensor {
  let raw: Uint8Array;
  switch (type) {
    case 'float': raw = new Uint8Array(Float32Array.from(values).buffer); break;
    case 'float16': raw = new Uint8Array(float32ToHalves(Float32Array.from(values)).buffer); break;
    case 'uint8': raw = Uint8Array.from(values); break;
    case 'int8': raw = new Uint8Array(Int8Array.from(values).buffer); break;
    case 'int64': raw = new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer); break;
  }
  return { name, dims, dataType: TYPE_CODE[type], rawData: raw };
}

export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.INT, i }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.INTS, ints }),
};

export function node(opType: string, input: string[], output: string[], attribute: OnnxAttribute[] = [], domain = ''): OnnxNode {
  return { opType, input, output, attribute, name: `${opType}_${output[0]}`, domain };
}

export interface GraphSpec {
  inputs: { name: string; type: ElemType; dims: (number | string)[] }[];
  outputs: { name: string; type: ElemType; dims: (number | string)[] }[];
  nodes: OnnxNode[];
  initializers?: OnnxTensor[];
  opset?: number;
  /** Extra opset imports, e.g. com.microsoft for QLinearSoftmax. */
  domains?: { domain: string; version: number }[];
  metadata?: Record<string, string>;
}

const valueInfo = (v: GraphSpec['inputs'][number]) => ({
  name: v.name,
  type: { tensorType: { elemType: TYPE_CODE[v.type], shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

export function buildGraph(spec: GraphSpec): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }, ...(spec.domains ?? [])],
    producerName: 'gfl-lens-test',
    graph: {
      name: 'test', node: spec.nodes, initializer: spec.initializers ?? [],
      input: spec.inputs.map(valueInfo), output: spec.outputs.map(valueInfo),
    },
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}
