/**
 * Conversions between the wire format and the engine's types: base64 vectors in requests
 * become Float32Array (arrays of numbers go to the engine as they are, which checks them),
 * and stored vectors in responses become number arrays or base64 strings. Named vectors
 * (`vectors: { field: … }`) are converted field by field, the same way. Raw inputs of
 * provider fields (`inputs`) become the engine's raw keys (see `raw-inputs.ts`).
 */

import type {
  Hit,
  HitGroup,
  Point,
  PointId,
  PointInput,
  RawPointInput,
  RawSearchQuery,
  RecommendQuery,
  SearchQuery,
  StoredVector,
  VectorInput,
} from '../db/types.js';
import {
  decodeVector,
  encodeVector,
  type VectorEncoding,
  type WireGroup,
  type WireHit,
  type WirePoint,
  type WireVector,
} from '../wire/format.js';
import {
  checkBareText,
  type FieldProviders,
  POINT_KEYS,
  rawInputs,
  reservedQueryKeys,
} from './raw-inputs.js';

/** A point of an upsert request (`payload: null` means none). */
export interface WireUpsertPoint {
  id: PointId;
  vector?: WireVector;
  vectors?: Record<string, WireVector>;
  payload?: Record<string, unknown> | null;
  /** Raw inputs of provider fields, by field (see `wire/format.ts`). */
  inputs?: Record<string, string>;
}

/** A query object as a request carries it (see `SearchQuery`). */
export interface WireSearchQuery {
  vector?: WireVector;
  using?: string;
  text?: string;
  textField?: string;
  /** The raw input of one provider field. */
  inputs?: Record<string, string>;
}

/** A recommend example: an id, `{ vector }`, or a bare array of numbers. */
export type WireExample = PointId | number[] | { vector: WireVector };

/** The vector a request carried, for the engine: a base64 string is decoded, an array passed on. */
export function requestVector(value: WireVector, where: string): VectorInput {
  return typeof value === 'string' ? decodeVector(value, where) : value;
}

/** Named vectors of a request, each converted as `requestVector` does. */
export function requestVectors(
  values: Record<string, WireVector>,
  where: string,
): Record<string, VectorInput> {
  const out: Record<string, VectorInput> = {};
  for (const [field, value] of Object.entries(values)) out[field] = requestVector(value, `${where}.${field}`);
  return out;
}

/**
 * An upserted point for the engine; absent fields stay absent, so the engine judges what is
 * missing. `providers`: the collection's provider fields (consulted only for `inputs`).
 */
export function requestPoint(
  point: WireUpsertPoint,
  i: number,
  providers: FieldProviders,
): PointInput | RawPointInput {
  const out: PointInput = { id: point.id };
  if (point.vector !== undefined) out.vector = requestVector(point.vector, `points[${i}].vector`);
  if (point.vectors !== undefined) out.vectors = requestVectors(point.vectors, `points[${i}].vectors`);
  if (point.payload !== undefined && point.payload !== null) out.payload = point.payload;
  if (point.inputs === undefined) return out;
  return { ...out, ...rawInputs(point.inputs, providers, POINT_KEYS, `points[${i}].inputs`) };
}

/**
 * The query of a search request: a vector, or a query object whose vector (or raw input) is
 * converted. `providers`: the collection's provider fields, consulted only by a query with
 * `inputs` or a `text` without `textField` (see `needsProviders`).
 */
export function requestQuery(
  query: WireVector | WireSearchQuery,
  providers: FieldProviders,
): VectorInput | SearchQuery | RawSearchQuery {
  if (typeof query === 'string' || Array.isArray(query)) return requestVector(query, 'query');
  const { vector, inputs, ...rest } = query;
  const out: SearchQuery =
    vector === undefined ? rest : { ...rest, vector: requestVector(vector, 'query.vector') };
  checkBareText(query, providers);
  if (inputs === undefined) return out;
  return { ...out, ...rawInputs(inputs, providers, reservedQueryKeys(query), 'query.inputs') };
}

/** The examples of a recommend request: ids stay ids, vectors are converted. */
export function requestExamples(
  positive: WireExample[],
  negative: WireExample[] | undefined,
): RecommendQuery {
  const convert = (examples: WireExample[], where: string) =>
    examples.map((e, i) =>
      typeof e === 'object' && !Array.isArray(e) ? requestVector(e.vector, `${where}[${i}].vector`) : e,
    );
  const query: RecommendQuery = { positive: convert(positive, 'positive') };
  if (negative !== undefined) query.negative = convert(negative, 'negative');
  return query;
}

/** A stored vector for a response: floats or the bytes of a binary vector, as an array or base64 of its bytes. */
export function responseVector(vector: StoredVector, encoding: VectorEncoding | undefined): WireVector {
  return encoding === 'base64' ? encodeVector(vector) : Array.from(vector);
}

export function wirePoint(point: Point, encoding: VectorEncoding | undefined): WirePoint {
  const out: WirePoint = { id: point.id };
  if (point.payload !== undefined) out.payload = point.payload;
  if (point.vector !== undefined) out.vector = responseVector(point.vector, encoding);
  if (point.vectors !== undefined) {
    const vectors: Record<string, WireVector> = {};
    for (const [field, v] of Object.entries(point.vectors)) vectors[field] = responseVector(v, encoding);
    out.vectors = vectors;
  }
  return out;
}

export function wireHit(hit: Hit, encoding: VectorEncoding | undefined): WireHit {
  return { ...wirePoint(hit, encoding), score: hit.score };
}

export function wireGroup(group: HitGroup, encoding: VectorEncoding | undefined): WireGroup {
  return { group: group.group, hits: group.hits.map((h) => wireHit(h, encoding)) };
}
