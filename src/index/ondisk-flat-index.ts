/**
 * Exact search over rows kept on disk (`DiskRows`): the index of a sealed segment's
 * `onDisk` field before its approximate index is built, the exact scan behind `exact: true`,
 * and the fallback of the on-disk HNSW index. It streams the rows through one small block of
 * linear memory at a time (`CHUNK_BYTES`) and ranks each chunk with the same kernel as
 * `FlatIndex`, so it returns what `FlatIndex` over the same rows returns, distances and
 * ties included; when a filter allows few rows it reads only those (positioned reads of
 * runs of neighbouring rows).
 *
 * Invariants:
 * - Chunks hold a multiple of 32 rows, so a chunk's rows of an allow bitset are whole words.
 * - Results are merged by (distance, offset), as `FlatIndex` breaks ties (lower row first).
 * - The linear memory it allocates is one chunk per call in flight, freed when the call ends;
 *   asynchronous calls read the file without blocking the event loop and rank on this thread.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { Bitset } from './bitset.js';
import type { DiskRows } from './disk-rows.js';
import type { IndexSearchResult, VectorIndexRead } from './vector-index.js';

const EMPTY: IndexSearchResult = { offsets: new Uint32Array(0), distances: new Float32Array(0) };
/** Bytes of rows streamed through linear memory at a time (within a segment's scratch allowance). */
export const CHUNK_BYTES = 256 * 1024;
/** A filter allowing fewer than one row in this many is read row by row rather than streamed. */
const SPARSE_RATIO = 8;

/** Rows per chunk for rows of `dimension` floats: a multiple of 32, at least 32. */
export function chunkRows(dimension: number): number {
  return Math.max(32, Math.floor(CHUNK_BYTES / (dimension * 4) / 32) * 32);
}

/**
 * The `k` nearest of `n` rows (`rows`, row-major) to `query` by the kernels' fused scan:
 * positions into `rows` and distances, ascending, ties by lower position.
 */
export function rankRows(
  kern: Kernels,
  distance: DistanceKind,
  query: Float32Array,
  rows: Float32Array,
  n: number,
  k: number,
  allowWords?: Uint32Array,
): IndexSearchResult {
  const d = query.length;
  const limit = Math.min(k, n);
  if (limit <= 0) return EMPTY;
  const allowBytes = allowWords ? allowWords.length * 4 : 0;
  const block = kern.alloc(d * 4 + n * d * 4 + limit * 8 + allowBytes);
  try {
    const base = block + d * 4;
    const outRows = base + n * d * 4;
    const outDist = outRows + limit * 4;
    const allow = allowWords ? outDist + limit * 4 : 0;
    kern.f32(block, d).set(query);
    kern.f32(base, n * d).set(rows.subarray(0, n * d));
    if (allowWords) kern.u32(allow, allowWords.length).set(allowWords);
    const found = kern.searchTopK(distance, block, base, n, d, limit, allow, outRows, outDist);
    return { offsets: kern.u32(outRows, found).slice(), distances: kern.f32(outDist, found).slice() };
  } finally {
    kern.free(block);
  }
}

/** Rows read at once: `n` rows from `first`, or the `n` rows `offsets`; `words`: their allow bits. */
interface Part {
  first: number;
  n: number;
  offsets?: Uint32Array;
  words?: Uint32Array;
}

/** Keeps the best `k` of results offered chunk by chunk, ordered by (distance, offset). */
class TopK {
  private offsets: number[] = [];
  private distances: number[] = [];

  constructor(private readonly k: number) {}

  /** Offers `found` with its positions shifted to offsets by `map`. */
  offer(found: IndexSearchResult, map: (position: number) => number): void {
    for (let i = 0; i < found.offsets.length; i++) {
      this.offsets.push(map(found.offsets[i]));
      this.distances.push(found.distances[i]);
    }
    if (this.offsets.length > 4 * this.k) this.trim();
  }

  result(): IndexSearchResult {
    this.trim();
    return { offsets: Uint32Array.from(this.offsets), distances: Float32Array.from(this.distances) };
  }

  private trim(): void {
    const order = this.offsets.map((_, i) => i);
    order.sort((a, b) => this.distances[a] - this.distances[b] || this.offsets[a] - this.offsets[b]);
    const keep = order.slice(0, this.k);
    this.offsets = keep.map((i) => this.offsets[i]);
    this.distances = keep.map((i) => this.distances[i]);
  }
}

export class OnDiskFlatIndex implements VectorIndexRead {
  readonly type = 'flat';
  readonly dimension: number;

  constructor(
    readonly kernels: Kernels,
    readonly distance: DistanceKind,
    readonly rows: DiskRows,
  ) {
    this.dimension = rows.dimension;
  }

  get size(): number {
    return this.rows.count;
  }

  search(query: Float32Array, k: number, allow?: Bitset): IndexSearchResult {
    const plan = this.plan(query, k, allow);
    if (plan === undefined) return EMPTY;
    const top = new TopK(plan.limit);
    const buffer = new Float32Array(plan.chunk * this.dimension);
    for (const part of this.parts(plan, allow)) {
      if (part.offsets) this.rows.read(part.offsets, buffer);
      else this.rows.readRange(part.first, part.n, buffer);
      this.offerPart(top, query, buffer, part, plan.limit);
    }
    return top.result();
  }

  /** `search` reading the file without blocking the event loop (ranking runs on this thread). */
  async searchAsync(query: Float32Array, k: number, allow?: Bitset): Promise<IndexSearchResult> {
    const plan = this.plan(query, k, allow);
    if (plan === undefined) return EMPTY;
    const top = new TopK(plan.limit);
    const buffer = new Float32Array(plan.chunk * this.dimension);
    for (const part of this.parts(plan, allow)) {
      if (part.offsets) await this.rows.readAsync(part.offsets, buffer);
      else await this.rows.readRangeAsync(part.first, part.n, buffer);
      this.offerPart(top, query, buffer, part, plan.limit);
    }
    return top.result();
  }

  /** Every allowed row within `maxDistance` of `query`, ascending (ties by offset). */
  rangeSearch(query: Float32Array, maxDistance: number, allow?: Bitset): IndexSearchResult {
    if (this.size === 0) return EMPTY;
    this.checkQuery(query, allow);
    const chunk = chunkRows(this.dimension);
    const buffer = new Float32Array(chunk * this.dimension);
    const kern = this.kernels;
    const d = this.dimension;
    const hits: { offset: number; distance: number }[] = [];
    const block = kern.alloc(d * 4 + chunk * d * 4 + chunk * 4);
    try {
      const base = block + d * 4;
      const out = base + chunk * d * 4;
      kern.f32(block, d).set(query);
      for (let first = 0; first < this.size; first += chunk) {
        const n = Math.min(chunk, this.size - first);
        this.rows.readRange(first, n, buffer);
        kern.f32(base, n * d).set(buffer.subarray(0, n * d));
        kern.scan(this.distance, block, base, n, d, out);
        const dist = kern.f32(out, n);
        for (let i = 0; i < n; i++) {
          const offset = first + i;
          if (dist[i] <= maxDistance && (!allow || allow.has(offset)))
            hits.push({ offset, distance: dist[i] });
        }
      }
    } finally {
      kern.free(block);
    }
    hits.sort((a, b) => a.distance - b.distance || a.offset - b.offset);
    return {
      offsets: Uint32Array.from(hits, (h) => h.offset),
      distances: Float32Array.from(hits, (h) => h.distance),
    };
  }

  serialize(): Uint8Array {
    return new Uint8Array(0);
  }

  checkIntegrity(): void {
    if (this.rows.dimension !== this.dimension) {
      throw new Error(`flat on disk: rows of ${this.rows.dimension} floats, index of ${this.dimension}`);
    }
  }

  /** Closes nothing: the rows belong to the segment. */
  dispose(): void {}

  /** Ranks one part read into `rows` and offers its best to `top`. */
  private offerPart(top: TopK, query: Float32Array, rows: Float32Array, part: Part, k: number): void {
    const { offsets, first } = part;
    const found = rankRows(this.kernels, this.distance, query, rows, part.n, k, part.words);
    top.offer(found, offsets ? (i) => offsets[i] : (i) => first + i);
  }

  /** The limit and chunk size, or undefined when nothing can be returned. */
  private plan(query: Float32Array, k: number, allow?: Bitset) {
    const limit = Math.min(k, this.size);
    if (limit <= 0) return undefined;
    this.checkQuery(query, allow);
    const allowed = allow ? allow.count() : this.size;
    if (allowed === 0) return undefined;
    return { limit, chunk: chunkRows(this.dimension), allowed };
  }

  /**
   * What to read, one chunk at a time: when a filter allows few rows (under one in
   * `SPARSE_RATIO`), only those (positioned reads, `offsets`); else every chunk of rows
   * holding an allowed one, with its allow words.
   */
  private *parts(plan: { chunk: number; allowed: number }, allow?: Bitset): Generator<Part> {
    if (allow && plan.allowed * SPARSE_RATIO < this.size) {
      const batch = new Uint32Array(plan.chunk);
      let n = 0;
      for (let r = 0; r < this.size; r++) {
        if (!allow.has(r)) continue;
        batch[n++] = r;
        if (n === plan.chunk) {
          yield { first: 0, n, offsets: batch };
          n = 0;
        }
      }
      if (n > 0) yield { first: 0, n, offsets: batch.subarray(0, n) };
      return;
    }
    for (let first = 0; first < this.size; first += plan.chunk) {
      const n = Math.min(plan.chunk, this.size - first);
      if (!allow) {
        yield { first, n };
        continue;
      }
      const words = allow.words.subarray(first >>> 5, (first + n + 31) >>> 5);
      if (words.some((w) => w !== 0)) yield { first, n, words };
    }
  }

  private checkQuery(query: Float32Array, allow?: Bitset): void {
    if (query.length !== this.dimension) {
      throw new RangeError(`query has ${query.length} floats, index dimension is ${this.dimension}`);
    }
    if (allow && allow.size !== this.size) {
      throw new RangeError(`allow bitset has ${allow.size} bits, index has ${this.size} rows`);
    }
  }
}
