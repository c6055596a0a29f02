// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 10) that GFL Lens reads and writes:
// models, graphs, nodes, attributes, tensors, value infos and metadata. Field numbers are onnx.proto's own.
// Read and written with protobufjs's reflection (no generated code); fields not listed here are skipped on decode.
import protobuf from 'protobufjs/light.js';

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: field('int64', 1), opsetImport: repeated('OperatorSetIdProto', 8), producerName: field('string', 2),
            producerVersion: field('string', 3), domain: field('string', 4), modelVersion: field('int64', 5),
            docString: field('string', 6), graph: field('GraphProto', 7), metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1), name: field('string', 2), initializer: repeated('TensorProto', 5),
            docString: field('string', 10), input: repeated('ValueInfoProto', 11), output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1), output: repeated('string', 2), name: field('string', 3), opType: field('string', 4),
            domain: field('string', 7), attribute: repeated('AttributeProto', 5), docString: field('string', 6),
          },
        },
        AttributeProto: {
          fields: {
            name: field('string', 1), refAttrName: field('string', 21), docString: field('string', 13), type: field('int32', 20),
            f: field('float', 2), i: field('int64', 3), s: field('bytes', 4), t: field('TensorProto', 5), g: field('GraphProto', 6),
            floats: repeated('float', 7), ints: repeated('int64', 8), strings: repeated('bytes', 9), tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
          },
        },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2), docString: field('string', 3) } },
        TypeProto: {
          fields: { tensorType: field('TypeTensor', 1), denotation: field('string', 6) },
        },
        TypeTensor: { fields: { elemType: field('int32', 1), shape: field('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: repeated('Dimension', 1) } },
        Dimension: { fields: { dimValue: field('int64', 1), dimParam: field('string', 2), denotation: field('string', 3) } },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1), dataType: field('int32', 2), floatData: repeated('float', 4), int32Data: repeated('int32', 5),
            stringData: repeated('bytes', 6), int64Data: repeated('int64', 7), name: field('string', 8), docString: field('string', 12),
            rawData: field('bytes', 9), dataLocation: field('int32', 14), doubleData: repeated('double', 10), uint64Data: repeated('uint64', 11),
          },
        },
      },
    },
  },
};

/** An int64 as protobufjs decodes it: a number, or a Long when the `long` package is present. */
export type Int64 = number | { toNumber(): number };

export interface OnnxTensor {
  dims?: Int64[]; dataType?: number; floatData?: number[]; int32Data?: number[]; int64Data?: Int64[];
  name?: string; rawData?: Uint8Array; doubleData?: number[]; dataLocation?: number; docString?: string;
}
export interface OnnxAttribute {
  name: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: OnnxTensor; floats?: number[]; ints?: Int64[];
  strings?: Uint8Array[]; g?: OnnxGraph;
}
export interface OnnxNode { input: string[]; output: string[]; name?: string; opType: string; domain?: string; attribute: OnnxAttribute[]; docString?: string }
export interface OnnxDimension { dimValue?: Int64; dimParam?: string }
export interface OnnxValueInfo { name: string; type?: { tensorType?: { elemType?: number; shape?: { dim: OnnxDimension[] } } }; docString?: string }
export interface OnnxGraph {
  node: OnnxNode[]; name?: string; initializer: OnnxTensor[]; input: OnnxValueInfo[]; output: OnnxValueInfo[]; valueInfo: OnnxValueInfo[];
  docString?: string;
}
export interface OnnxModel {
  irVersion?: Int64; opsetImport: { domain?: string; version?: Int64 }[]; producerName?: string; producerVersion?: string;
  domain?: string; modelVersion?: Int64; docString?: string; graph?: OnnxGraph; metadataProps: { key: string; value: string }[];
}

/** TensorProto.DataType values used here. */
export const ONNX_DATA_TYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values used here. */
export const ONNX_ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
const ModelType = root.lookupType('onnx.ModelProto');

export function toNumber(value: Int64 | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** Decodes a serialized ModelProto. Throws protobufjs's error on bytes that are not one. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const decoded = ModelType.decode(bytes) as unknown as OnnxModel;
  return decoded;
}

/** Encodes a (possibly partial) ModelProto. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const problem = ModelType.verify(model);
  if (problem) throw new Error(`invalid ONNX model message: ${problem}`);
  return ModelType.encode(ModelType.fromObject(model)).finish();
}
