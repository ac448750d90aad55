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
 * (RFC 4648, padded) of the image file's bytes. A string is never a file path on the wire:
 * the client reads its own files and sends their bytes, and the server never opens a path a
 * client names.
 *
 * A base64 vector is the little-endian float32 bytes of the vector, base64-encoded (RFC 4648,
 * with padding). It is about 3× smaller than the JSON text of the same numbers, is parsed
 * without per-number work, and carries NaN and ±Infinity through unchanged (so the engine,
 * not the JSON parser, rejects them with `InvalidVectorError`, as it does in-process).
 */
import { endianness } from 'node:os';
import type { PointId } from '../db/types.js';
import { InvalidVectorError } from '../errors.js';
import type { MatchValue } from '../payload/filter.js';

/** How vectors are written in responses: JSON number arrays (default) or base64 strings. */
export type VectorEncoding = 'array' | 'base64';

/** A vector on the wire: JSON numbers (or byte values, for binary vectors), or base64. */
export type WireVector = number[] | string;

/** A point in a response: named vectors (`vectors`) by field, each as `vector` is written. */
export interface WirePoint {
  id: PointId;
  payload?: Record<string, unknown>;
  vector?: WireVector;
  vectors?: Record<string, WireVector>;
}

export interface WireHit extends WirePoint {
  score: number;
}

/** One group of a grouped search's response (`{ groups }`). */
export interface WireGroup {
  group: MatchValue;
  hits: WireHit[];
}

/** The one shape of every error response: `{ error: { code, message, path? } }`. */
export interface ErrorBody {
  error: {
    /** Stable code: an engine error's `code` (e.g. `DIMENSION_MISMATCH`) or an HTTP-level one (`UNAUTHORIZED`). */
    code: string;
    /** What was expected and what was given. */
    message: string;
    /** The offending field, e.g. `points[3].vector` or `filter.must[0].range.gte`. */
    path?: string;
  };
}

/** Whether a provider takes texts (sent as they are) rather than images (sent as base64 bytes): the engine's rule. */
export { isTextProvider } from '../db/field-embedders.js';

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
