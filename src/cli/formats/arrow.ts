/**
 * Reader for Arrow IPC files (`.arrow`, `.feather` v2: the file format with its footer) and
 * streams (`.arrows`), with apache-arrow loaded only when such a file is opened. Record batches
 * are read one at a time (random access for the file format, sequentially for streams), so
 * memory holds one record batch plus one import batch. Columns: see arrow-columns.ts.
 *
 * Opening reads the schema (and, for the file format, the footer: a truncated file is refused
 * there with `CorruptDataError`, before any row is read). Neither format states its row count
 * up front, so import progress counts bytes: the end of the latest read of the file, which
 * after the footer advances through the record batches in file order.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import {
  type ColumnOptions,
  type ColumnPlan,
  corrupt,
  firstLength,
  planColumns,
  toVectorBatch,
} from './arrow-columns.js';
import { checkBatchArguments, type VectorBatch, type VectorFile } from './vector-file.js';

/**
 * Opens an Arrow IPC file or stream and resolves its columns.
 * @throws CorruptDataError for a damaged file; FileFormatError for missing or mistyped columns.
 */
export async function openArrow(path: string, options: ColumnOptions = {}): Promise<VectorFile> {
  const { size } = await stat(path);
  const plan = await withReader(path, async (reader) => planColumns(path, reader.schema, options));
  return {
    path,
    format: 'arrow',
    bytes: size,
    rows: undefined,
    dimension: plan.dimension,
    batches: (batchSize, fromRow = 0) => readBatches(path, plan, size, batchSize, fromRow),
  };
}

type Reader = Awaited<ReturnType<typeof import('apache-arrow').RecordBatchReader.from>>;

async function withReader<T>(path: string, use: (reader: Reader) => Promise<T>): Promise<T> {
  const { RecordBatchReader } = await import('apache-arrow');
  const handle = await open(path, 'r');
  try {
    let reader: Reader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
      if (reader.schema === undefined) throw new Error('no schema');
    } catch (error) {
      corrupt(path, 'Arrow IPC', error);
    }
    return await use(reader);
  } finally {
    await handle.close();
  }
}

/** Re-slices record batches into import batches of `batchSize` rows. */
async function* readBatches(
  path: string,
  plan: ColumnPlan,
  size: number,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const { RecordBatchReader } = await import('apache-arrow');
  const handle = await open(path, 'r');
  try {
    const read = { end: 0 };
    let reader: Reader;
    try {
      reader = await RecordBatchReader.from(readTracking(handle, read));
    } catch (error) {
      corrupt(path, 'Arrow IPC', error);
    }
    yield* sliceBatches(path, plan, iterate(path, reader), batchSize, fromRow, () =>
      Math.min(read.end, size),
    );
  } finally {
    await handle.close();
  }
}

/**
 * `handle` with the end (position + bytes read) of its latest positional read kept in
 * `read.end`: how far the reader has consumed the file, for progress.
 */
function readTracking(handle: FileHandle, read: { end: number }): FileHandle {
  return new Proxy(handle, {
    get(target, key) {
      if (key === 'read') {
        return async (buffer: Uint8Array, offset: number, length: number, position: number) => {
          const result = await target.read(buffer, offset, length, position);
          if (typeof position === 'number') read.end = position + result.bytesRead;
          return result;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function* iterate(path: string, reader: AsyncIterable<RecordBatch>): AsyncGenerator<RecordBatch> {
  try {
    yield* reader;
  } catch (error) {
    corrupt(path, 'Arrow IPC', error);
  }
}

/**
 * Cuts a stream of Arrow record batches into import batches of at most `batchSize` rows from
 * row `fromRow` on (shared by the Arrow and Parquet readers). `progress()` is the bytes consumed.
 */
export async function* sliceBatches(
  path: string,
  plan: ColumnPlan,
  source: AsyncIterable<RecordBatch>,
  batchSize: number,
  fromRow: number,
  progress: () => number,
  firstRow = 0,
): AsyncGenerator<VectorBatch> {
  let row = firstRow; // file row of the record batch's first row
  let dimension = plan.dimension;
  for await (const batch of source) {
    if (batch.numRows === 0) continue;
    dimension ??= firstLength(path, batch, plan);
    for (let offset = Math.max(0, fromRow - row); offset < batch.numRows; offset += batchSize) {
      const end = Math.min(batch.numRows, offset + batchSize);
      yield toVectorBatch(path, batch.slice(offset, end), plan, row + offset, dimension, progress());
    }
    row += batch.numRows;
  }
}
