/**
 * The request and response schemas of the REST API, in TypeBox: the single source from
 * which fastify validates every request and `@fastify/swagger` writes `/openapi.json`.
 *
 * The API is Qdrant's: its paths, its field names (`with_payload`, `limit`, `points`), its
 * envelope `{ result, status: 'ok', time }` around every answer. Quiver's extensions keep
 * its style (snake_case, same envelope) and are marked "Quiver extension" in their
 * descriptions. The schemas check shapes, types and the server's limits; the engine checks
 * everything that depends on a collection (dimension, finiteness after float32 rounding,
 * the filter language) and reports it with the same typed errors as in-process. Objects
 * reject unknown properties, so a misspelt option is an error, not ignored; a property
 * given as `null` is taken as absent, as Qdrant takes it (see `server.ts`).
 * This file holds the shared parts (names, ids, vectors, filters, envelopes, errors) and the
 * bodies of the point routes; `search-schemas.ts` those of searches and queries,
 * `collection-schemas.ts` those of collections and payload indexes.
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
  /** Ids per retrieve, delete or payload change. */
  ids: number;
  /** Largest `limit` of a search (at most the engine's 10,000). */
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
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
  ],
  {
    description:
      'An unsigned integer or a UUID (any case, hyphenated or 32 hex digits; stored lower-case hyphenated). ' +
      'Quiver extension: any other string of 1–256 characters is an id as it is.',
  },
);

export const PointIdParams = Type.Object(
  { name: CollectionName, id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }) },
  closed,
);

/** The query string of routes that write: Qdrant's options, accepted (every write is durable when answered). */
export const WriteQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Union([Type.Boolean(), Type.String()], {
        description:
          'Accepted for compatibility: Quiver answers once the change is durable, whatever `wait` says.',
      }),
    ),
    ordering: Type.Optional(
      Type.String({ description: 'Accepted for compatibility (one node: always strong).' }),
    ),
    timeout: Type.Optional(
      Type.Union([Type.Integer(), Type.String()], { description: 'Accepted, not used.' }),
    ),
  },
  { additionalProperties: true },
);

/**
 * The base64 length of the longest vector (MAX_DIMENSION float32 values). Checked before the
 * pattern, whose regular expression overflows the stack on strings of a few million characters.
 */
const MAX_BASE64_VECTOR = 4 * Math.ceil((MAX_DIMENSION * 4) / 3);

/** A dense vector in a request: JSON numbers, or (Quiver extension) base64 little-endian float32. */
export const VectorIn = Type.Union(
  [
    Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION }),
    Type.String({ maxLength: MAX_BASE64_VECTOR, pattern: BASE64_PATTERN, contentEncoding: 'base64' }),
  ],
  {
    description:
      'A dense vector: an array of numbers (byte values for Hamming/Jaccard), or (Quiver extension) a base64 string of its little-endian float32 bytes.',
  },
);

export const VectorFieldName = Type.String({
  pattern: NAME_PATTERN,
  description: 'A named vector field: 1 to 64 of A–Z, a–z, 0–9, `_` and `-`.',
});

/** One vector, or named vectors by field (any field may be left out). */
export const VectorStructIn = Type.Union([
  VectorIn,
  Type.Record(VectorFieldName, VectorIn, {
    ...closed,
    description: 'Named vectors (collections with named vectors), by field name.',
  }),
]);

const VectorOut = Type.Union([Type.Array(Type.Number()), Type.String({ contentEncoding: 'base64' })]);
const VectorStructOut = Type.Union([VectorOut, Type.Record(Type.String(), VectorOut)], {
  description:
    'The stored vector, or named vectors by field; base64 little-endian float32 when `vector_encoding` is `base64`.',
});

export const Payload = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON object of metadata.',
});

const Clauses = Type.Unknown({
  description: 'A condition or a list of conditions (see the README for the filter language).',
});

export const Filter = Type.Object(
  {
    must: Type.Optional(Clauses),
    should: Type.Optional(Clauses),
    must_not: Type.Optional(Clauses),
    min_should: Type.Optional(
      Type.Unknown({
        description: '`{ conditions, min_count }`: at least `min_count` of the conditions hold.',
      }),
    ),
  },
  {
    ...closed,
    description:
      "Qdrant's payload filter: every `must` condition holds, at least one `should` (if any), no `must_not`. " +
      'Conditions: `match` (`value`, `any`, `except`, `text`), `range` (numbers or RFC 3339 date-times), ' +
      '`geo_radius`, `geo_bounding_box`, `geo_polygon`, `values_count`, `is_empty`, `is_null`, `has_id`, ' +
      '`nested`, and groups. Keys are dotted paths.',
  },
);

export const WithPayload = Type.Union(
  [
    Type.Boolean(),
    Type.Array(Type.String()),
    Type.Object(
      {
        include: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
        exclude: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
      },
      closed,
    ),
  ],
  { description: 'Return payloads: all (`true`), none, these keys, or `{ include }` / `{ exclude }`.' },
);
export const WithVector = Type.Union([Type.Boolean(), Type.Array(VectorFieldName)], {
  description: 'Return vectors: all (`true`), none, or these named vectors.',
});
export const VectorEncodingOption = Type.Unsafe<'array' | 'base64'>({
  type: 'string',
  enum: ['array', 'base64'],
  description: 'Quiver extension: how returned vectors are written. Default `array`.',
});

/** A point as retrieve and scroll return it (Qdrant's `Record`). */
export const StoredPoint = Type.Object({
  id: PointId,
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorStructOut),
  order_value: Type.Optional(Type.Union([Type.Number(), Type.String()])),
});
/** A search hit (Qdrant's `ScoredPoint`). */
export const ScoredPoint = Type.Object({
  id: PointId,
  version: Type.Integer({ description: "Qdrant's point version: always 0 (Quiver keeps none)." }),
  score: Type.Number({
    description:
      'Cosine: similarity; Dot: inner product; Euclid: distance; Manhattan: L1 distance; Hamming/Jaccard: bit distance; BM25 or the fused score for text, hybrid and fused queries.',
  }),
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorStructOut),
  order_value: Type.Optional(Type.Union([Type.Number(), Type.String()])),
  explain: Type.Optional(
    Type.Object(
      {
        kind: Type.String({ description: '`vector`, `text`, `hybrid` or `fusion` (of prefetches).' }),
        path: Type.Optional(
          Type.Unknown({
            description:
              'Segment and method: exact-scan, graph-walk (ef, M), ivf-probe (nprobe, list, listRank), partition.',
          }),
        ),
        vector: Type.Optional(
          Type.Unknown({
            description:
              'metric, distance, exactDistance, approximateDistance (quantized), conversion, score.',
          }),
        ),
        text: Type.Optional(
          Type.Unknown({
            description:
              'BM25: docCount, avgLength, docLength, k1, b, and per term tf, df, idf, lengthNorm, contribution.',
          }),
        ),
        fusion: Type.Optional(
          Type.Unknown({
            description:
              'method, rrfK, and per branch rank, score, weight, contribution (they add up to the score).',
          }),
        ),
        filter: Type.Optional(
          Type.Unknown({
            description:
              'conditions: path, condition, key, answeredBy (payload index or payload scan), holds.',
          }),
        ),
      },
      { description: 'Quiver extension: how the hit was found and scored (requests with `explain: true`).' },
    ),
  ),
});
export const PointGroup = Type.Object({
  id: Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
    description: 'The `group_by` value the hits share.',
  }),
  hits: Type.Array(ScoredPoint),
});

export const UpdateResult = Type.Object(
  {
    operation_id: Type.Integer(),
    status: Type.Literal('completed'),
    deleted: Type.Optional(
      Type.Integer({ description: 'Quiver extension (delete): how many of the points existed.' }),
    ),
    updated: Type.Optional(
      Type.Integer({ description: 'Quiver extension (payload routes): how many points were changed.' }),
    ),
    purge: Type.Optional(
      Type.Object(
        {
          segments_rewritten: Type.Integer(),
          snapshots_deleted: Type.Array(Type.String()),
        },
        {
          description:
            'Quiver extension (delete with purge): segments rewritten without deleted rows, snapshots deleted.',
        },
      ),
    ),
  },
  { description: 'A write is answered once durable: always `completed`.' },
);

/** `WriteQuery` of the delete route, with Quiver's `purge` flag. */
export const DeleteQuery = Type.Object(
  {
    ...WriteQuery.properties,
    purge: Type.Optional(
      Type.Union([Type.Boolean(), Type.String()], {
        description:
          "Quiver extension: `true` answers only once no file of the database holds the deleted points (verified erasure; deletes the collection's snapshots).",
      }),
    ),
  },
  { additionalProperties: WriteQuery.additionalProperties },
);

/** Qdrant's envelope around a result schema. */
export function envelope(result: TSchema) {
  return Type.Object({
    result,
    status: Type.Literal('ok'),
    time: Type.Number({ description: 'Seconds spent on the request.' }),
  });
}

export const ErrorResponse = Type.Object(
  {
    status: Type.Object({
      error: Type.String({ description: 'What was expected and what was given.' }),
      code: Type.String({
        description: 'Quiver extension: a stable code, e.g. `DIMENSION_MISMATCH`, `COLLECTION_NOT_FOUND`.',
      }),
      path: Type.Optional(
        Type.String({ description: 'Quiver extension: the offending field, e.g. `points[3].vector`.' }),
      ),
    }),
    time: Type.Number(),
  },
  { description: 'Every error response has this shape.' },
);

/** Raw inputs of vector fields that name a provider, by field (see `wire/format.ts`). */
export function rawInputs(maxProperties: number, description: string) {
  return Type.Record(
    VectorFieldName,
    Type.String({
      minLength: 1,
      description:
        'A text, for a field whose provider takes texts (`glove-100`, `onnx:…`, `openai:…`); for any other ' +
        "provider, the file's bytes in base64 (RFC 4648, padded, no line breaks): an image, or a WAV file for " +
        '`audio-mfcc`. Never a file path.',
    }),
    { ...closed, minProperties: 1, maxProperties, description },
  );
}

/** The bodies of the point routes, sized by `limits`. */
export function pointSchemas(limits: ServerLimits) {
  const ids = Type.Array(PointId, { maxItems: limits.ids });
  const selector = {
    points: Type.Optional(ids),
    filter: Type.Optional(Filter),
    shard_key: Type.Optional(Type.Unknown({ description: 'Accepted and ignored (one shard).' })),
  };
  const point = Type.Object(
    {
      id: PointId,
      vector: Type.Optional(VectorStructIn),
      payload: Type.Optional(Type.Union([Payload, Type.Null()])),
      inputs: Type.Optional(
        rawInputs(
          64,
          'Quiver extension: raw inputs of vector fields with a provider, vectorized by the server: `{ "image": "<base64>", "caption": "a red dress" }`.',
        ),
      ),
    },
    closed,
  );
  const batchVectors = Type.Union([
    Type.Array(VectorIn, { maxItems: limits.upsertPoints }),
    Type.Record(VectorFieldName, Type.Array(VectorIn, { maxItems: limits.upsertPoints }), closed),
  ]);
  return {
    upsert: Type.Object(
      {
        points: Type.Optional(Type.Array(point, { maxItems: limits.upsertPoints })),
        batch: Type.Optional(
          Type.Object(
            {
              ids: Type.Array(PointId, { maxItems: limits.upsertPoints }),
              vectors: Type.Optional(batchVectors),
              payloads: Type.Optional(Type.Array(Type.Union([Payload, Type.Null()]))),
            },
            closed,
          ),
        ),
        shard_key: selector.shard_key,
      },
      { ...closed, description: 'Exactly one of `points` and `batch` (columns: ids, vectors, payloads).' },
    ),
    retrieve: Type.Object(
      {
        ids,
        with_payload: Type.Optional(WithPayload),
        with_vector: Type.Optional(WithVector),
        vector_encoding: Type.Optional(VectorEncodingOption),
        shard_key: selector.shard_key,
      },
      closed,
    ),
    delete: Type.Object(
      {
        ...selector,
        purge: Type.Optional(
          Type.Boolean({
            description: 'Quiver extension: as the `purge` query parameter (verified erasure).',
          }),
        ),
      },
      { ...closed, description: 'Exactly one of `points` (ids) and `filter`.' },
    ),
    count: Type.Object(
      {
        filter: Type.Optional(Filter),
        exact: Type.Optional(Type.Boolean({ description: 'Accepted: counts are always exact.' })),
        shard_key: selector.shard_key,
      },
      closed,
    ),
    scroll: Type.Object(
      {
        offset: Type.Optional(PointId),
        limit: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 10_000, description: 'Page size. Default 10.' }),
        ),
        filter: Type.Optional(Filter),
        with_payload: Type.Optional(WithPayload),
        with_vector: Type.Optional(WithVector),
        order_by: Type.Optional(
          Type.Union([
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
        ),
        after: Type.Optional(
          Type.Union(
            [
              Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
              Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
            ],
            {
              description: 'Quiver extension: start after this id (excluded), as the embedded `cursor` does.',
            },
          ),
        ),
        skip: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            description:
              'Quiver extension: skip this many matching points (in id order) instead of giving an `offset` id.',
          }),
        ),
        vector_encoding: Type.Optional(VectorEncodingOption),
        shard_key: selector.shard_key,
      },
      closed,
    ),
    setPayload: Type.Object(
      {
        payload: Payload,
        ...selector,
        key: Type.Optional(
          Type.String({ minLength: 1, description: 'Set the payload under this (dotted) key.' }),
        ),
      },
      { ...closed, description: 'Exactly one of `points` (ids) and `filter`.' },
    ),
    overwritePayload: Type.Object(
      { payload: Payload, ...selector, key: Type.Optional(Type.String({ minLength: 1 })) },
      { ...closed, description: 'Exactly one of `points` (ids) and `filter`.' },
    ),
    deletePayload: Type.Object(
      { keys: Type.Array(Type.String({ minLength: 1 }), { maxItems: 1_000 }), ...selector },
      { ...closed, description: 'Exactly one of `points` (ids) and `filter`.' },
    ),
    clearPayload: Type.Object(selector, {
      ...closed,
      description: 'Exactly one of `points` (ids) and `filter`.',
    }),
  };
}

/**
 * A response map: the success schema (in the envelope) under 200, and the error shape for
 * the given error statuses and for those every route can answer (401 without a valid key or
 * token, 403 when a token's claims do not grant the route, 500,
 * and 503 while shutting down or when a work queue is full). Routes that write also list
 * 507 (a full disk). With a status first, the schema is the whole success answer: for
 * routes that write their own envelope (`bare`, e.g. the snapshot routes) or none.
 */
export function responses(result: TSchema, errors: number[]): Record<number, TSchema>;
export function responses(status: number, schema: TSchema, errors: number[]): Record<number, TSchema>;
export function responses(
  first: TSchema | number,
  second: TSchema | number[],
  third?: number[],
): Record<number, TSchema> {
  const out: Record<number, TSchema> =
    typeof first === 'number' ? { [first]: second as TSchema } : { 200: envelope(first) };
  for (const code of [...((typeof first === 'number' ? third : second) as number[]), 401, 403, 500, 503]) {
    out[code] = ErrorResponse;
  }
  return out;
}
