/**
 * Conversions between the wire format (Qdrant's shapes, see `wire/format.ts`) and the
 * engine's types: base64 vectors in requests become Float32Array (arrays of numbers go to
 * the engine as they are, which checks them); a point's `vector` is one vector or, as an
 * object, named vectors by field; ids are canonicalized (`point-ids.ts`); returned points
 * and hits get Qdrant's shape, their payloads and vectors selected by `with_payload` /
 * `with_vector` (`projection.ts`) and their scores in Qdrant's conventions (`distance.ts`).
 * Raw inputs of provider fields (`inputs`) become the engine's raw keys (see `raw-inputs.ts`).
 */

import type {
  Hit,
  HitExplanation,
  HitGroup,
  Metric,
  Point,
  PointId,
  PointInput,
  RawPointInput,
  StoredVector,
  VectorInput,
} from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import {
  decodeVector,
  encodeVector,
  type VectorEncoding,
  type WireGroup,
  type WireHit,
  type WirePoint,
  type WireVector,
} from '../wire/format.js';
import { restScore } from './distance.js';
import { canonicalId } from './point-ids.js';
import { type Projection, projectPayload, projectVectors } from './projection.js';
import { type FieldProviders, POINT_KEYS, rawInputs } from './raw-inputs.js';

/** A vector of a request: one vector, or named vectors by field. */
export type WireVectorStruct = WireVector | Record<string, WireVector>;

/** A point of an upsert request (`payload: null` means none). */
export interface WireUpsertPoint {
  id: PointId;
  vector?: WireVectorStruct;
  payload?: Record<string, unknown> | null;
  /** Raw inputs of provider fields, by field (a Quiver extension, see `wire/format.ts`). */
  inputs?: Record<string, string>;
}

/** The column form of an upsert (`batch`). */
export interface WireBatch {
  ids: PointId[];
  vectors?: WireVector[] | Record<string, WireVector[]>;
  payloads?: (Record<string, unknown> | null)[];
}

/** The vector a request carried, for the engine: a base64 string is decoded, an array passed on. */
export function requestVector(value: WireVector, where: string): VectorInput {
  return typeof value === 'string' ? decodeVector(value, where) : value;
}

const isNamed = (v: unknown): v is Record<string, WireVector> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An upserted point for the engine; absent fields stay absent, so the engine judges what is
 * missing. `providers`: the collection's provider fields (consulted only for `inputs`).
 */
export function requestPoint(
  point: WireUpsertPoint,
  i: number,
  providers: FieldProviders,
): PointInput | RawPointInput {
  const out: PointInput = { id: canonicalId(point.id) };
  const { vector } = point;
  if (isNamed(vector)) {
    const vectors: Record<string, VectorInput> = {};
    for (const [field, v] of Object.entries(vector))
      vectors[field] = requestVector(v, `points[${i}].vector.${field}`);
    out.vectors = vectors;
  } else if (vector !== undefined) {
    out.vector = requestVector(vector, `points[${i}].vector`);
  }
  if (point.payload !== undefined && point.payload !== null) out.payload = point.payload;
  if (point.inputs === undefined) return out;
  return { ...out, ...rawInputs(point.inputs, providers, POINT_KEYS, `points[${i}].inputs`) };
}

/** The points of an upsert's `batch` form, one per id. */
export function batchPoints(batch: WireBatch): WireUpsertPoint[] {
  const n = batch.ids.length;
  const { vectors, payloads } = batch;
  const sameLength = (what: string, length: number) => {
    if (length !== n) {
      throw new InvalidArgumentError(`batch.${what}: expected ${n} entries (one per id), got ${length}`);
    }
  };
  if (Array.isArray(vectors)) sameLength('vectors', vectors.length);
  else if (vectors !== undefined) {
    for (const [field, list] of Object.entries(vectors)) sameLength(`vectors.${field}`, list.length);
  }
  if (payloads !== undefined) sameLength('payloads', payloads.length);
  return batch.ids.map((id, i) => {
    const point: WireUpsertPoint = { id };
    if (Array.isArray(vectors)) point.vector = vectors[i];
    else if (vectors !== undefined) {
      point.vector = Object.fromEntries(Object.entries(vectors).map(([field, list]) => [field, list[i]]));
    }
    if (payloads !== undefined) point.payload = payloads[i];
    return point;
  });
}

/** A stored vector for a response: floats or the bytes of a binary vector, as an array or base64 of its bytes. */
export function responseVector(vector: StoredVector, encoding: VectorEncoding | undefined): WireVector {
  return encoding === 'base64' ? encodeVector(vector) : Array.from(vector);
}

/** How returned points are written. */
export interface Output {
  projection: Projection;
  encoding?: VectorEncoding;
}

export function wirePoint(point: Point, out: Output): WirePoint {
  const wire: WirePoint = { id: point.id };
  const p = out.projection;
  if (p.withPayload) wire.payload = point.payload === undefined ? {} : projectPayload(point.payload, p);
  if (point.vector !== undefined && p.withVector) wire.vector = responseVector(point.vector, out.encoding);
  if (point.vectors !== undefined && p.withVector) {
    const vectors: Record<string, WireVector> = {};
    for (const [field, v] of Object.entries(projectVectors(point.vectors, p))) {
      vectors[field] = responseVector(v, out.encoding);
    }
    wire.vector = vectors;
  }
  if (point.orderValue !== undefined) wire.order_value = point.orderValue;
  return wire;
}

/**
 * A hit in Qdrant's shape. `metric`: the searched field's, when the score is that metric's
 * (converted by `restScore`); undefined for scores that are not distances (fused, BM25).
 */
export function wireHit(hit: Hit, out: Output, metric: Metric | undefined): WireHit {
  const score = metric === undefined ? hit.score : restScore(metric, hit.score);
  const { id, ...rest } = wirePoint(hit, out);
  // Qdrant's scored points carry the point's version; Quiver keeps none, so it is always 0.
  const wire: WireHit = { id, version: 0, score, ...rest };
  if (hit.explain !== undefined) wire.explain = wireExplanation(hit.explain, metric, score);
  return wire;
}

/**
 * A hit's explanation as the REST API writes it: the engine's, except that a vector score
 * converted for the answer (l2: the square root of the engine's squared distance) says so.
 */
function wireExplanation(explain: HitExplanation, metric: Metric | undefined, score: number): HitExplanation {
  if (metric !== 'l2' || explain.vector === undefined) return explain;
  return { ...explain, vector: { ...explain.vector, conversion: 'score = sqrt(distance)', score } };
}

export function wireGroup(group: HitGroup, out: Output, metric: Metric | undefined): WireGroup {
  return { id: group.group, hits: group.hits.map((h) => wireHit(h, out, metric)) };
}
