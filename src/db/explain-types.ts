/**
 * The shape of `Hit.explain` (`search(…, { explain: true })`): how a hit was found and how
 * its score was computed. Plain JSON (numbers, strings, arrays, objects), so the REST API
 * passes it through unchanged and `quiverdb/client` returns it as the embedded engine does.
 *
 * Invariants a reader may rely on:
 * - `vector.score` equals the hit's `score` for a vector search, and the hit's `score` is
 *   `vector.score` computed from `vector.distance` by `vector.conversion`.
 * - For a text search, the `contribution`s of `text.terms` add up (in order) to `text.score`,
 *   which equals the hit's `score`.
 * - For a hybrid search, the `contribution`s of `fusion.branches` add up (in order) to
 *   `fusion.score`, which equals the hit's `score`; a branch that did not find the hit has
 *   no `rank` and contributes 0.
 * - Explaining never changes a result: the ids, order and scores are those of the same
 *   search without `explain`.
 */

/** How one segment was searched for a vector query (the planner's and the index's choices). */
export interface SearchPathExplanation {
  /** The segment the hit lives in: its position among the searched segments and its kind. */
  segment: { position: number; kind: 'growing' | 'sealed'; id?: number; rows: number; liveRows: number };
  /** The index type searched (`flat`, `hnsw`, `IVF64,PQ8`, `SQ8`, `Annoy8`, …). */
  index: string;
  /**
   * `exact-scan`: every allowed row's distance (the growing segment, a Flat index, a forced or
   * planned scan); `graph-walk`: HNSW; `ivf-probe`: the `nprobe` inverted lists nearest the
   * query; `quantized-scan`: SQ8 / PQ codes scanned, then re-ranked; `lsh`: hash buckets;
   * `annoy`: random-projection trees; `ivf-fallback-scan`: the probed lists held fewer than k
   * allowed rows, so the allowed rows were scanned exactly.
   */
  method:
    | 'exact-scan'
    | 'graph-walk'
    | 'ivf-probe'
    | 'ivf-fallback-scan'
    | 'quantized-scan'
    | 'lsh'
    | 'annoy';
  /** Why this method, in words (the rule that decided it, with its numbers). */
  reason: string;
  /** With a filter: an upper bound from payload-index cardinalities, and the exact allowed rows. */
  allowedBound?: number;
  allowedRows?: number;
  /** The keyword value partition searched instead of the segment (`match: { value }` on a partitioned key). */
  partition?: { key: string; value: string; rows: number };
  /** HNSW: candidates kept (max(ef, k)) and the graph's M. */
  ef?: number;
  M?: number;
  /** IVF: lists probed, the list holding the hit, and that list's rank by distance to the query (1 = nearest). */
  nprobe?: number;
  nlist?: number;
  list?: number;
  listRank?: number;
  /** Quantized indexes: candidates re-ranked on full vectors (0: scores are the codes' distances; absent: the index's default). */
  rerank?: number;
  /** Annoy / LSH: nodes or rows inspected. */
  searchK?: number;
}

/** How a vector hit was scored. */
export interface VectorScoreExplanation {
  metric: string;
  /** The distance the search ranked by (kernel convention: lower is better; ip/cosine: −dot). */
  distance: number;
  /** The distance recomputed on the stored full-precision vector. */
  exactDistance: number;
  /** Quantized indexes: the distance the codes give (SQ8 decoded vector, PQ asymmetric distance). */
  approximateDistance?: number;
  /** How `score` follows from `distance`: `score = distance` or `score = -distance`. */
  conversion: string;
  score: number;
}

/** One query term's share of a BM25 score (Lucene's BM25, k1 = 1.2, b = 0.75). */
export interface Bm25TermExplanation {
  term: string;
  /** Times the term appears in the query (each occurrence counts). */
  queryCount: number;
  /** Occurrences in the document (0: the term does not occur, contribution 0). */
  tf: number;
  /** Live documents of the collection containing the term. */
  df: number;
  /** ln(1 + (N − df + 0.5) / (df + 0.5)). */
  idf: number;
  /** k1 · (1 − b + b · |d| / avgdl). */
  lengthNorm: number;
  /** queryCount · idf · (k1 + 1) · tf / (tf + lengthNorm). */
  contribution: number;
}

export interface Bm25Explanation {
  field: string;
  /** N: live documents with the field; avgdl: their mean length in terms; |d|: this one's. */
  docCount: number;
  avgLength: number;
  docLength: number;
  k1: number;
  b: number;
  terms: Bm25TermExplanation[];
  score: number;
}

/** One branch of a hybrid search as fusion saw it. */
export interface FusionBranchExplanation {
  /** `vector` or `text` (hybrid search), `prefetch[i]` (the REST query API's fusion of prefetches). */
  branch: string;
  /** 1-based rank in the branch's list, absent when the branch did not find the hit. */
  rank?: number;
  /** The branch's score of the hit (vector: the metric's score; text: BM25). */
  score?: number;
  weight: number;
  /** rrf: weight / (rrfK + rank); dbsf: weight · (s − low) / width; weighted: weight · min-max normalized. */
  contribution: number;
  /** dbsf: the list's mean ± 3σ interval (low, width = 6σ); weighted: the list's min and max. */
  low?: number;
  width?: number;
  min?: number;
  max?: number;
  /** Hits in the branch's list (each branch ranks offset + k rows). */
  listLength: number;
}

export interface FusionExplanation {
  method: 'rrf' | 'weighted' | 'dbsf';
  rrfK?: number;
  branches: FusionBranchExplanation[];
  /** Σ contributions, in branch order: the hit's score. */
  score: number;
}

/** One condition of the filter and how segments answer it. */
export interface FilterConditionExplanation {
  /** Where it sits: `must[0]`, `should[1].must[0]`, … */
  path: string;
  /** The condition's kind and key: `match value on "color"`, `range on "price"`, `has_id`, … */
  condition: string;
  key?: string;
  /** `keyword index`, `integer index`, `text index`, … (the key's payload index), `point ids`, or `payload scan`. */
  answeredBy: string;
  /** Whether the hit's payload satisfies the condition. */
  holds: boolean;
}

export interface FilterExplanation {
  conditions: FilterConditionExplanation[];
}

/** Everything `explain: true` adds to one hit. */
export interface HitExplanation {
  /** `vector`, `text` (BM25), `hybrid`, or `fusion` (the REST query API's fusion of prefetches). */
  kind: 'vector' | 'text' | 'hybrid' | 'fusion';
  path?: SearchPathExplanation;
  vector?: VectorScoreExplanation;
  text?: Bm25Explanation;
  fusion?: FusionExplanation;
  filter?: FilterExplanation;
}
