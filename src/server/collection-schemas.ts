/**
 * The schemas of collections in the REST API, in TypeBox (see `schemas.ts` for the
 * conventions): the create-collection body (one vector per point, or named vector fields;
 * the sealed segments' index; payload indexes), the payload-index route, and what
 * describing and listing collections return.
 */
import { Type } from '@sinclair/typebox';
import { PAYLOAD_INDEX_TYPES } from '../db/collection-config.js';
import { TEXT_ANALYZERS } from '../text/analyzer.js';
import { CollectionName, closed, MAX_DIMENSION, stringEnum, VectorFieldName } from './schemas.js';

const IndexConfig = Type.Union(
  [
    Type.Object(
      {
        type: Type.Literal('hnsw'),
        M: Type.Optional(Type.Integer({ description: 'Links per node.' })),
        efConstruction: Type.Optional(Type.Integer({ description: 'Candidate list size while building.' })),
        ef: Type.Optional(Type.Integer({ description: 'Default search effort (candidates kept).' })),
      },
      closed,
    ),
    Type.Object({ type: Type.Literal('flat') }, closed),
    Type.Object(
      {
        type: Type.Literal('factory'),
        factory: Type.String({ maxLength: 64, description: 'A factory string, e.g. `IVF1024,PQ16`.' }),
        efConstruction: Type.Optional(
          Type.Integer({ description: 'HNSW recipes: candidates while building.' }),
        ),
        ef: Type.Optional(Type.Integer({ description: 'HNSW recipes: default search effort.' })),
      },
      closed,
    ),
    Type.String({
      maxLength: 64,
      description:
        'A FAISS-style factory string: Flat, HNSW<M>, HNSW<M>,SQ8, SQ8, PQ<m>, IVF<nlist>,Flat, ' +
        'IVF<nlist>,SQ8, IVF<nlist>,PQ<m>, LSH<bits>, Annoy<trees>.',
    }),
  ],
  {
    description:
      'Index of sealed segments. Default `{ type: "hnsw", M: 16, efConstruction: 200, ef: 64 }`; ' +
      '`{ type: "flat" }` keeps every search exact; a factory string (e.g. `"IVF1024,PQ16"`) picks ' +
      'another index family. The growing segment is always searched exactly.',
  },
);

const Dimension = Type.Integer({
  minimum: 1,
  maximum: MAX_DIMENSION,
  description: 'Vector length (bits, for binary metrics).',
});
const MetricName = stringEnum(
  ['l2', 'ip', 'cosine', 'hamming', 'jaccard'] as const,
  'Similarity metric. Default `l2`. `hamming` and `jaccard` hold binary vectors: `dimension` bits, sent as arrays of dimension/8 byte values.',
);

const ProviderName = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'An embedding provider that vectorizes the raw inputs of this field on upsert and search: ' +
    '`mobilenet-v2`, `face`, `hog`, `color-histogram`, `orb-bovw` (images); `glove-100` (texts); ' +
    '`onnx:<folder>` and `openai:<url>` (texts) only when the server lists them in `allowedProviders`. ' +
    'With `face`, a point becomes one point per face found, ids `<id>#<n>`.',
});

const VectorFieldConfig = Type.Object(
  {
    dimension: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        description:
          "Vector length (bits, for binary metrics); with a `provider`, the provider's (may be left out).",
      }),
    ),
    metric: Type.Optional(MetricName),
    index: Type.Optional(IndexConfig),
    provider: Type.Optional(ProviderName),
    providerOptions: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Options of the provider (JSON), e.g. `{ "bins": [8, 4, 4] }` for `color-histogram`.',
      }),
    ),
    storeInput: Type.Optional(
      Type.Boolean({
        description:
          'Keep text inputs in the payload under the field name. Default false. Images sent as bytes are never stored.',
      }),
    ),
  },
  {
    ...closed,
    description:
      "One named vector field: a `dimension`, or a `provider` (its dimension and metric are the provider's unless given; a given dimension must agree). The `index` defaults to the collection's.",
  },
);

/** The kinds of payload index (see `PayloadIndexType`). */
const PayloadIndexType = stringEnum(
  PAYLOAD_INDEX_TYPES,
  'Kind of payload index: `keyword` (strings), `integer`, `float`, `bool`, `datetime` (RFC 3339 strings) or `text` (full text, BM25).',
);
const TextAnalyzer = stringEnum(
  TEXT_ANALYZERS,
  "Analyzer of a `text` index; every one reads every script (words, CJK character n-grams, Thai/Lao/Khmer/Burmese dictionary words): `english` (English stop words and stemming; the default), `chinese` (Chinese stop words), `simple` (lower case only), `multilingual` (NFKC, lower case, accents folded; like Qdrant's multilingual tokenizer).",
);

/** A payload index declaration: its kind, or `{ type, analyzer? }` (`analyzer` only for `text`). */
export const PayloadIndexSpec = Type.Object(
  {
    type: PayloadIndexType,
    analyzer: Type.Optional(TextAnalyzer),
    partitioned: Type.Optional(
      Type.Boolean({
        description:
          'Keyword only: keep a packed copy and a small HNSW graph of each value holding 1,024 rows to 1/8 of a segment, so filters on one value search only its points.',
      }),
    ),
  },
  {
    ...closed,
    description:
      'A payload index: its `type`, for `text` an optional `analyzer`, for `keyword` an optional `partitioned`.',
  },
);

const PayloadKey = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'A payload key: a dotted path such as `meta.author`.',
});

export const PayloadIndexParams = Type.Object({ name: CollectionName, key: PayloadKey }, closed);

export const CollectionConfig = Type.Object(
  {
    dimension: Type.Optional(Dimension),
    metric: Type.Optional(MetricName),
    vectors: Type.Optional(
      Type.Record(VectorFieldName, VectorFieldConfig, {
        ...closed,
        minProperties: 1,
        maxProperties: 64,
        description:
          'Named vector fields (instead of `dimension` and `metric`), e.g. `{ "image": { "dimension": 512, "metric": "cosine" } }`.',
      }),
    ),
    payloadIndexes: Type.Optional(
      Type.Record(PayloadKey, Type.Union([PayloadIndexType, PayloadIndexSpec]), {
        description:
          'Payload fields to index, by key: a kind (`"keyword"`) or `{ "type": "text", "analyzer": "english" }`.',
      }),
    ),
    segmentSize: Type.Optional(
      Type.Integer({ description: 'Points at which the growing segment is sealed.' }),
    ),
    index: Type.Optional(IndexConfig),
  },
  {
    ...closed,
    description: 'Exactly one of `dimension` (one vector per point) and `vectors` (named vectors).',
  },
);

export const CollectionInfo = Type.Object(
  {
    name: Type.String(),
    dimension: Type.Integer(),
    metric: Type.String(),
    count: Type.Integer({ description: 'Live points.' }),
    sealedSegments: Type.Integer(),
    growingPoints: Type.Integer({ description: 'Points in the growing (unsealed) segment.' }),
    index: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The index config, defaults filled in.',
    }),
    vectors: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          dimension: Type.Integer(),
          metric: Type.String(),
          index: Type.Record(Type.String(), Type.Unknown()),
          provider: Type.Optional(ProviderName),
        }),
        { description: 'Named vector fields, in declaration order (absent with one vector per point).' },
      ),
    ),
    payloadIndexes: Type.Record(
      Type.String(),
      Type.Object({ type: Type.String(), analyzer: Type.Optional(Type.String()) }),
      { description: 'Indexed payload fields, by key.' },
    ),
    indexedSegments: Type.Integer({
      description: 'Sealed segments searched through their approximate index.',
    }),
    indexingSegments: Type.Integer({ description: 'Sealed segments whose index is being built.' }),
    catalogIntegrity: Type.Optional(
      Type.String({
        description:
          "SQLite's `PRAGMA quick_check` of the database's catalog when the server opened it: `ok`, or the problems found.",
      }),
    ),
  },
  { additionalProperties: true },
);

export const CollectionList = Type.Object({
  collections: Type.Array(
    Type.Object({
      name: Type.String(),
      dimension: Type.Optional(Type.Integer()),
      metric: Type.Optional(Type.String()),
      vectors: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Object({
            dimension: Type.Integer(),
            metric: Type.String(),
            provider: Type.Optional(Type.String()),
          }),
          {
            description: 'Named vector fields, in declaration order.',
          },
        ),
      ),
      error: Type.Optional(
        Type.Object(
          { code: Type.String(), message: Type.String() },
          { description: 'Why it is unavailable.' },
        ),
      ),
    }),
  ),
});
