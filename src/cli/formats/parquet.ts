/**
 * Reader for Parquet files (Hugging Face datasets, LanceDB and pandas exports), with
 * parquet-wasm (Rust's parquet crate in WebAssembly) and apache-arrow loaded only when such a
 * file is opened. The file is opened as a Blob (`fs.openAsBlob`: read on demand, not loaded)
 * and read one row group at a time, each handed over to apache-arrow as an IPC stream, so
 * memory holds one row group plus one import batch. Columns: see arrow-columns.ts.
 *
 * Opening reads the footer (a truncated or damaged file is refused there with
 * `CorruptDataError`, before any row is read), the schema and the row count.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import type { ParquetFile } from 'parquet-wasm/node';
import { sliceBatches } from './arrow.js';
import { type ColumnOptions, type ColumnPlan, corrupt, planColumns } from './arrow-columns.js';
import { checkBatchArguments, type VectorBatch, type VectorFile } from './vector-file.js';

/**
 * Opens a Parquet file and resolves its columns.
 * @throws CorruptDataError for a damaged file; FileFormatError for missing or mistyped columns.
 */
export async function openParquet(path: string, options: ColumnOptions = {}): Promise<VectorFile> {
  const { size } = await stat(path);
  const { tableFromIPC } = await import('apache-arrow');
  const file = await openParquetFile(path);
  let plan: ColumnPlan;
  let rows: number;
  try {
    plan = planColumns(path, tableFromIPC(file.schema().intoIPCStream()).schema, options);
    rows = file.metadata().fileMetadata().numRows();
  } catch (error) {
    corrupt(path, 'Parquet', error);
  } finally {
    file.free();
  }
  return {
    path,
    format: 'parquet',
    bytes: size,
    rows,
    dimension: plan.dimension,
    batches: (batchSize, fromRow = 0) => readBatches(path, plan, size, batchSize, fromRow),
  };
}

/** parquet-wasm's file over a Blob of `path`; its footer is parsed here. */
async function openParquetFile(path: string): Promise<ParquetFile> {
  const parquet = await import('parquet-wasm/node');
  try {
    return await parquet.ParquetFile.fromFile(await openAsBlob(path));
  } catch (error) {
    corrupt(path, 'Parquet', error);
  }
}

async function* readBatches(
  path: string,
  plan: ColumnPlan,
  size: number,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const file = await openParquetFile(path);
  try {
    const metadata = file.metadata();
    const groups = metadata.rowGroups().map((g) => ({ rows: g.numRows(), bytes: g.compressedSize() }));
    // Skip whole row groups before `fromRow` without reading them.
    let first = 0;
    let firstRow = 0;
    while (first < groups.length && firstRow + groups[first].rows <= fromRow)
      firstRow += groups[first++].rows;
    let bytesRead = 0;
    const source = rowGroups(path, file, plan, groups, first, (bytes) => {
      bytesRead += bytes;
    });
    yield* sliceBatches(path, plan, source, batchSize, fromRow, () => Math.min(size, bytesRead), firstRow);
  } finally {
    file.free();
  }
}

/** The record batches of row groups `first…`, one row group in memory at a time. */
async function* rowGroups(
  path: string,
  file: ParquetFile,
  plan: ColumnPlan,
  groups: { rows: number; bytes: number }[],
  first: number,
  consumed: (bytes: number) => void,
): AsyncGenerator<RecordBatch> {
  const { tableFromIPC } = await import('apache-arrow');
  const columns = [plan.vector, ...(plan.id === undefined ? [] : [plan.id]), ...plan.payload];
  for (let g = first; g < groups.length; g++) {
    let batches: RecordBatch[];
    try {
      const table = await file.read({ rowGroups: [g], columns });
      batches = tableFromIPC(table.intoIPCStream()).batches;
    } catch (error) {
      corrupt(path, 'Parquet', error);
    }
    consumed(groups[g].bytes);
    yield* batches;
  }
}
