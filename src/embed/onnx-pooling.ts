/**
 * Pooling a sentence model's token states into one unit vector per text.
 *
 * Done here rather than by the library's pipeline because models exported with float16
 * outputs (`dtype: 'fp16'`, `'q4f16'`) hand back raw half-float bits, which the library's
 * pooling would average as integers; here every component is decoded to a number first and
 * sums run in float64.
 *
 * Invariants: `mean` averages exactly the positions the attention mask keeps (padding never
 * counts); `cls` takes position 0. Each result has the hidden size's length, finite components
 * and unit L2 norm, else `EmbeddingModelError` naming the input.
 */
import { l2Normalize } from './batch.js';
import { EmbeddingModelError } from './provider.js';

/** A `[batch, sequence, hidden]` tensor as transformers.js returns it (the parts read here). */
export interface TokenStates {
  type: string;
  dims: readonly number[];
  /** float32: the numbers; float16: a Uint16Array of the raw bits (or a Float16Array). */
  data: ArrayLike<number>;
}

/**
 * One unit vector per row of `states`, pooled over the positions where `mask` (the
 * tokenizer's `[batch, sequence]` attention mask) is non-zero; `start` is the position of
 * row 0 in the caller's inputs, `label` the provider, both for error messages.
 */
export function poolTokenStates(
  label: string,
  states: TokenStates,
  mask: ArrayLike<number | bigint>,
  pooling: 'mean' | 'cls',
  start: number,
): Float32Array[] {
  const [batch, sequence, hidden] = states.dims;
  if (states.dims.length !== 3 || mask.length !== batch * sequence) {
    throw new EmbeddingModelError(
      `${label}: expected token states [batch, sequence, hidden] matching the attention mask, got [${states.dims.join(', ')}]`,
    );
  }
  const value = componentReader(label, states);
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const sum = new Float64Array(hidden);
    let count = 0;
    const last = pooling === 'cls' ? 1 : sequence;
    for (let t = 0; t < last; t++) {
      if (pooling === 'mean' && Number(mask[b * sequence + t]) === 0) continue;
      const at = (b * sequence + t) * hidden;
      for (let k = 0; k < hidden; k++) sum[k] += value(at + k);
      count++;
    }
    const vector = Float32Array.from(sum, (s) => s / count);
    let squares = 0;
    for (const x of vector) squares += x * x;
    if (count === 0 || !Number.isFinite(squares) || squares === 0) {
      throw new EmbeddingModelError(
        `${label}: the model gave a zero or non-finite vector for input ${start + b}`,
      );
    }
    out.push(l2Normalize(vector));
  }
  return out;
}

/** Reads component `i` of `states` as a number, whatever its element type. */
function componentReader(label: string, states: TokenStates): (i: number) => number {
  const { data } = states;
  if (states.type === 'float32') return (i) => data[i];
  if (states.type === 'float16')
    return data instanceof Uint16Array ? (i) => halfToNumber(data[i]) : (i) => data[i];
  throw new EmbeddingModelError(
    `${label}: the model's token states are ${states.type}, not float32 or float16`,
  );
}

/** The value of IEEE 754 half-precision bits `h`. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
