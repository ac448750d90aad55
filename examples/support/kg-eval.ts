/**
 * Link prediction measured the way Bordes et al. (2013) and every paper since measure it:
 * for each held-out triple (h, r, t), rank every entity as the tail of (h, r, ?) and as the
 * head of (?, r, t); the *filtered* rank of the right answer counts only the entities ranked
 * above it that do not make a known triple (train, valid or test) themselves. MRR is the mean
 * of 1 / rank, Hits@k the fraction of ranks ≤ k, over both directions of every test triple.
 *
 * Ties: an entity at exactly the right answer's distance does not count against it (the
 * optimistic convention; with float distances of trained vectors ties are rare).
 */
import { DistanceKind, type Kernels } from '../../src/kernels/kernels.js';
import { wasmKernels } from '../../src/kernels/load.js';
import { headQuery, type TransEModel, tailQuery } from './kg-transe.js';

/**
 * L1 distances from a query to every entity vector, by the wasm simd128 scan kernel over a
 * copy of the entity matrix in wasm memory. `close()` frees it.
 */
export class EntityScanner {
  private readonly kernels: Kernels = wasmKernels();
  private readonly base: number;
  private readonly query: number;
  private readonly out: number;
  readonly count: number;

  constructor(private readonly model: TransEModel) {
    const dim = model.dimension;
    this.count = model.entities.length / dim;
    this.base = this.kernels.alloc(model.entities.byteLength);
    this.query = this.kernels.alloc(dim * 4);
    this.out = this.kernels.alloc(this.count * 4);
    this.kernels.f32(this.base, model.entities.length).set(model.entities);
  }

  /** A fresh array of the L1 distance from `query` to each entity, by entity id. */
  distances(query: Float32Array): Float32Array {
    const dim = this.model.dimension;
    this.kernels.f32(this.query, dim).set(query);
    this.kernels.scan(DistanceKind.L1, this.query, this.base, this.count, dim, this.out);
    return this.kernels.f32(this.out, this.count).slice();
  }

  close(): void {
    this.kernels.free(this.base);
    this.kernels.free(this.query);
    this.kernels.free(this.out);
  }
}

/** The set of all known triples, for filtering, and how many answers each query has. */
export class KnownTriples {
  private readonly keys = new Set<number>();
  /** Known tails per (h, r) and known heads per (r, t), by `pairKey`. */
  private readonly tailCount = new Map<number, number>();
  private readonly headCount = new Map<number, number>();

  constructor(
    private readonly entityCount: number,
    private readonly relationCount: number,
    ...sets: Int32Array[]
  ) {
    for (const s of sets) {
      for (let i = 0; i < s.length; i += 3) {
        const key = this.key(s[i], s[i + 1], s[i + 2]);
        if (this.keys.has(key)) continue;
        this.keys.add(key);
        const tails = this.pairKey(s[i], s[i + 1]);
        this.tailCount.set(tails, (this.tailCount.get(tails) ?? 0) + 1);
        const heads = this.pairKey(s[i + 2], s[i + 1]);
        this.headCount.set(heads, (this.headCount.get(heads) ?? 0) + 1);
      }
    }
  }

  private key(h: number, r: number, t: number): number {
    return (h * this.relationCount + r) * this.entityCount + t;
  }

  private pairKey(entity: number, r: number): number {
    return entity * this.relationCount + r;
  }

  has(h: number, r: number, t: number): boolean {
    return this.keys.has(this.key(h, r, t));
  }

  /** How many known triples (h, r, ·) there are. */
  tailsOf(h: number, r: number): number {
    return this.tailCount.get(this.pairKey(h, r)) ?? 0;
  }

  /** How many known triples (·, r, t) there are. */
  headsOf(r: number, t: number): number {
    return this.headCount.get(this.pairKey(t, r)) ?? 0;
  }
}

/** Filtered link-prediction quality. */
export interface LinkPredictionMetrics {
  /** Number of ranked queries: two per test triple (head and tail). */
  queries: number;
  mrr: number;
  meanRank: number;
  hits1: number;
  hits3: number;
  hits10: number;
}

/** Means over a list of filtered ranks (1-based). */
export function metricsFromRanks(ranks: ArrayLike<number>): LinkPredictionMetrics {
  let rr = 0;
  let sum = 0;
  let h1 = 0;
  let h3 = 0;
  let h10 = 0;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    rr += 1 / r;
    sum += r;
    if (r <= 1) h1++;
    if (r <= 3) h3++;
    if (r <= 10) h10++;
  }
  const n = ranks.length;
  return { queries: n, mrr: rr / n, meanRank: sum / n, hits1: h1 / n, hits3: h3 / n, hits10: h10 / n };
}

/**
 * Filtered ranks of every test triple, by brute force over all entities: tail ranks at even
 * positions, head ranks at odd ones.
 */
export function filteredRanks(model: TransEModel, test: Int32Array, known: KnownTriples): Int32Array {
  const scanner = new EntityScanner(model);
  try {
    return rankAll(model, scanner, test, known);
  } finally {
    scanner.close();
  }
}

function rankAll(
  model: TransEModel,
  scanner: EntityScanner,
  test: Int32Array,
  known: KnownTriples,
): Int32Array {
  const ranks = new Int32Array((test.length / 3) * 2);
  for (let i = 0; i < test.length; i += 3) {
    const h = test[i];
    const r = test[i + 1];
    const t = test[i + 2];
    const tails = scanner.distances(tailQuery(model, h, r));
    let rank = 1;
    for (let e = 0; e < tails.length; e++) if (tails[e] < tails[t] && !known.has(h, r, e)) rank++;
    ranks[(2 * i) / 3] = rank;
    const heads = scanner.distances(headQuery(model, r, t));
    rank = 1;
    for (let e = 0; e < heads.length; e++) if (heads[e] < heads[h] && !known.has(e, r, t)) rank++;
    ranks[(2 * i) / 3 + 1] = rank;
  }
  return ranks;
}

/**
 * Filtered ranks computed from a top-`k` list of entity ids (best first) instead of a full
 * ranking, as an index search returns them: the rank of `answer` among the listed entities
 * that are not other known answers, or `Infinity` when it is not listed. Within the first k
 * this equals the brute-force filtered rank when the list is the exact top k.
 */
export function filteredRankInList(
  listed: readonly number[],
  answer: number,
  isOtherKnown: (entity: number) => boolean,
): number {
  let rank = 1;
  for (const e of listed) {
    if (e === answer) return rank;
    if (!isOtherKnown(e)) rank++;
  }
  return Number.POSITIVE_INFINITY;
}

/** The filtered rank that a random ranking would give on average: (candidates + 1) / 2. */
export function randomMeanRank(entityCount: number): number {
  return (entityCount + 1) / 2;
}
