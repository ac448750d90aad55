/**
 * Payload overlay file format, version 1 (docs/format.md): the payloads of one sealed
 * segment's rows that changed after the segment was written (setPayload, overwritePayload,
 * deletePayloadKeys, clearPayload), as of one manifest version. The segment file keeps the
 * payloads it was written with; a reader takes a row's payload from the overlay when the
 * overlay holds the row, else from the segment. Immutable like tombstone files: a newer
 * manifest names a newer overlay file (holding every changed row, not only the latest
 * changes) instead of changing an old one. Compaction folds overlays into new segment files.
 *
 *   0  magic "QVRPAY\0\1" (8 bytes)
 *   8  u32 format version (1)
 *  12  u32 segment id
 *  16  u32 rows of the segment
 *  20  u32 JSON length L
 *  24  L bytes UTF-8 JSON: [[row, payload], …], rows ascending and < rows, payload an object or null
 *  24+L  u32 crc32 of everything before
 */
import { CorruptDataError } from '../errors.js';
import { crc32, fromUtf8, utf8 } from './binary.js';

export const PAYLOAD_OVERLAY_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x50, 0x41, 0x59, 0x00, 0x01]); // "QVRPAY\0\1"

export type OverlayEntry = [row: number, payload: Record<string, unknown> | null];

/** Encodes the changed rows (`entries` ascending by row) of segment `segmentId` of `rows` rows. */
export function encodePayloadOverlay(
  segmentId: number,
  rows: number,
  entries: readonly OverlayEntry[],
): Uint8Array {
  const json = utf8(JSON.stringify(entries));
  const out = new Uint8Array(24 + json.length + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, PAYLOAD_OVERLAY_FORMAT_VERSION, true);
  view.setUint32(12, segmentId, true);
  view.setUint32(16, rows, true);
  view.setUint32(20, json.length, true);
  out.set(json, 24);
  view.setUint32(24 + json.length, crc32(out.subarray(0, 24 + json.length)), true);
  return out;
}

/** Parses an overlay file and checks it belongs to `segmentId` with `rows` rows. */
export function decodePayloadOverlay(
  bytes: Uint8Array,
  file: string,
  segmentId: number,
  rows: number,
): OverlayEntry[] {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  if (bytes.length < 28) fail('file too short for a payload overlay header');
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) fail('not a Quiver payload overlay file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PAYLOAD_OVERLAY_FORMAT_VERSION)
    fail(`payload overlay format version ${version} is not supported`);
  const length = view.getUint32(20, true);
  if (bytes.length !== 24 + length + 4) fail(`length ${bytes.length} does not match ${length} bytes of JSON`);
  if (view.getUint32(24 + length, true) !== crc32(bytes.subarray(0, 24 + length))) fail('checksum mismatch');
  if (view.getUint32(12, true) !== segmentId)
    fail(`belongs to segment ${view.getUint32(12, true)}, not ${segmentId}`);
  if (view.getUint32(16, true) !== rows) fail(`covers ${view.getUint32(16, true)} rows, segment has ${rows}`);
  let entries: unknown;
  try {
    entries = JSON.parse(fromUtf8(bytes.subarray(24, 24 + length)));
  } catch {
    return fail('overlay body is not valid UTF-8 JSON');
  }
  if (!Array.isArray(entries)) return fail('overlay body is not a list of rows');
  let previous = -1;
  for (const entry of entries) {
    const ok =
      Array.isArray(entry) &&
      entry.length === 2 &&
      Number.isInteger(entry[0]) &&
      entry[0] > previous &&
      entry[0] < rows &&
      typeof entry[1] === 'object' &&
      !Array.isArray(entry[1]);
    if (!ok) fail(`malformed overlay row after row ${previous}`);
    previous = entry[0];
  }
  return entries as OverlayEntry[];
}
