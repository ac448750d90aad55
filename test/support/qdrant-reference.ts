/**
 * Qdrant's scoring rules, written out plainly for tests: the four distances with Qdrant's
 * score conventions, brute-force nearest neighbours, reciprocal-rank fusion, distribution-based
 * score fusion and maximal marginal relevance (as in qdrant/qdrant `lib/segment/src/common/
 * reciprocal_rank_fusion.rs`, `score_fusion.rs` and `lib/shard/src/query/mmr/mod.rs`), plus a
 * tie-aware comparison of ranked lists.
 */
import assert from 'node:assert/strict';
import { compareQIds, type QId } from './qdrant-data.js';

export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';

export interface Scored {
  id: QId;
  score: number;
}

/** True when a higher score is better (similarities), false for distances. */
export function higherIsBetter(distance: Distance): boolean {
  return distance === 'Cosine' || distance === 'Dot';
}

export function normalize(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? [...v] : v.map((x) => x / norm);
}

/**
 * Qdrant's score of `v` for query `q`: cosine similarity, dot product, Euclidean distance
 * (not squared) or Manhattan distance.
 */
export function qdrantScore(distance: Distance, q: readonly number[], v: readonly number[]): number {
  if (distance === 'Cosine') {
    const a = normalize(q);
    const b = normalize(v);
    return a.reduce((s, x, i) => s + x * b[i], 0);
  }
  if (distance === 'Dot') return q.reduce((s, x, i) => s + x * v[i], 0);
  if (distance === 'Euclid') return Math.sqrt(q.reduce((s, x, i) => s + (x - v[i]) ** 2, 0));
  return q.reduce((s, x, i) => s + Math.abs(x - v[i]), 0);
}

/** Best-first `(id, score)` of the points, by Qdrant's rules; ties by id. */
export function nearest(
  distance: Distance,
  query: readonly number[],
  points: readonly { id: QId; vector: readonly number[] }[],
  limit: number,
): Scored[] {
  const sign = higherIsBetter(distance) ? -1 : 1;
  return points
    .map((p) => ({ id: p.id, score: qdrantScore(distance, query, p.vector) }))
    .sort((a, b) => sign * (a.score - b.score) || compareQIds(a.id, b.id))
    .slice(0, limit);
}

/** Reciprocal-rank fusion, Qdrant's: Σ 1 / (rank + k) over the lists (rank from 0, k = 2). */
export function rrf(lists: readonly Scored[][], k = 2): Scored[] {
  const scores = new Map<QId, number>();
  for (const list of lists) {
    list.forEach((p, rank) => {
      scores.set(p.id, (scores.get(p.id) ?? 0) + 1 / (rank + k));
    });
  }
  return sortDescending(scores);
}

/**
 * Distribution-based score fusion, Qdrant's: each list's scores mapped by
 * (s − (μ − 3σ)) / 6σ (μ the mean, σ the sample standard deviation; a lone point scores 0.5),
 * summed per point. `distances` says, per list, that its scores are distances (lower is
 * better), which Qdrant negates first.
 */
export function dbsf(lists: readonly Scored[][], distances: readonly boolean[] = []): Scored[] {
  const scores = new Map<QId, number>();
  lists.forEach((list, li) => {
    const values = list.map((p) => (distances[li] ? -p.score : p.score));
    let normalized: number[];
    if (values.length === 1) normalized = [0.5];
    else {
      const mean = values.reduce((s, x) => s + x, 0) / values.length;
      const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1);
      const sd = Math.sqrt(variance);
      const low = mean - 3 * sd;
      const high = mean + 3 * sd;
      normalized = values.map((x) => (high === low ? 0.5 : (x - low) / (high - low)));
    }
    list.forEach((p, i) => {
      scores.set(p.id, (scores.get(p.id) ?? 0) + normalized[i]);
    });
  });
  return sortDescending(scores);
}

function sortDescending(scores: Map<QId, number>): Scored[] {
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || compareQIds(a.id, b.id));
}

/**
 * Maximal marginal relevance over `candidates` (best first, with their vectors), Qdrant's:
 * the most relevant first, then repeatedly the candidate maximizing
 * λ · sim(query) − (1 − λ) · max sim(picked), λ = 1 − diversity; `similarity` is the metric's
 * (cosine / dot; negated distance otherwise). Picked candidates keep their original scores.
 */
export function mmr(
  distance: Distance,
  query: readonly number[],
  candidates: readonly { id: QId; score: number; vector: readonly number[] }[],
  diversity: number,
  limit: number,
): Scored[] {
  const lambda = 1 - diversity;
  const sim = (a: readonly number[], b: readonly number[]) =>
    higherIsBetter(distance) ? qdrantScore(distance, a, b) : -qdrantScore(distance, a, b);
  const relevance = candidates.map((c) => sim(query, c.vector));
  const picked: number[] = [];
  const remaining = new Set(candidates.map((_, i) => i));
  while (picked.length < limit && remaining.size > 0) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const i of remaining) {
      const redundancy =
        picked.length === 0
          ? 0
          : Math.max(...picked.map((j) => sim(candidates[i].vector, candidates[j].vector)));
      const score = picked.length === 0 ? relevance[i] : lambda * relevance[i] - (1 - lambda) * redundancy;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    picked.push(best);
    remaining.delete(best);
  }
  return picked.map((i) => ({ id: candidates[i].id, score: candidates[i].score }));
}

/**
 * Asserts that `got` is `expected`'s ranking: the same ids in the same order and scores within
 * `tolerance` (relative to max(1, |score|)), where points whose expected scores tie (within
 * the tolerance) may come in any order among themselves, and at the end of the list any of a
 * tied group may be the ones kept.
 */
export function assertRanking(
  got: readonly { id: QId | string | number; score: number }[],
  expected: readonly Scored[],
  message: string,
  tolerance = 1e-4,
): void {
  assert.equal(got.length, expected.length, `${message}: ${got.length} results, expected ${expected.length}`);
  const close = (a: number, b: number) =>
    Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  for (let i = 0; i < got.length; i++) {
    assert.ok(
      close(got[i].score, expected[i].score),
      `${message}: score #${i} ${got[i].score} (id ${got[i].id}), expected ${expected[i].score} (id ${expected[i].id})`,
    );
    if (got[i].id === expected[i].id) continue;
    // A tie: the id must be in the expected list with the same score.
    const twin = expected.find((e) => e.id === got[i].id);
    const tiedAtEnd = twin === undefined && close(expected[expected.length - 1].score, got[i].score);
    assert.ok(
      (twin !== undefined && close(twin.score, got[i].score)) || tiedAtEnd,
      `${message}: #${i} is ${got[i].id} (${got[i].score}), expected ${expected[i].id} (${expected[i].score})`,
    );
  }
}
