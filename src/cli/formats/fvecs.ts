/**
 * Reader for `.fvecs` files (the TEXMEX / ann-benchmarks format of SIFT1M, GIST1M…): a
 * sequence of records, each an int32 little-endian dimension `d` followed by `d` float32
 * little-endian values. No header, no count: the row count is `size / (4 + 4d)`.
 *
 * Opening reads the first record's `d` and requires the file size to be a whole number of
 * records, so a truncated file is refused before any row is read. While streaming, every
 * record's own `d` is checked against the first one.
 */
import { open } from 'node:fs/promises';
import {
  checkBatchArguments,
  FileFormatError,
  readExactly,
  type VectorBatch,
  type VectorFile,
} from './vector-file.js';

/** An opened `.fvecs` file; `rows` and `dimension` follow from its size and first record. */
export interface FvecsFile extends VectorFile {
  readonly format: 'fvecs';
  readonly rows: number;
  readonly dimension: number;
}

/**
 * Opens `path` and checks that it is a whole number of records of the first record's dimension.
 * @throws FileFormatError for an empty or truncated file or a non-positive first dimension.
 * @example
 * const file = await openFvecs('sift_base.fvecs'); // file.rows === 1_000_000, file.dimension === 128
 */
export async function openFvecs(path: string): Promise<FvecsFile> {
  const handle = await open(path, 'r');
  let size: number;
  let dimension: number;
  try {
    size = (await handle.stat()).size;
    if (size === 0) throw new FileFormatError(path, 'empty .fvecs file (no records)');
    if (size < 4) throw new FileFormatError(path, `truncated .fvecs file (${size} bytes)`);
    const first = new Uint8Array(4);
    await readExactly(handle, path, first, 0);
    dimension = new DataView(first.buffer).getInt32(0, true);
  } finally {
    await handle.close();
  }
  if (dimension <= 0) {
    throw new FileFormatError(path, `first record has dimension ${dimension}; expected a positive int32`);
  }
  const recordBytes = 4 + 4 * dimension;
  if (size % recordBytes !== 0) {
    throw new FileFormatError(
      path,
      `truncated .fvecs file: ${size} bytes is not a whole number of ${recordBytes}-byte records ` +
        `(dimension ${dimension}); the last record has ${size % recordBytes} bytes`,
    );
  }
  const rows = size / recordBytes;
  return {
    path,
    format: 'fvecs',
    bytes: size,
    rows,
    dimension,
    batches: (batchSize, fromRow = 0) => readFvecsBatches(path, rows, dimension, batchSize, fromRow),
  };
}

async function* readFvecsBatches(
  path: string,
  rows: number,
  dimension: number,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const recordBytes = 4 + 4 * dimension;
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
        vectors: decodeRecords(path, bytes, start, dimension),
        bytesRead: position + bytes.length,
      };
    }
  } finally {
    await handle.close();
  }
}

/** Checks each record's dimension prefix and gathers the floats into a new row-major array. */
function decodeRecords(path: string, bytes: Uint8Array, start: number, dimension: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recordBytes = 4 + 4 * dimension;
  const rows = bytes.length / recordBytes;
  const out = new Float32Array(rows * dimension);
  for (let r = 0; r < rows; r++) {
    const base = r * recordBytes;
    const d = view.getInt32(base, true);
    if (d !== dimension) {
      throw new FileFormatError(
        path,
        `record ${start + r} has dimension ${d}, expected ${dimension} (as record 0)`,
      );
    }
    for (let i = 0; i < dimension; i++) out[r * dimension + i] = view.getFloat32(base + 4 + 4 * i, true);
  }
  return out;
}
