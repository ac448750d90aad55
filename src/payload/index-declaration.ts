/**
 * The declarations of payload indexes: which kinds exist and how a declared index is written
 * down, both as users give it (`PayloadIndexConfig`) and as the catalog stores it
 * (`PayloadIndexInfo`). They live here, below both the collection API (db/types.ts, which
 * re-exports them) and the payload indexes that build from them, so that neither imports the
 * other. The stored form is specified in docs/format.md (the collection config's
 * `payloadIndexes`).
 */
import type { TextAnalyzerName } from '../text/analyzer-config.js';

/** The kinds of payload index, in the order they are documented. */
export const PAYLOAD_INDEX_TYPES = [
  'keyword',
  'integer',
  'float',
  'bool',
  'datetime',
  'text',
  'geo',
  'uuid',
] as const;

/**
 * Kinds of payload index. `keyword`: strings (match value/any/except); `integer`: integers
 * (match, range); `float`: numbers (range); `bool`: booleans (match); `datetime`: RFC 3339
 * strings (range with date-string bounds); `text`: full text (`match: { text | text_any |
 * phrase }`, and BM25 search); `geo`: `{ lon, lat }` points (geo_radius, geo_bounding_box,
 * geo_polygon); `uuid`: UUID strings, matched by their canonical lower-case form, so that
 * `'550E8400-E29B-41D4-A716-446655440000'` matches `'550e8400-e29b-41d4-a716-446655440000'`.
 */
export type PayloadIndexType = (typeof PAYLOAD_INDEX_TYPES)[number];

/**
 * A payload index as declared: its kind, `{ type: 'text', analyzer }`, or
 * `{ type: 'keyword', partitioned: true }`. A partitioned keyword index also keeps, in every
 * indexed sealed segment, a packed copy of the vectors of each value holding between 1,024
 * rows and 1/8 of the segment, with a small HNSW graph over it (Qdrant's tenant-aware
 * indexes, Milvus's partition keys): a search whose filter `must` match one such value
 * searches that copy instead of the whole segment. It costs memory (the copied vectors,
 * 4 · dimension bytes per row per partitioned value, plus their graphs) and build time
 * after each index build; answers are the same either way.
 */
export type PayloadIndexConfig =
  | PayloadIndexType
  | { type: Exclude<PayloadIndexType, 'text' | 'keyword'> }
  | { type: 'keyword'; partitioned?: boolean }
  | { type: 'text'; analyzer?: TextAnalyzerName };

/** A stored payload index declaration (defaults filled in; `partitioned` only when true). */
export type PayloadIndexInfo =
  | { type: Exclude<PayloadIndexType, 'text' | 'keyword'> }
  | { type: 'keyword'; partitioned?: true }
  | { type: 'text'; analyzer: TextAnalyzerName };
