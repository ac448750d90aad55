/**
 * Tombstone file format, version 1 (docs/format.md): the set of deleted rows of one sealed
 * segment, as of one manifest version. Immutable like the segment; a newer manifest points
 * at a newer tombstone file instead of changing an old one.
 *
 *   0  magic "QVRTMB\0\1" (8 bytes)
 *   8  u32 format version (1)
 *  12  u32 segment id
 *  16  u32 rows (bits)
 *  20  u32 words W = ceil(rows / 32)
 *  24  W × u32 bitset words (bit i set = row i deleted)
 *  24+4W  u32 crc32 of everything before
 */
import { CorruptDataError } from '../errors.js';
import { Bitset } from '../index/bitset.js';
import { crc32 } from './binary.js';

export const TOMBSTONE_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x54, 0x4d, 0x42, 0x00, 0x01]); // "QVRTMB\0\1"

export function encodeTombstones(segmentId: number, deleted: Bitset): Uint8Array {
  const words = deleted.words.length;
  const out = new Uint8Array(24 + words * 4 + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, TOMBSTONE_FORMAT_VERSION, true);
  view.setUint32(12, segmentId, true);
  view.setUint32(16, deleted.size, true);
  view.setUint32(20, words, true);
  for (let w = 0; w < words; w++) view.setUint32(24 + w * 4, deleted.words[w], true);
  view.setUint32(24 + words * 4, crc32(out.subarray(0, 24 + words * 4)), true);
  return out;
}

/** Parses a tombstone file and checks it belongs to `segmentId` with `rows` rows. */
export function decodeTombstones(bytes: Uint8Array, file: string, segmentId: number, rows: number): Bitset {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  if (bytes.length < 28) fail('file too short for a tombstone header');
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) fail('not a Quiver tombstone file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TOMBSTONE_FORMAT_VERSION) fail(`tombstone format version ${version} is not supported`);
  const words = view.getUint32(20, true);
  if (bytes.length !== 24 + words * 4 + 4) fail(`length ${bytes.length} does not match ${words} words`);
  if (view.getUint32(24 + words * 4, true) !== crc32(bytes.subarray(0, 24 + words * 4)))
    fail('checksum mismatch');
  if (view.getUint32(12, true) !== segmentId)
    fail(`belongs to segment ${view.getUint32(12, true)}, not ${segmentId}`);
  if (view.getUint32(16, true) !== rows) fail(`covers ${view.getUint32(16, true)} rows, segment has ${rows}`);
  const set = new Bitset(rows);
  if (set.words.length !== words) fail(`${words} words cannot hold ${rows} rows`);
  for (let w = 0; w < words; w++) set.words[w] = view.getUint32(24 + w * 4, true);
  return set;
}
