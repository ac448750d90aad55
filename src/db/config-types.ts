/**
 * The configuration of a collection as `createCollection` takes it: vector fields, metric,
 * index, payload indexes (types.ts re-exports these).
 */
import type { PayloadIndexConfig } from '../payload/index-declaration.js';
import type { Metric } from './point-types.js';

/** One named vector field of a collection. */
export interface VectorFieldConfig {
  /** Vector length, 1..65,536 (bits for binary metrics); with a `provider`, the provider's (may be left out). */
  dimension?: number;
  /** Default `l2`, or the provider's metric. */
  metric?: Metric;
  /** Index of this field in sealed segments; default the collection's `index`. */
  index?: IndexConfig;
  /**
   * Keep the full-precision vectors of sealed segments on disk (Qdrant's `on_disk: true`):
   * memory holds only the index and SQ8 codes (HNSW<M> becomes HNSW<M>,SQ8; Flat scans the
   * file), and rows are read from the segment file to re-rank the best `rerank` candidates
   * and to return vectors. The growing segment stays in memory. Default false.
   */
  onDisk?: boolean;
  /**
   * An embedding provider (`quiverdb/embed`: `'mobilenet-v2'`, `'face'`, `'glove-100'`, `'hog'`,
   * `'color-histogram'`, `'orb-bovw'`, `'audio-mfcc'`, `'onnx:<folder>'`, `'openai:<url>'`) that turns the
   * field's raw inputs into vectors: `upsert([{ id, image: 'photo.jpg' }])` and
   * `search({ image: bytes })` vectorize automatically. A detecting provider (`face`) makes
   * one point per face found: ids `<id>#<n>` (n = 0 for the most confident) and the payload
   * key named like the field holding `{ source, index, box, score }`; an image without faces
   * adds no point.
   */
  provider?: string;
  /** Options given to the provider (JSON; e.g. `{ inputSize: 128 }`). */
  providerOptions?: Record<string, unknown>;
  /**
   * What to keep of the raw inputs besides the vector. `true`: string inputs (file paths,
   * texts) in the payload under the field's name (byte inputs are not kept). `'thumbnail'`
   * (image providers only): a WebP of each image input, path or bytes, at most 256 px on its
   * longer side (aspect kept, never enlarged, quality 75), stored durably with the point
   * (replaced when the point is upserted again, deleted with it, carried by snapshots) and
   * read with `Collection.thumbnail`; nothing is added to the payload. Default false: only
   * the vector is stored.
   */
  storeInput?: boolean | 'thumbnail';
}

/** Payload index kinds and declarations (declared beside the payload indexes, payload/index-declaration.ts). */

/** Analyzers of full-text fields (declared beside the analyzers, text/analyzer-config.ts). */

export interface CollectionConfig {
  /** Vector length, 1..65,536, of a collection with one vector per point (give this or `vectors`). */
  dimension?: number;
  /** Default `l2`. */
  metric?: Metric;
  /**
   * Named vector fields, each with its own dimension, metric and index (instead of
   * `dimension`/`metric`): `{ image: { dimension: 1280, metric: 'cosine' }, text: { dimension: 100 } }`.
   * Names match [A-Za-z0-9_-]{1,64}.
   */
  vectors?: Record<string, VectorFieldConfig>;
  /** Payload fields to index, by dotted key: `{ label: 'keyword', body: { type: 'text', analyzer: 'english' } }`. */
  payloadIndexes?: Record<string, PayloadIndexConfig>;
  /** Keep the vectors of sealed segments on disk (see `VectorFieldConfig.onDisk`; one vector per point). */
  onDisk?: boolean;
  /** Points in the growing segment at which it is sealed into an immutable segment. Default 100,000. */
  segmentSize?: number;
  /**
   * Index of sealed segments. Default `{ type: 'hnsw', M: 16, efConstruction: 200, ef: 64 }`
   * (`ef` is the default search effort); `{ type: 'flat' }` keeps every search exact; a
   * FAISS-style factory string picks any other family: `'HNSW32'`, `'HNSW32,SQ8'`, `'SQ8'`,
   * `'PQ16'`, `'IVF1024,Flat'`, `'IVF4096,SQ8'`, `'IVF1024,PQ16'`, `'LSH256'`, `'Annoy50'`.
   * Indexes that need training (IVF, PQ) train on a sample of each sealed segment; a segment
   * too small to train on stays exact. The growing segment is always searched exactly.
   */
  index?: IndexConfig;
}

/** The index of a collection's sealed segments (see `CollectionConfig.index`). */
export type IndexConfig =
  | string
  | { type: 'hnsw'; M?: number; efConstruction?: number; ef?: number }
  | { type: 'flat' }
  | { type: 'factory'; factory: string; efConstruction?: number; ef?: number };
