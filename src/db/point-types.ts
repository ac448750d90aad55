/**
 * The shapes of points as the API takes and returns them: ids, vectors, inputs, stored
 * points and hits. The lowest of the API's type modules (types.ts re-exports them all).
 */
import type { MatchValue, Payload } from '../payload/filter.js';
import type { HitExplanation } from './explain-types.js';

/** A point id: a string (1–256 UTF-16 units) or a non-negative safe integer. `1` and `'1'` are different ids. */
export type PointId = string | number;

/**
 * Similarity metric of a collection.
 * - `l2`: squared Euclidean distance (as FAISS and hnswlib report it); score = distance, lower is better.
 * - `ip`: inner product; score = dot product, higher is better.
 * - `cosine`: cosine similarity in [-1, 1]; vectors are L2-normalized on insert (and returned
 *   normalized); score = similarity, higher is better.
 * - `l1`: Manhattan distance Σ |a[i] − b[i]| (FAISS's METRIC_L1, Qdrant's `Manhattan`);
 *   score = distance, lower is better. Indexes: Flat, HNSW, IVF-Flat (others are refused).
 * - `hamming`: binary vectors (`dimension` bits, given as dimension/8 bytes); score = number
 *   of differing bits, lower is better.
 * - `jaccard`: binary vectors; score = 1 − |a ∧ b| / |a ∨ b| (0 for two empty vectors),
 *   lower is better.
 */
export type Metric = 'l2' | 'ip' | 'cosine' | 'l1' | 'hamming' | 'jaccard';

/**
 * What users may pass as a vector, converted once at the API boundary: numbers for float
 * metrics; for binary metrics (`hamming`, `jaccard`) `dimension / 8` bytes as a
 * `Uint8Array` or an array of byte values (bit i is bit i % 8 of byte i / 8).
 */
export type VectorInput = number[] | Float32Array | Uint8Array;

/** A stored vector as returned: floats, or the bytes of a binary vector. */
export type StoredVector = Float32Array | Uint8Array;

/**
 * A raw input of a vector field that names an embedding provider: an image file path or the
 * file's bytes for image providers, a text for text providers.
 */
export type RawInput = string | Uint8Array;

/**
 * A point to upsert. A collection with one vector takes `vector`; a collection with named
 * vectors takes `vectors`, keyed by field name, where any field may be left out (the point
 * is then never found through that field).
 */
export interface PointInput {
  id: PointId;
  vector?: VectorInput;
  vectors?: Record<string, VectorInput>;
  payload?: Payload;
}

/**
 * A point whose named fields with a `provider` are given their raw input under the field's
 * own name, `{ id, image: 'photo.jpg', payload }`, vectorized on upsert (see
 * `VectorFieldConfig.provider`); other fields may still come as `vectors`.
 */
export interface RawPointInput {
  id: PointId;
  vectors?: Record<string, VectorInput>;
  payload?: Payload;
  /** Raw inputs of provider fields, by field name (`RawInput`). */
  [field: string]: unknown;
}

/** A stored point as returned by get/scroll (`vectors` for collections with named vectors). */
export interface Point {
  id: PointId;
  payload?: Payload;
  vector?: StoredVector;
  vectors?: Record<string, StoredVector>;
  /** The payload value a scroll with `orderBy` placed this point by (a number or datetime string). */
  orderValue?: number | string;
}

/**
 * One search result. Results are ordered best first. A vector search's `score` is the
 * metric's (see `Metric`); a text search's is its BM25 score; a hybrid search's is the
 * fused score (higher is better for both).
 */
export interface Hit {
  id: PointId;
  score: number;
  payload?: Payload;
  vector?: StoredVector;
  vectors?: Record<string, StoredVector>;
  /** How the hit was found and scored, when the search asked (`explain: true`); see `HitExplanation`. */
  explain?: HitExplanation;
}

/** The hits of one group of a grouped search: the points whose `groupBy` value is `group`. */
export interface HitGroup {
  group: MatchValue;
  hits: Hit[];
}
