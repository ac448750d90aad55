/**
 * Conversions between the wire format and the engine's types: base64 vectors in requests
 * become Float32Array (arrays of numbers go to the engine as they are, which checks them),
 * and stored vectors in responses become number arrays or base64 strings.
 */
import { decodeVector, encodeVector, type VectorEncoding } from '../client/wire.js';
import type { Hit, Point, PointId, StoredVector, VectorInput } from '../db/types.js';

export interface WirePoint {
  id: PointId;
  payload?: Record<string, unknown>;
  vector?: number[] | string;
}

export interface WireHit extends WirePoint {
  score: number;
}

/** The vector a request carried, for the engine: a base64 string is decoded, an array passed on. */
export function requestVector(value: number[] | string, where: string): VectorInput {
  return typeof value === 'string' ? decodeVector(value, where) : value;
}

/** A stored vector for a response: floats or the bytes of a binary vector, as an array or base64 of its bytes. */
export function responseVector(
  vector: StoredVector,
  encoding: VectorEncoding | undefined,
): number[] | string {
  return encoding === 'base64' ? encodeVector(vector) : Array.from(vector);
}

export function wirePoint(point: Point, encoding: VectorEncoding | undefined): WirePoint {
  const out: WirePoint = { id: point.id };
  if (point.payload !== undefined) out.payload = point.payload;
  if (point.vector !== undefined) out.vector = responseVector(point.vector, encoding);
  return out;
}

export function wireHit(hit: Hit, encoding: VectorEncoding | undefined): WireHit {
  const out: WireHit = { id: hit.id, score: hit.score };
  if (hit.payload !== undefined) out.payload = hit.payload;
  if (hit.vector !== undefined) out.vector = responseVector(hit.vector, encoding);
  return out;
}
