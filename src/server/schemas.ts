/**
 * The request and response schemas of the REST API, in TypeBox: the single source from
 * which fastify validates every request and `@fastify/swagger` writes `/openapi.json`.
 *
 * The schemas check shapes, types and the server's limits; the engine checks everything
 * that depends on a collection (dimension, finiteness after float32 rounding, the filter
 * language) and reports it with the same typed errors as in-process. Objects reject
 * unknown properties, so a misspelt option (`with_payload`) is an error, not ignored.
 * Field names are those of the TypeScript API (`withPayload`, `segmentSize`, `nextCursor`).
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
const MAX_DIMENSION = 65_536;
const NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

const closed = { additionalProperties: false } as const;

function stringEnum<const T extends readonly string[]>(values: T, description: string) {
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

/** A vector in a request: JSON numbers, or base64 little-endian float32. */
const VectorIn = Type.Union(
  [
    Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_DIMENSION }),
    Type.String({ pattern: BASE64_PATTERN, contentEncoding: 'base64' }),
  ],
  { description: 'A vector: an array of numbers, or a base64 string of its little-endian float32 bytes.' },
);

const VectorOut = Type.Union([Type.Array(Type.Number()), Type.String({ contentEncoding: 'base64' })], {
  description:
    'The stored vector: an array, or base64 little-endian float32 when `vectorEncoding` is `base64`.',
});

const Payload = Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON object of metadata.' });

const Conditions = Type.Array(
  Type.Unknown({
    description:
      'A field condition `{ key, match: { value } | { any: [...] } }`, `{ key, range: { gt, gte, lt, lte } }`, ' +
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

const WithPayload = Type.Boolean({ description: 'Include payloads.' });
const WithVector = Type.Boolean({ description: 'Include stored vectors.' });
const VectorEncodingOption = stringEnum(
  ['array', 'base64'] as const,
  'How returned vectors are written. Default `array`.',
);

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

export const CollectionConfig = Type.Object(
  {
    dimension: Type.Integer({ minimum: 1, maximum: MAX_DIMENSION }),
    metric: Type.Optional(
      stringEnum(
        ['l2', 'ip', 'cosine', 'hamming', 'jaccard'] as const,
        'Similarity metric. Default `l2`. `hamming` and `jaccard` hold binary vectors: `dimension` bits, sent as arrays of dimension/8 byte values.',
      ),
    ),
    segmentSize: Type.Optional(
      Type.Integer({ description: 'Points at which the growing segment is sealed.' }),
    ),
    index: Type.Optional(IndexConfig),
  },
  closed,
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
    indexedSegments: Type.Integer({
      description: 'Sealed segments searched through their approximate index.',
    }),
    indexingSegments: Type.Integer({ description: 'Sealed segments whose index is being built.' }),
  },
  { additionalProperties: true },
);

export const CollectionList = Type.Object({
  collections: Type.Array(
    Type.Object({
      name: Type.String(),
      dimension: Type.Optional(Type.Integer()),
      metric: Type.Optional(Type.String()),
      error: Type.Optional(
        Type.Object(
          { code: Type.String(), message: Type.String() },
          { description: 'Why it is unavailable.' },
        ),
      ),
    }),
  ),
});

export const Ok = Type.Object({ ok: Type.Literal(true) });

const StoredPoint = Type.Object({
  id: PointId,
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorOut),
});
const HitSchema = Type.Object({
  id: PointId,
  score: Type.Number(),
  payload: Type.Optional(Payload),
  vector: Type.Optional(VectorOut),
});
export const Hits = Type.Object({ hits: Type.Array(HitSchema) });
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
  };
  return {
    upsert: Type.Object(
      {
        points: Type.Array(
          Type.Object(
            { id: PointId, vector: VectorIn, payload: Type.Optional(Type.Union([Payload, Type.Null()])) },
            closed,
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
    search: Type.Object({ query: VectorIn, ...searchOptions }, closed),
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

/** A response map: the success schema under `status`, and the error shape for the given error statuses. */
export function responses(status: number, schema: TSchema, errors: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { [status]: schema };
  for (const code of [...errors, 401, 500]) out[code] = ErrorResponse;
  return out;
}
