/**
 * What `info()` reports of a collection: its fields, memory, disk and loading progress
 * (types.ts re-exports these).
 */
import type { PayloadIndexInfo } from '../payload/index-declaration.js';
import type { IndexConfig } from './config-types.js';
import type { Metric } from './point-types.js';

/** A named vector field as `info()` reports it. */
export interface VectorFieldInfo {
  dimension: number;
  metric: Metric;
  index: IndexConfig;
  /** The embedding provider that vectorizes the field's raw inputs, if any. */
  provider?: string;
  /** Whether sealed segments keep the field's vectors on disk. */
  onDisk?: boolean;
  /** With a provider: what the field keeps of raw inputs (`VectorFieldConfig.storeInput`). */
  storeInput?: boolean | 'thumbnail';
  /** Bytes of memory the field holds (embedded engine). */
  memory?: FieldMemoryInfo;
  /** Bytes of the field's data on disk: its share of segment files, and its index files. */
  disk?: DiskInfo;
}

/** Bytes of linear memory (the arenas) a vector field holds. */
export interface FieldMemoryInfo {
  /** `vectors + index`. */
  bytes: number;
  /** Full-precision vectors (sealed and growing segments). */
  vectors: number;
  /** Approximate indexes and value partitions, beyond the vectors. */
  index: number;
  /**
   * Bytes of the vector field (fields), or of every field (collection), per stored row
   * (sealed and growing, deleted rows included until compaction; payloads not counted);
   * 0 when empty. For a field kept on disk it counts codes and graph only.
   */
  bytesPerVector?: number;
}

/** Bytes a collection holds in memory: its vector fields (linear memory), payloads (JS heap, estimated). */
export interface CollectionMemoryInfo extends FieldMemoryInfo {
  /** `vectors + index + payload`. */
  bytes: number;
  /** Payloads and ids in the JavaScript heap (an estimate: their JSON size). */
  payload: number;
  /** Arenas (linear memories) holding the collection's segments. */
  arenas: number;
}

export interface DiskInfo {
  /** Bytes of files (segments, tombstones, indexes); the WAL in the catalog is not counted. */
  bytes: number;
  /** Bytes of the field's (or every field's) files per sealed row (0 when none is sealed). */
  bytesPerVector?: number;
}

export interface CollectionInfo {
  name: string;
  /** The vector length (of the first named field, in a collection with named vectors). */
  dimension: number;
  metric: Metric;
  /** Named vector fields, in declaration order (absent for a collection with one vector). */
  vectors?: Record<string, VectorFieldInfo>;
  /** Indexed payload fields. */
  payloadIndexes: Record<string, PayloadIndexInfo>;
  /** Live points (upserted and not deleted). */
  count: number;
  /** Sealed, immutable segments. */
  sealedSegments: number;
  /** Points in the growing (unsealed) segment, including superseded ones. */
  growingPoints: number;
  /** The index of sealed segments, with defaults filled in. */
  index: IndexConfig;
  /** Sealed segments searched through their approximate index (the others: exactly). */
  indexedSegments: number;
  /** Sealed segments whose index is being built. */
  indexingSegments: number;
  /**
   * SQLite's `PRAGMA quick_check` of the database's catalog when it was opened: `'ok'`, or
   * the problems it found (row checksums are verified separately, per collection).
   */
  catalogIntegrity: string;
  /** Whether sealed segments keep the (single) vector on disk; see `vectors` for named fields. */
  onDisk?: boolean;
  /** Bytes the collection holds in memory (embedded engine). */
  memory?: CollectionMemoryInfo;
  /** Bytes of the collection's files on disk (embedded engine). */
  disk?: DiskInfo;
  /** Progress of loading the sealed segments in the background after open (embedded engine). */
  loading?: LoadingInfo;
  /** Cluster mode: the collection's shards and the copies of each. */
  shards?: number;
  replicas?: number;
}

/**
 * How far the background load of a collection's sealed segments has come. `state`:
 * `'loading'` (reads wait, or fail with `NotReadyError` when asked not to; with `load: 'on-demand'`
 * loading starts at the first read or write), `'ready'`
 * (everything loaded, value partitions included), `'failed'` (a file failed verification:
 * reads fail with its `CorruptDataError`).
 */
export interface LoadingInfo {
  state: 'loading' | 'ready' | 'failed';
  segmentsLoaded: number;
  segmentsTotal: number;
  /** Bytes of segment, tombstone, index and partition files read so far. */
  bytesLoaded: number;
  /** Bytes of those files in all (as far as the object store reports sizes). */
  bytesTotal: number;
  /** Whether `count` is exact already: always once ready; while loading, when no write is logged after the last seal. */
  countExact: boolean;
  /** Seconds from open until ready (or until now while loading). */
  seconds: number;
  /** Value partitions read from their files, and those rebuilt because a file was missing or stale. */
  partitionsLoaded: number;
  partitionsRebuilt: number;
  /** Why loading failed (state `'failed'`). */
  error?: string;
}
