/**
 * The schemas of collections and payload indexes in the REST API, in TypeBox (see
 * `schemas.ts` for the conventions): Qdrant's create-collection body (one vector per point,
 * `vectors: { size, distance }`, or named vectors `vectors: { name: { size, distance } }`,
 * `hnsw_config`, `optimizers_config`, …) with Quiver's extensions (factory-string `index`,
 * embedding `provider`, `payload_indexes`, `segment_size`), the update body, the
 * payload-index body, and what describing and listing collections return.
 */
import { Type } from '@sinclair/typebox';
import { PAYLOAD_INDEX_TYPES } from '../db/collection-config.js';
import { TEXT_ANALYZERS } from '../text/analyzer.js';
import { DISTANCES } from './distance.js';
import { closed, MAX_DIMENSION, Payload, stringEnum, VectorFieldName } from './schemas.js';

const Ignored = (what: string) =>
  Type.Optional(Type.Unknown({ description: `Accepted and ignored: ${what}.` }));

/** Quiver's index of sealed segments (a Quiver extension). */
export const IndexConfig = Type.Union(
  [
    Type.String({
      maxLength: 64,
      description:
        'A FAISS-style factory string: Flat, HNSW<M>, HNSW<M>,SQ8, SQ8, PQ<m>, IVF<nlist>,Flat, ' +
        'IVF<nlist>,SQ8, IVF<nlist>,PQ<m>, LSH<bits>, Annoy<trees>.',
    }),
    Type.Object(
      {
        type: stringEnum(['hnsw', 'flat', 'factory'] as const, 'The index family.'),
        m: Type.Optional(Type.Integer({ description: 'HNSW: links per node.' })),
        ef_construct: Type.Optional(Type.Integer({ description: 'HNSW: candidates while building.' })),
        ef: Type.Optional(Type.Integer({ description: 'HNSW: default search effort.' })),
        factory: Type.Optional(
          Type.String({ maxLength: 64, description: 'With `type: factory`: the factory string.' }),
        ),
      },
      closed,
    ),
  ],
  {
    description:
      'Quiver extension: the index of sealed segments, instead of `hnsw_config`. Default HNSW (m 16, ef_construct 200, ef 64); ' +
      '`Flat` keeps every search exact; a factory string (e.g. `IVF1024,PQ16`) picks another family.',
  },
);

export const HnswConfig = Type.Object(
  {
    m: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Links per node; 0 means no graph (exact search).' }),
    ),
    ef_construct: Type.Optional(Type.Integer({ minimum: 4, description: 'Candidates while building.' })),
    ef: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Quiver extension: the default search effort.' }),
    ),
    full_scan_threshold: Ignored('small filtered searches are exact anyway'),
    max_indexing_threads: Ignored('indexes build on the worker pool'),
    on_disk: Ignored('one storage mode'),
    payload_m: Ignored('the filtered planner does not need extra links'),
    inline_storage: Ignored('one storage mode'),
  },
  closed,
);

const Distance = stringEnum(
  DISTANCES,
  '`Cosine`, `Euclid`, `Dot` or `Manhattan`; Quiver extensions `Hamming` and `Jaccard` hold binary vectors (`size` bits, sent as size/8 byte values).',
);

const VectorParams = Type.Object(
  {
    size: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        description:
          "Vector length (bits for Hamming/Jaccard); with a `provider`, the provider's (may be left out).",
      }),
    ),
    distance: Type.Optional(Distance),
    hnsw_config: Type.Optional(HnswConfig),
    index: Type.Optional(IndexConfig),
    provider: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description:
          'Quiver extension: an embedding provider that vectorizes the raw inputs of this field on upsert and search: ' +
          '`mobilenet-v2`, `face`, `hog`, `color-histogram`, `orb-bovw` (images); `audio-mfcc` (WAV audio); `glove-100` (texts); ' +
          '`onnx:<folder>` and `openai:<url>` (texts) only when the server lists them in `allowedProviders`.',
      }),
    ),
    provider_options: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Quiver extension: options of the provider (JSON).',
      }),
    ),
    store_input: Type.Optional(
      Type.Union([Type.Boolean(), Type.Literal('thumbnail')], {
        description:
          'Quiver extension: `true` keeps text inputs in the payload under the field name; `"thumbnail"` (image ' +
          'providers) keeps a WebP of at most 256 px of each image, served by ' +
          '`GET /collections/{name}/points/{id}/thumbnail/{field}`.',
      }),
    ),
    on_disk: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description:
          'Keep the vectors of sealed segments on disk (Quiver `onDisk`): memory holds the HNSW graph and SQ8 codes ' +
          '(HNSW<M> becomes HNSW<M>,SQ8; Flat scans the file), and full vectors are read from the segment files to ' +
          're-rank (`params.rerank`, default ef) and to return them. Indexes Flat, HNSW<M> and HNSW<M>,SQ8 only.',
      }),
    ),
    datatype: Type.Optional(stringEnum(['float32'] as const, 'Only `float32` (default).')),
    quantization_config: Type.Optional(
      Type.Null({ description: 'Use a factory-string `index` (e.g. `HNSW32,SQ8`) instead.' }),
    ),
    multivector_config: Type.Optional(Type.Null({ description: 'Not supported.' })),
  },
  { ...closed, description: 'One vector field: `size` and `distance`, or a `provider`.' },
);

const PayloadIndexKind = stringEnum(PAYLOAD_INDEX_TYPES, 'Kind of payload index.');
const TextAnalyzer = stringEnum(
  TEXT_ANALYZERS,
  'Quiver extension: the analyzer of a `text` index (`english`, the default; `chinese`, `simple`, `multilingual`).',
);

/** A payload index schema: a kind, or Qdrant's object form with its parameters. */
export const FieldSchema = Type.Union([
  PayloadIndexKind,
  Type.Object(
    {
      type: PayloadIndexKind,
      is_tenant: Type.Optional(
        Type.Boolean({
          description:
            'keyword: keep a packed copy and a small HNSW graph of each value holding 1,024 rows to 1/8 of a segment (Quiver `partitioned`).',
        }),
      ),
      analyzer: Type.Optional(TextAnalyzer),
      partitioned: Type.Optional(
        Type.Boolean({
          description: 'Quiver extension: `is_tenant` of a keyword index, by its Quiver name.',
        }),
      ),
      tokenizer: Type.Optional(
        stringEnum(
          ['prefix', 'whitespace', 'word', 'multilingual'] as const,
          'text: `multilingual` picks the multilingual analyzer; the others the default one.',
        ),
      ),
      lowercase: Ignored('analyzers lower-case'),
      min_token_len: Ignored('tokens of any length'),
      max_token_len: Ignored('tokens of any length'),
      phrase_matching: Ignored('not supported'),
      stopwords: Ignored('set by the analyzer'),
      stemmer: Ignored('set by the analyzer'),
      ascii_folding: Ignored('`multilingual` folds accents'),
      on_disk: Ignored('one storage mode'),
      lookup: Ignored('one index per field'),
      range: Ignored('one index per field'),
      is_principal: Ignored('one index per field'),
      enable_hnsw: Ignored('one index per field'),
    },
    closed,
  ),
]);

export const CreateIndexBody = Type.Object(
  {
    field_name: Type.String({ minLength: 1, maxLength: 256, description: 'A payload key: a dotted path.' }),
    field_schema: Type.Optional(FieldSchema),
  },
  closed,
);

export const FieldParams = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    field_name: Type.String({ minLength: 1, maxLength: 256 }),
  },
  closed,
);

export const CreateCollectionBody = Type.Object(
  {
    vectors: Type.Optional(
      Type.Union([
        VectorParams,
        Type.Record(VectorFieldName, VectorParams, {
          ...closed,
          minProperties: 1,
          maxProperties: 64,
          description: 'Named vector fields: `{ "image": { "size": 512, "distance": "Cosine" } }`.',
        }),
      ]),
    ),
    hnsw_config: Type.Optional(HnswConfig),
    optimizers_config: Type.Optional(
      Type.Object(
        {
          max_segment_size: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'In kilobytes of vectors: mapped to the points at which the growing segment is sealed.',
            }),
          ),
          deleted_threshold: Ignored('compaction is explicit (`/compact`)'),
          vacuum_min_vector_number: Ignored('compaction is explicit'),
          default_segment_number: Ignored('segments are sealed by size'),
          memmap_threshold: Ignored('one storage mode'),
          indexing_threshold: Ignored('every sealed segment is indexed'),
          flush_interval_sec: Ignored('every write is durable when answered'),
          max_optimization_threads: Ignored('indexes build on the worker pool'),
          prevent_unoptimized: Ignored('not applicable'),
        },
        closed,
      ),
    ),
    index: Type.Optional(IndexConfig),
    segment_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Quiver extension: points at which the growing segment is sealed (default 100,000).',
      }),
    ),
    payload_indexes: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 256 }), FieldSchema, {
        description: 'Quiver extension: payload fields to index at creation, by key.',
      }),
    ),
    shard_number: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1024,
        description:
          'Shards of the collection on a cluster node (hash of the point id); a single server keeps one and ignores it.',
      }),
    ),
    sharding_method: Ignored('one shard'),
    replication_factor: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 16,
        description:
          'Copies of each shard on distinct cluster nodes; a single server keeps one and ignores it.',
      }),
    ),
    write_consistency_factor: Ignored('one node'),
    on_disk_payload: Ignored('one storage mode'),
    wal_config: Ignored('every write is durable when answered'),
    quantization_config: Type.Optional(
      Type.Null({ description: 'Use a factory-string `index` (e.g. `HNSW32,SQ8`).' }),
    ),
    sparse_vectors: Type.Optional(Type.Null({ description: 'Not supported.' })),
    strict_mode_config: Ignored('limits are server-wide'),
    metadata: Type.Optional(Payload),
    init_from: Type.Optional(Type.Null({ description: 'Not supported: use snapshots.' })),
  },
  { ...closed, description: '`vectors`: one vector per point (`{ size, distance }`) or named vectors.' },
);

export const UpdateCollectionBody = Type.Object(
  {
    optimizers_config: Ignored('see create'),
    params: Ignored('one node, one shard'),
    hnsw_config: Type.Optional(HnswConfig),
    vectors: Type.Optional(Type.Unknown()),
    quantization_config: Type.Optional(Type.Unknown()),
    sparse_vectors: Type.Optional(Type.Unknown()),
    strict_mode_config: Ignored('limits are server-wide'),
    metadata: Type.Optional(Payload),
  },
  {
    ...closed,
    description:
      'Tuning options (`optimizers_config`, `params`, `strict_mode_config`) are accepted and change nothing; ' +
      '`hnsw_config`, `vectors` and `quantization_config` cannot change after creation (400), except to their current values.',
  },
);

/** A Quiver extension in collection descriptions: the engine's own view. */
const QuiverVectorField = Type.Object(
  {
    dimension: Type.Integer(),
    metric: Type.String(),
    index: Type.Optional(Type.Unknown()),
    provider: Type.Optional(Type.String()),
    store_input: Type.Optional(
      Type.Union([Type.Boolean(), Type.Literal('thumbnail')], {
        description:
          'With a provider: what the field keeps of raw inputs (`"thumbnail"`: see the thumbnail route).',
      }),
    ),
  },
  {
    additionalProperties: true,
    description: 'With the engine’s memory and disk bytes of the field, where it reports them.',
  },
);

export const QuiverInfo = Type.Object(
  {
    dimension: Type.Integer(),
    metric: Type.String({ description: 'Quiver metric: l2, ip, cosine, l1, hamming or jaccard.' }),
    index: Type.Unknown(),
    vectors: Type.Optional(Type.Record(Type.String(), QuiverVectorField)),
    payload_indexes: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    count: Type.Integer(),
    sealed_segments: Type.Integer(),
    growing_points: Type.Integer(),
    indexed_segments: Type.Integer(),
    indexing_segments: Type.Integer(),
    catalog_integrity: Type.String(),
  },
  {
    additionalProperties: true,
    description: "Quiver extension: the engine's own description of the collection.",
  },
);

export const CollectionInfoResult = Type.Object(
  {
    status: stringEnum(
      ['green', 'yellow'] as const,
      '`yellow` while indexes of sealed segments are being built.',
    ),
    optimizer_status: Type.Literal('ok'),
    points_count: Type.Integer(),
    indexed_vectors_count: Type.Integer({
      description: 'Points in sealed, indexed segments (approximately).',
    }),
    segments_count: Type.Integer(),
    config: Type.Record(Type.String(), Type.Unknown()),
    payload_schema: Type.Record(
      Type.String(),
      Type.Object({
        data_type: Type.String(),
        params: Type.Optional(Type.Unknown()),
        points: Type.Integer(),
      }),
    ),
    quiver: QuiverInfo,
  },
  { additionalProperties: true },
);

export const CollectionList = Type.Object({
  collections: Type.Array(
    Type.Object({
      name: Type.String(),
      quiver: Type.Optional(
        Type.Object(
          {
            dimension: Type.Optional(Type.Integer()),
            metric: Type.Optional(Type.String()),
            vectors: Type.Optional(Type.Record(Type.String(), QuiverVectorField)),
            error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
          },
          { description: 'Quiver extension: the vectors of the collection, or why it is unavailable.' },
        ),
      ),
    }),
  ),
});

export const collectionSchemas = {
  createCollection: CreateCollectionBody,
  updateCollection: UpdateCollectionBody,
  createIndex: CreateIndexBody,
};
