/**
 * Input normalization at the API boundary: what users pass (arrays, typed arrays, plain
 * objects) is checked once and converted to what the engine works on (Float32Array rows,
 * JSON-clean payload copies). Every rejection is a typed error that says what was
 * expected and what was given, and happens before anything is written.
 */

import {
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidIdError,
  InvalidVectorError,
} from '../errors.js';
import { float32Copy } from './float32-slab.js';
import { isBinary } from './metric.js';
import type { Metric, PointId } from './types.js';

export const MAX_K = 10_000;
export const MAX_ID_LENGTH = 256;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(`collection name must match [A-Za-z0-9_-]{1,64}, got ${describe(name)}`);
  }
  return name;
}

export function checkId(id: unknown, where = 'id'): PointId {
  if (typeof id === 'number') {
    if (Number.isSafeInteger(id) && id >= 0) return id;
    throw new InvalidIdError(`${where}: a numeric id must be a non-negative safe integer, got ${id}`);
  }
  if (typeof id === 'string') {
    if (id.length >= 1 && id.length <= MAX_ID_LENGTH) return id;
    throw new InvalidIdError(
      `${where}: a string id must have 1 to ${MAX_ID_LENGTH} characters, got ${id.length}`,
    );
  }
  throw new InvalidIdError(`${where}: expected a string or a non-negative integer, got ${describe(id)}`);
}

export function checkIds(ids: unknown, where = 'ids'): PointId[] {
  if (!Array.isArray(ids))
    throw new InvalidArgumentError(`${where}: expected an array of ids, got ${describe(ids)}`);
  return ids.map((id, i) => checkId(id, `${where}[${i}]`));
}

/**
 * Converts one vector to float32, checking length and finiteness (after rounding to f32,
 * so 1e39 is caught as Infinity). Under cosine the copy is L2-normalized and a zero vector
 * is rejected, since its direction is undefined.
 */
export function toVector(input: unknown, dimension: number, metric: Metric, where = 'vector'): Float32Array {
  if (isBinary(metric)) return toBinaryRow(input, dimension, where);
  if (!Array.isArray(input) && !(input instanceof Float32Array) && !(input instanceof Float64Array)) {
    throw new InvalidVectorError(`${where}: expected number[] or Float32Array, got ${describe(input)}`);
  }
  if (input.length !== dimension) throw new DimensionMismatchError(dimension, input.length, where);
  if (input instanceof Float32Array) {
    // Already float32: copy in one go and only check finiteness (the common query form).
    const out = float32Copy(dimension);
    out.set(input);
    // x·0 is NaN exactly when x is not finite: one test for the whole row, the loop without branches.
    let probe = 0;
    for (let i = 0; i < dimension; i++) probe += out[i] * 0;
    if (probe !== 0) {
      const i = out.findIndex((x) => !Number.isFinite(x));
      throw new InvalidVectorError(`${where}[${i}]: expected a finite float32, got ${out[i]}`);
    }
    if (metric === 'cosine') normalize(out, where);
    return out;
  }
  const out = float32Copy(dimension);
  for (let i = 0; i < dimension; i++) {
    const v = input[i];
    if (typeof v !== 'number')
      throw new InvalidVectorError(`${where}[${i}]: expected a number, got ${describe(v)}`);
    out[i] = v;
    if (!Number.isFinite(out[i])) {
      throw new InvalidVectorError(`${where}[${i}]: expected a finite float32, got ${v}`);
    }
  }
  if (metric === 'cosine') normalize(out, where);
  return out;
}

/**
 * Packs a binary vector of `bits` bits (given as bits/8 bytes: a Uint8Array or byte values)
 * into a row of whole 32-bit words, zero-padded (see `metric.ts`). A Float32Array of exactly
 * that many words is taken as an already packed row (the wire form of base64 vectors).
 */
function toBinaryRow(input: unknown, bits: number, where: string): Float32Array {
  const bytes = bits / 8;
  const words = Math.ceil(bits / 32);
  const out = new Float32Array(words);
  const packed = new Uint8Array(out.buffer);
  if (input instanceof Float32Array && input.length === words) {
    packed.set(new Uint8Array(input.buffer, input.byteOffset, words * 4));
    if (packed.subarray(bytes).some((b) => b !== 0)) {
      throw new InvalidVectorError(`${where}: bits past the dimension (${bits}) must be zero`);
    }
    return out;
  }
  if (!(input instanceof Uint8Array) && !Array.isArray(input)) {
    throw new InvalidVectorError(
      `${where}: expected a Uint8Array or an array of ${bytes} byte values, got ${describe(input)}`,
    );
  }
  if (input.length !== bytes) throw new DimensionMismatchError(bytes, input.length, `${where} (bytes)`);
  for (let i = 0; i < bytes; i++) {
    const v = input[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new InvalidVectorError(`${where}[${i}]: expected a byte value 0..255, got ${describe(v)}`);
    }
    packed[i] = v;
  }
  return out;
}

function normalize(v: Float32Array, where: string): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  if (sum === 0)
    throw new InvalidVectorError(`${where}: a zero vector has no direction under the cosine metric`);
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
}

/**
 * A JSON-clean deep copy of a payload (what is stored is what `JSON.stringify` keeps), or
 * null when absent. Rejects non-objects, arrays and values JSON cannot represent.
 */
export function toPayload(input: unknown, where = 'payload'): Record<string, unknown> | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidArgumentError(`${where}: expected a plain object, got ${describe(input)}`);
  }
  let json: string;
  try {
    json = JSON.stringify(input);
  } catch (err) {
    throw new InvalidArgumentError(`${where}: not representable as JSON (${(err as Error).message})`);
  }
  return JSON.parse(json);
}

export function checkK(k: unknown, fallback = 10): number {
  return checkInteger(k ?? fallback, 'k', 1, MAX_K);
}

export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `${name} must be an integer from ${min} to ${max}, got ${describe(value)}`,
    );
  }
  return value;
}

export function checkOptions(options: unknown, where: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(`${where}: expected an options object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return `${typeof value} ${String(value)}`;
}
