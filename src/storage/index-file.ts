/**
 * Index file format, version 1 (docs/format.md): the approximate index of one sealed
 * segment (its graph, not its vectors, which the segment file holds). Written after the
 * segment, once the index is built; immutable; named by the segment's manifest entry.
 *
 *   0  magic "QVRIDX\0\1" (8 bytes)
 *   8  u32 format version (1)
 *  12  u32 segment id
 *  16  u32 rows (nodes the index covers: the segment's rows)
 *  20  u32 T: bytes of the index type name
 *  24  f64 L: bytes of the index body
 *  32  T bytes index type name (UTF-8, e.g. "hnsw"), zero-padded to a multiple of 8
 *  32+T'  L bytes index body (for hnsw: `HnswGraph.serialize()`, see docs/format.md)
 *  end-4  u32 crc32 of everything before
 */
import { CorruptDataError } from '../errors.js';
import { alignUp, crc32, fromUtf8, utf8 } from './binary.js';

export const INDEX_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x49, 0x44, 0x58, 0x00, 0x01]); // "QVRIDX\0\1"
const HEADER = 32;

export interface IndexFile {
  segmentId: number;
  rows: number;
  indexType: string;
  body: Uint8Array;
}

export function encodeIndexFile(file: IndexFile): Uint8Array {
  const type = utf8(file.indexType);
  const typeBytes = alignUp(type.length, 8);
  const out = new Uint8Array(HEADER + typeBytes + file.body.length + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, INDEX_FORMAT_VERSION, true);
  view.setUint32(12, file.segmentId, true);
  view.setUint32(16, file.rows, true);
  view.setUint32(20, type.length, true);
  view.setFloat64(24, file.body.length, true);
  out.set(type, HEADER);
  out.set(file.body, HEADER + typeBytes);
  const end = out.length - 4;
  view.setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

/** An index file's header, verified but for its checksum and owner (`indexFileLayout`). */
export interface IndexFileLayout {
  indexType: string;
  /** Byte offset and length of the body; the CRC-32 of every byte before `bodyOffset + bodyLength` follows it. */
  bodyOffset: number;
  bodyLength: number;
  /** The segment and rows the header names. */
  segmentId: number;
  rows: number;
}

/** Bytes of an index file's header and type name at most (the type name is a short factory string). */
export const MAX_INDEX_HEAD_BYTES = 4096;

/**
 * Parses the header of an index file of `fileLength` bytes from `head`, its first bytes (the
 * whole file or at least `min(fileLength, MAX_INDEX_HEAD_BYTES)` of it): magic, version and a
 * length that matches the file. The checksum and the owner are checked after (`checkIndexFile`).
 */
export function indexFileLayout(head: Uint8Array, fileLength: number, file: string): IndexFileLayout {
  const fail = (reason: string): never => {
    throw new CorruptDataError(file, reason);
  };
  if (fileLength < HEADER + 4 || head.length < HEADER + 4) fail('file too short for an index header');
  for (let i = 0; i < MAGIC.length; i++)
    if (head[i] !== MAGIC[i]) fail('not a Quiver index file (bad magic)');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = view.getUint32(8, true);
  if (version !== INDEX_FORMAT_VERSION) fail(`index format version ${version} is not supported`);
  const typeLength = view.getUint32(20, true);
  const bodyLength = view.getFloat64(24, true);
  const typeBytes = alignUp(typeLength, 8);
  if (!Number.isInteger(bodyLength) || fileLength !== HEADER + typeBytes + bodyLength + 4) {
    fail(`length ${fileLength} does not match the header`);
  }
  if (HEADER + typeLength > head.length) fail(`index type name of ${typeLength} bytes`);
  return {
    indexType: fromUtf8(head.subarray(HEADER, HEADER + typeLength)),
    bodyOffset: HEADER + typeBytes,
    bodyLength,
    segmentId: view.getUint32(12, true),
    rows: view.getUint32(16, true),
  };
}

/**
 * Checks an index file whose header is `layout`: `crc` (the CRC-32 of its bytes before the
 * stored one) against `stored`, then that it belongs to `segmentId` with `rows` rows.
 */
export function checkIndexFile(
  layout: IndexFileLayout,
  crc: number,
  stored: number,
  file: string,
  segmentId: number,
  rows: number,
): void {
  if (stored !== crc) throw new CorruptDataError(file, 'checksum mismatch');
  if (layout.segmentId !== segmentId)
    throw new CorruptDataError(file, `belongs to segment ${layout.segmentId}, not ${segmentId}`);
  if (layout.rows !== rows)
    throw new CorruptDataError(file, `covers ${layout.rows} rows, segment has ${rows}`);
}

/** Parses an index file and checks that it belongs to `segmentId` with `rows` rows. */
export function decodeIndexFile(bytes: Uint8Array, file: string, segmentId: number, rows: number): IndexFile {
  const layout = indexFileLayout(bytes, bytes.length, file);
  const end = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true);
  checkIndexFile(layout, crc32(bytes.subarray(0, end)), stored, file, segmentId, rows);
  return {
    segmentId,
    rows,
    indexType: layout.indexType,
    body: bytes.subarray(layout.bodyOffset, end),
  };
}
