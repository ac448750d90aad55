/**
 * Retrieval quality and latency metrics, as used by the benchmarks and by anyone checking
 * a search against a known answer.
 *
 * Conventions shared by every ranking metric here:
 * - `retrieved` is a ranked list, best first. Its order is the ranking: equal scores are not
 *   re-ordered or treated as ties, because the list carries no scores.
 * - Only the first `k` positions count. When fewer than `k` items were retrieved, the missing
 *   positions count as non-relevant (as in trec_eval's P@k), so returning fewer results
 *   never raises a score.
 * - An item that appears more than once in `retrieved` counts at its first position only;
 *   later copies are non-relevant.
 * - `relevant` is a set: an array with repeated items means the same as one without.
 * - `k` must be a positive integer (`Infinity` is allowed where stated, meaning "no cut-off").
 * - A metric whose denominator depends on the relevant set (recall, F1, average precision,
 *   nDCG) is 0/0 for a query with no relevant items; it throws `InvalidArgumentError` rather
 *   than pick a value silently. Callers averaging over queries decide whether to skip such
 *   queries (as trec_eval does) before calling.
 * - Number ids must not be NaN (a NaN id is a bug upstream, not an item).
 */
import { InvalidArgumentError } from '../errors.js';

/** An item identifier: row offsets, point ids, document names. Compared with `===` (SameValueZero). */
export type ItemId = number | string | bigint;

/** The relevant items of one query, as an array or a set. */
export type RelevantItems<T extends ItemId> = ArrayLike<T> | ReadonlySet<T>;

/** One query's ranked answer and its relevant items, for the means over queries. */
export interface RankedQuery<T extends ItemId> {
  retrieved: ArrayLike<T>;
  relevant: RelevantItems<T>;
}

/**
 * precision@k = (relevant items among the first k retrieved) / k.
 * The denominator is k even when fewer than k items were retrieved. With no relevant items
 * the precision is 0 (no error: nothing retrieved can be relevant).
 * @example precisionAtK([1, 2, 3, 4], [2, 4, 9], 4) // 2 / 4 = 0.5
 * @throws InvalidArgumentError when k is not a positive integer or an id is NaN
 */
export function precisionAtK<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: RelevantItems<T>,
  k: number,
): number {
  checkK(k, 'precisionAtK');
  return hitsAtK(retrieved, toSet(relevant, 'precisionAtK'), k, 'precisionAtK') / k;
}

/**
 * recall@k = (relevant items among the first k retrieved) / (number of relevant items).
 * For approximate nearest neighbours pass the true k nearest as `relevant`: recall@k is then
 * the fraction of them found in the first k answers (ann-benchmarks' definition, without its
 * distance tolerance). When there are more relevant items than k, recall@k cannot reach 1.
 * @example recallAtK([1, 2, 3, 4], [2, 4, 9], 4) // 2 / 3
 * @throws InvalidArgumentError when k is not a positive integer, an id is NaN, or there are
 *   no relevant items
 */
export function recallAtK<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: RelevantItems<T>,
  k: number,
): number {
  checkK(k, 'recallAtK');
  const set = nonEmptySet(relevant, 'recallAtK');
  return hitsAtK(retrieved, set, k, 'recallAtK') / set.size;
}

/**
 * F1@k, the harmonic mean of precision@k and recall@k: 2·P·R / (P + R), and 0 when both
 * are 0.
 * @example f1AtK([1, 2, 3, 4], [2, 4, 9], 4) // P = 1/2, R = 2/3, F1 = 4/7
 * @throws InvalidArgumentError as `recallAtK`
 */
export function f1AtK<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: RelevantItems<T>,
  k: number,
): number {
  checkK(k, 'f1AtK');
  const set = nonEmptySet(relevant, 'f1AtK');
  const hits = hitsAtK(retrieved, set, k, 'f1AtK');
  // 2PR/(P+R) with P = h/k and R = h/|rel| simplifies to 2h / (k + |rel|).
  return (2 * hits) / (k + set.size);
}

/**
 * Average precision of one ranked list, cut off after k positions:
 *   AP@k = Σ_{i ≤ min(k, retrieved)} P@i · rel(i) / min(k, |relevant|)
 * where rel(i) is 1 when position i holds a relevant item (first occurrence) and P@i is the
 * precision of the first i positions. With `k = Infinity` (the default) the denominator is
 * |relevant|, which is trec_eval's AP; with a finite k it is min(k, |relevant|), the AP@k of
 * `ml_metrics.apk`, so that a perfect top-k scores 1.
 * @example averagePrecision([1, 2, 3, 4], [2, 4, 9]) // (1/2 + 2/4) / 3 = 1/3
 * @throws InvalidArgumentError when k is not a positive integer or Infinity, an id is NaN,
 *   or there are no relevant items
 */
export function averagePrecision<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: RelevantItems<T>,
  k = Number.POSITIVE_INFINITY,
): number {
  checkK(k, 'averagePrecision', true);
  const set = nonEmptySet(relevant, 'averagePrecision');
  const cut = Math.min(k, retrieved.length);
  const seen = new Set<T>();
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < cut; i++) {
    const item = checkId(retrieved[i], 'averagePrecision');
    if (seen.has(item)) continue;
    seen.add(item);
    if (set.has(item)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(k, set.size);
}

/**
 * Mean average precision: the arithmetic mean of `averagePrecision(q.retrieved, q.relevant, k)`
 * over the queries.
 * @throws InvalidArgumentError when `queries` is empty, or as `averagePrecision` for any query
 */
export function meanAveragePrecision<T extends ItemId>(
  queries: readonly RankedQuery<T>[],
  k = Number.POSITIVE_INFINITY,
): number {
  checkQueries(queries, 'meanAveragePrecision');
  let sum = 0;
  for (const q of queries) sum += averagePrecision(q.retrieved, q.relevant, k);
  return sum / queries.length;
}

export interface NdcgOptions {
  /**
   * How a relevance grade becomes a gain: `linear` uses the grade itself (trec_eval,
   * scikit-learn's `ndcg_score`); `exponential` uses 2^grade − 1 (Burges et al., 2005).
   * They agree for binary relevance. Default `linear`.
   */
  gain?: 'linear' | 'exponential';
}

/**
 * Normalized discounted cumulative gain at k:
 *   DCG@k  = Σ_{i=1..min(k, retrieved)} gain(grade of item i) / log2(i + 1)
 *   nDCG@k = DCG@k / IDCG@k
 * where IDCG@k is the DCG@k of the ideal ranking (every graded item sorted by grade,
 * descending). `relevance` is either a map from item to grade (graded relevance; grades are
 * finite and ≥ 0, unlisted items have grade 0) or a set/array of relevant items (binary:
 * grade 1). A repeated item gains nothing after its first position.
 * @example ndcgAtK(['a', 'b', 'c'], new Map([['a', 3], ['c', 2], ['d', 1]]), 3)
 *   // DCG = 3/1 + 0 + 2/2 = 4; IDCG = 3 + 2/log2(3) + 1/2; nDCG ≈ 0.7424
 * @throws InvalidArgumentError when k is not a positive integer, an id is NaN, a grade is
 *   negative or not finite, or no item has a positive grade (IDCG = 0)
 */
export function ndcgAtK<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevance: ReadonlyMap<T, number> | RelevantItems<T>,
  k: number,
  options: NdcgOptions = {},
): number {
  checkK(k, 'ndcgAtK');
  const gainKind = options.gain ?? 'linear';
  if (gainKind !== 'linear' && gainKind !== 'exponential') {
    throw new InvalidArgumentError(`ndcgAtK: gain must be 'linear' or 'exponential', got '${gainKind}'`);
  }
  const grades = toGrades(relevance);
  const gain = (grade: number) => (gainKind === 'linear' ? grade : 2 ** grade - 1);
  const ideal = [...grades.values()].sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += gain(ideal[i]) / Math.log2(i + 2);
  if (idcg === 0) throw new InvalidArgumentError('ndcgAtK: no item has a positive relevance grade');
  const seen = new Set<T>();
  let dcg = 0;
  for (let i = 0; i < Math.min(k, retrieved.length); i++) {
    const item = checkId(retrieved[i], 'ndcgAtK');
    if (seen.has(item)) continue;
    seen.add(item);
    dcg += gain(grades.get(item) ?? 0) / Math.log2(i + 2);
  }
  return dcg / idcg;
}

/**
 * Reciprocal rank: 1 / (position of the first relevant item among the first k, counting
 * from 1), and 0 when none of the first k is relevant, including when nothing is relevant.
 * `k = Infinity` (the default) looks at the whole list.
 * @example reciprocalRank(['x', 'a', 'b'], ['a', 'b']) // 1 / 2
 * @throws InvalidArgumentError when k is not a positive integer or Infinity, or an id is NaN
 */
export function reciprocalRank<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: RelevantItems<T>,
  k = Number.POSITIVE_INFINITY,
): number {
  checkK(k, 'reciprocalRank', true);
  const set = toSet(relevant, 'reciprocalRank');
  for (let i = 0; i < Math.min(k, retrieved.length); i++) {
    if (set.has(checkId(retrieved[i], 'reciprocalRank'))) return 1 / (i + 1);
  }
  return 0;
}

/**
 * Mean reciprocal rank: the arithmetic mean of `reciprocalRank(q.retrieved, q.relevant, k)`
 * over the queries.
 * @example mrr([{ retrieved: [1, 2], relevant: [2] }, { retrieved: [3], relevant: [3] }]) // (1/2 + 1) / 2
 * @throws InvalidArgumentError when `queries` is empty, or as `reciprocalRank`
 */
export function mrr<T extends ItemId>(
  queries: readonly RankedQuery<T>[],
  k = Number.POSITIVE_INFINITY,
): number {
  checkQueries(queries, 'mrr');
  let sum = 0;
  for (const q of queries) sum += reciprocalRank(q.retrieved, q.relevant, k);
  return sum / queries.length;
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) of `samples`, by linear interpolation between the two
 * nearest ranks: with the samples sorted ascending as x[0..n-1] and h = (n − 1) · p / 100,
 *   percentile = x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋])
 * This is NumPy's default (`method='linear'`), Hyndman & Fan's type 7 and Excel's
 * PERCENTILE.INC: p = 0 is the minimum, p = 100 the maximum, p = 50 the median.
 * @example percentile([1, 2, 3, 4], 90) // h = 2.7 → 3 + 0.7 · (4 − 3) = 3.7
 * @throws InvalidArgumentError when `samples` is empty or holds a non-finite value, or p is
 *   not a number in [0, 100]
 */
export function percentile(samples: ArrayLike<number>, p: number): number {
  checkPercentile(p);
  return percentileOfSorted(sortedSamples(samples, 'percentile'), p);
}

/** Latency distribution of a set of samples, in the samples' unit. */
export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Count, mean, min, max and the 50th/90th/95th/99th percentiles (as `percentile` computes
 * them) of latency samples.
 * @example latencySummary([4, 1, 3, 2]) // { count: 4, mean: 2.5, min: 1, p50: 2.5, p90: 3.7, …, max: 4 }
 * @throws InvalidArgumentError when `samples` is empty or holds a non-finite value
 */
export function latencySummary(samples: ArrayLike<number>): LatencySummary {
  const sorted = sortedSamples(samples, 'latencySummary');
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    min: sorted[0],
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

function percentileOfSorted(sorted: Float64Array, p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  if (lo >= sorted.length - 1) return sorted[sorted.length - 1];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

function sortedSamples(samples: ArrayLike<number>, where: string): Float64Array {
  if (samples.length === 0)
    throw new InvalidArgumentError(`${where}: expected at least one sample, got none`);
  const sorted = Float64Array.from(samples);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) {
      throw new InvalidArgumentError(
        `${where}: samples must be finite numbers, got ${samples[i]} at index ${i}`,
      );
    }
  }
  return sorted.sort();
}

function checkPercentile(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new InvalidArgumentError(`percentile: p must be a number in [0, 100], got ${p}`);
  }
}

function checkK(k: number, where: string, allowInfinity = false): void {
  const ok =
    typeof k === 'number' && (Number.isInteger(k) || (allowInfinity && k === Number.POSITIVE_INFINITY));
  if (!ok || k <= 0) {
    const expected = allowInfinity ? 'a positive integer or Infinity' : 'a positive integer';
    throw new InvalidArgumentError(`${where}: k must be ${expected}, got ${k}`);
  }
}

function checkQueries(queries: readonly unknown[], where: string): void {
  if (queries.length === 0) throw new InvalidArgumentError(`${where}: expected at least one query, got none`);
}

function checkId<T extends ItemId>(item: T, where: string): T {
  if (typeof item === 'number' && Number.isNaN(item)) {
    throw new InvalidArgumentError(`${where}: item ids must not be NaN`);
  }
  return item;
}

function toSet<T extends ItemId>(relevant: RelevantItems<T>, where: string): ReadonlySet<T> {
  if (relevant instanceof Set) {
    for (const item of relevant) checkId(item, where);
    return relevant;
  }
  const set = new Set<T>();
  const items = relevant as ArrayLike<T>;
  for (let i = 0; i < items.length; i++) set.add(checkId(items[i], where));
  return set;
}

function nonEmptySet<T extends ItemId>(relevant: RelevantItems<T>, where: string): ReadonlySet<T> {
  const set = toSet(relevant, where);
  if (set.size === 0) {
    throw new InvalidArgumentError(`${where}: undefined for a query with no relevant items (0/0)`);
  }
  return set;
}

/** Distinct relevant items among the first k retrieved. */
function hitsAtK<T extends ItemId>(
  retrieved: ArrayLike<T>,
  relevant: ReadonlySet<T>,
  k: number,
  where: string,
): number {
  const cut = Math.min(k, retrieved.length);
  const found = new Set<T>();
  for (let i = 0; i < cut; i++) {
    const item = checkId(retrieved[i], where);
    if (relevant.has(item)) found.add(item);
  }
  return found.size;
}

function toGrades<T extends ItemId>(relevance: ReadonlyMap<T, number> | RelevantItems<T>): Map<T, number> {
  const grades = new Map<T, number>();
  if (relevance instanceof Map) {
    for (const [item, grade] of relevance as ReadonlyMap<T, number>) {
      checkId(item, 'ndcgAtK');
      if (typeof grade !== 'number' || !Number.isFinite(grade) || grade < 0) {
        throw new InvalidArgumentError(
          `ndcgAtK: relevance grades must be finite numbers ≥ 0, got ${grade} for ${String(item)}`,
        );
      }
      grades.set(item, grade);
    }
    return grades;
  }
  for (const item of toSet(relevance as RelevantItems<T>, 'ndcgAtK')) grades.set(item, 1);
  return grades;
}
