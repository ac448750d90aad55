/**
 * TransE entity vectors in a Quiver collection, and link prediction through its search:
 * (h, r, ?) is a k-NN search for E[h] + R[r] and (?, r, t) one for E[t] − R[r], by L1 distance
 * (the distance TransE was trained with), so the collection's ranking is TransE's ranking.
 * Point id = entity id; the payload carries what a reader needs to know the entity.
 */
import type { Collection, Hit, Quiver, SearchOptions } from '../../src/index.js';
import { filteredRankInList, type KnownTriples, type LinkPredictionMetrics } from './kg-eval.js';
import { headQuery, type TransEModel, tailQuery } from './kg-transe.js';
import { LEX_FILES, type Synset } from './kg-wordnet.js';

/** Points per upsert call. */
const BATCH = 1000;

/**
 * Creates collection `name` (L1, the given index, one segment for all entities so the index
 * covers them all) and stores every entity vector with payload
 * `{ lemmas, gloss, offset, pos, lexFile }`.
 */
export async function storeEntities(
  db: Quiver,
  name: string,
  model: TransEModel,
  entities: readonly Synset[],
  index: string,
): Promise<Collection> {
  const dim = model.dimension;
  const collection = await db.createCollection(name, {
    dimension: dim,
    metric: 'l1',
    index,
    segmentSize: entities.length,
  });
  for (let first = 0; first < entities.length; first += BATCH) {
    const points = entities.slice(first, first + BATCH).map((s, i) => {
      const id = first + i;
      return {
        id,
        vector: model.entities.subarray(id * dim, (id + 1) * dim),
        payload: {
          lemmas: s.lemmas,
          gloss: s.gloss,
          offset: s.offset,
          pos: s.pos,
          lexFile: LEX_FILES[s.lexFile] ?? String(s.lexFile),
        },
      };
    });
    await collection.upsert(points);
  }
  await collection.flush();
  return collection;
}

/** The search of (h, r, ?): the `k` entities nearest E[h] + R[r]. */
export function predictTails(
  collection: Collection,
  model: TransEModel,
  h: number,
  r: number,
  options: SearchOptions,
): Promise<Hit[]> {
  return collection.search(tailQuery(model, h, r), options);
}

/** Filtered link prediction through the collection. */
export interface CollectionLinkPrediction {
  metrics: LinkPredictionMetrics;
  /** Filtered ranks (Infinity beyond k), tail then head per triple. */
  ranks: Float64Array;
  /** Wall-clock seconds for all searches. */
  seconds: number;
}

/** Searches in flight at once. */
const IN_FLIGHT = 32;

/**
 * Ranks both directions of every test triple by searching the collection, then filtering
 * out the other known answers (filteredRankInList). Each search lists `k` plus the number of
 * other known answers of its query, so every answer with a filtered rank ≤ k is listed (by an
 * exact search) and Hits@1/3/10 equal those of a full ranking for k ≥ 10. An answer not listed
 * counts as a miss: MRR is then MRR@k (its reciprocal rank taken as 0) and the mean rank is over
 * the listed answers only.
 */
export async function linkPredictionThroughCollection(
  collection: Collection,
  model: TransEModel,
  test: Int32Array,
  known: KnownTriples,
  options: SearchOptions & { k: number },
): Promise<CollectionLinkPrediction> {
  const count = (test.length / 3) * 2;
  const ranks = new Float64Array(count);
  const rankOne = async (q: number) => {
    const i = 3 * (q >> 1);
    const [h, r, t] = [test[i], test[i + 1], test[i + 2]];
    const tail = q % 2 === 0;
    const others = tail ? known.tailsOf(h, r) : known.headsOf(r, t);
    const query = tail ? tailQuery(model, h, r) : headQuery(model, r, t);
    const hits = await collection.search(query, { ...options, k: Math.min(10_000, options.k + others) });
    const listed = hits.map((hit) => Number(hit.id));
    const rank = tail
      ? filteredRankInList(listed, t, (e) => known.has(h, r, e))
      : filteredRankInList(listed, h, (e) => known.has(e, r, t));
    ranks[q] = rank <= options.k ? rank : Number.POSITIVE_INFINITY;
  };
  const started = performance.now();
  for (let first = 0; first < count; first += IN_FLIGHT) {
    const batch: Promise<void>[] = [];
    for (let q = first; q < Math.min(count, first + IN_FLIGHT); q++) batch.push(rankOne(q));
    await Promise.all(batch);
  }
  const seconds = (performance.now() - started) / 1000;
  let rr = 0;
  let found = 0;
  let rankSum = 0;
  const hits = [0, 0, 0];
  for (const rank of ranks) {
    if (!Number.isFinite(rank)) continue;
    rr += 1 / rank;
    found++;
    rankSum += rank;
    if (rank <= 1) hits[0]++;
    if (rank <= 3) hits[1]++;
    if (rank <= 10) hits[2]++;
  }
  return {
    metrics: {
      queries: count,
      mrr: rr / count,
      meanRank: found > 0 ? rankSum / found : Number.NaN,
      hits1: hits[0] / count,
      hits3: hits[1] / count,
      hits10: hits[2] / count,
    },
    ranks,
    seconds,
  };
}
