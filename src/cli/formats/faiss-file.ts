/**
 * Import reader for FAISS index files (`.faiss`, `.index`: what `faiss.write_index` writes),
 * read with `quiverdb/faiss`'s `readIndex`: every class it reads (flat, HNSW, IVF, PQ, SQ,
 * wrapped in `IndexIDMap`/`IndexIDMap2` or not). Ids are the id map's labels (which must be
 * non-negative safe integers) or, without a map, the row numbers; vectors are reconstructed
 * (decoded, for quantized indexes; LSH keeps only signs, so it is refused). The file's metric
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
  for (let start = fromRow; start < ntotal; start += batchSize) {
    const rows = Math.min(batchSize, ntotal - start);
    const vectors = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) vectors.set(inner.reconstruct(start + r), r * d);
    const batch: VectorBatch = {
      start,
      rows,
      dimension: d,
      vectors,
      bytesRead: Math.round(((start + rows) / ntotal) * size),
    };
    if (labels !== undefined) {
      batch.ids = Array.from(labels.subarray(start, start + rows), (label, r) => {
        const id = Number(label);
        if (label < 0n || !Number.isSafeInteger(id)) {
          throw new InvalidIdError(
            `${path}: row ${start + r} has label ${label}, not a non-negative safe integer`,
          );
        }
        return id;
      });
    }
    yield batch;
  }
}
