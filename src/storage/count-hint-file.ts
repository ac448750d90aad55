/**
 * Count hint file format, version 1 (docs/format.md): a collection's number of live points as
 * of one WAL sequence number, written when the database closes, so that the next open knows
 * the exact count before any segment is loaded although writes are logged after the last
 * seal (whose effect on the count only the sealed ids could tell).
 *
 *   0  magic "QVRCNT\0\1" (8 bytes)
 *   8  u32 format version (1)
 *  12  u32 reserved (0)
 *  16  f64 WAL sequence number: the collection's last WAL row applied when it was written
 *  24  f64 live points after that row
 *  32  u32 crc32 of bytes [0, 32)
 *
 * Validity: the hint holds exactly when the collection's last WAL row after the manifest's
 * checkpoint has that sequence number. Every change of the count appends a WAL row, and WAL
 * rows are only removed once a seal covers them, so any change after the hint was written
 * leaves a newer last row (or no row after the checkpoint, when the hint is not needed). A
 * hint that does not verify, or does not match, is ignored: it is a hint, never the truth.
 */
import { crc32 } from './binary.js';

export const COUNT_HINT_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x43, 0x4e, 0x54, 0x00, 0x01]); // "QVRCNT\0\1"
const LENGTH = 36;

export interface CountHint {
  walSeq: number;
  count: number;
}

export function encodeCountHint(hint: CountHint): Uint8Array {
  const out = new Uint8Array(LENGTH);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, COUNT_HINT_FORMAT_VERSION, true);
  view.setFloat64(16, hint.walSeq, true);
  view.setFloat64(24, hint.count, true);
  view.setUint32(32, crc32(out.subarray(0, 32)), true);
  return out;
}

/** The hint in `bytes`, or undefined when they are not a verified hint of this version. */
export function decodeCountHint(bytes: Uint8Array): CountHint | undefined {
  if (bytes.length !== LENGTH) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== COUNT_HINT_FORMAT_VERSION) return undefined;
  if (view.getUint32(32, true) !== crc32(bytes.subarray(0, 32))) return undefined;
  const hint = { walSeq: view.getFloat64(16, true), count: view.getFloat64(24, true) };
  return Number.isSafeInteger(hint.walSeq) && Number.isSafeInteger(hint.count) && hint.count >= 0
    ? hint
    : undefined;
}
