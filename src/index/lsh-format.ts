/**
 * The serialized body of an `LSH<bits>` index (little-endian):
 *
 *   u32 format version (1), u32 bits, u32 dimension, u32 distance kind, u32 row count,
 *   u32 trained (0 or 1), f32 bias[bits] (dot(plane b, training mean); 0 when not
 *   centred), f32 planes[bits][dimension], then the signatures: row count × 8·ceil(bits/64)
 *   bytes, each as kept in memory (bit i in bit i & 7 of byte i >> 3, zero past `bits`).
 *
 * The bucket tables are not stored: they are rebuilt from the signatures on first use.
 * A reader checks every length and field before using any of it.
 */
import type { DistanceKind } from '../kernels/kernels.js';
import type { VectorStore } from './vector-store.js';

const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;

export interface LshShape {
  bits: number;
  dimension: number;
  distance: DistanceKind;
  trained: boolean;
}

/** A body from the shape, bias-then-planes floats and the first `count` signatures as stored. */
export function writeLshBody(
  shape: LshShape,
  floats: Float32Array,
  codes: Uint8Array,
  count: number,
): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + floats.byteLength + codes.byteLength);
  const header = [FORMAT_VERSION, shape.bits, shape.dimension, shape.distance, count, shape.trained ? 1 : 0];
  const head = new DataView(out.buffer);
  for (let i = 0; i < header.length; i++) head.setUint32(4 * i, header[i], true);
  out.set(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength), HEADER_BYTES);
  out.set(codes, HEADER_BYTES + floats.byteLength);
  return out;
}

/**
 * The parts of a body written by `writeLshBody` for an index over `store`.
 * @throws Error naming the field when the body is not one this version reads or does not
 *   fit `store` and `distance`.
 */
export function readLshBody(body: Uint8Array, store: VectorStore, distance: DistanceKind) {
  if (body.length < HEADER_BYTES) throw new Error(`LSH body of ${body.length} bytes is truncated`);
  const head = new DataView(body.buffer, body.byteOffset, HEADER_BYTES);
  const field = (i: number) => head.getUint32(4 * i, true);
  const [version, bits, dimension, kind, count, trained] = [0, 1, 2, 3, 4, 5].map(field);
  if (version !== FORMAT_VERSION) throw new Error(`LSH format version ${version} is not supported`);
  if (bits < 8 || bits > 8192 || bits % 8 !== 0)
    throw new Error(`LSH bits ${bits} is not a multiple of 8 in [8, 8192]`);
  if (dimension !== store.dimension)
    throw new Error(`LSH dimension ${dimension} differs from the vectors' ${store.dimension}`);
  if (kind !== distance)
    throw new Error(`LSH distance kind ${kind} differs from the collection's ${distance}`);
  if (count !== store.count) throw new Error(`LSH has ${count} signatures for ${store.count} vectors`);
  if (trained > 1) throw new Error(`LSH trained flag ${trained} is not 0 or 1`);
  const floatBytes = 4 * bits * (dimension + 1);
  const codeBytes = count * 8 * Math.ceil(bits / 64);
  const expected = HEADER_BYTES + floatBytes + codeBytes;
  if (body.length !== expected)
    throw new Error(`LSH body has ${body.length} bytes, its header needs ${expected}`);
  const floats = new Float32Array(floatBytes / 4);
  new Uint8Array(floats.buffer).set(body.subarray(HEADER_BYTES, HEADER_BYTES + floatBytes));
  return { bits, floats, trained: trained === 1, signatures: body.subarray(HEADER_BYTES + floatBytes) };
}
