/**
 * Import reader for hnswlib index files (`saveIndex` / `save_index` of hnswlib, hnswlib-node
 * and python3-hnswlib), read with `quiverdb/faiss`'s `readHnswlib`. Ids are the elements'
 * labels (non-negative safe integers); deleted elements are left out; vectors are the stored
 * ones (unit length for a `cosine` index, as hnswlib stores them).
 *
 * The file does not record its space: `--metric` (l2, ip or cosine; default l2) names it, and
 * is what `--create` uses. The whole index is read (and checked: a truncated or corrupt file
 * is refused with `CorruptDataError` on open) and held while importing.
 */
import { stat } from 'node:fs/promises';
import type { Metric } from '../../db/types.js';
import { InvalidArgumentError, InvalidIdError } from '../../errors.js';
import { type HnswlibSpace, readHnswlib } from '../../faiss/index.js';
import { checkBatchArguments, type VectorBatch, type VectorFile } from './vector-file.js';

/**
 * Reads the hnswlib index file at `path` as an index of `metric`'s space.
 * @throws InvalidArgumentError for a metric hnswlib has no space for.
 */
export async function openHnswlibFile(path: string, metric: Metric = 'l2'): Promise<VectorFile> {
  if (metric !== 'l2' && metric !== 'ip' && metric !== 'cosine') {
    throw new InvalidArgumentError(
      `hnswlib spaces are l2, ip and cosine; --metric ${metric} is none of them`,
    );
  }
  const { size } = await stat(path);
  const index = await readHnswlib(path, metric as HnswlibSpace);
  const labels = index.idsList().sort();
  const ids = Array.from(labels, (label) => {
    const id = Number(label);
    if (label < 0n || !Number.isSafeInteger(id)) {
      throw new InvalidIdError(`${path}: label ${label} is not a non-negative safe integer`);
    }
    return id;
  });
  const dimension = index.dim;
  return {
    path,
    format: 'hnswlib',
    bytes: size,
    rows: ids.length,
    dimension,
    metric,
    batches: async function* (batchSize, fromRow = 0): AsyncGenerator<VectorBatch> {
      checkBatchArguments(batchSize, fromRow);
      for (let start = fromRow; start < ids.length; start += batchSize) {
        const batchIds = ids.slice(start, start + batchSize);
        const vectors = new Float32Array(batchIds.length * dimension);
        index.getItems(batchIds).forEach((row, r) => {
          vectors.set(row, r * dimension);
        });
        yield {
          start,
          rows: batchIds.length,
          dimension,
          vectors,
          ids: batchIds,
          bytesRead: Math.round(((start + batchIds.length) / ids.length) * size),
        };
      }
    },
  };
}
