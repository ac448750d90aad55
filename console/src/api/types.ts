/**
 * The shapes of the REST answers the console reads, as the server writes them (Qdrant's
 * fields plus Quiver's `quiver` extension). Only the fields the console uses are typed.
 *
 * A hit's `explain` is the engine's `HitExplanation`, which the REST API passes through
 * unchanged: its types are imported (types only, erased from the bundle) rather than
 * copied, so the console reads the shape the server documents.
 */
import type { HitExplanation } from '../../../src/db/explain-types.js';

export type {
  Bm25Explanation,
  FilterExplanation,
  FusionBranchExplanation,
  FusionExplanation,
  HitExplanation,
  SearchPathExplanation,
  VectorScoreExplanation,
} from '../../../src/db/explain-types.js';

export type PointId = string | number;
export type Payload = Record<string, unknown>;
export type Role = 'admin' | 'read-only';

export interface Session {
  /** The presented key's role; absent when the server has keys and none was presented. */
  role?: Role;
  /** False when the server has no API keys (everyone is admin). */
  keys: boolean;
}

export interface VectorFieldInfo {
  dimension: number;
  metric: string;
  provider?: string;
  /** What the field keeps of its raw inputs: `true` (texts in the payload) or `thumbnail` (images). */
  store_input?: boolean | 'thumbnail';
}

/** `quiver` of `GET /collections/{name}`: the engine's description. */
export interface QuiverInfo {
  dimension?: number;
  metric?: string;
  index?: Record<string, unknown>;
  payload_indexes?: Record<string, { type: string }>;
  vectors?: Record<string, VectorFieldInfo>;
  count?: number;
  sealed_segments?: number;
  growing_points?: number;
  indexed_segments?: number;
  indexing_segments?: number;
  memory?: { bytes: number; vectors?: number; index?: number; payload?: number; arenas?: number };
  disk?: { bytes: number };
  /** The background load after the server opened the database (absent when not reported). */
  loading?: {
    state: 'loading' | 'ready' | 'failed';
    segments_loaded: number;
    segments_total: number;
    bytes_loaded?: number;
    bytes_total?: number;
  };
  error?: { code: string; message: string };
}

export interface CollectionInfo {
  status: string;
  points_count: number;
  indexed_vectors_count: number;
  segments_count: number;
  config: { params: { vectors: unknown } };
  payload_schema: Record<string, { data_type: string; points?: number }>;
  quiver: QuiverInfo;
}

export interface CollectionSummary {
  name: string;
  quiver: QuiverInfo;
}

export interface Point {
  id: PointId;
  payload?: Payload | null;
  /** Numbers, or base64 float32 when asked for with `vector_encoding: 'base64'`; by field for named vectors. */
  vector?: number[] | string | Record<string, number[] | string> | null;
}

export interface ScoredPoint extends Point {
  score: number;
  /** How the hit was found and scored, when the search asked (`explain: true`). */
  explain?: HitExplanation;
}

export interface ScrollPage {
  points: Point[];
  next_page_offset: PointId | null;
}

export interface SnapshotInfo {
  name: string;
  creation_time: string;
  size: number;
  checksum: string;
}

/** A search request as `/points/search` takes it (Quiver's extensions included). */
export interface SearchRequest {
  vector?: number[] | { name: string; vector: number[] };
  using?: string;
  text?: string;
  text_field?: string;
  inputs?: Record<string, string>;
  fusion?: 'rrf' | 'weighted' | 'dbsf';
  filter?: unknown;
  params?: { hnsw_ef?: number; exact?: boolean };
  limit: number;
  with_payload?: boolean;
  with_vector?: boolean;
  /** Quiver extension: each hit says how it was found and scored (`ScoredPoint.explain`). */
  explain?: boolean;
}
