/**
 * The TEXMEX vector files (`.fvecs`, `.bvecs`, `.ivecs`: SIFT1M / GIST1M base and query
 * vectors, SIFT1B's base vectors, ground-truth neighbour lists): a sequence of records, each
 * an int32 little-endian dimension `d` followed by `d` elements — float32 (`.fvecs`), uint8
 * (`.bvecs`) or int32 (`.ivecs`), little-endian — read as float32. No header and no count:
 * the row count is `size / (4 + d · element bytes)`.
 *
 * Opening reads the first record's `d` and requires the file size to be a whole number of
 * records, so a truncated file is refused before any row is read; while streaming, every
 * record's own `d` is checked against the first one. A refused `.fvecs` file throws
 * `FileFormatError` (`INVALID_FILE`, as the importer's first formats, .npy and JSON Lines,
 * do); a refused `.bvecs` / `.ivecs` file throws `CorruptDataError`, as the formats added
 * with them do.
 */
import { open } from 'node:fs/promises';
import { CorruptDataError } from '../../errors.js';
import {
  checkBatchArguments,
  FileFormatError,
  readExactly,
  type VectorBatch,
  type VectorFile,
} from './vector-file.js';

/** The element types of the layout. */
export type XvecsFormat = 'fvecs' | 'bvecs' | 'ivecs';

const ELEMENT_BYTES: Record<XvecsFormat, number> = { fvecs: 4, bvecs: 1, ivecs: 4 };

/** An opened TEXMEX file; `rows` and `dimension` follow from its size and first record. */
export interface XvecsFile<F extends XvecsFormat = XvecsFormat> extends VectorFile {
  readonly format: F;
  readonly rows: number;
  readonly dimension: number;
}

/** The error a refused file of `format` throws (see the module comment). */
function refused(path: string, format: XvecsFormat, reason: string): Error {
  return format === 'fvecs' ? new FileFormatError(path, reason) : new CorruptDataError(path, reason);
}

/**
 * Opens `path` as `format` and checks that it is a whole number of records of the first
 * record's dimension.
 * @throws FileFormatError (`.fvecs`) or CorruptDataError (`.bvecs`, `.ivecs`) for an empty or
 * truncated file or a non-positive first dimension.
 * @example
 * const file = await openXvecs('bigann_base.bvecs', 'bvecs'); // file.dimension === 128
 */
export async function openXvecs<F extends XvecsFormat>(path: string, format: F): Promise<XvecsFile<F>> {
  const handle = await open(path, 'r');
  let size: number;
  let dimension: number;
  try {
    size = (await handle.stat()).size;
    if (size === 0) throw refused(path, format, `empty .${format} file (no records)`);
    if (size < 4) throw refused(path, format, `truncated .${format} file (${size} bytes)`);
    const first = new Uint8Array(4);
    await readExactly(handle, path, first, 0);
    dimension = new DataView(first.buffer).getInt32(0, true);
  } finally {
    await handle.close();
  }
  if (dimension <= 0) {
    throw refused(path, format, `first record has dimension ${dimension}; expected a positive int32`);
  }
  const recordBytes = 4 + ELEMENT_BYTES[format] * dimension;
  if (size % recordBytes !== 0) {
    throw refused(
      path,
      format,
      `truncated .${format} file: ${size} bytes is not a whole number of ${recordBytes}-byte records ` +
        `(dimension ${dimension}); the last record has ${size % recordBytes} bytes`,
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
      throw refused(
        path,
        format,
        `record ${start + r} has dimension ${d}, expected ${dimension} (as record 0)`,
      );
    }
    const row = r * dimension;
    if (format === 'bvecs') for (let i = 0; i < dimension; i++) out[row + i] = bytes[base + 4 + i];
    else if (format === 'ivecs')
      for (let i = 0; i < dimension; i++) out[row + i] = view.getInt32(base + 4 + 4 * i, true);
    else for (let i = 0; i < dimension; i++) out[row + i] = view.getFloat32(base + 4 + 4 * i, true);
  }
  return out;
}
