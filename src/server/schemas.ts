/**
 * The request and response schemas of the REST API, in TypeBox: the single source from
 * which fastify validates every request and `@fastify/swagger` writes `/openapi.json`.
 *
 * The schemas check shapes, types and the server's limits; the engine checks everything
 * that depends on a collection (dimension, finiteness after float32 rounding, the filter
 * language) and reports it with the same typed errors as in-process. Objects reject
 * unknown properties, so a misspelt option (`with_payload`) is an error, not ignored.
 * Field names are those of the TypeScript API (`withPayload`, `segmentSize`, `nextCursor`).
 * This file holds the shared parts (names, ids, vectors, filters, errors) and the bodies of
 * points, searches and recommendations; `collection-schemas.ts` those of collections.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { MAX_ID_LENGTH, MAX_K } from '../db/validate.js';

/** Limits that bound the work and memory one request can demand. */
export interface ServerLimits {
  /** Largest request body, in bytes (413 beyond). */
  bodyBytes: number;
  /** Points per upsert. */
  upsertPoints: number;
  /** Queries per batch search. */
  batchQueries: number;
  /** Ids per get or delete. */
  ids: number;
  /** Largest `k` (at most the engine's 10,000). */
  k: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 32 * 1024 * 1024,
  upsertPoints: 10_000,
  batchQueries: 1_000,
  ids: 10_000,
  k: MAX_K,
};

/** The largest dimension the engine accepts. */
export const MAX_DIMENSION = 65_536;
const NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** Objects that refuse unknown properties. */
export const closed = { additionalProperties: false } as const;

export function stringEnum<const T extends readonly string[]>(values: T, description: string) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });
}

export const CollectionName = Type.String({
  pattern: NAME_PATTERN,
  description: 'Collection name: 1 to 64 of A–Z, a–z, 0–9, `_` and `-`.',
});

export const NameParams = Type.Object({ name: CollectionName }, closed);

export const PointId = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  ],
  { description: 'A string (1–256 characters) or a non-negative safe integer; `1` and `"1"` differ.' },
);

/**
 * The base64 length of the longest vector (MAX_DIMENSION float32 values). Checked before the
 * pattern, whose regular expression overflows the stack on strings of a few million characters.
 */
const MAX_BASE64_VECTOR = 4 * Math.ceil((MAX_DIMENSION * 4) / 3);

/** A vector in a request: JSON numbers, or base64 little-endian float32. */
const VectorIn = Type.Union(
  [
    Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION }),
    Type.String({ maxLength: MAX_BASE64_VECTOR, pattern: BASE64_PATTERN, contentEncoding: 'base64' }),
  ],
  { description: 'A vector: an array of numbers, or a base64 string of its little-endian float32 bytes.' },
);

const VectorOut = Type.Union([Type.Array(Type.Number()), Type.String({ contentEncoding: 'base64' })], {
  description:
    'The stored vector: an array, or base64 little-endian float32 when `vectorEncoding` is `base64`.',
});

export const VectorFieldName = Type.String({
  pattern: NAME_PATTERN,
  description: 'A named vector field: 1 to 64 of A–Z, a–z, 0–9, `_` and `-`.',
});

/** Named vectors in a request, by field; any field may be left out. */
const VectorsIn = Type.Record(VectorFieldName, VectorIn, {
  ...closed,
  description: 'Named vectors (collections with `vectors`), by field name; each as `vector` is written.',
});

const VectorsOut = Type.Record(Type.String(), VectorOut, {
  description: 'The stored named vectors, by field (fields the point lacks are left out).',
});

const Payload = Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON object of metadata.' });

const Conditions = Type.Array(
  Type.Unknown({
    description:
      'A field condition `{ key, match: { value } | { any: [...] } | { text } }`, ' +
      '`{ key, range: { gt, gte, lt, lte } }` (numbers, or RFC 3339 date-time strings), ' +
      '`{ key, exists }`, or a nested group `{ must, should, must_not }`.',
  }),
);

export const Filter = Type.Object(
  { must: Type.Optional(Conditions), should: Type.Optional(Conditions), must_not: Type.Optional(Conditions) },
  {
    ...closed,
    description:
      'Payload filter: every `must` condition holds, at least one `should` (if any), no `must_not`. ' +
      'Keys are dotted paths. See the README for the full language.',
  },
);

const Using = Type.String({
  pattern: NAME_PATTERN,
  description: 'The vector field to search, in a collection with named vectors.',
});

/** Raw inputs of vector fields that name a provider, by field (see `wire/format.ts`). */
function rawInputs(maxProperties: number, description: string) {
  return Type.Record(
    VectorFieldName,
    Type.String({
      minLength: 1,
      description:
        'A text, for a field whose provider takes texts (`glove-100`, `onnx:…`, `openai:…`); for any other ' +
        "provider, the image file's bytes in base64 (RFC 4648, padded, no line breaks). Never a file path.",
    }),
    { ...closed, minProperties: 1, maxProperties, description },
  );
}

/** A query object: a vector, a text, a raw input, or a vector or raw input with a text (a hybrid search). */
const SearchQuery = Type.Object(
  {
    vector: Type.Optional(VectorIn),
    using: Type.Optional(Using),
    text: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description:
          'Full-text query (BM25 over `textField`). Without `textField`: the raw input of the vector field ' +
          'named `text` if it has a text provider, else of the only text-provider field when the collection has no text index.',
      }),
    ),
    textField: Type.Optional(
      Type.String({ minLength: 1, description: 'The payload field with a `text` index to search.' }),
    ),
    inputs: Type.Optional(
      rawInputs(
        1,
        'The raw input of one vector field with a provider, searched instead of a `vector`: `{ "image": "<base64>" }`.',
      ),
    ),
  },
  {
    ...closed,
    description:
      'A vector (of field `using`) or a raw input (`inputs`), a text (over `textField`), or both: a hybrid search.',
  },
);

const WithPayload = Type.Boolean({ description: 'Include payloads.' });
const WithVector = Type.Boolean({ description: 'Include stored vectors.' });
const VectorEncodingOption = stringEnum(
  ['array', 'base64'] as const,
  'How returned vectors are written. Default `array`.',
);

export const Ok = Type.Object({ ok: Type.Literal(true) });

const StoredPoint = Type.Object({
  id: PointId,
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorOut),
  vectors: Type.Optional(VectorsOut),
});
const HitSchema = Type.Object({
  id: PointId,
  score: Type.Number({
    description: "The metric's score (vector search), BM25 (text search) or the fused score (hybrid).",
  }),
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorOut),
  vectors: Type.Optional(VectorsOut),
});
export const Hits = Type.Object({ hits: Type.Array(HitSchema) });
export const HitsOrGroups = Type.Object(
  {
    hits: Type.Optional(Type.Array(HitSchema)),
    groups: Type.Optional(
      Type.Array(
        Type.Object({
          group: Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
            description: 'The `groupBy` value the hits share.',
          }),
          hits: Type.Array(HitSchema),
        }),
      ),
    ),
  },
  { description: '`hits`, or with `groupBy` the best `groups`, best first.' },
);
export const HitLists = Type.Object({ results: Type.Array(Type.Array(HitSchema)) });
export const Points = Type.Object({ points: Type.Array(StoredPoint) });
export const ScrollPage = Type.Object({
  points: Type.Array(StoredPoint),
  nextCursor: Type.Optional(PointId),
});
export const Upserted = Type.Object({ upserted: Type.Integer() });
export const Deleted = Type.Object({
  deleted: Type.Integer({ description: 'How many of the points existed.' }),
});
export const Count = Type.Object({ count: Type.Integer() });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code, e.g. `DIMENSION_MISMATCH`, `COLLECTION_NOT_FOUND`.' }),
      message: Type.String({ description: 'What was expected and what was given.' }),
      path: Type.Optional(Type.String({ description: 'The offending field, e.g. `points[3].vector`.' })),
    }),
  },
  { description: 'Every error response has this shape.' },
);

/** The request bodies, sized by `limits`. */
export function requestSchemas(limits: ServerLimits) {
  const k = Type.Integer({ minimum: 1, maximum: limits.k, description: 'Number of results. Default 10.' });
  const ef = Type.Integer({
    minimum: 1,
    description:
      'HNSW search effort (candidates kept; at least k is used). Default: the collection’s `index.ef`.',
  });
  const ids = Type.Array(PointId, { maxItems: limits.ids });
  const searchOptions = {
    k: Type.Optional(k),
    filter: Type.Optional(Filter),
    withPayload: Type.Optional(WithPayload),
    withVector: Type.Optional(WithVector),
    vectorEncoding: Type.Optional(VectorEncodingOption),
    ef: Type.Optional(ef),
    nprobe: Type.Optional(Type.Integer({ minimum: 1, description: 'IVF indexes: inverted lists probed.' })),
    searchK: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Annoy forests: nodes inspected (default trees · k).' }),
    ),
    rerank: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Quantized indexes: candidates re-ranked on full-precision vectors; 0 turns it off.',
      }),
    ),
    exact: Type.Optional(Type.Boolean({ description: 'Search exactly, ignoring approximate indexes.' })),
    using: Type.Optional(Using),
  };
  const example = Type.Union(
    [
      PointId,
      Type.Object({ vector: VectorIn }, closed),
      Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION }),
    ],
    {
      description:
        'An example: the id of a point of the collection, `{ "vector": … }` (an array or base64), or a vector as a bare array.',
    },
  );
  const examples = Type.Array(example, { maxItems: limits.ids });
  return {
    upsert: Type.Object(
      {
        points: Type.Array(
          Type.Object(
            {
              id: PointId,
              vector: Type.Optional(VectorIn),
              vectors: Type.Optional(VectorsIn),
              payload: Type.Optional(Type.Union([Payload, Type.Null()])),
              inputs: Type.Optional(
                rawInputs(
                  64,
                  'Raw inputs of vector fields with a provider, vectorized by the server: `{ "image": "<base64>", "caption": "a red dress" }`.',
                ),
              ),
            },
            {
              ...closed,
              description:
                '`vector` for a collection with one vector per point, else `vectors` and, for fields with a provider, `inputs`.',
            },
          ),
          { maxItems: limits.upsertPoints },
        ),
      },
      closed,
    ),
    get: Type.Object(
      {
        ids,
        withPayload: Type.Optional(WithPayload),
        withVector: Type.Optional(WithVector),
        vectorEncoding: Type.Optional(VectorEncodingOption),
      },
      closed,
    ),
    delete: Type.Object(
      { ids: Type.Optional(ids), filter: Type.Optional(Filter) },
      { ...closed, description: 'Exactly one of `ids` and `filter`.' },
    ),
    count: Type.Object({ filter: Type.Optional(Filter) }, closed),
    scroll: Type.Object(
      {
        limit: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 10_000, description: 'Page size. Default 100.' }),
        ),
        offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        cursor: Type.Optional(PointId),
        filter: Type.Optional(Filter),
        withPayload: Type.Optional(WithPayload),
        withVector: Type.Optional(WithVector),
        vectorEncoding: Type.Optional(VectorEncodingOption),
      },
      closed,
    ),
    search: Type.Object(
      {
        query: Type.Union([VectorIn, SearchQuery]),
        ...searchOptions,
        fusion: Type.Optional(
          stringEnum(
            ['rrf', 'weighted'] as const,
            'How a hybrid search merges its text and vector lists: reciprocal-rank fusion (default) or weighted normalized scores.',
          ),
        ),
        rrfK: Type.Optional(
          Type.Number({
            minimum: 0,
            description: 'The k of reciprocal-rank fusion (score Σ w / (rrfK + rank)). Default 60.',
          }),
        ),
        weights: Type.Optional(
          Type.Object(
            {
              vector: Type.Optional(Type.Number({ minimum: 0 })),
              text: Type.Optional(Type.Number({ minimum: 0 })),
            },
            { ...closed, description: 'Weights of the two branches of a hybrid search. Default 1 each.' },
          ),
        ),
        groupBy: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'Group hits by this payload key: `k` counts groups; the answer is `{ groups }`.',
          }),
        ),
        groupSize: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 100, description: 'Hits per group. Default 3.' }),
        ),
      },
      closed,
    ),
    recommend: Type.Object(
      {
        positive: examples,
        negative: Type.Optional(examples),
        strategy: Type.Optional(
          stringEnum(
            ['average', 'best_score'] as const,
            '`average` (default): one search for avg(positive) + (avg(positive) − avg(negative)); ' +
              '`best_score`: each point scores by its best similarity to a positive example, below all such when a negative one is nearer.',
          ),
        ),
        k: Type.Optional(k),
        filter: Type.Optional(Filter),
        using: Type.Optional(Using),
        ef: Type.Optional(ef),
        exact: Type.Optional(Type.Boolean({ description: 'Search exactly, ignoring approximate indexes.' })),
        withPayload: Type.Optional(WithPayload),
        withVector: Type.Optional(WithVector),
        vectorEncoding: Type.Optional(VectorEncodingOption),
      },
      closed,
    ),
    searchBatch: Type.Object(
      { queries: Type.Array(VectorIn, { maxItems: limits.batchQueries }), ...searchOptions },
      closed,
    ),
    range: Type.Object(
      {
        query: VectorIn,
        radius: Type.Number({ description: 'Distance bound in the metric’s terms (see the README).' }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
        filter: Type.Optional(Filter),
        withPayload: Type.Optional(WithPayload),
        withVector: Type.Optional(WithVector),
        vectorEncoding: Type.Optional(VectorEncodingOption),
      },
      closed,
    ),
  };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;

/**
 * A response map: the success schema under `status`, and the error shape for the given
 * error statuses and for those every route can answer (401 without a key, 500, and 503 while
 * shutting down or when a work queue is full). Routes that write also list 507 (a full disk).
 */
export function responses(status: number, schema: TSchema, errors: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { [status]: schema };
  for (const code of [...errors, 401, 500, 503]) out[code] = ErrorResponse;
  return out;
}
