/**
 * What the SQ8 indexes (`Sq8Index`, `HnswSq8Index`) share per query: validating the query
 * and the `rerank` parameter, and the linear-memory block of one wasm search call (the
 * query as searched, its prepared SQ8 form, the candidate and output arrays, the allow
 * bitset).
 *
 * Invariant: a block is freed by `release()` only after the wasm call that reads it (on
 * this thread or a worker) has finished; nothing else allocates between `sq8QueryBlock`
 * and the call's arguments being read, so its pointers stay valid.
 */
import { DistanceKind as Kind } from '../kernels/kernels.js';
import type { Bitset } from './bitset.js';
import { normalizedRows } from './hnsw-index.js';
import type { Sq8Codec } from './sq8-codec.js';
import type { IndexSearchParams, IndexSearchResult } from './vector-index.js';

export const EMPTY_RESULT: IndexSearchResult = {
  offsets: new Uint32Array(0),
  distances: new Float32Array(0),
};

/**
 * @throws RangeError when `query` does not have `dimension` floats or `allow` does not
 *   have `size` bits.
 */
export function checkQuery(
  query: Float32Array,
  allow: Bitset | undefined,
  dimension: number,
  size: number,
): void {
  if (query.length !== dimension) {
    throw new RangeError(`query has ${query.length} floats, index dimension is ${dimension}`);
  }
  if (allow && allow.size !== size) {
    throw new RangeError(`allow bitset has ${allow.size} bits, index has ${size} rows`);
  }
}

/** `params.rerank`, or `fallback` when absent. @throws RangeError unless a non-negative integer. */
export function rerankParam(params: IndexSearchParams | undefined, fallback: number): number {
  const rerank = params?.rerank ?? fallback;
  if (!Number.isInteger(rerank) || rerank < 0) {
    throw new RangeError(`rerank must be a non-negative integer, got ${rerank}`);
  }
  return rerank;
}

/** The rows or query as searched: unit length for COSINE (zero rows stay zero), else as given. */
export function searchedRows(rows: Float32Array, dimension: number, distance: Kind): Float32Array {
  return distance === Kind.COSINE ? normalizedRows(rows, dimension) : rows;
}

/** Pointers of one search call's block; `collect` copies the results out. */
export interface Sq8QueryBlock {
  /** The f32 query as searched (for re-ranking). */
  query: number;
  /** Its prepared SQ8 form (`Sq8Codec.prepare`). */
  prepared: number;
  /** Room for `candidates` rows (u32) and distances (f32). */
  candRows: number;
  candDist: number;
  /** Room for `k` rows (u32) and distances (f32). */
  outRows: number;
  outDist: number;
  /** The allow bitset's words, or 0 when every row is allowed. */
  allow: number;
  collect(found: number): IndexSearchResult;
  release(): void;
}

/**
 * Copies `query` (already as searched) and `allow` into a new block, prepares the query
 * for `codec`, and lays out room for `candidates` candidates and `k` results.
 */
export function sq8QueryBlock(
  codec: Sq8Codec,
  query: Float32Array,
  k: number,
  candidates: number,
  allow?: Bitset,
): Sq8QueryBlock {
  const kern = codec.kernels;
  const d = codec.dimension;
  const allowBytes = allow ? allow.words.length * 4 : 0;
  const block = kern.alloc(d * 4 + codec.preparedBytes + candidates * 8 + k * 8 + allowBytes);
  const prepared = block + d * 4;
  const candRows = prepared + codec.preparedBytes;
  const candDist = candRows + candidates * 4;
  const outRows = candDist + candidates * 4;
  const outDist = outRows + k * 4;
  const allowPtr = allow ? outDist + k * 4 : 0;
  kern.f32(block, d).set(query);
  if (allow) kern.u32(allowPtr, allow.words.length).set(allow.words);
  codec.prepare(block, prepared);
  return {
    query: block,
    prepared,
    candRows,
    candDist,
    outRows,
    outDist,
    allow: allowPtr,
    collect: (found) => ({
      offsets: kern.u32(outRows, found).slice(),
      distances: kern.f32(outDist, found).slice(),
    }),
    release: () => kern.free(block),
  };
}
