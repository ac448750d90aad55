/**
 * Fusion of ranked lists (hybrid search: a vector list and a BM25 list; Qdrant's `prefetch`
 * lists) into one ranking, generic over the key that identifies an item across lists (the
 * database uses point ids).
 *
 * Invariants of every method: an item's fused score is a sum over the lists it appears in, so
 * an item missing from a list gets nothing from it; within one list only an item's first
 * (best) position counts; the result holds every item of every list once, by fused score
 * descending, ties broken by the best rank the item has in any list (rank 1 = first), then by
 * first appearance (lists in order, each from its top). Weights default to 1. Validating
 * weights, scores and `k` is the caller's job; lists whose keys and scores differ in length
 * are refused with a RangeError.
 */

/** An item of a fused ranking. */
export interface FusedItem<K> {
  key: K;
  score: number;
}

/** A ranked list for `fuseRrf`: keys best first. */
export interface RankedList<K> {
  keys: readonly K[];
  weight?: number;
}

/** A scored list for `fuseWeighted`: keys best first, with the scores the list was ranked by. */
export interface ScoredList<K> {
  keys: readonly K[];
  scores: readonly number[];
  /** Whether a higher score is better (similarity, BM25) or worse (distance). */
  higherIsBetter: boolean;
  weight?: number;
}

interface Tally<K> {
  key: K;
  score: number;
  bestRank: number;
  first: number;
  /** The last list the item was counted in, so later positions in the same list are skipped. */
  lastList: number;
}

/** The fused ranking of `lists`, where position `i` of list `l` contributes `contribution(l, i)`. */
function fuse<K>(
  lists: readonly { keys: readonly K[] }[],
  contribution: (list: number, position: number) => number,
): FusedItem<K>[] {
  const tallies = new Map<K, Tally<K>>();
  for (let l = 0; l < lists.length; l++) {
    const keys = lists[l].keys;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const tally = tallies.get(key);
      if (tally === undefined) {
        tallies.set(key, {
          key,
          score: contribution(l, i),
          bestRank: i + 1,
          first: tallies.size,
          lastList: l,
        });
      } else if (tally.lastList !== l) {
        tally.score += contribution(l, i);
        tally.bestRank = Math.min(tally.bestRank, i + 1);
        tally.lastList = l;
      }
    }
  }
  return [...tallies.values()]
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || a.first - b.first)
    .map(({ key, score }) => ({ key, score }));
}

/**
 * Reciprocal-rank fusion: an item scores Σ weight / (k + rank) over the lists it appears in,
 * rank starting at 1 (Cormack et al. 2009; k = 60 by default, as there and in most engines).
 * @example
 * fuseRrf([{ keys: ['a', 'b'] }, { keys: ['b', 'c'] }]);
 * // [{ key: 'b', score: 1/62 + 1/61 }, { key: 'a', score: 1/61 }, { key: 'c', score: 1/62 }]
 */
export function fuseRrf<K>(lists: readonly RankedList<K>[], k = 60): FusedItem<K>[] {
  return fuse(lists, (l, i) => (lists[l].weight ?? 1) / (k + i + 1));
}

/**
 * Weighted-score fusion: each list's scores are min-max normalized to [0, 1] (its best score
 * → 1, its worst → 0, every item → 1 when all its scores are equal), and an item scores
 * Σ weight · normalized score over the lists it appears in.
 * @example
 * fuseWeighted([
 *   { keys: ['a', 'b', 'c'], scores: [0.1, 0.3, 0.5], higherIsBetter: false }, // distances
 *   { keys: ['c', 'a'], scores: [7, 2], higherIsBetter: true, weight: 2 }, // BM25
 * ]);
 * // [{ key: 'c', score: 2 }, { key: 'a', score: 1 }, { key: 'b', score: 0.5 }]
 */
export function fuseWeighted<K>(lists: readonly ScoredList<K>[]): FusedItem<K>[] {
  const ranges = lists.map((list, l) => {
    if (list.keys.length !== list.scores.length) {
      throw new RangeError(`fusion list ${l}: ${list.keys.length} keys but ${list.scores.length} scores`);
    }
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const score of list.scores) {
      min = Math.min(min, score);
      max = Math.max(max, score);
    }
    return { min, max };
  });
  return fuse(lists, (l, i) => {
    const { scores, higherIsBetter, weight = 1 } = lists[l];
    const { min, max } = ranges[l];
    if (max === min) return weight;
    return (weight * (higherIsBetter ? scores[i] - min : max - scores[i])) / (max - min);
  });
}

/**
 * Distribution-based score fusion (DBSF, as Qdrant's): each list's scores are mapped to
 * [0, 1] through the interval mean ± 3 standard deviations, (s − (μ − 3σ)) / 6σ, with μ the
 * mean and σ the sample standard deviation (n − 1) of the list's scores, so a score 3σ or
 * more from the mean may fall outside [0, 1]; an item then scores Σ weight · normalized
 * score over the lists it appears in. A list of one item, or whose scores are all equal,
 * gives each item 0.5. Scores where lower is better (distances) are negated first.
 * @example
 * fuseDbsf([{ keys: ['a', 'b', 'c'], scores: [3, 2, 1], higherIsBetter: true }]);
 * // σ = 1: [{ key: 'a', score: 4/6 }, { key: 'b', score: 0.5 }, { key: 'c', score: 2/6 }]
 */
export function fuseDbsf<K>(lists: readonly ScoredList<K>[]): FusedItem<K>[] {
  const bounds = lists.map((list, l) => {
    if (list.keys.length !== list.scores.length) {
      throw new RangeError(`fusion list ${l}: ${list.keys.length} keys but ${list.scores.length} scores`);
    }
    const sign = list.higherIsBetter ? 1 : -1;
    const n = list.scores.length;
    if (n < 2) return { sign, low: 0, width: 0 };
    let mean = 0;
    for (const s of list.scores) mean += sign * s;
    mean /= n;
    let squares = 0;
    for (const s of list.scores) squares += (sign * s - mean) ** 2;
    const sigma = Math.sqrt(squares / (n - 1));
    return { sign, low: mean - 3 * sigma, width: 6 * sigma };
  });
  return fuse(lists, (l, i) => {
    const { sign, low, width } = bounds[l];
    const weight = lists[l].weight ?? 1;
    if (width === 0) return weight * 0.5;
    return (weight * (sign * lists[l].scores[i] - low)) / width;
  });
}
