/**
 * A tiny BERT-shaped sentence model, built from nothing by the tests (no download, no Python):
 * a folder in the layout `@huggingface/transformers` reads (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model.onnx`), whose output a test can compute by hand.
 *
 * The graph: `last_hidden_state[b, t] = (words[input_ids[b, t]] + types[token_type_ids[b, t]])
 * · projection`, with the inputs a BERT export has (`input_ids`, `attention_mask`,
 * `token_type_ids`, int64 `[batch, sequence]`) and seeded N(0, 1) weights; `onnx/model_fp16.onnx`
 * is the same graph with its output cast to float16 (as `dtype: 'fp16'` exports have). The tokenizer is a
 * BERT WordPiece tokenizer over whole words (lower-casing, `[CLS] … [SEP]` around each text).
 *
 * The ONNX file is protobuf, written here by a minimal encoder of the few messages a model
 * needs (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto; field numbers from
 * `onnx/onnx.proto`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussianVectors } from '../../src/eval/random.js';

/** Special tokens, at ids 0–3 of every tiny vocabulary. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

export interface TinyModel {
  /** Token strings by id: the special tokens, then the words given. */
  vocabulary: string[];
  dimension: number;
  /** `vocabulary.length × dimension`, row-major. */
  words: Float32Array;
  /** `2 × dimension`: token type 0 and 1. */
  types: Float32Array;
  /** `dimension × dimension`, row-major. */
  projection: Float32Array;
}

/** Writes a tiny model over `words` (lower-case, no spaces) into `folder`; returns its weights. */
export function writeTinyOnnxModel(
  folder: string,
  words: readonly string[],
  dimension: number,
  seed = 7,
): TinyModel {
  const vocabulary = [...SPECIAL_TOKENS, ...words];
  const model: TinyModel = {
    vocabulary,
    dimension,
    words: gaussianVectors(vocabulary.length, dimension, seed),
    types: gaussianVectors(2, dimension, seed + 1),
    projection: gaussianVectors(dimension, dimension, seed + 2),
  };
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  writeFileSync(join(folder, 'onnx', 'model.onnx'), modelProto(model, FLOAT));
  writeFileSync(join(folder, 'onnx', 'model_fp16.onnx'), modelProto(model, FLOAT16));
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: dimension,
      vocab_size: vocabulary.length,
    }),
  );
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocabulary)));
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
    }),
  );
  return model;
}

/** The `tokenizer.json` of a BERT WordPiece tokenizer whose vocabulary is whole words. */
function tokenizerJson(vocabulary: readonly string[]): object {
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}

// ONNX protobuf: TensorProto.DataType and the opset the graph uses.
const FLOAT = 1;
const INT64 = 7;
const FLOAT16 = 10;
/** AttributeProto.AttributeType INT. */
const ATTRIBUTE_INT = 2;
const OPSET = 13;
const IR_VERSION = 8;

/** The graph; its output `last_hidden_state` has element type `output` (FLOAT, or FLOAT16 through a Cast). */
function modelProto(m: TinyModel, output: number): Uint8Array {
  const ids = ['input_ids', 'attention_mask', 'token_type_ids'];
  const graph = message([
    ...[
      node('Gather', ['words', 'input_ids'], ['word_vectors']),
      node('Gather', ['types', 'token_type_ids'], ['type_vectors']),
      node('Add', ['word_vectors', 'type_vectors'], ['summed']),
      ...(output === FLOAT
        ? [node('MatMul', ['summed', 'projection'], ['last_hidden_state'])]
        : [
            node('MatMul', ['summed', 'projection'], ['projected']),
            node('Cast', ['projected'], ['last_hidden_state'], { to: output }),
          ]),
    ].map((n) => bytesField(1, n)),
    stringField(2, 'tiny-bert'),
    bytesField(5, tensor('words', [m.vocabulary.length, m.dimension], m.words)),
    bytesField(5, tensor('types', [2, m.dimension], m.types)),
    bytesField(5, tensor('projection', [m.dimension, m.dimension], m.projection)),
    ...ids.map((name) => bytesField(11, valueInfo(name, INT64, ['batch', 'sequence']))),
    bytesField(12, valueInfo('last_hidden_state', output, ['batch', 'sequence', m.dimension])),
  ]);
  return message([
    varintField(1, IR_VERSION),
    stringField(2, 'quiver-tests'),
    bytesField(7, graph),
    bytesField(8, message([stringField(1, ''), varintField(2, OPSET)])),
  ]);
}

function node(
  op: string,
  inputs: string[],
  outputs: string[],
  ints: Record<string, number> = {},
): Uint8Array {
  return message([
    ...inputs.map((i) => stringField(1, i)),
    ...outputs.map((o) => stringField(2, o)),
    stringField(3, `${op}_${outputs[0]}`),
    stringField(4, op),
    ...Object.entries(ints).map(([key, value]) =>
      bytesField(5, message([stringField(1, key), varintField(3, value), varintField(20, ATTRIBUTE_INT)])),
    ),
  ]);
}

function tensor(name: string, dims: number[], data: Float32Array): Uint8Array {
  return message([
    ...dims.map((d) => varintField(1, d)),
    varintField(2, FLOAT),
    stringField(8, name),
    bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  ]);
}

/** ValueInfoProto of a tensor whose dimensions are sizes (numbers) or symbolic names. */
function valueInfo(name: string, elemType: number, dims: (number | string)[]): Uint8Array {
  const shape = message(
    dims.map((d) =>
      bytesField(1, typeof d === 'number' ? message([varintField(1, d)]) : message([stringField(2, d)])),
    ),
  );
  const tensorType = message([varintField(1, elemType), bytesField(2, shape)]);
  return message([stringField(1, name), bytesField(2, message([bytesField(1, tensorType)]))]);
}

function message(fields: Uint8Array[]): Uint8Array {
  return Buffer.concat(fields);
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes]);
}

function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, Buffer.from(text, 'utf8'));
}
