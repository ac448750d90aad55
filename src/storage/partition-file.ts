/**
 * Value partition file format, version 1 (docs/format.md): the value partitions of the
 * partitioned keyword keys of one vector field of one sealed segment (segment/value-partitions.ts),
 * so that opening reads them instead of rebuilding their graphs (19–39 s per 1M rows).
 *
 * Like an index file it is derived data beside an immutable segment: for each key and value,
 * the rows holding the value (segment offsets, ascending) and the serialized HNSW graph over
 * the packed copy of those rows' vectors (the copy itself is not stored: it is gathered from
 * the segment's vectors at load). A partition set is only used when its rows are exactly
 * those the segment's current keyword index gives for that value (the reader checks), so a
 * file left stale by payload updates or a re-declared index is ignored and rebuilt. Written
 * after a partition build, replaced whole (atomic `put`), deleted with its segment.
 *
 *   0  magic "QVRPRT\0\1" (8 bytes)
 *   8  u32 format version (1)
 *  12  u32 segment id
 *  16  u32 segment rows
 *  20  u32 dimension of the field
 *  24  u32 directory length D
 *  28  D bytes: UTF-8 JSON directory
 *        { "field": name, "keys": [{ "key", "ef", "values": [{ "value", "rows": n, "graph": bytes }] }] }
 *  28+D  zero padding to a multiple of 4
 *  then, per key and value in directory order: n × u32 rows, then the graph bytes, zero-padded
 *  to a multiple of 4
 *  end  u32 crc32 of every byte before it
 */
import { CorruptDataError } from '../errors.js';
import { alignUp, crc32, fromUtf8, utf8 } from './binary.js';

export const PARTITION_FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x51, 0x56, 0x52, 0x50, 0x52, 0x54, 0x00, 0x01]); // "QVRPRT\0\1"
const HEADER = 28;

/** One value's partition: its rows and the serialized graph over their packed vectors. */
export interface StoredPartition {
  value: string;
  rows: Uint32Array;
  graph: Uint8Array;
}

/** The partitions of one key, with the ef their graphs search with by default. */
export interface StoredKeyPartitions {
  key: string;
  ef: number;
  values: StoredPartition[];
}

export interface PartitionFile {
  segmentId: number;
  segmentRows: number;
  field: string;
  dimension: number;
  keys: StoredKeyPartitions[];
}

interface Directory {
  field: string;
  keys: { key: string; ef: number; values: { value: string; rows: number; graph: number }[] }[];
}

export function encodePartitionFile(file: PartitionFile): Uint8Array {
  const directory: Directory = {
    field: file.field,
    keys: file.keys.map((k) => ({
      key: k.key,
      ef: k.ef,
      values: k.values.map((v) => ({ value: v.value, rows: v.rows.length, graph: v.graph.byteLength })),
    })),
  };
  const dir = utf8(JSON.stringify(directory));
  let length = alignUp(HEADER + dir.length, 4);
  for (const k of file.keys)
    for (const v of k.values) length += v.rows.byteLength + alignUp(v.graph.byteLength, 4);
  const out = new Uint8Array(length + 4);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, PARTITION_FORMAT_VERSION, true);
  view.setUint32(12, file.segmentId, true);
  view.setUint32(16, file.segmentRows, true);
  view.setUint32(20, file.dimension, true);
  view.setUint32(24, dir.length, true);
  out.set(dir, HEADER);
  let at = alignUp(HEADER + dir.length, 4);
  for (const k of file.keys) {
    for (const v of k.values) {
      for (let i = 0; i < v.rows.length; i++) view.setUint32(at + 4 * i, v.rows[i], true);
      at += v.rows.byteLength;
      out.set(v.graph, at);
      at += alignUp(v.graph.byteLength, 4);
    }
  }
  view.setUint32(length, crc32(out.subarray(0, length)), true);
  return out;
}

/**
 * Parses and verifies a partition file of segment `segmentId` with `segmentRows` rows;
 * `CorruptDataError` naming `name` when it does not verify (the caller rebuilds instead).
 */
export function decodePartitionFile(
  bytes: Uint8Array,
  name: string,
  segmentId: number,
  segmentRows: number,
): PartitionFile {
  const fail = (reason: string): never => {
    throw new CorruptDataError(name, reason);
  };
  if (bytes.length < HEADER + 4) fail('file too short for a partition header');
  for (let i = 0; i < MAGIC.length; i++)
    if (bytes[i] !== MAGIC[i]) fail('not a Quiver partition file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PARTITION_FORMAT_VERSION) fail(`partition format version ${version} is not supported`);
  const end = bytes.length - 4;
  if (view.getUint32(end, true) !== crc32(bytes.subarray(0, end))) fail('checksum mismatch');
  if (view.getUint32(12, true) !== segmentId)
    fail(`belongs to segment ${view.getUint32(12, true)}, not ${segmentId}`);
  if (view.getUint32(16, true) !== segmentRows)
    fail(`covers ${view.getUint32(16, true)} rows, not ${segmentRows}`);
  const dirLength = view.getUint32(24, true);
  if (HEADER + dirLength > end) fail('directory runs past the end');
  let directory: Directory;
  try {
    directory = JSON.parse(fromUtf8(bytes.subarray(HEADER, HEADER + dirLength)));
  } catch {
    return fail('directory is not valid JSON');
  }
  if (typeof directory?.field !== 'string' || !Array.isArray(directory.keys)) fail('malformed directory');
  let at = alignUp(HEADER + dirLength, 4);
  const keys = directory.keys.map((k): StoredKeyPartitions => {
    if (typeof k?.key !== 'string' || !Number.isSafeInteger(k.ef) || !Array.isArray(k.values))
      fail('malformed key');
    const values = k.values.map((v): StoredPartition => {
      if (typeof v?.value !== 'string' || !Number.isSafeInteger(v.rows) || !Number.isSafeInteger(v.graph)) {
        fail('malformed value');
      }
      if (v.rows < 0 || v.graph < 0 || at + 4 * v.rows + v.graph > end) fail('partition runs past the end');
      const rows = new Uint32Array(v.rows);
      for (let i = 0; i < v.rows; i++) {
        rows[i] = view.getUint32(at + 4 * i, true);
        if (rows[i] >= segmentRows || (i > 0 && rows[i] <= rows[i - 1]))
          fail('rows are not ascending segment offsets');
      }
      at += 4 * v.rows;
      const graph = bytes.slice(at, at + v.graph);
      at += alignUp(v.graph, 4);
      return { value: v.value, rows, graph };
    });
    return { key: k.key, ef: k.ef, values };
  });
  if (at !== end) fail(`the partitions end at ${at}, the file at ${end}`);
  return { segmentId, segmentRows, field: directory.field, dimension: view.getUint32(20, true), keys };
}

/** The object key of the partition file of `field` (its name, '' for the unnamed vector) of segment `segmentId`. */
export function partitionKey(prefix: string, segmentId: number, field: string): string {
  return `${prefix}seg-${String(segmentId).padStart(6, '0')}${field === '' ? '' : `.${field}`}.qpart`;
}
