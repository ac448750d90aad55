/**
 * The shell shared by the text providers (`glove-100`, `onnx:`, `openai:`): cosine vectors of
 * a fixed dimension, computed batch by batch from strings.
 *
 * Invariants: every input is a string with at least one non-space character; the whole input
 * list is checked before any model work, so a bad input fails the call with an
 * `EmbeddingInputError` naming its position and nothing is computed. Then `embedBatch` gets
 * consecutive slices of at most `batchSize` texts, in order, and must return one unit vector
 * of `dimension` components per text.
 */
import { InvalidArgumentError } from '../errors.js';
import { inBatches } from './batch.js';
import { EmbeddingInputError, type EmbeddingProvider, type EmbedInput } from './provider.js';

/** What a text provider computes; {@link textProvider} adds the checks and the batching. */
export interface TextModel {
  name: string;
  dimension: number;
  batchSize: number;
  /** The vectors of `texts` (checked, at most `batchSize`), the first being input `start`. */
  embedBatch(texts: readonly string[], start: number): Promise<Float32Array[]>;
  /** Releases what the model holds; `embedBatch` loads it again if called afterwards. */
  dispose(): Promise<void>;
}

/** A `kind: 'text'`, cosine `EmbeddingProvider` running `model`. */
export function textProvider(model: TextModel): EmbeddingProvider {
  const { name, dimension, batchSize } = model;
  return {
    name,
    kind: 'text',
    dimension,
    metric: 'cosine',
    batchSize,
    embed: async (inputs) =>
      inBatches(checkTexts(name, inputs), batchSize, (batch, start) => model.embedBatch(batch, start)),
    dispose: () => model.dispose(),
  };
}

/** `inputs` as strings; throws `EmbeddingInputError` for the first that is not a non-blank string. */
function checkTexts(provider: string, inputs: readonly EmbedInput[]): string[] {
  if (!Array.isArray(inputs)) {
    throw new InvalidArgumentError(`${provider}: expected an array of texts, got ${typeof inputs}`);
  }
  inputs.forEach((input, index) => {
    if (typeof input !== 'string' || input.trim() === '') {
      throw new EmbeddingInputError(
        `${provider}: input ${index}: expected a non-empty text, got ${describe(input)}`,
        index,
      );
    }
  });
  return inputs as string[];
}

function describe(input: unknown): string {
  if (typeof input === 'string') return 'a blank string';
  if (input instanceof Uint8Array) return 'bytes';
  return input === null ? 'null' : typeof input;
}
