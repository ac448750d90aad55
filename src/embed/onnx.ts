/**
 * `onnx:<folder>`: any ONNX sentence-embedding model in a local folder (the layout of
 * `onnx-folder.ts`, e.g. an export of all-MiniLM-L6-v2), loaded by `@huggingface/transformers`
 * (its tokenizers and model classes) and run on ONNX Runtime for Node (CPU). That package is an
 * optional peer dependency (`onnx-runtime.ts`): creating the provider without it installed is a
 * `MissingPeerDependencyError`.
 *
 * A text is tokenized by the folder's tokenizer (padded per batch, truncated to the model's
 * maximum length), run through the model, and its token states (`last_hidden_state`, or
 * `token_embeddings`) pooled by `onnx-pooling.ts` — `mean` over the tokens the attention mask
 * keeps, or the first (`cls`) token — and scaled to unit length: cosine, dimension the model's
 * hidden size.
 *
 * Invariants: nothing is ever downloaded — remote models are switched off in the library's
 * global settings (Quiver never wants them) and every load asks for local files only, and the
 * library's own download cache is off. The folder is checked when the provider is created;
 * the model loads on the first `embed` and at most once until `dispose`. Every vector has
 * exactly `dimension` finite components, else the batch fails with `EmbeddingModelError`.
 */
import { resolve } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { InvalidArgumentError } from '../errors.js';
import { checkModelFolder, ONNX_DTYPES, type OnnxDtype } from './onnx-folder.js';
import { poolTokenStates, type TokenStates } from './onnx-pooling.js';
import { importPeer, ONNX_RUNTIME_PACKAGE, ONNX_RUNTIME_RANGE, requirePeer } from './onnx-runtime.js';
import { type EmbedderOptions, EmbeddingModelError, type EmbeddingProvider } from './provider.js';
import { checkOptionNames, choiceOption, integerOption } from './provider-options.js';
import { textProvider } from './text-provider.js';

const PREFIX = 'onnx:';
const OPTIONS = ['pooling', 'dtype', 'batchSize', 'dimension'];

/**
 * The `onnx:<folder>` provider; `<folder>` is a path, relative ones against the working folder.
 * Options: `pooling` `'mean'` (default) or `'cls'`; `dtype` of the weights to load, `'fp32'`
 * (default, `onnx/model.onnx`), `'fp16'`, `'q8'` (`onnx/model_quantized.onnx`), `'int8'`,
 * `'uint8'`, `'q4'`, `'q4f16'`, `'bnb4'`; `batchSize` (default 32); `dimension`, needed only
 * when `config.json` has no hidden size (the first batch verifies it).
 *
 * @example
 * const minilm = await createEmbedder('onnx:/models/all-MiniLM-L6-v2');
 * const [v] = await minilm.embed(['a red dress']); // Float32Array(384), unit length
 */
export async function createOnnxEmbedder(name: string, options: EmbedderOptions): Promise<EmbeddingProvider> {
  if (!name.startsWith(PREFIX) || name.length === PREFIX.length) {
    throw new InvalidArgumentError(`provider: expected 'onnx:<model folder>', got '${name}'`);
  }
  checkOptionNames(name, options, OPTIONS);
  const pooling = choiceOption(name, options, 'pooling', ['mean', 'cls'] as const, 'mean');
  const dtype = choiceOption(name, options, 'dtype', Object.keys(ONNX_DTYPES) as OnnxDtype[], 'fp32');
  const batchSize = integerOption(name, options, 'batchSize', 32, 1, 4096);
  requirePeer(ONNX_RUNTIME_PACKAGE, ONNX_RUNTIME_RANGE, name);
  const folder = resolve(name.slice(PREFIX.length));
  const hiddenSize = await checkModelFolder(name, folder, dtype);
  const dimension = integerOption(name, options, 'dimension', hiddenSize ?? 0, 1, 65536);
  if (dimension === 0) {
    throw new EmbeddingModelError(`${name}: config.json states no hidden size; give the dimension option`);
  }

  let model: Promise<LoadedModel> | undefined;
  const loaded = () => {
    model ??= loadModel(name, folder, dtype).catch((e) => {
      model = undefined;
      throw e;
    });
    return model;
  };

  return textProvider({
    name,
    dimension,
    batchSize,
    async embedBatch(texts, start) {
      const { tokenizer, encoder } = await loaded();
      let states: TokenStates | undefined;
      let mask: ArrayLike<number | bigint>;
      try {
        const inputs = tokenizer([...texts], { padding: true, truncation: true });
        const outputs = await encoder(inputs);
        states = outputs.last_hidden_state ?? outputs.token_embeddings;
        mask = inputs.attention_mask.data;
      } catch (e) {
        throw new EmbeddingModelError(
          `${name}: the model failed on inputs ${start}…: ${(e as Error).message}`,
        );
      }
      if (states === undefined) {
        throw new EmbeddingModelError(
          `${name}: the model has no output last_hidden_state or token_embeddings`,
        );
      }
      if (states.dims[2] !== dimension) {
        throw new EmbeddingModelError(
          `${name}: expected hidden size ${dimension}, the model gave ${states.dims[2]}`,
        );
      }
      return poolTokenStates(name, states, mask, pooling, start);
    },
    async dispose() {
      const pending = model;
      model = undefined;
      if (pending !== undefined) await (await pending.catch(() => undefined))?.encoder.dispose();
    },
  });
}

/** A folder's tokenizer and model, as loaded. */
interface LoadedModel {
  tokenizer: PreTrainedTokenizer;
  encoder: PreTrainedModel;
}

async function loadModel(name: string, folder: string, dtype: OnnxDtype): Promise<LoadedModel> {
  const { AutoModel, AutoTokenizer, env } = await importPeer<typeof import('@huggingface/transformers')>(
    ONNX_RUNTIME_PACKAGE,
    ONNX_RUNTIME_RANGE,
    name,
  );
  try {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    // An absolute path is not a hub model id, so the library reads the folder as it is.
    const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    const encoder = await AutoModel.from_pretrained(folder, { local_files_only: true, device: 'cpu', dtype });
    return { tokenizer, encoder };
  } catch (e) {
    throw new EmbeddingModelError(`${name}: cannot load the model in ${folder}: ${(e as Error).message}`);
  }
}
