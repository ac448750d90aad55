/**
 * Quiver's side of the filtered-search benchmark, through the public database API: a
 * collection `bench` in a database folder, one segment holding every point (so one HNSW
 * graph, as hnswlib's), payloads `{ tags }` with a keyword payload index on `tags`, built
 * with the collection defaults (HNSW M 16, efConstruction 200) by `flush()`.
 *
 * A folder that already holds the complete collection (every point, one sealed and indexed
 * segment, nothing growing) is reused as it is; anything else there is dropped and rebuilt.
 * The caller makes sure a kept folder was built from the same data (`recipe.json`).
 */
import { Quiver } from '../../src/db/database.js';
import type { Collection } from '../../src/db/types.js';
import type { Bitset } from '../../src/index/bitset.js';
import { payloadOf, tagFilter } from './filters.js';

const NAME = 'bench';
const UPSERT_BATCH = 5_000;

export interface QuiverSide {
  db: Quiver;
  collection: Collection;
  /** Seconds of upserts plus `flush()` (index build included), or undefined when reused. */
  buildSeconds: number | undefined;
}

/**
 * The benchmark collection over `base` (n rows of `dimension` floats) in the database folder
 * `dir`, built unless the folder already holds it complete.
 */
export async function openQuiverSide(
  dir: string,
  base: Float32Array,
  dimension: number,
  tagged: readonly Bitset[],
  log: (msg: string) => void,
): Promise<QuiverSide> {
  const n = base.length / dimension;
  const db = await Quiver.open(dir);
  if ((await db.listCollections()).includes(NAME)) {
    const info = await db.collection(NAME).info();
    const complete =
      info.count === n &&
      info.sealedSegments === 1 &&
      info.indexedSegments === 1 &&
      info.growingPoints === 0 &&
      info.payloadIndexes.tags?.type === 'keyword';
    if (complete) {
      log(`quiver: reusing the collection in ${dir}`);
      return { db, collection: db.collection(NAME), buildSeconds: undefined };
    }
    log(`quiver: the collection in ${dir} is incomplete (${info.count} points); rebuilding it`);
    await db.dropCollection(NAME);
  }
  const collection = await db.createCollection(NAME, {
    dimension,
    metric: 'l2',
    segmentSize: n,
    payloadIndexes: { tags: 'keyword' },
  });
  const started = performance.now();
  for (let first = 0; first < n; first += UPSERT_BATCH) {
    const points = [];
    for (let i = first; i < Math.min(n, first + UPSERT_BATCH); i++) {
      points.push({
        id: i,
        vector: base.subarray(i * dimension, (i + 1) * dimension),
        payload: payloadOf(i, tagged),
      });
    }
    await collection.upsert(points);
    if ((first / UPSERT_BATCH) % 40 === 0) log(`quiver: upserted ${first + points.length} of ${n}`);
  }
  log('quiver: flush (seal and build the HNSW index)');
  await collection.flush();
  return { db, collection, buildSeconds: (performance.now() - started) / 1000 };
}

/**
 * A searcher answering query `i` with the ids of its k best hits (ids are the row numbers),
 * one `collection.search` call per query.
 */
export function quiverSearcher(
  collection: Collection,
  queries: readonly Float32Array[],
  k: number,
  ef: number,
  tag: string | undefined,
): (i: number) => Promise<number[]> {
  const options = tag === undefined ? { k, ef } : { k, ef, filter: tagFilter(tag) };
  return async (i) => (await collection.search(queries[i], options)).map((hit) => hit.id as number);
}
