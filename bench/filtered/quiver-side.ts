/**
 * Quiver's side of the filtered-search benchmark, through the public database API: a
 * collection `bench` in a database folder, one segment holding every point (so one HNSW
 * graph, as hnswlib's), payloads `{ tags }` with a partitioned keyword payload index on
 * `tags` (`{ type: 'keyword', partitioned: true }`: tags holding 1,024 rows to 1/8 of the
 * segment get a packed copy of their vectors with a graph of their own), built with the
 * collection defaults (HNSW M 16, efConstruction 200) by `flush()`.
 *
 * A folder that already holds the complete collection (every point, one sealed and indexed
 * segment, nothing growing, a keyword index on `tags`) is reused as it is; one whose index
 * is not partitioned (kept before partitions existed) gets it through `createPayloadIndex`;
 * anything else there is dropped and rebuilt. Either way `flush()` returns once the
 * partitions are built (at open they are rebuilt in the background: they are not stored).
 * The caller makes sure a kept folder was built from the same data (`recipe.json`).
 */
import type { EmbeddedCollection } from '../../src/db/collection.js';
import { Quiver } from '../../src/db/database.js';
import type { Collection, PayloadIndexConfig } from '../../src/db/types.js';
import type { Bitset } from '../../src/index/bitset.js';
import { payloadOf, tagFilter } from './filters.js';

const NAME = 'bench';
const UPSERT_BATCH = 5_000;
const TAGS_INDEX: PayloadIndexConfig = { type: 'keyword', partitioned: true };

/** The value partitions of the collection once built. */
export interface PartitionReport {
  /** Rows of each tag's partition (summed over segments); tags without one are absent. */
  rowsByTag: Map<string, number>;
  /** Bytes of wasm memory they hold: vector copies, graphs and offset maps. */
  bytes: number;
  /** Seconds the partition builds took (after the index build; summed over segments). */
  buildSeconds: number;
}

export interface QuiverSide {
  db: Quiver;
  collection: Collection;
  /** Seconds of upserts plus `flush()` (index and partition builds included), or undefined when reused. */
  buildSeconds: number | undefined;
  partitions: PartitionReport;
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
  tags: readonly string[],
  log: (msg: string) => void,
): Promise<QuiverSide> {
  const n = base.length / dimension;
  const db = await Quiver.open(dir);
  if ((await db.listCollections()).includes(NAME)) {
    const collection = db.collection(NAME);
    const info = await collection.info();
    const complete =
      info.count === n &&
      info.sealedSegments === 1 &&
      info.indexedSegments === 1 &&
      info.growingPoints === 0 &&
      info.payloadIndexes.tags?.type === 'keyword';
    if (complete) {
      log(`quiver: reusing the collection in ${dir}`);
      const tagsIndex = info.payloadIndexes.tags;
      if (tagsIndex?.type !== 'keyword' || tagsIndex.partitioned !== true) {
        log('quiver: declaring the index of tags partitioned');
        await collection.createPayloadIndex('tags', TAGS_INDEX);
      }
      log('quiver: waiting for the value partitions');
      await collection.flush();
      return { db, collection, buildSeconds: undefined, partitions: partitionReport(collection, tags) };
    }
    log(`quiver: the collection in ${dir} is incomplete (${info.count} points); rebuilding it`);
    await db.dropCollection(NAME);
  }
  const collection = await db.createCollection(NAME, {
    dimension,
    metric: 'l2',
    segmentSize: n,
    payloadIndexes: { tags: TAGS_INDEX },
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
  log('quiver: flush (seal, build the HNSW index, then the value partitions)');
  await collection.flush();
  const buildSeconds = (performance.now() - started) / 1000;
  return { db, collection, buildSeconds, partitions: partitionReport(collection, tags) };
}

/** What the value partitions of `collection` hold, for each of `tags`, once built. */
function partitionReport(collection: Collection, tags: readonly string[]): PartitionReport {
  const embedded = collection as EmbeddedCollection;
  const buildSeconds = embedded.indexer.partitionSeconds.reduce((a, b) => a + b, 0);
  const rowsByTag = new Map<string, number>();
  let bytes = 0;
  for (const part of embedded.storage.set.sealed) {
    bytes += part.segment.partitionStats.bytes;
    for (const tag of tags) {
      const size = part.segment.partition(0, 'tags', tag)?.size;
      if (size !== undefined) rowsByTag.set(tag, (rowsByTag.get(tag) ?? 0) + size);
    }
  }
  return { rowsByTag, bytes, buildSeconds };
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
