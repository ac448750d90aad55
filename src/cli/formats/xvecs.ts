/**
 * Readers for `.bvecs` and `.ivecs` files (TEXMEX's SIFT1B base vectors and ground-truth
 * files): records of an int32 little-endian dimension `d` followed by `d` values — uint8
 * (`.bvecs`) or int32 little-endian (`.ivecs`) — converted to float32. Same layout as `.fvecs`
 * (see fvecs.ts) but for the element type.
 *
 * Opening reads the first record's `d` and requires the file size to be a whole number of
 * records, so a truncated file is refused with `CorruptDataError` before any row is read; every
 * record's own `d` is checked while streaming.
 */
import { open } from 'node:fs/promises';
import { CorruptDataError } from '../../errors.js';
import { checkBatchArguments, readExactly, type VectorBatch, type VectorFile } from './vector-file.js';

/** The integer-element variants of the `.fvecs` layout. */
export type XvecsFormat = 'bvecs' | 'ivecs';

const ELEMENT_BYTES: Record<XvecsFormat, number> = { bvecs: 1, ivecs: 4 };

/** An opened `.bvecs` / `.ivecs` file; `rows` and `dimension` follow from its size and first record. */
export interface XvecsFile extends VectorFile {
  readonly format: XvecsFormat;
  readonly rows: number;
  readonly dimension: number;
}

/**
 * Opens `path` as `format` and checks that it is a whole number of records.
 * @throws CorruptDataError for an empty or truncated file or a non-positive first dimension.
 * @example
 * const file = await openXvecs('bigann_base.bvecs', 'bvecs'); // file.dimension === 128
 */
export async function openXvecs(path: string, format: XvecsFormat): Promise<XvecsFile> {
  const handle = await open(path, 'r');
  let size: number;
  let dimension: number;
  try {
    size = (await handle.stat()).size;
    if (size < 4) throw new CorruptDataError(path, `truncated .${format} file (${size} bytes, no record)`);
    const first = new Uint8Array(4);
    await readExactly(handle, path, first, 0);
    dimension = new DataView(first.buffer).getInt32(0, true);
  } finally {
    await handle.close();
  }
  if (dimension <= 0) {
    throw new CorruptDataError(path, `first record has dimension ${dimension}; expected a positive int32`);
  }
  const recordBytes = 4 + ELEMENT_BYTES[format] * dimension;
  if (size % recordBytes !== 0) {
    throw new CorruptDataError(
      path,
      `truncated .${format} file: ${size} bytes is not a whole number of ${recordBytes}-byte records ` +
        `(dimension ${dimension})`,
    );
  }
  const rows = size / recordBytes;
  return {
    path,
    format,
    bytes: size,
    rows,
    dimension,
    batches: (batchSize, fromRow = 0) => readBatches(path, format, rows, dimension, batchSize, fromRow),
  };
}

async function* readBatches(
  path: string,
  format: XvecsFormat,
  rows: number,
  dimension: number,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const recordBytes = 4 + ELEMENT_BYTES[format] * dimension;
  const handle = await open(path, 'r');
  try {
    for (let start = fromRow; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const position = start * recordBytes;
      const bytes = new Uint8Array(count * recordBytes);
      await readExactly(handle, path, bytes, position);
      yield {
        start,
        rows: count,
        dimension,
        vectors: decodeRecords(path, format, bytes, start, dimension),
        bytesRead: position + bytes.length,
      };
    }
  } finally {
    await handle.close();
  }
}

/** Checks each record's dimension prefix and converts its elements into a new row-major Float32Array. */
function decodeRecords(
  path: string,
  format: XvecsFormat,
  bytes: Uint8Array,
  start: number,
  dimension: number,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recordBytes = 4 + ELEMENT_BYTES[format] * dimension;
  const rows = bytes.length / recordBytes;
  const out = new Float32Array(rows * dimension);
  for (let r = 0; r < rows; r++) {
    const base = r * recordBytes;
    const d = view.getInt32(base, true);
    if (d !== dimension) {
      throw new CorruptDataError(path, `record ${start + r} has dimension ${d}, expected ${dimension}`);
    }
    const row = r * dimension;
    if (format === 'bvecs') for (let i = 0; i < dimension; i++) out[row + i] = bytes[base + 4 + i];
    else for (let i = 0; i < dimension; i++) out[row + i] = view.getInt32(base + 4 + 4 * i, true);
  }
  return out;
}
