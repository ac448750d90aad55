/**
 * Reading the answer of an OpenAI-compatible `POST /embeddings`:
 * `{ "data": [{ "index": 0, "embedding": [0.1, …] | "<base64 of float32 LE>" }, …], … }`.
 *
 * Invariants: {@link embeddingsOf} returns exactly one vector per input, in input order (the
 * server may list them in any order; `index` says whose each is), each of the expected length
 * with finite components and scaled to unit length; anything else — a missing or repeated
 * index, a wrong count or length, a zero vector — is an `EmbeddingModelError` saying what the
 * server sent. Error answers (`{ "error": { "message" } }`, or any text) become a message.
 */
import { l2Normalize } from './batch.js';
import { EmbeddingModelError } from './provider.js';

/** The server's own words from an error answer's body: `error.message` of the OpenAI shape, else the text. */
export function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === 'string' && message !== '') return message;
  } catch {
    // not JSON: the text itself
  }
  const text = body.trim();
  return text === '' ? '(empty body)' : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * The `count` vectors of a parsed answer, in input order, L2-normalized. `dimension`
 * undefined accepts the first vector's length (the probe at creation); `label` names the
 * provider in errors.
 */
export function embeddingsOf(
  label: string,
  body: unknown,
  count: number,
  dimension?: number,
): Float32Array[] {
  const fail = (what: string): never => {
    throw new EmbeddingModelError(`${label}: unexpected answer: ${what}`);
  };
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return fail('no "data" list');
  if (data.length !== count) fail(`${data.length} embeddings for ${count} inputs`);
  const out: Float32Array[] = new Array(count);
  let length = dimension;
  for (const item of data as { index?: unknown; embedding?: unknown }[]) {
    const index = item?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      return fail(`index ${JSON.stringify(index)} is not an input position in [0, ${count})`);
    }
    if (out[index] !== undefined) fail(`index ${index} appears twice`);
    const vector =
      vectorOf(item.embedding) ?? fail(`the embedding of index ${index} is not a list of numbers`);
    length ??= vector.length;
    if (vector.length !== length || length === 0) {
      fail(`the embedding of index ${index} has ${vector.length} components, expected ${length}`);
    }
    let squares = 0;
    for (const x of vector) squares += x * x;
    if (!Number.isFinite(squares) || squares === 0)
      fail(`the embedding of index ${index} is zero or not finite`);
    out[index] = l2Normalize(vector);
  }
  return out;
}

/** A float list or base64 of little-endian float32s as a Float32Array; undefined for anything else. */
function vectorOf(embedding: unknown): Float32Array | undefined {
  if (Array.isArray(embedding)) {
    return embedding.every((x) => typeof x === 'number')
      ? Float32Array.from(embedding as number[])
      : undefined;
  }
  if (typeof embedding !== 'string') return undefined;
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
