/**
 * Raw inputs of vector fields that name an embedding provider, on the client's side. The keys
 * of a point or query object that name such a field (`{ id, image: 'photo.jpg' }`,
 * `search({ image: bytes })`, `search({ caption: 'a red dress' })`) become the request's
 * `inputs`, encoded as `wire/format.ts` says: a text as it is, an image or a WAV audio file as
 * the base64 of its bytes. A string given to an image or audio field is a file on this
 * machine, read here: the server never
 * opens a path a client names, and this machine's paths mean nothing to it anyway.
 *
 * The checks are the engine's (`db/field-embedders.ts`), with the same error classes, made
 * before any request: a key that names no provider field, an input of the wrong type, more
 * than one raw input in a query. A file that cannot be read is an `EmbeddingInputError`, as
 * in-process. A bare `text` query goes to the server as it is (the engine there decides
 * whether it is BM25 or a provider field's input), except when the collection has a field
 * named `text`: its raw input, read here if that field takes images or audio.
 */
import { readFile } from 'node:fs/promises';
import { describe } from '../db/validate.js';
import { EmbeddingInputError } from '../embed/provider.js';
import { InvalidArgumentError } from '../errors.js';
import { fileInputName, isTextProvider } from '../wire/format.js';

/** Properties of a point and of a query object that are not raw inputs. */
const POINT_KEYS = new Set(['id', 'vector', 'vectors', 'payload']);
const QUERY_KEYS = new Set(['vector', 'using', 'text', 'textField']);

/** One raw input, checked but not yet read or encoded. */
export interface RawField {
  field: string;
  input: string | Uint8Array;
  /** Whether the field's provider takes texts. */
  text: boolean;
  /** What a file input of the field is called in messages. */
  file: 'image file' | 'audio file';
}

export class RawInputCodec {
  /** @param providers the provider of each named field that has one, by field. */
  constructor(private readonly providers: ReadonlyMap<string, string>) {}

  /**
   * The raw inputs of point `i`. As in the engine, other keys are refused only when the
   * collection has provider fields (without any, they are ignored).
   */
  pointInputs(point: object, i: number): RawField[] {
    if (this.providers.size === 0) return [];
    return Object.entries(point)
      .filter(([key]) => !POINT_KEYS.has(key))
      .map(([key, value]) => this.check(key, value, `points[${i}]`));
  }

  /** A query object without its raw input, and that input (at most one). */
  queryInput(query: Record<string, unknown>): { rest: Record<string, unknown>; raw?: RawField } {
    const keys = Object.keys(query).filter((key) => !QUERY_KEYS.has(key));
    if (query.text !== undefined && query.textField === undefined && this.providers.has('text')) {
      keys.push('text');
    }
    if (keys.length === 0) return { rest: query };
    if (keys.length > 1) throw new InvalidArgumentError(`query: give one raw input, got ${keys.join(', ')}`);
    const [key] = keys;
    const raw = this.check(key, query[key], 'query');
    if (query.vector !== undefined) {
      throw new InvalidArgumentError(`query: give a vector or a raw ${key}, not both`);
    }
    const { [key]: _, ...rest } = query;
    return { rest, raw };
  }

  /** The wire text of raw inputs (`inputs`), by field; image and audio files are read one at a time. */
  async encode(raws: readonly RawField[], where: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const raw of raws) out[raw.field] = await encodeOne(raw, `${where}.${raw.field}`);
    return out;
  }

  /** A raw input of `key`, checked as the engine checks it. */
  private check(key: string, value: unknown, where: string): RawField {
    const provider = this.providers.get(key);
    if (provider === undefined) {
      const known = [...this.providers.keys()].join(', ') || 'none in this collection';
      throw new InvalidArgumentError(
        `${where}: unknown property '${key}'; raw inputs go under the name of a vector field with a provider (${known})`,
      );
    }
    const text = isTextProvider(provider);
    const file = fileInputName(provider);
    if (typeof value === 'string' && value.length > 0) return { field: key, input: value, text, file };
    if (!text && value instanceof Uint8Array && value.length > 0)
      return { field: key, input: value, text, file };
    throw new InvalidArgumentError(
      `${where}.${key}: expected ${text ? 'a non-empty text' : `an ${file} path or its bytes`}, got ${describe(value)}`,
    );
  }
}

/** A text as it is; bytes, or the bytes of the image or audio file a path names, in base64. */
async function encodeOne(raw: RawField, where: string): Promise<string> {
  const { input } = raw;
  if (raw.text) return input as string;
  if (typeof input !== 'string') {
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64');
  }
  try {
    return (await readFile(input)).toString('base64');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EmbeddingInputError(`${where}: cannot read ${raw.file} '${input}' (${reason})`);
  }
}
