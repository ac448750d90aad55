/**
 * The bodies of the search routes, in Qdrant's shapes (see `schemas.ts` for the
 * conventions): `search` (+ batch, groups), `recommend` (+ batch, groups), the universal
 * `query` (+ batch, groups), and Quiver's range search.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import {
  closed,
  Filter,
  MAX_DIMENSION,
  PointId,
  rawInputs,
  type ServerLimits,
  stringEnum,
  VectorEncodingOption,
  VectorFieldName,
  VectorIn,
  WithPayload,
  WithVector,
} from './schemas.js';

const ShardKey = Type.Optional(Type.Unknown({ description: 'Accepted and ignored (one shard).' }));

/** Qdrant's search `params`, with Quiver's index knobs as extensions. */
export const SearchParams = Type.Object(
  {
    hnsw_ef: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'HNSW search effort (candidates kept; at least the limit is used).',
      }),
    ),
    exact: Type.Optional(Type.Boolean({ description: 'Search exactly, ignoring approximate indexes.' })),
    quantization: Type.Optional(
      Type.Union([
        Type.Object(
          {
            ignore: Type.Optional(
              Type.Boolean({ description: 'Accepted and ignored (graphs are walked on their codes).' }),
            ),
            rescore: Type.Optional(
              Type.Boolean({
                description:
                  "`false`: return the codes' distances, re-ranking nothing (`rerank: 0`); default: re-rank.",
              }),
            ),
            oversampling: Type.Optional(
              Type.Number({
                minimum: 1,
                description:
                  're-rank ⌈oversampling · limit⌉ candidates on full vectors (read from disk for `on_disk` vectors); default: every candidate the search kept (HNSW: max(hnsw_ef, limit)).',
              }),
            ),
          },
          closed,
        ),
        Type.Null(),
      ]),
    ),
    indexed_only: Type.Optional(
      Type.Boolean({ description: 'Accepted and ignored (unindexed segments are searched exactly).' }),
    ),
    acorn: Type.Optional(
      Type.Unknown({ description: 'Accepted and ignored (filtered search is exact when selective).' }),
    ),
    nprobe: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Quiver extension: IVF inverted lists probed.' }),
    ),
    search_k: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Quiver extension: Annoy nodes inspected (default trees · limit).',
      }),
    ),
    rerank: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Quiver extension: quantized indexes re-rank this many candidates on full vectors; 0 turns it off.',
      }),
    ),
  },
  closed,
);

const NamedVector = Type.Object(
  { name: VectorFieldName, vector: VectorIn },
  { ...closed, description: 'A vector of the named field `name`.' },
);

/** A recommend example: an id, a vector, or (Quiver extension) `{ vector }` (an array or base64). */
const Example = Type.Union([
  PointId,
  Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION }),
  Type.Object({ vector: VectorIn }, closed),
]);

/** A dense vector in a query: numbers only (a string there is a point id). */
const DenseVector = Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION });

const Explain = Type.Optional(
  Type.Boolean({
    description:
      'Quiver extension: each hit carries `explain`: its search path (segment, exact scan / HNSW walk / IVF lists / value partition), ' +
      'distances (exact; the codes’ for quantized indexes), BM25 term contributions, the fusion’s arithmetic and how each filter ' +
      'condition was answered. Results are identical with and without it. Not with groups. Default false.',
  }),
);

const ScoreThreshold = Type.Number({
  description:
    'Cosine and Dot: the least score returned; Euclid, Manhattan (and Hamming, Jaccard): the largest distance returned.',
});

export function searchSchemas(limits: ServerLimits) {
  const limit = Type.Integer({
    minimum: 1,
    maximum: limits.k,
    description: 'Number of results. Default 10.',
  });
  const offset = Type.Integer({
    minimum: 0,
    maximum: limits.k,
    description: 'Skip this many best results. Default 0.',
  });
  const common = {
    filter: Type.Optional(Filter),
    params: Type.Optional(SearchParams),
    limit: Type.Optional(limit),
    top: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: limits.k,
        description: 'The old name of `limit` (Qdrant still takes it).',
      }),
    ),
    offset: Type.Optional(offset),
    with_payload: Type.Optional(WithPayload),
    with_vector: Type.Optional(WithVector),
    score_threshold: Type.Optional(ScoreThreshold),
    vector_encoding: Type.Optional(VectorEncodingOption),
    shard_key: ShardKey,
  };
  const search = {
    vector: Type.Optional(Type.Union([VectorIn, NamedVector])),
    ...common,
    using: Type.Optional(VectorFieldName),
    text: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description:
          'Quiver extension: a full-text query (BM25 over `text_field`; with a `vector` too, a hybrid search). ' +
          'Without `text_field`: the raw input of the text-provider field named `text`, or of the only one.',
      }),
    ),
    text_field: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Quiver extension: the payload field with a `text` index to search.',
      }),
    ),
    inputs: Type.Optional(
      rawInputs(
        1,
        'Quiver extension: the raw input of one vector field with a provider, searched instead of a `vector`.',
      ),
    ),
    fusion: Type.Optional(
      stringEnum(
        ['rrf', 'weighted', 'dbsf'] as const,
        'Quiver extension: how a hybrid search merges its text and vector lists. Default `rrf`.',
      ),
    ),
    rrf_k: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'Quiver extension: the k of RRF (Σ w / (k + rank)). Default 60.',
      }),
    ),
    weights: Type.Optional(
      Type.Object(
        {
          vector: Type.Optional(Type.Number({ minimum: 0 })),
          text: Type.Optional(Type.Number({ minimum: 0 })),
        },
        {
          ...closed,
          description: 'Quiver extension: weights of the two branches of a hybrid search. Default 1 each.',
        },
      ),
    ),
  };
  const groups = {
    group_by: Type.String({ minLength: 1, description: 'The payload key whose value groups the hits.' }),
    group_size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, description: 'Hits per group. Default 3.' }),
    ),
    with_lookup: Type.Optional(Type.Null()),
  };
  const recommend = {
    positive: Type.Optional(Type.Array(Example, { maxItems: limits.ids })),
    negative: Type.Optional(Type.Array(Example, { maxItems: limits.ids })),
    strategy: Type.Optional(
      stringEnum(
        ['average_vector', 'best_score', 'sum_scores'] as const,
        '`average_vector` (default): one search for avg(positive) + (avg(positive) − avg(negative)); `best_score`: ' +
          'each point scores by its best similarity to a positive example, below all such when a negative one is ' +
          'nearer; `sum_scores`: the sum of its similarities to the positives minus those to the negatives.',
      ),
    ),
    using: Type.Optional(VectorFieldName),
    lookup_from: Type.Optional(
      Type.Null({ description: 'Not supported (examples come from the same collection).' }),
    ),
    ...common,
  };
  const searchBody = Type.Object({ ...search, explain: Explain }, closed);
  const recommendBody = Type.Object({ ...recommend, explain: Explain }, closed);
  const queryBody = querySchema({ ...common, explain: Explain });
  return {
    search: searchBody,
    searchBatch: Type.Object({ searches: Type.Array(searchBody, { maxItems: limits.batchQueries }) }, closed),
    searchGroups: Type.Object({ ...search, ...groups }, closed),
    recommend: recommendBody,
    recommendBatch: Type.Object(
      { searches: Type.Array(recommendBody, { maxItems: limits.batchQueries }) },
      closed,
    ),
    recommendGroups: Type.Object({ ...recommend, ...groups }, closed),
    query: queryBody,
    queryBatch: Type.Object({ searches: Type.Array(queryBody, { maxItems: limits.batchQueries }) }, closed),
    queryGroups: querySchema({ ...common, ...groups }),
    range: Type.Object(
      {
        vector: Type.Union([VectorIn, NamedVector]),
        score_threshold: ScoreThreshold,
        using: Type.Optional(VectorFieldName),
        limit: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 1_000_000_000,
            description: 'At most this many. Default all.',
          }),
        ),
        filter: Type.Optional(Filter),
        with_payload: Type.Optional(WithPayload),
        with_vector: Type.Optional(WithVector),
        vector_encoding: Type.Optional(VectorEncodingOption),
      },
      closed,
    ),
  };
}

/** A query of the universal query API (`query` of `/points/query` and of a prefetch). */
const QueryUnion = Type.Union(
  [
    DenseVector,
    PointId,
    Type.Object(
      {
        nearest: Type.Union([DenseVector, PointId]),
        mmr: Type.Optional(
          Type.Object(
            {
              diversity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              candidates_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            },
            closed,
          ),
        ),
      },
      closed,
    ),
    Type.Object(
      {
        recommend: Type.Object(
          {
            positive: Type.Optional(Type.Array(Type.Union([DenseVector, PointId]), { maxItems: 10_000 })),
            negative: Type.Optional(Type.Array(Type.Union([DenseVector, PointId]), { maxItems: 10_000 })),
            strategy: Type.Optional(
              stringEnum(
                ['average_vector', 'best_score', 'sum_scores'] as const,
                'Default `average_vector`.',
              ),
            ),
          },
          closed,
        ),
      },
      closed,
    ),
    Type.Object({ fusion: stringEnum(['rrf', 'dbsf'] as const, 'Fuse the prefetches’ lists.') }, closed),
    Type.Object(
      {
        rrf: Type.Object(
          {
            k: Type.Optional(
              Type.Integer({ minimum: 1, description: 'RRF: 1 / (k + position from 0). Default 2.' }),
            ),
          },
          closed,
        ),
      },
      closed,
    ),
    Type.Object(
      {
        order_by: Type.Union([
          Type.String({ minLength: 1 }),
          Type.Object(
            {
              key: Type.String({ minLength: 1 }),
              direction: Type.Optional(stringEnum(['asc', 'desc'] as const, 'Default `asc`.')),
              start_from: Type.Optional(Type.Union([Type.Number(), Type.String()])),
            },
            closed,
          ),
        ]),
      },
      closed,
    ),
    Type.Object(
      {
        text: Type.String({ minLength: 1, maxLength: 10_000 }),
        text_field: Type.String({ minLength: 1 }),
      },
      { ...closed, description: 'Quiver extension: a BM25 query over the full-text field `text_field`.' },
    ),
  ],
  {
    description:
      'A vector, a point id (its vector; the point itself is left out), `{ nearest }` (with `mmr` for diversity), ' +
      '`{ recommend }`, `{ fusion: "rrf" | "dbsf" }` (of the prefetches), `{ order_by }`, or (Quiver extension) `{ text, text_field }`.',
  },
);

/**
 * Shared schemas, added to the server once (`app.addSchema`) and referred to by `$ref`: a
 * prefetch nests prefetches to any depth, and inlining each level into every route that
 * takes a query made the server's start several times slower (Ajv compiles inline schemas
 * once per route).
 */
export const QUERY_SCHEMA_ID = 'Query';
export const PREFETCH_SCHEMA_ID = 'Prefetch';

const Query = Type.Unsafe<unknown>({ $ref: `${QUERY_SCHEMA_ID}#` });
const Prefetch = Type.Unsafe<unknown>({ $ref: `${PREFETCH_SCHEMA_ID}#` });
const Prefetches = Type.Optional(Type.Union([Prefetch, Type.Array(Prefetch, { maxItems: 16 })]));

/** The schemas to add to the server before the routes that refer to them. */
export const sharedSchemas: TSchema[] = [
  { ...QueryUnion, $id: QUERY_SCHEMA_ID },
  {
    ...Type.Object(
      {
        prefetch: Prefetches,
        query: Type.Optional(Query),
        using: Type.Optional(VectorFieldName),
        filter: Type.Optional(Filter),
        params: Type.Optional(SearchParams),
        score_threshold: Type.Optional(Type.Number()),
        limit: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 10_000, description: 'Candidates. Default 10.' }),
        ),
        lookup_from: Type.Optional(Type.Null()),
      },
      {
        ...closed,
        description: 'A prefetch: its results are the candidates of the query above it; prefetches nest.',
      },
    ),
    $id: PREFETCH_SCHEMA_ID,
  },
];

/** The body of a query. */
function querySchema(top: Record<string, TSchema>): TSchema {
  return Type.Object(
    {
      prefetch: Prefetches,
      query: Type.Optional(Query),
      using: Type.Optional(VectorFieldName),
      lookup_from: Type.Optional(Type.Null({ description: 'Not supported.' })),
      ...top,
    },
    closed,
  );
}
