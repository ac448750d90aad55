/**
 * Fusion of whole hit lists (Qdrant's `prefetch` + `query: { fusion }`): any number of
 * ranked `Hit` lists, each best first, become one list scored by reciprocal-rank fusion or
 * distribution-based score fusion (`text/fusion.ts` has the arithmetic and its invariants).
 * A point found by several lists appears once, carrying the payload and vectors of its first
 * appearance (lists in order, each from its top).
 */
import { InvalidArgumentError } from '../errors.js';
import { fuseDbsf, fuseRrf } from '../text/fusion.js';
import type { Hit, PointId } from './types.js';
import { describe } from './validate.js';

/** One list to fuse, with how its scores point and its weight. */
export interface HitList {
  hits: readonly Hit[];
  /** Whether a higher score is better (similarities, BM25, fused scores; default) or worse (distances). */
  higherIsBetter?: boolean;
  /**
   * Default 1. Multiplies the list's contribution: weight / (rrfK + rank), or weight ·
   * normalized score. (Qdrant's weighted RRF, 1 / ((position + 1) / weight + k − 1), agrees
   * only at weight 1.)
   */
  weight?: number;
}

export interface HitFusionOptions {
  /**
   * `rrf`: a point scores Σ weight / (rrfK + rank) over the lists holding it (rank from 1).
   * `dbsf`: each list's scores normalized by mean ± 3σ, then Σ weight · normalized.
   */
  method: 'rrf' | 'dbsf';
  /**
   * The k of `rrf`, default 60 (Quiver's hybrid search). Qdrant scores 1 / (k + position)
   * with positions from 0, so its `rrf: { k }` is `rrfK: k − 1` here, and its default
   * k = 2 is `rrfK: 1`.
   */
  rrfK?: number;
  /** Skip this many best fused hits. Default 0. */
  offset?: number;
  /** Return at most this many (after `offset`). Default all. */
  limit?: number;
  /** Keep only fused scores ≥ this (fused scores are higher-is-better). */
  scoreThreshold?: number;
}

/**
 * The fused ranking of `lists` (plain arrays count as higher-is-better lists of weight 1),
 * best first, ties broken by the best rank a point has in any list.
 * @example
 * const fused = fuseHitLists([denseHits, textHits], { method: 'rrf', rrfK: 1, limit: 10 });
 * @throws InvalidArgumentError for an unknown method, a bad rrfK, offset, limit or weight.
 */
export function fuseHitLists(lists: readonly (readonly Hit[] | HitList)[], options: HitFusionOptions): Hit[] {
  const given = lists.map((list): HitList => (Array.isArray(list) ? { hits: list } : (list as HitList)));
  for (const [i, list] of given.entries()) {
    const w = list.weight ?? 1;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new InvalidArgumentError(`lists[${i}].weight must be a finite number ≥ 0, got ${describe(w)}`);
    }
  }
  const first = new Map<PointId, Hit>();
  for (const list of given) for (const hit of list.hits) if (!first.has(hit.id)) first.set(hit.id, hit);
  const keyed = given.map((list) => ({
    keys: list.hits.map((h) => h.id),
    scores: list.hits.map((h) => h.score),
    higherIsBetter: list.higherIsBetter !== false,
    weight: list.weight,
  }));
  let fused: { key: PointId; score: number }[];
  if (options.method === 'rrf') {
    const k = options.rrfK ?? 60;
    if (typeof k !== 'number' || !Number.isFinite(k) || k < 0) {
      throw new InvalidArgumentError(`rrfK must be a finite number ≥ 0, got ${describe(k)}`);
    }
    fused = fuseRrf(keyed, k);
  } else if (options.method === 'dbsf') {
    fused = fuseDbsf(keyed);
  } else {
    throw new InvalidArgumentError(`fusion method must be 'rrf' or 'dbsf', got ${describe(options.method)}`);
  }
  const threshold = options.scoreThreshold;
  if (threshold !== undefined) {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
      throw new InvalidArgumentError(`scoreThreshold must be a number, got ${describe(threshold)}`);
    }
    fused = fused.filter((f) => f.score >= threshold);
  }
  const offset = count(options.offset, 'offset', 0);
  const limit = count(options.limit, 'limit', Number.POSITIVE_INFINITY);
  return fused.slice(offset, offset + limit).map(({ key, score }) => ({ ...first.get(key)!, score }));
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be an integer ≥ 0, got ${describe(value)}`);
  }
  return value;
}
