/**
 * The local model folder an `onnx:<folder>` provider reads, in the layout of
 * `@huggingface/transformers` (and of the Hugging Face hub's ONNX exports):
 *
 * ```
 * <folder>/config.json              model_type, hidden_size (or d_model / dim / n_embd)
 * <folder>/tokenizer.json           the tokenizer (`tokenizers` library format)
 * <folder>/tokenizer_config.json    its settings (special tokens, max length)
 * <folder>/onnx/model<suffix>.onnx  the graph; suffix by dtype: fp32 '', fp16 '_fp16', q8 '_quantized', …
 * ```
 *
 * Checking happens when the provider is created, so that a wrong folder fails at once with an
 * `EmbeddingModelError` listing every missing file, instead of at the first insert.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddingModelError } from './provider.js';

/** Weight types transformers.js loads, and the file-name suffix of each (`onnx/model<suffix>.onnx`). */
export const ONNX_DTYPES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

export type OnnxDtype = keyof typeof ONNX_DTYPES;

/** config.json keys that hold the hidden size, by model family (BERT & co, T5/BART, DistilBERT, GPT-2). */
const HIDDEN_SIZE_KEYS = ['hidden_size', 'd_model', 'dim', 'n_embd'];

/** The folder's relative paths of the files a model needs with weights of type `dtype`. */
function requiredFiles(dtype: OnnxDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${ONNX_DTYPES[dtype]}.onnx`];
}

/**
 * Checks that `folder` holds every file of {@link requiredFiles} and returns the hidden size
 * its `config.json` states (undefined when it states none). `label` names the provider in
 * error messages.
 */
export async function checkModelFolder(
  label: string,
  folder: string,
  dtype: OnnxDtype,
): Promise<number | undefined> {
  const missing: string[] = [];
  for (const file of requiredFiles(dtype)) {
    await access(join(folder, file)).catch(() => missing.push(file));
  }
  if (missing.length > 0) {
    throw new EmbeddingModelError(`${label}: the model folder ${folder} lacks ${missing.join(', ')}`);
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EmbeddingModelError(
      `${label}: cannot read ${join(folder, 'config.json')}: ${(e as Error).message}`,
    );
  }
  const size = HIDDEN_SIZE_KEYS.map((key) => config?.[key]).find((v) => v !== undefined);
  if (size === undefined) return undefined;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
    throw new EmbeddingModelError(`${label}: config.json gives a hidden size of ${JSON.stringify(size)}`);
  }
  return size;
}
