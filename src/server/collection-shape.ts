/**
 * Collections between Qdrant's shapes and the engine's: the create body to a
 * `CollectionConfig`, a `CollectionInfo` to Qdrant's collection info (with the engine's own
 * view under `quiver`), and payload index schemas both ways.
 *
 * What maps: `size` → dimension, `distance` → metric (`distance.ts`), `hnsw_config`
 * `{ m, ef_construct }` → the HNSW index (`m: 0` → exact search, Qdrant's way of turning
 * the graph off), `optimizers_config.max_segment_size` (kilobytes of vectors) → the segment
 * size in points; Quiver's `index`, `provider`, `segment_size` and `payload_indexes` go on
 * as they are; a vector's `on_disk: true` keeps its sealed vectors on disk (`onDisk`). Options
 * that tune what Quiver does not have (shards, replicas, other on-disk modes, WAL sizes) are
 * accepted and change nothing; the schema says so for each.
 */
import type {
  CollectionConfig,
  CollectionInfo,
  IndexConfig,
  Metric,
  PayloadIndexConfig,
  PayloadIndexInfo,
  VectorFieldConfig,
  VectorFieldInfo,
} from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import { indexFromWire, indexToWire, type WireIndex } from '../wire/format.js';
import { type Distance, distanceOf, metricOf } from './distance.js';

interface HnswBody {
  m?: number;
  ef_construct?: number;
  ef?: number;
}

interface VectorParamsBody {
  size?: number;
  distance?: Distance;
  hnsw_config?: HnswBody;
  index?: WireIndex;
  provider?: string;
  provider_options?: Record<string, unknown>;
  store_input?: boolean | 'thumbnail';
  on_disk?: boolean | null;
}

export interface CreateBody {
  vectors?: VectorParamsBody | Record<string, VectorParamsBody>;
  hnsw_config?: HnswBody;
  optimizers_config?: { max_segment_size?: number };
  index?: WireIndex;
  segment_size?: number;
  payload_indexes?: Record<string, FieldSchemaBody>;
  shard_number?: number;
  replication_factor?: number;
}

export type FieldSchemaBody =
  | string
  | { type: string; is_tenant?: boolean; analyzer?: string; tokenizer?: string; partitioned?: boolean };

/** One vector (`{ size, distance }`) rather than named vectors (whose values are all objects). */
function isSingle(vectors: CreateBody['vectors']): vectors is VectorParamsBody {
  const v = vectors as Record<string, unknown>;
  return typeof v.size === 'number' || typeof v.distance === 'string' || typeof v.provider === 'string';
}

function indexOf(
  index: WireIndex | undefined,
  hnsw: HnswBody | undefined,
  where: string,
): IndexConfig | undefined {
  if (index !== undefined) {
    if (hnsw !== undefined) {
      throw new InvalidArgumentError(
        `${where}: give either index (Quiver) or hnsw_config (Qdrant), not both`,
      );
    }
    return indexFromWire(index);
  }
  if (hnsw === undefined) return undefined;
  if (hnsw.m === 0) return { type: 'flat' };
  const out: IndexConfig = { type: 'hnsw' };
  if (hnsw.m !== undefined) out.M = hnsw.m;
  if (hnsw.ef_construct !== undefined) out.efConstruction = hnsw.ef_construct;
  if (hnsw.ef !== undefined) out.ef = hnsw.ef;
  return out;
}

function fieldOf(params: VectorParamsBody, where: string): VectorFieldConfig {
  const out: VectorFieldConfig = {};
  if (params.size !== undefined) out.dimension = params.size;
  if (params.distance !== undefined) out.metric = metricOf(params.distance);
  const index = indexOf(params.index, params.hnsw_config, where);
  if (index !== undefined) out.index = index;
  if (params.provider !== undefined) out.provider = params.provider;
  if (params.provider_options !== undefined) out.providerOptions = params.provider_options;
  if (params.store_input !== undefined) out.storeInput = params.store_input;
  if (params.on_disk === true) out.onDisk = true;
  return out;
}

/**
 * The engine's config of a create body; with `sharded` (a cluster node), its `shards` and
 * `replicas` from `shard_number` and `replication_factor` (a single server ignores them).
 */
export function engineConfig(
  body: CreateBody,
  sharded = false,
): CollectionConfig & { shards?: number; replicas?: number } {
  const { vectors } = body;
  if (vectors === undefined)
    throw new InvalidArgumentError('vectors: is required ({ size, distance } or named vectors)');
  const out: CollectionConfig & { shards?: number; replicas?: number } = {};
  if (sharded && typeof body.shard_number === 'number') out.shards = body.shard_number;
  if (sharded && typeof body.replication_factor === 'number') out.replicas = body.replication_factor;
  if (isSingle(vectors)) {
    if (vectors.provider !== undefined || vectors.size === undefined) {
      throw new InvalidArgumentError(
        'vectors.size: is required for one vector per point (a provider needs a named vector field)',
      );
    }
    const field = fieldOf(vectors, 'vectors');
    out.dimension = field.dimension;
    if (field.metric !== undefined) out.metric = field.metric;
    if (field.index !== undefined) out.index = field.index;
    if (field.onDisk) out.onDisk = true;
  } else {
    const named: Record<string, VectorFieldConfig> = {};
    for (const [name, params] of Object.entries(vectors)) named[name] = fieldOf(params, `vectors.${name}`);
    out.vectors = named;
  }
  const index = indexOf(body.index, body.hnsw_config, 'body');
  if (index !== undefined) {
    if (out.index !== undefined)
      throw new InvalidArgumentError('index: given both for the collection and for its vector');
    out.index = index;
  }
  if (body.segment_size !== undefined) out.segmentSize = body.segment_size;
  else if (body.optimizers_config?.max_segment_size !== undefined) {
    out.segmentSize = segmentPoints(body.optimizers_config.max_segment_size, out);
  }
  if (body.payload_indexes !== undefined) {
    const indexes: Record<string, PayloadIndexConfig> = {};
    for (const [key, schema] of Object.entries(body.payload_indexes)) indexes[key] = payloadIndexOf(schema);
    out.payloadIndexes = indexes;
  }
  return out;
}

/** Points per segment for Qdrant's `max_segment_size` (kilobytes of float32 vectors). */
function segmentPoints(kilobytes: number, config: CollectionConfig): number {
  const dims =
    config.dimension ?? Object.values(config.vectors ?? {}).reduce((sum, f) => sum + (f.dimension ?? 0), 0);
  return Math.max(1, Math.floor((kilobytes * 1024) / (4 * Math.max(1, dims))));
}

/**
 * The engine's payload index config of a Qdrant field schema: `is_tenant` on a keyword
 * index is a partitioned index (on other kinds, a hint that changes nothing); text
 * `tokenizer: multilingual` picks the multilingual analyzer. Quiver's own `analyzer` and
 * `partitioned` go to the engine as they are, which refuses them where they do not apply.
 */
export function payloadIndexOf(schema: FieldSchemaBody | undefined): PayloadIndexConfig {
  if (schema === undefined) throw new InvalidArgumentError('field_schema: is required');
  if (typeof schema === 'string') return schema as PayloadIndexConfig;
  const { type, is_tenant, analyzer, tokenizer, partitioned } = schema;
  const out: Record<string, unknown> = { type };
  const chosen = analyzer ?? (type === 'text' && tokenizer === 'multilingual' ? 'multilingual' : undefined);
  if (chosen !== undefined) out.analyzer = chosen;
  if (partitioned !== undefined) out.partitioned = partitioned;
  else if (type === 'keyword' && is_tenant !== undefined) out.partitioned = is_tenant;
  return (Object.keys(out).length === 1 ? type : out) as PayloadIndexConfig;
}

/** Qdrant's field schema of an engine payload index. */
export function fieldSchemaOf(index: PayloadIndexInfo): {
  data_type: string;
  params?: Record<string, unknown>;
} {
  const info = index as { type: string; analyzer?: string; partitioned?: boolean };
  if (info.type === 'text') return { data_type: 'text', params: { type: 'text', analyzer: info.analyzer } };
  if (info.partitioned) return { data_type: 'keyword', params: { type: 'keyword', is_tenant: true } };
  return { data_type: info.type };
}

interface QuiverField {
  dimension: number;
  metric: Metric;
  index?: WireIndex;
  provider?: string;
  store_input?: boolean | 'thumbnail';
  on_disk?: true;
}

/** Qdrant's vectors params of a collection: `{ size, distance }` or named. */
function vectorParams(info: CollectionInfo): Record<string, unknown> {
  const params = (
    dimension: number,
    metric: Metric,
    index: IndexConfig,
    field?: VectorFieldInfo,
    onDisk?: boolean,
  ) => {
    const out: Record<string, unknown> = { size: dimension, distance: distanceOf(metric) };
    if (typeof index === 'string') out.index = index;
    if (field?.provider !== undefined) out.provider = field.provider;
    if (field?.storeInput !== undefined) out.store_input = field.storeInput;
    if (onDisk) out.on_disk = true;
    return out;
  };
  if (info.vectors === undefined)
    return params(info.dimension, info.metric, info.index, undefined, info.onDisk);
  return Object.fromEntries(
    Object.entries(info.vectors).map(([name, f]) => [
      name,
      params(f.dimension, f.metric, f.index, f, f.onDisk),
    ]),
  );
}

/** Qdrant's HNSW config of the collection's index (its defaults when the index is not HNSW). */
function hnswConfig(index: IndexConfig): Record<string, unknown> {
  const hnsw = typeof index === 'object' && index.type === 'hnsw' ? index : undefined;
  return {
    m: hnsw?.M ?? (typeof index === 'object' && index.type === 'flat' ? 0 : 16),
    ef_construct: hnsw?.efConstruction ?? 200,
    full_scan_threshold: 10_000,
    on_disk: false,
  };
}

/** The engine's view, in snake_case (a Quiver extension). */
export function quiverInfo(info: CollectionInfo) {
  const out: Record<string, unknown> = {
    dimension: info.dimension,
    metric: info.metric,
    index: indexToWire(info.index),
    payload_indexes: info.payloadIndexes,
    count: info.count,
    sealed_segments: info.sealedSegments,
    growing_points: info.growingPoints,
    indexed_segments: info.indexedSegments,
    indexing_segments: info.indexingSegments,
    catalog_integrity: info.catalogIntegrity,
  };
  if (info.onDisk) out.on_disk = true;
  if (info.vectors !== undefined) out.vectors = quiverFields(info, true);
  Object.assign(out, extras(info as unknown as Record<string, unknown>));
  return out;
}

const KNOWN_INFO: Record<string, true> = {
  provider: true,
  storeInput: true,
  name: true,
  dimension: true,
  metric: true,
  vectors: true,
  payloadIndexes: true,
  count: true,
  sealedSegments: true,
  growingPoints: true,
  index: true,
  indexedSegments: true,
  indexingSegments: true,
  catalogIntegrity: true,
};

function quiverFields(info: CollectionInfo, withIndex: boolean): Record<string, QuiverField> {
  const out: Record<string, QuiverField> = {};
  for (const [name, f] of Object.entries(info.vectors ?? {})) {
    const field: QuiverField = { dimension: f.dimension, metric: f.metric };
    if (withIndex) field.index = indexToWire(f.index);
    if (f.provider !== undefined) field.provider = f.provider;
    if (f.storeInput !== undefined) field.store_input = f.storeInput;
    if (f.onDisk) field.on_disk = true;
    out[name] = withIndex ? { ...field, ...extras(f as unknown as Record<string, unknown>) } : field;
  }
  return out;
}

/**
 * The engine's figures beyond those named here (the memory and disk bytes of the
 * collection and of each field), in snake_case: numbers, strings, and objects of them.
 */
function extras(info: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  for (const [key, value] of Object.entries(info)) {
    if (key in KNOWN_INFO || value === undefined) continue;
    if (typeof value === 'number' || typeof value === 'string') out[snake(key)] = value;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out[snake(key)] = Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), v]));
    }
  }
  return out;
}

/** A collection as the list shows it: its name, and (Quiver extension) its vectors. */
export function listed(info: CollectionInfo) {
  const quiver: Record<string, unknown> = { dimension: info.dimension, metric: info.metric };
  if (info.vectors !== undefined) quiver.vectors = quiverFields(info, false);
  return { name: info.name, quiver };
}

/**
 * Qdrant's collection info. `indexedPoints(key)`: how many points have a value under an
 * indexed key (Qdrant's `points` of each payload schema entry).
 */
export async function collectionInfo(info: CollectionInfo, indexedPoints: (key: string) => Promise<number>) {
  const payloadSchema: Record<string, { data_type: string; params?: unknown; points: number }> = {};
  for (const [key, index] of Object.entries(info.payloadIndexes)) {
    payloadSchema[key] = { ...fieldSchemaOf(index), points: await indexedPoints(key) };
  }
  return {
    status: info.indexingSegments > 0 ? ('yellow' as const) : ('green' as const),
    optimizer_status: 'ok' as const,
    points_count: info.count,
    indexed_vectors_count: Math.max(0, info.count - info.growingPoints),
    segments_count: info.sealedSegments + 1,
    config: {
      params: {
        vectors: vectorParams(info),
        shard_number: info.shards ?? 1,
        replication_factor: info.replicas ?? 1,
        write_consistency_factor: 1,
        on_disk_payload: false,
      },
      hnsw_config: hnswConfig(info.index),
      // Qdrant's required fields. The vacuum thresholds are Qdrant's defaults, which Quiver does
      // not apply (deleted rows are dropped by an explicit compaction); every sealed segment is
      // indexed, and writes are durable when answered.
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 0,
        flush_interval_sec: 0,
        max_optimization_threads: null,
      },
      quantization_config: null,
    },
    payload_schema: payloadSchema,
    quiver: quiverInfo(info),
  };
}
