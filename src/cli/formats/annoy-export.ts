/**
 * `quiver export … file.ann` (or `--format annoy`): the collection as a Spotify Annoy 1.17
 * index file that Python's `AnnoyIndex(d, metric).load(path)` opens, built by `quiverdb/faiss`'s
 * `AnnoyIndex` (Annoy's tree building: src/faiss/annoy-build.ts; Annoy's byte layout:
 * src/faiss/annoy-write.ts) with `--trees` trees (default 10).
 *
 * Metrics: cosine → angular (over the stored unit vectors), l2 → euclidean, l1 → manhattan,
 * ip → dot; binary collections (hamming, jaccard) are refused. Annoy numbers items densely by
 * their integer id (ids never added are empty "hole" nodes of full size), so ids must be
 * integers below 2^31 − 1, and a collection whose largest id exceeds 2 · points + 65,536 is
 * refused rather than padded with holes. Load the file with the dimension and metric the
 * summary names: Annoy files record neither.
 *
 * The index is built in memory (Annoy builds before it saves), so this format needs memory for
 * the collection's vectors and trees, unlike the streaming ones.
 */
import { rename, rm } from 'node:fs/promises';
import type { Collection } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { AnnoyIndex, type AnnoyMetric } from '../../faiss/index.js';
import { collectionPages, surveyCollection } from './collection-pages.js';
import type { ExportResult } from './npy-export.js';
import { refuseExisting } from './output-file.js';

const TO_ANNOY: Record<string, AnnoyMetric> = {
  cosine: 'angular',
  l2: 'euclidean',
  l1: 'manhattan',
  ip: 'dot',
};

/** Largest id allowed for a collection of `points` points (holes beyond this are refused). */
function idLimit(points: number): number {
  return Math.min(0x7ffffffe, 2 * points + 65_536);
}

/** Writes the collection to `path` (see the module comment); returns the Annoy metric with the result. */
export async function exportAnnoy(
  collection: Collection,
  path: string,
  progress: (points: number) => void,
  trees = 10,
): Promise<ExportResult & { metric: AnnoyMetric }> {
  refuseExisting([path]);
  const metric = TO_ANNOY[collection.metric];
  if (metric === undefined) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' has metric ${collection.metric}; Annoy files hold cosine (angular), l2 (euclidean), l1 (manhattan) or ip (dot) collections`,
    );
  }
  const survey = await surveyCollection(collection, false);
  if (!survey.integerIds) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' has string ids; Annoy items are numbered by integers, so it cannot be exported as an Annoy file (export .npy or .parquet)`,
    );
  }
  const limit = idLimit(survey.points);
  const d = collection.dimension;
  const index = new AnnoyIndex(d, metric);
  let written = 0;
  for await (const page of collectionPages(collection, false)) {
    page.ids.forEach((id, r) => {
      if ((id as number) > limit) {
        throw new InvalidArgumentError(
          `collection '${collection.name}' has id ${id}: Annoy would store ${(id as number) + 1} item nodes for ${survey.points} points (items are numbered densely); renumber the ids below ${limit + 1} or export another format`,
        );
      }
      index.addItem(id as number, page.vectors.subarray(r * d, (r + 1) * d));
    });
    written += page.ids.length;
    progress(written);
  }
  index.build(trees);
  const partial = `${path}.partial`;
  try {
    await index.save(partial);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { points: written, files: [path], metric };
}
