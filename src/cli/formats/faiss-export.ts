/**
 * `quiver export … file.faiss` (or `.index`): the collection as a FAISS index file that Python's
 * `faiss.read_index` opens — an `IndexIDMap2` over an `IndexFlat` of the collection's metric
 * (`l2` → METRIC_L2; `ip` → METRIC_INNER_PRODUCT; `cosine` → METRIC_INNER_PRODUCT over the
 * stored, unit-length vectors, so FAISS's scores are the cosine similarities), with the
 * points' ids as FAISS's int64 labels, written by `quiverdb/faiss`'s `writeIndex`.
 *
 * FAISS labels are integers: a collection with string ids is refused (`InvalidArgumentError`),
 * as are metrics FAISS's flat index does not share with Quiver (l1, hamming, jaccard). The
 * index is built in memory (a FAISS file is one serialized object), so this format needs
 * memory for the collection's vectors, unlike the streaming ones.
 */
import { rename, rm } from 'node:fs/promises';
import type { Collection } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { IndexFlat, IndexIDMap2, METRIC_INNER_PRODUCT, METRIC_L2, writeIndex } from '../../faiss/index.js';
import { collectionPages, surveyCollection } from './collection-pages.js';
import type { ExportResult } from './npy-export.js';
import { refuseExisting } from './output-file.js';

/** Writes the collection to `path` (see the module comment). */
export async function exportFaiss(
  collection: Collection,
  path: string,
  progress: (points: number) => void,
): Promise<ExportResult> {
  refuseExisting([path]);
  const metric = collection.metric;
  if (metric !== 'l2' && metric !== 'ip' && metric !== 'cosine') {
    throw new InvalidArgumentError(
      `collection '${collection.name}' has metric ${metric}; FAISS files hold l2, ip or cosine (as inner product) collections`,
    );
  }
  const survey = await surveyCollection(collection, false);
  if (!survey.integerIds) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' has string ids; FAISS labels are integers, so it cannot be exported as a FAISS file (export .npy or .parquet)`,
    );
  }
  const index = new IndexIDMap2(
    new IndexFlat(collection.dimension, metric === 'l2' ? METRIC_L2 : METRIC_INNER_PRODUCT),
  );
  let written = 0;
  for await (const page of collectionPages(collection, false)) {
    index.addWithIds(page.vectors, page.ids as number[]);
    written += page.ids.length;
    progress(written);
  }
  const partial = `${path}.partial`;
  try {
    await writeIndex(index, partial);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { points: written, files: [path] };
}
