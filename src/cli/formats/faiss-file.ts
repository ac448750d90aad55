/**
 * Import reader for FAISS index files (`.faiss`, `.index`: what `faiss.write_index` writes),
 * read with `quiverdb/faiss`'s `readIndex`: every class it reads (flat, HNSW, IVF, PQ, SQ,
 * wrapped in `IndexIDMap`/`IndexIDMap2` or not). Ids are the id map's labels (which must be
 * non-negative safe integers), else an IVF's own ids (what its searches return), else the row
 * numbers; vectors are reconstructed (decoded, for quantized indexes; LSH keeps only signs, so
 * it is refused). An IVF's rows come list by list, in one pass over its lists. The file's metric
 * (`METRIC_L2` → l2, `METRIC_INNER_PRODUCT` → ip, `METRIC_L1` → l1) is offered for `--create`.
 *
 * A FAISS file is one serialized object, so the whole index is read (and checked: a truncated
 * or corrupt file is refused with `CorruptDataError` on open) and held while importing;
 * batches of vectors are then reconstructed one at a time.
 */
import { stat } from 'node:fs/promises';
import type { Metric } from '../../db/types.js';
import { InvalidIdError } from '../../errors.js';
import {
  type Index,
  IndexIDMap,
  IndexIVF,
  IndexLSH,
  METRIC_INNER_PRODUCT,
  METRIC_L1,
  METRIC_L2,
  readIndex,
} from '../../faiss/index.js';
import { checkBatchArguments, FileFormatError, type VectorBatch, type VectorFile } from './vector-file.js';

const METRICS: Record<number, Metric> = {
  [METRIC_L2]: 'l2',
  [METRIC_INNER_PRODUCT]: 'ip',
  [METRIC_L1]: 'l1',
};

/**
 * Reads and checks the FAISS index file at `path`.
 * @throws CorruptDataError for a truncated, corrupt or unknown file; FileFormatError for an
 * index whose vectors cannot be reconstructed (LSH) or a metric Quiver does not have.
 */
export async function openFaissFile(path: string): Promise<VectorFile> {
  const { size } = await stat(path);
  const index = await readIndex(path);
  const inner = index instanceof IndexIDMap ? index.index : index;
  const metric = METRICS[index.metricType];
  if (inner instanceof IndexLSH || metric === undefined) {
    index.dispose();
    throw new FileFormatError(
      path,
      inner instanceof IndexLSH
        ? `${inner.className} keeps only sign bits: its vectors cannot be imported`
        : `FAISS metric ${index.metricType} has no Quiver equivalent`,
    );
  }
  return {
    path,
    format: 'faiss',
    bytes: size,
    rows: index.ntotal,
    dimension: index.d,
    metric,
    batches: (batchSize, fromRow = 0) => readBatches(path, index, size, batchSize, fromRow),
  };
}

async function* readBatches(
  path: string,
  index: Index,
  size: number,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const labels = index instanceof IndexIDMap ? index.idMap : undefined;
  const inner = index instanceof IndexIDMap ? index.index : index;
  const { d, ntotal } = index;
  const rows =
    inner instanceof IndexIVF ? ivfRows(inner, batchSize, fromRow) : positionRows(inner, batchSize, fromRow);
  let start = fromRow;
  for (const chunk of rows) {
    const n = chunk.vectors.length / d;
    const batch: VectorBatch = {
      start,
      rows: n,
      dimension: d,
      vectors: chunk.vectors,
      bytesRead: Math.round(((start + n) / ntotal) * size),
    };
    if (labels !== undefined) {
      batch.ids = Array.from({ length: n }, (_, r) => {
        const position = chunk.keys === undefined ? start + r : Number(chunk.keys[r]);
        const label = labels[position];
        if (label === undefined)
          throw new FileFormatError(path, `the id map has no entry for vector ${position}`);
        return checkedId(path, start + r, label);
      });
    } else if (chunk.keys !== undefined) {
      batch.ids = Array.from(chunk.keys, (key, r) => checkedId(path, start + r, key));
    }
    start += n;
    yield batch;
  }
}

/** A run of rows: their vectors and, for IVF lists, the ids the index keeps with them. */
interface RowChunk {
  vectors: Float32Array;
  keys?: BigInt64Array;
}

/** Rows by position (vector i of a flat, HNSW, PQ or SQ index is row i). */
function* positionRows(inner: Index, batchSize: number, fromRow: number): Generator<RowChunk> {
  const { d, ntotal } = inner;
  for (let start = fromRow; start < ntotal; start += batchSize) {
    const rows = Math.min(batchSize, ntotal - start);
    const vectors = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) vectors.set(inner.reconstruct(start + r), r * d);
    yield { vectors };
  }
}

/**
 * An IVF's rows list by list, in one pass over the lists (`reconstruct` by id would scan the
 * lists once per row): row numbers count entries in list order.
 */
function* ivfRows(ivf: IndexIVF, batchSize: number, fromRow: number): Generator<RowChunk> {
  let skip = fromRow;
  let pending: RowChunk[] = [];
  let pendingRows = 0;
  const flush = (): RowChunk => {
    const vectors = new Float32Array(pendingRows * ivf.d);
    const keys = new BigInt64Array(pendingRows);
    let at = 0;
    for (const part of pending) {
      vectors.set(part.vectors, at * ivf.d);
      keys.set(part.keys!, at);
      at += part.keys!.length;
    }
    pending = [];
    pendingRows = 0;
    return { vectors, keys };
  };
  for (let l = 0; l < ivf.nlist; l++) {
    const size = ivf.listSize(l);
    let at = Math.min(skip, size);
    skip -= at;
    while (at < size) {
      const part = ivf.decodeList(l, at, batchSize - pendingRows);
      pending.push({ vectors: part.vectors, keys: part.ids });
      pendingRows += part.ids.length;
      at += part.ids.length;
      if (pendingRows === batchSize) yield flush();
    }
  }
  if (pendingRows > 0) yield flush();
}

/** A label or IVF id as a point id. @throws InvalidIdError unless a non-negative safe integer. */
function checkedId(path: string, row: number, label: bigint): number {
  const id = Number(label);
  if (label < 0n || !Number.isSafeInteger(id)) {
    throw new InvalidIdError(`${path}: row ${row} has label ${label}, not a non-negative safe integer`);
  }
  return id;
}
