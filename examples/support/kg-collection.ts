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

/** Filtered link prediction through the collection, and how much of the list it had to read. */
export interface CollectionLinkPrediction {
  metrics: LinkPredictionMetrics;
  /** Filtered ranks (Infinity when the answer was not in the top k), tail then head per triple. */
  ranks: Float64Array;
  /** Wall-clock seconds for all searches. */
  seconds: number;
}

/**
 * Ranks both directions of every test triple by searching the collection for the top `k`,
 * then filtering out the other known answers (filteredRankInList). An answer outside the top
 * k counts as a miss: MRR is then MRR@k (its reciprocal rank is taken as 0) and the mean rank
 * is over the found answers only. With k ≥ 10 plus the filtered entities, Hits@1/3/10 equal
 * those of a full ranking.
 */
export async function linkPredictionThroughCollection(
  collection: Collection,
  model: TransEModel,
  test: Int32Array,
  known: KnownTriples,
  options: SearchOptions & { k: number },
): Promise<CollectionLinkPrediction> {
  const queries: Float32Array[] = [];
  for (let i = 0; i < test.length; i += 3) {
    queries.push(tailQuery(model, test[i], test[i + 1]), headQuery(model, test[i + 1], test[i + 2]));
  }
  const started = performance.now();
  const results = await collection.searchBatch(queries, options);
  const seconds = (performance.now() - started) / 1000;
  const ranks = new Float64Array(queries.length);
  for (let q = 0; q < queries.length; q++) {
    const i = 3 * (q >> 1);
    const [h, r, t] = [test[i], test[i + 1], test[i + 2]];
    const listed = results[q].map((hit) => Number(hit.id));
    ranks[q] =
      q % 2 === 0
        ? filteredRankInList(listed, t, (e) => known.has(h, r, e))
        : filteredRankInList(listed, h, (e) => known.has(e, r, t));
  }
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
  const n = ranks.length;
  return {
    metrics: {
      queries: n,
      mrr: rr / n,
      meanRank: found > 0 ? rankSum / found : Number.NaN,
      hits1: hits[0] / n,
      hits3: hits[1] / n,
      hits10: hits[2] / n,
    },
    ranks,
    seconds,
  };
}
