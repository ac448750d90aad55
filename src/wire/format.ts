/**
 * The parts of Quiver's HTTP wire format that the server and the client must agree on
 * byte for byte: the encoding of vectors as base64 strings, the shapes of returned points,
 * hits and groups, and the shape of an error body. It sits below both `server/` and
 * `client/`, which import it from here (neither imports the other).
 * The request and response schemas themselves are the server's TypeBox schemas
 * (`src/server/schemas.ts`), published as `/openapi.json`.
 *
 * A raw input of a vector field that names an embedding provider travels in `inputs: { field:
 * string }`: a text provider's input is the text itself, any other provider's is the base64
 * (RFC 4648, padded) of the file's bytes (an image, or WAV audio for `audio-mfcc`). A string is never a file path on the wire:
 * the client reads its own files and sends their bytes, and the server never opens a path a
 * client names.
 *
 * A base64 vector is the little-endian float32 bytes of the vector, base64-encoded (RFC 4648,
 * with padding). It is about 3× smaller than the JSON text of the same numbers, is parsed
 * without per-number work, and carries NaN and ±Infinity through unchanged (so the engine,
 * not the JSON parser, rejects them with `InvalidVectorError`, as it does in-process).
 */
import { endianness } from 'node:os';
import type { HitExplanation, IndexConfig, PointId } from '../db/types.js';
import { InvalidVectorError } from '../errors.js';
import type { MatchValue } from '../payload/filter.js';

/** How vectors are written in responses: JSON number arrays (default) or base64 strings. */
export type VectorEncoding = 'array' | 'base64';

/** A vector on the wire: JSON numbers (or byte values, for binary vectors), or base64. */
export type WireVector = number[] | string;

/**
 * A point in a response, in Qdrant's shape: `vector` is one vector, or named vectors by
 * field (a collection with named vectors), each as a `WireVector`.
 */
export interface WirePoint {
  id: PointId;
  payload?: Record<string, unknown> | null;
  vector?: WireVector | Record<string, WireVector> | null;
  /** The payload value a scroll or query ordered by a key placed the point by. */
  order_value?: number | string;
}

export interface WireHit extends WirePoint {
  score: number;
  /** Qdrant's point version: always 0 (Quiver keeps none). */
  version?: number;
  /** Quiver extension: how the hit was found and scored, when the request asked (`explain: true`). */
  explain?: HitExplanation;
}

/** One group of a grouped search's response (`{ groups: [{ id, hits }] }`, Qdrant's shape). */
export interface WireGroup {
  id: MatchValue;
  hits: WireHit[];
}

/** A successful response: Qdrant's envelope, `time` in seconds. */
export interface OkBody<T> {
  result: T;
  status: 'ok';
  time: number;
}

/**
 * The one shape of every error response, Qdrant's `{ status: { error }, time }`, with
 * Quiver's stable `code` (and the offending field's `path`) beside the message.
 */
export interface ErrorBody {
  status: {
    /** What was expected and what was given. */
    error: string;
    /** Stable code: an engine error's `code` (e.g. `DIMENSION_MISMATCH`) or an HTTP-level one (`UNAUTHORIZED`). */
    code: string;
    /** The offending field, e.g. `points[3].vector` or `filter.must[0].range.gte`. */
    path?: string;
  };
  time: number;
}

/**
 * Whether a provider takes texts (sent as they are) rather than images or WAV audio (sent as
 * base64 bytes), and what its files are called in messages: the engine's rules.
 */
export { isTextProvider } from '../db/field-embedders.js';
export { fileInputName } from '../db/provider-kind.js';

// Float32Array views use the platform's byte order; the wire format is little-endian.
if (endianness() !== 'LE') throw new Error('quiver: the base64 vector format needs a little-endian platform');

/** The base64 text of `vector`: little-endian float32, or the bytes of a binary vector. */
export function encodeVector(vector: Float32Array | Uint8Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/**
 * The float32 values of a base64 vector. The caller has checked the alphabet (the schema's
 * `pattern`); this checks that the bytes form whole float32 values.
 */
export function decodeVector(text: string, where = 'vector'): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) {
    throw new InvalidVectorError(
      `${where}: a base64 vector must decode to a multiple of 4 bytes (float32), got ${bytes.byteLength}`,
    );
  }
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * The index of a collection or vector field on the wire (a Quiver extension, in snake_case):
 * a factory string as it is, `{ type: 'hnsw', m, ef_construct, ef }`, `{ type: 'flat' }`,
 * or `{ type: 'factory', factory, ef_construct, ef }`.
 */
export type WireIndex = string | Record<string, unknown>;

export function indexToWire(index: IndexConfig): WireIndex {
  if (typeof index === 'string') return index;
  const { M, efConstruction, ...rest } = index as { M?: number; efConstruction?: number } & Record<
    string,
    unknown
  >;
  const out: Record<string, unknown> = { ...rest };
  if (M !== undefined) out.m = M;
  if (efConstruction !== undefined) out.ef_construct = efConstruction;
  return out;
}

/** The engine's index config of a wire index (unknown keys pass on, for the engine to refuse). */
export function indexFromWire(index: WireIndex): IndexConfig {
  if (typeof index === 'string') return index;
  const { m, ef_construct, ...rest } = index;
  const out: Record<string, unknown> = { ...rest };
  if (m !== undefined) out.M = m;
  if (ef_construct !== undefined) out.efConstruction = ef_construct;
  return out as IndexConfig;
}
