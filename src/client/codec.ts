/**
 * The client's conversions between the API's types and the wire, for one collection. Every
 * vector is converted by the metric of the field it belongs to (the collection's one vector,
 * or a named field):
 * - float vectors (`number[]`, `Float32Array`) travel as base64 float32, which carries NaN
 *   and ±Infinity to the server's checks instead of turning them into `null` as JSON would;
 *   an array element that is not a number is refused here, as the engine refuses it;
 * - binary vectors (`hamming`/`jaccard` fields) travel as JSON arrays of byte values;
 * - returned vectors are requested as base64 and decoded by their field's metric, into
 *   `Float32Array` or `Uint8Array`.
 * Shapes the client cannot convert (a `vectors` that is not an object, a `positive` that is
 * not an array) are sent as they are, so the server refuses them with the engine's error.
 */
import type {
  Hit,
  HitGroup,
  Metric,
  Point,
  PointInput,
  RecommendQuery,
  SearchQuery,
  StoredVector,
  VectorInput,
} from '../db/types.js';
import { describe, toPayload } from '../db/validate.js';
import { InvalidArgumentError, InvalidVectorError } from '../errors.js';
import {
  decodeVector,
  encodeVector,
  type WireGroup,
  type WireHit,
  type WirePoint,
  type WireVector,
} from '../wire/format.js';

/** A named vector field as the client knows it. */
export interface RemoteVectorField {
  dimension: number;
  metric: Metric;
  /** The embedding provider that vectorizes the field's raw inputs, if any. */
  provider?: string;
}

const isBinary = (metric: Metric | undefined) => metric === 'hamming' || metric === 'jaccard';

export class VectorCodec {
  /** Whether the collection's one vector (or, with named vectors, its first field) is binary. */
  private readonly binary: boolean;
  /** The named fields that are binary. */
  private readonly binaryFields: ReadonlySet<string>;

  /** The metric of each named field. */
  private readonly metrics: ReadonlyMap<string, Metric>;

  constructor(
    private readonly metric: Metric,
    fields: Readonly<Record<string, RemoteVectorField>> | undefined,
  ) {
    this.binary = isBinary(metric);
    this.metrics = new Map(Object.entries(fields ?? {}).map(([name, f]) => [name, f.metric]));
    this.binaryFields = new Set(
      Object.entries(fields ?? {})
        .filter(([, f]) => isBinary(f.metric))
        .map(([name]) => name),
    );
  }

  /** A vector of field `field` (the collection's one vector, or its default field, when undefined) for the wire. */
  vector(input: unknown, where: string, field: string | undefined): WireVector {
    const binary = field === undefined ? this.binary : this.binaryFields.has(field);
    return binary ? bytesToWire(input, where) : floatsToWire(input, where);
  }

  /** A point of an upsert (the payload checked and copied as the engine does). */
  point(p: PointInput, i: number): Record<string, unknown> {
    if (typeof p !== 'object' || p === null) {
      throw new InvalidArgumentError(`points[${i}]: expected { id, vector, payload? }, got ${describe(p)}`);
    }
    const payload = toPayload(p.payload, `points[${i}].payload`);
    const point: Record<string, unknown> = { id: p.id };
    // The engine's checks, made here because the wire has one `vector` for both forms.
    if (this.metrics.size > 0 && p.vector !== undefined) {
      throw new InvalidArgumentError(
        `points[${i}].vector: this collection has named vectors (${[...this.metrics.keys()].join(', ')}); give vectors: { name: vector }`,
      );
    }
    if (this.metrics.size === 0 && p.vectors !== undefined) {
      throw new InvalidArgumentError(
        `points[${i}].vectors: this collection has one unnamed vector; give vector`,
      );
    }
    if (p.vector !== undefined) point.vector = this.vector(p.vector, `points[${i}].vector`, undefined);
    if (p.vectors !== undefined) point.vector = this.named(p.vectors, `points[${i}].vectors`);
    if (payload !== null) point.payload = payload;
    return point;
  }

  /**
   * A search query as the fields of a search body: `{ vector }` for a vector (of field
   * `using`), or a query object's `vector`, `using`, `text` and `text_field`.
   */
  query(query: VectorInput | SearchQuery, using: string | undefined): Record<string, unknown> {
    if (!isPlainObject(query)) return { vector: this.vector(query, 'query', using) };
    const q = query as SearchQuery;
    const out = pick(q as Record<string, unknown>, ['using', 'text']);
    if (q.textField !== undefined) out.text_field = q.textField;
    if (q.vector !== undefined) out.vector = this.vector(q.vector, 'query.vector', q.using ?? using);
    return out;
  }

  /** Recommend examples: ids as they are, vectors as `{ vector }`. */
  examples(query: RecommendQuery, using: string | undefined): Record<string, unknown> {
    const convert = (examples: unknown, where: string) =>
      Array.isArray(examples)
        ? examples.map((e, i) =>
            typeof e === 'string' || typeof e === 'number'
              ? e
              : { vector: this.vector(e, `${where}[${i}]`, using) },
          )
        : examples;
    const out: Record<string, unknown> = { positive: convert(query.positive, 'positive') };
    if (query.negative !== undefined) out.negative = convert(query.negative, 'negative');
    return out;
  }

  /** A returned point; `vector` is one vector, or named vectors by field (a collection with named vectors). */
  pointFromWire(wire: WirePoint): Point {
    const point: Point = { id: wire.id };
    if (wire.payload != null) point.payload = wire.payload;
    const { vector } = wire;
    if (typeof vector === 'string' || Array.isArray(vector))
      point.vector = vectorFromWire(vector, this.binary);
    else if (vector != null) {
      const vectors: Record<string, StoredVector> = {};
      for (const [field, v] of Object.entries(vector)) {
        vectors[field] = vectorFromWire(v, this.binaryFields.has(field));
      }
      point.vectors = vectors;
    }
    if (wire.order_value !== undefined) point.orderValue = wire.order_value;
    return point;
  }

  /**
   * A returned hit. `squared`: the score is a Euclidean distance (the REST API's convention
   * for l2, see `server/distance.ts`), squared back into the engine's convention.
   */
  hitFromWire(wire: WireHit, squared: boolean): Hit {
    const score = squared ? wire.score * wire.score : wire.score;
    const hit: Hit = { ...this.pointFromWire(wire), score };
    const explain = wire.explain;
    if (explain !== undefined) {
      // The server wrote l2's vector score as a distance; the engine's is squared, as `score`.
      hit.explain =
        squared && explain.vector
          ? { ...explain, vector: { ...explain.vector, conversion: 'score = distance', score } }
          : explain;
    }
    return hit;
  }

  groupFromWire(wire: WireGroup, squared: boolean): HitGroup {
    return { group: wire.id, hits: wire.hits.map((h) => this.hitFromWire(h, squared)) };
  }

  /** The metric of the vector field `using` (the collection's one vector, or its first field, when undefined). */
  metricOf(using: string | undefined): Metric {
    return (using === undefined ? undefined : this.metrics.get(using)) ?? this.metric;
  }

  private named(vectors: unknown, where: string): unknown {
    if (!isPlainObject(vectors)) return vectors;
    const out: Record<string, WireVector> = {};
    for (const [field, v] of Object.entries(vectors as Record<string, unknown>)) {
      out[field] = this.vector(v, `${where}.${field}`, field);
    }
    return out;
  }
}

/** The given options among `keys`, leaving out those that are undefined (JSON would drop them anyway). */
export function pick(opts: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (opts[key] !== undefined) out[key] = opts[key];
  return out;
}

/** A plain object (not an array, typed array or null): a query object rather than a vector. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/**
 * The base64 text of a float vector, after the checks the engine makes before converting (an
 * array or typed array whose elements are numbers); length and finiteness are the server's.
 */
function floatsToWire(input: unknown, where: string): string {
  if (input instanceof Float32Array) return encodeVector(input);
  if (!Array.isArray(input) && !(input instanceof Float64Array)) {
    throw new InvalidVectorError(`${where}: expected number[] or Float32Array, got ${describe(input)}`);
  }
  for (let i = 0; i < input.length; i++) {
    if (typeof input[i] !== 'number') {
      throw new InvalidVectorError(`${where}[${i}]: expected a number, got ${describe(input[i])}`);
    }
  }
  return encodeVector(Float32Array.from(input));
}

/** A binary vector as its byte values (checked by the server). */
function bytesToWire(input: unknown, where: string): number[] {
  if (input instanceof Uint8Array) return Array.from(input);
  if (Array.isArray(input)) return input;
  throw new InvalidVectorError(
    `${where}: expected a Uint8Array or an array of byte values, got ${describe(input)}`,
  );
}

function vectorFromWire(vector: WireVector, binary: boolean): StoredVector {
  if (binary) {
    return typeof vector === 'string'
      ? new Uint8Array(Buffer.from(vector, 'base64'))
      : Uint8Array.from(vector);
  }
  return typeof vector === 'string' ? decodeVector(vector) : Float32Array.from(vector);
}
