/**
 * Recommending for simulated users with `Collection.recommend`, and measuring the lists
 * against the users' held-out interactions beside a popularity and a random baseline.
 *
 * Every method returns, per user, one ranked list of `maxK` items that never contains an item
 * the user has seen (train interactions and skipped items); recall@k and nDCG@k for smaller k
 * are read off the prefix of that list. The items are stored with their row number as id and
 * their category as payload.
 */

import { FASHION_MNIST_CLASSES } from '../../bench/data/fashion-mnist.js';
import { ndcgAtK, recallAtK } from '../../src/eval/metrics.js';
import { SeededRandom } from '../../src/eval/random.js';
import type { EmbeddedCollection as Collection, Quiver, RecommendOptions } from '../../src/index.js';
import { fuseRrf } from '../../src/text/fusion.js';
import { CATALOGUE_DIMENSION, type Catalogue, type SimulatedUser } from './recommend-data.js';

/** The cut-offs of the report and of the recall@k curve. */
export const CUTOFFS = [1, 2, 5, 10, 20, 50, 100] as const;

/** How many content candidates the hybrid method re-ranks by popularity. */
export const HYBRID_CANDIDATES = 2000;

/** How many users the slow strategies (best_score, sum_scores) are measured on. */
export const SLOW_STRATEGY_USERS = 200;

export interface MethodResult {
  name: string;
  /** What the method does, for the report. */
  description: string;
  /** Mean recall@k over users, per entry of `CUTOFFS`. */
  recall: number[];
  /** Mean nDCG@k (binary relevance) over users, per entry of `CUTOFFS`. */
  ndcg: number[];
  /** How many users the method was measured on (the first ones). */
  users: number;
  /** Items returned that the user had seen, over all users (0 when the filter works). */
  seenReturned: number;
  seconds: number;
}

/** Stores the catalogue in a new cosine collection with the default HNSW index, built. */
export async function storeCatalogue(db: Quiver, name: string, catalogue: Catalogue): Promise<Collection> {
  const items = await db.createCollection(name, { dimension: CATALOGUE_DIMENSION, metric: 'cosine' });
  for (let first = 0; first < catalogue.count; first += 1000) {
    const last = Math.min(catalogue.count, first + 1000);
    const points = [];
    for (let i = first; i < last; i++) {
      points.push({
        id: i,
        vector: catalogue.vectors.subarray(i * CATALOGUE_DIMENSION, (i + 1) * CATALOGUE_DIMENSION),
        payload: { category: FASHION_MNIST_CLASSES[catalogue.labels[i]] },
      });
    }
    await items.upsert(points);
  }
  await items.flush();
  return items;
}

/** The items a user has seen: never to be recommended to them. */
export function seenItems(user: SimulatedUser): number[] {
  return [...user.train, ...user.negatives];
}

/** Ranked lists from `Collection.recommend`, the user's train items as positive examples. */
export async function recommendLists(
  items: Collection,
  users: readonly SimulatedUser[],
  maxK: number,
  options: { strategy: NonNullable<RecommendOptions['strategy']>; useNegatives: boolean },
): Promise<number[][]> {
  const lists: number[][] = [];
  for (const user of users) {
    const hits = await items.recommend(
      { positive: user.train, negative: options.useNegatives ? user.negatives : [] },
      { k: maxK, strategy: options.strategy, filter: { must_not: [{ has_id: seenItems(user) }] } },
    );
    lists.push(hits.map((h) => Number(h.id)));
  }
  return lists;
}

/** The items most often in the users' train interactions, most first (ties: lower id first). */
export function popularityRanking(users: readonly SimulatedUser[], catalogueSize: number): number[] {
  const counts = new Float64Array(catalogueSize);
  for (const user of users) for (const item of user.train) counts[item]++;
  return [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b);
}

/**
 * Content and popularity together, by reciprocal-rank fusion (k = 60) of three rankings: the
 * user's `candidates` best items by `recommend` (average strategy, positives and negatives,
 * seen items filtered out), the same items ordered by popularity (ties by content rank), and
 * the `candidates` most popular unseen items. An item popular among what looks like the
 * user's taste gains from all three.
 */
export async function hybridLists(
  items: Collection,
  users: readonly SimulatedUser[],
  ranking: readonly number[],
  maxK: number,
  candidates: number,
): Promise<number[][]> {
  const popularityRank = new Map(ranking.map((item, r) => [item, r]));
  const content = await recommendLists(items, users, candidates, { strategy: 'average', useNegatives: true });
  const popular = popularityLists(users, ranking, candidates);
  return content.map((list, u) => {
    const byPopularity = [...list].sort(
      (a, b) => (popularityRank.get(a) ?? 0) - (popularityRank.get(b) ?? 0),
    );
    return fuseRrf([{ keys: list }, { keys: byPopularity }, { keys: popular[u] }])
      .slice(0, maxK)
      .map((f) => f.key);
  });
}

/** Per user, the most popular items they have not seen. */
export function popularityLists(
  users: readonly SimulatedUser[],
  ranking: readonly number[],
  maxK: number,
): number[][] {
  return users.map((user) => {
    const seen = new Set(seenItems(user));
    const list: number[] = [];
    for (const item of ranking) {
      if (list.length === maxK) break;
      if (!seen.has(item)) list.push(item);
    }
    return list;
  });
}

/** Per user, `maxK` distinct unseen items drawn uniformly (seeded). */
export function randomLists(
  users: readonly SimulatedUser[],
  catalogueSize: number,
  maxK: number,
  seed: number,
): number[][] {
  const rng = new SeededRandom(seed);
  return users.map((user) => {
    const excluded = new Set(seenItems(user));
    const list: number[] = [];
    while (list.length < Math.min(maxK, catalogueSize - excluded.size)) {
      const item = rng.int(catalogueSize);
      if (excluded.has(item)) continue;
      excluded.add(item);
      list.push(item);
    }
    return list;
  });
}

/** Mean recall@k and nDCG@k at every cut-off, and how many seen items the lists hold. */
export function scoreLists(
  users: readonly SimulatedUser[],
  lists: readonly number[][],
): Pick<MethodResult, 'recall' | 'ndcg' | 'seenReturned'> {
  const recall = CUTOFFS.map(() => 0);
  const ndcg = CUTOFFS.map(() => 0);
  let seenReturned = 0;
  users.forEach((user, u) => {
    const seen = new Set(seenItems(user));
    seenReturned += lists[u].filter((item) => seen.has(item)).length;
    CUTOFFS.forEach((k, j) => {
      recall[j] += recallAtK(lists[u], user.heldOut, k) / users.length;
      ndcg[j] += ndcgAtK(lists[u], user.heldOut, k) / users.length;
    });
  });
  return { recall, ndcg, seenReturned };
}

/** The index of cut-off `k` in `CUTOFFS`. @throws Error for a cut-off not listed */
export function cutoffIndex(k: number): number {
  const j = (CUTOFFS as readonly number[]).indexOf(k);
  if (j < 0) throw new Error(`cut-off ${k} is not one of ${CUTOFFS.join(', ')}`);
  return j;
}

/**
 * Every method on `users`: Quiver's recommend with its three strategies (positives and
 * negatives), `average` without negatives, popularity and random.
 */
export async function evaluateMethods(
  items: Collection,
  users: readonly SimulatedUser[],
  catalogueSize: number,
  seed: number,
): Promise<MethodResult[]> {
  const maxK = CUTOFFS[CUTOFFS.length - 1];
  // best_score and sum_scores gather the neighbours of every positive example (about 80× the
  // work of one average search): they are measured on the first users only.
  const sampled = users.slice(0, SLOW_STRATEGY_USERS);
  const runs: {
    name: string;
    description: string;
    users: readonly SimulatedUser[];
    lists: () => Promise<number[][]> | number[][];
  }[] = [
    {
      name: 'recommend average',
      description: 'Collection.recommend, strategy average: one search for 2·avg(liked) − avg(skipped)',
      users,
      lists: () => recommendLists(items, users, maxK, { strategy: 'average', useNegatives: true }),
    },
    {
      name: 'recommend average, no negatives',
      description: 'the same with positives only: the user vector is the average of liked items',
      users,
      lists: () => recommendLists(items, users, maxK, { strategy: 'average', useNegatives: false }),
    },
    {
      name: 'recommend best_score',
      description: "strategy best_score: near any one liked item, away from skipped ones (Qdrant's rule)",
      users: sampled,
      lists: () => recommendLists(items, sampled, maxK, { strategy: 'best_score', useNegatives: true }),
    },
    {
      name: 'recommend sum_scores',
      description: 'strategy sum_scores: Σ similarity to liked − Σ similarity to skipped',
      users: sampled,
      lists: () => recommendLists(items, sampled, maxK, { strategy: 'sum_scores', useNegatives: true }),
    },
    {
      name: 'recommend + popularity',
      description: `RRF of recommend average's best ${HYBRID_CANDIDATES}, the same by popularity, and the ${HYBRID_CANDIDATES} most popular`,
      users,
      lists: () =>
        hybridLists(items, users, popularityRanking(users, catalogueSize), maxK, HYBRID_CANDIDATES),
    },
    {
      name: 'popularity',
      description: "the most frequent items in all users' train interactions, unseen ones",
      users,
      lists: () => popularityLists(users, popularityRanking(users, catalogueSize), maxK),
    },
    {
      name: 'random',
      description: 'unseen items drawn uniformly',
      users,
      lists: () => randomLists(users, catalogueSize, maxK, seed + 1),
    },
  ];
  const results: MethodResult[] = [];
  for (const run of runs) {
    const started = performance.now();
    const lists = await run.lists();
    const seconds = (performance.now() - started) / 1000;
    results.push({
      name: run.name,
      description: run.description,
      users: run.users.length,
      ...scoreLists(run.users, lists),
      seconds,
    });
  }
  return results;
}
