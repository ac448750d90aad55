/**
 * Flat index file, format version 1 (docs/format.md): a standalone, checksummed copy of a
 * `FlatIndex`, for using the index layer without a database (as `faiss.write_index` does).
 * Segment files do not use it; their vector section already holds the same data.
 *
 *   0  magic "QVRFLT\0\1" · 8 u32 version · 12 u32 dimension · 16 u32 distance kind
 *  20  u32 rows N · 24 8 zero bytes · 32 N × dimension f32 · end−4 u32 crc32 of the rest
 */
import { CorruptDataError } from '../errors.js';
import { FlatIndex } from '../index/flat-index.js';
import { DistanceKind, type Kernels } from '../kernels/kernels.js';
import { bytesOf, copyFloat32, crc32 } from './binary.js';

export const FLAT_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x46, 0x4c, 0x54, 0x00, 0x01]); // "QVRFLT\0\1"
const HEADER = 32;

export function encodeFlatIndex(index: FlatIndex): Uint8Array {
  const vectors = bytesOf(index.store.view());
  const out = new Uint8Array(HEADER + vectors.length + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, FLAT_FORMAT_VERSION, true);
  view.setUint32(12, index.dimension, true);
  view.setUint32(16, index.distance, true);
  view.setUint32(20, index.size, true);
  out.set(vectors, HEADER);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Reads what `encodeFlatIndex` wrote; `name` identifies the source in errors. */
export function decodeFlatIndex(kernels: Kernels, bytes: Uint8Array, name = 'flat index'): FlatIndex {
  const fail = (reason: string): never => {
    throw new CorruptDataError(name, reason);
  };
  if (bytes.length < HEADER + 4) fail('too short for a flat index');
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) fail('not a flat index (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FLAT_FORMAT_VERSION) fail(`flat index format version ${version} is not supported`);
  if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4)))
    fail('checksum mismatch');
  const dimension = view.getUint32(12, true);
  const distance = view.getUint32(16, true) as DistanceKind;
  const rows = view.getUint32(20, true);
  if (!Object.values(DistanceKind).includes(distance)) fail(`unknown distance kind ${distance}`);
  if (dimension === 0 || bytes.length !== HEADER + rows * dimension * 4 + 4)
    fail('length does not match the header');
  const index = new FlatIndex(kernels, dimension, distance);
  index.add(copyFloat32(bytes, HEADER, rows * dimension * 4));
  return index;
}
