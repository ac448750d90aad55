/**
 * Thumbnail pack format, version 1 (docs/format.md, "Thumbnail pack"): every thumbnail of
 * one collection in one blob, as a snapshot carries them (`SnapshotDirectory.thumbnails`).
 *
 *   0      magic "QVRTHM\0\1" (8 bytes)
 *   8      u32 format version (1)
 *   12     u32 JSON length L
 *   16     L bytes UTF-8 JSON: [[point, field, length], …] (point: an integer or a string id)
 *   16+L   the thumbnails' bytes, concatenated in the order of the list
 *   end−4  u32 crc32 of everything before
 */
import { CorruptDataError } from '../errors.js';
import { crc32, fromUtf8, utf8 } from './binary.js';
import type { ThumbnailRow } from './catalog-thumbnails.js';

export const THUMBNAIL_PACK_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x54, 0x48, 0x4d, 0x00, 0x01]); // "QVRTHM\0\1"
const HEADER = 16;

/** Encodes `rows` into one pack. */
export function encodeThumbnailPack(rows: readonly ThumbnailRow[]): Uint8Array {
  const json = utf8(JSON.stringify(rows.map((r) => [r.point, r.field, r.body.length])));
  const bodies = rows.reduce((sum, r) => sum + r.body.length, 0);
  const out = new Uint8Array(HEADER + json.length + bodies + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, THUMBNAIL_PACK_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, HEADER);
  let at = HEADER + json.length;
  for (const r of rows) {
    out.set(r.body, at);
    at += r.body.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/** Parses a pack; `where` names it in errors (`CorruptDataError`). */
export function decodeThumbnailPack(bytes: Uint8Array, where: string): ThumbnailRow[] {
  const fail = (reason: string): never => {
    throw new CorruptDataError(where, reason);
  };
  if (bytes.length < HEADER + 4) fail('too short for a thumbnail pack');
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) fail('not a Quiver thumbnail pack (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== THUMBNAIL_PACK_FORMAT_VERSION) {
    fail(
      `thumbnail pack format version ${version} is not supported (this build reads ${THUMBNAIL_PACK_FORMAT_VERSION})`,
    );
  }
  const end = bytes.length - 4;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) fail('thumbnail pack checksum mismatch');
  const length = view.getUint32(12, true);
  if (HEADER + length > end) fail('thumbnail pack list runs past its end');
  let list: unknown;
  try {
    list = JSON.parse(fromUtf8(bytes.subarray(HEADER, HEADER + length)));
  } catch {
    return fail('thumbnail pack list is not JSON');
  }
  if (!Array.isArray(list)) return fail('thumbnail pack list is not a list');
  const rows: ThumbnailRow[] = [];
  let at = HEADER + length;
  for (const entry of list) {
    const [point, field, size] = Array.isArray(entry) ? entry : [];
    const validPoint = typeof point === 'string' || (Number.isSafeInteger(point) && point >= 0);
    if (!validPoint || typeof field !== 'string' || !Number.isSafeInteger(size) || size < 0) {
      fail('thumbnail pack has a bad entry');
    }
    if (at + size > end) fail('thumbnail pack entry runs past its end');
    rows.push({ point, field, body: bytes.slice(at, at + size) });
    at += size;
  }
  if (at !== end) fail('thumbnail pack has bytes after its last entry');
  return rows;
}
